"""Grafana dashboards generated from an SLO set with ``grafana-foundation-sdk``.

Three dashboards, one per audience:

- ``executive``: minority recall and F1 trend, error budget left and consumed, jobs whose
  latest run succeeded, failing gate objectives;
- ``oncall``: the last 24 h of serving recall and precision, burn rates by window, minority
  drift, recall per cohort, firing alerts, gate verdicts, train-test gap, recent runs;
- ``debug``: neighbour distances, per-group (fairness) performance, label noise, synthetic
  counts by resampler, time and memory per step.

Every panel query is filtered by the template variables ``experiment``, ``dataset`` and
``resampler`` (serving series only carry ``model`` and ``dataset``, so they are filtered by
``dataset`` and the ``model`` variable, the serving models, which the serving alerts are per;
gate verdicts only carry ``experiment`` and ``objective``, so they are filtered by
``experiment``) and reads from the ``datasource`` variable. The on-call board opens with the
alerts firing now; burn rates are in multiples of the allowed rate (``x``). Thresholds come
from the SLO set. Counts are counts of series (jobs, objectives), never extrapolated counter
increases, so they are whole numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as dashboard_models
from grafana_foundation_sdk.models import prometheus as prometheus_models

from harness.errors import ConfigError
from harness.export.monitoring import MonitoringSettings, default_monitoring_settings
from harness.export.names import (
    DRIFT_DETECTED,
    DRIFT_SHARE,
    GATE_VERDICT,
    GATE_WORST_VALUE,
    LAST_RUN,
    RUNS_TOTAL,
    SERVING_OUTCOMES,
)
from harness.export.rules import (
    ServingSLI,
    cohort_recall_rule,
    duration_seconds,
    evidence_rule,
    label_evidence_test,
    labels_rule,
    serving_slis,
)
from harness.metrics.catalog import CATALOG, series_name
from harness.slo import Objective, SLOSet

DATASOURCE = dashboard_models.DataSourceRef(type_val="prometheus", uid="${datasource}")
FILTER_VARIABLES = ("experiment", "dataset", "resampler")
#: The serving model variable: the models that serving counters (and serving alerts) name.
MODEL_VARIABLE = "model"
BATCH_FILTER = ", ".join(f'{name}=~"${name}"' for name in FILTER_VARIABLES)
SERVING_FILTER = 'dataset=~"$dataset", model=~"$model"'
#: Grafana's custom unit of a burn rate: a multiple of the rate the error budget allows.
BURN_RATE_UNIT = "suffix:x"
GATE_FILTER = 'experiment=~"$experiment"'
JOB = "experiment, dataset, resampler, model"
RUN_LEGEND = "{{dataset}} {{resampler}} {{model}}"
SERVING_LEGEND = "serving {{model}} {{dataset}}"
VARIABLE_SOURCE = RUNS_TOTAL

# Values that make a panel query valid PromQL outside Grafana (see all_panel_queries).
VARIABLE_DEFAULTS = {
    "$experiment": ".*",
    "$dataset": ".*",
    "$resampler": ".*",
    "$model": ".*",
    "$__rate_interval": "5m",
}


@dataclass(frozen=True)
class Query:
    """One PromQL target of a panel."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class PanelSpec:
    """What a panel shows, independent of the Grafana builder API."""

    kind: str  # timeseries, stat or table
    title: str
    description: str
    queries: tuple[Query, ...]
    unit: str = ""
    thresholds: tuple[tuple[float | None, str], ...] = ()
    bounds: tuple[float, float] | None = None
    width: int = 12
    height: int = 8


@dataclass(frozen=True)
class DashboardSpec:
    """A dashboard: fixed uid, title, time range and rows of panels."""

    uid: str
    title: str
    description: str
    time_from: str
    rows: tuple[tuple[str, tuple[PanelSpec, ...]], ...] = field(default_factory=tuple)


def metric_series(metric_key: str) -> str:
    """Prometheus name of a metric key (:func:`harness.metrics.catalog.series_name`).

    The sensitive column and group of fairness keys are labels, not part of the name:
    ``fairness/sex/group/F/recall`` -> ``harness_fairness_group_recall``.
    """
    return series_name(metric_key)


def batch_series(metric_key: str, extra: str = "") -> str:
    """Selector of a batch metric filtered by the dashboard variables."""
    matchers = BATCH_FILTER + (f", {extra}" if extra else "")
    return f"{metric_series(metric_key)}{{{matchers}}}"


def serving_series(name: str) -> str:
    """Selector of a serving series filtered by the dataset variable."""
    return f"{name}{{{SERVING_FILTER}}}"


def objective_steps(objective: Objective) -> tuple[tuple[float | None, str], ...]:
    """Threshold colour steps: red on the wrong side of the objective, green on the right."""
    if objective.op in (">=", ">"):
        return ((None, "red"), (objective.threshold, "green"))
    return ((None, "green"), (objective.threshold, "red"))


def metric_steps(slo_set: SLOSet, metric_key: str) -> tuple[tuple[float | None, str], ...]:
    """Threshold steps of the first objective on ``metric_key`` (none if no objective)."""
    for objective in slo_set.objectives:
        if objective.metric == metric_key:
            return objective_steps(objective)
    return ()


def _per_run(metric_key: str, extra: str = "") -> Query:
    return Query(
        f"avg by (dataset, resampler, model) ({batch_series(metric_key, extra)})", RUN_LEGEND
    )


#: The timed steps of a fold (``time/<step>_seconds``).
STEPS = ("resample", "fit", "predict")

#: Grafana's unit for each unit of the metric catalog (shares and differences of shares are
#: drawn in percent).
GRAFANA_UNITS = {
    "ratio": "percentunit",
    "difference": "percentunit",
    "seconds": "s",
    "bytes": "bytes",
    "count": "short",
    "distance": "none",
    "score": "none",
}


def catalog_unit(*metric_keys: str) -> str:
    """The Grafana unit of catalog metrics drawn on one panel, read from the metric catalog.

    Raises
    ------
    ConfigError
        When the keys have different units (one panel has one axis) or a unit has no Grafana
        counterpart in :data:`GRAFANA_UNITS`.
    """
    units = {CATALOG[key].unit for key in metric_keys}
    if len(units) != 1 or not units <= GRAFANA_UNITS.keys():
        raise ConfigError(
            f"metrics {list(metric_keys)} have the catalog units {sorted(units)}: draw metrics "
            f"of one unit per panel, from {sorted(GRAFANA_UNITS)}."
        )
    return GRAFANA_UNITS[units.pop()]


def _share_panel(
    title: str,
    description: str,
    queries: tuple[Query, ...],
    thresholds: tuple[tuple[float | None, str], ...] = (),
) -> PanelSpec:
    """A time series of shares in [0, 1] (recall, F1, drifted share), drawn in percent."""
    return PanelSpec(
        "timeseries",
        title,
        description,
        queries,
        unit="percentunit",
        thresholds=thresholds,
        bounds=(0.0, 1.0),
    )


def _budget_stat(
    what: str,
    description: str,
    window: str,
    slis: list[ServingSLI],
    expr: Callable[[ServingSLI], str],
    thresholds: tuple[tuple[float | None, str], ...],
) -> PanelSpec:
    """A stat of the error budget ``what`` (remaining, consumed) over ``window``: one value per
    serving SLI, ``expr(sli)`` in PromQL."""
    return PanelSpec(
        "stat",
        f"Error budget {what} ({window})",
        description,
        tuple(
            Query(expr(sli), f"{sli.title} {what} {{{{model}}}} {{{{dataset}}}}", instant=True)
            for sli in slis
        ),
        unit="percentunit",
        thresholds=thresholds,
    )


def _alert_windows(sli: ServingSLI) -> list[str]:
    windows = set()
    for alert in sli.burn_rate_alerts:
        windows |= {alert.short_window, alert.long_window}
    return sorted(windows, key=duration_seconds)


def _recent_jobs(seconds: int, status: str | None = None) -> str:
    """Jobs (one series each) whose latest run finished in the last ``seconds``."""
    matchers = BATCH_FILTER + (f', status="{status}"' if status else "")
    return f"max by ({JOB}, status) ({LAST_RUN}{{{matchers}}}) > time() - {seconds}"


def label_quality_keys() -> list[str]:
    """The metric keys of the catalog's label-quality group (no data values in them)."""
    return [
        key for key, spec in CATALOG.items() if spec.group == "label quality" and "{" not in key
    ]


def _settings(slo_set: SLOSet, settings: MonitoringSettings | None) -> MonitoringSettings:
    return settings or default_monitoring_settings(slo_set)


def executive_spec(slo_set: SLOSet, settings: MonitoringSettings | None = None) -> DashboardSpec:
    """Executive view: is quality holding, how much error budget is left, do runs succeed."""
    slis = serving_slis(slo_set, _settings(slo_set, settings))
    budget_window = slo_set.error_budget_window
    recall_sli = slis[0] if slis else None
    quality = (
        _share_panel(
            "Minority recall",
            "Test minority recall of the latest batch runs and the serving recall over 1 h.",
            (
                _per_run("test/minority_recall"),
                *(
                    (Query(serving_series(recall_sli.value_rule("1h")), SERVING_LEGEND),)
                    if recall_sli
                    else ()
                ),
            ),
            thresholds=metric_steps(slo_set, "test/minority_recall"),
        ),
        _share_panel(
            "Minority F1",
            "Test minority F1 of the latest batch runs.",
            (_per_run("test/minority_f1"),),
            thresholds=metric_steps(slo_set, "test/minority_f1"),
        ),
    )

    def spent(sli: ServingSLI) -> str:
        return serving_series(sli.burn_rate_rule(budget_window))

    budget = (
        _budget_stat(
            "remaining",
            f"Per serving SLI, the share of its {budget_window} error budget still left, "
            "clamped to 0-100 %: 0 means the budget is spent and the SLO broken (how far "
            "beyond, the next panel shows).",
            budget_window,
            slis,
            lambda sli: f"clamp(1 - {spent(sli)}, 0, 1)",
            ((None, "red"), (0.01, "orange"), (0.25, "green")),
        ),
        _budget_stat(
            "consumed",
            f"Per serving SLI, the share of its {budget_window} error budget spent so far: the "
            "burn rate over the whole window. Above 100 % the budget is overspent.",
            budget_window,
            slis,
            spent,
            ((None, "green"), (0.75, "orange"), (1.0, "red")),
        ),
        PanelSpec(
            "timeseries",
            "Error budget burn rate",
            "How many times faster than allowed each serving SLI spends its error budget (1 = "
            "exactly on budget over the SLO window).",
            tuple(
                Query(
                    serving_series(sli.burn_rate_rule(window)),
                    f"{sli.title} {{{{model}}}} {window}",
                )
                for sli in slis
                for window in ("1h", "1d", budget_window)
            ),
            unit=BURN_RATE_UNIT,
            thresholds=((None, "green"), (1.0, "red")),
        ),
    )
    week = 7 * 86400
    runs = (
        PanelSpec(
            "stat",
            "Jobs whose latest run succeeded (7 d)",
            "Share of the jobs (data set, resampler, model) run in the last 7 days whose latest "
            "run finished with status success.",
            (
                Query(
                    f"count({_recent_jobs(week, 'success')})\n/\ncount({_recent_jobs(week)})",
                    instant=True,
                ),
            ),
            unit="percentunit",
            thresholds=((None, "red"), (0.9, "orange"), (0.99, "green")),
        ),
        PanelSpec(
            "stat",
            "Failing gate objectives",
            "Objectives whose latest gate verdict is FAIL, counted once per experiment and "
            "objective (0 when every gated experiment passes).",
            (
                Query(
                    f"count(max by (experiment, objective) "
                    f'({GATE_VERDICT}{{{GATE_FILTER}, verdict="FAIL"}}) == 1) or vector(0)',
                    instant=True,
                ),
            ),
            unit="none",
            thresholds=((None, "green"), (1.0, "red")),
        ),
        PanelSpec(
            "stat",
            "SLO objectives met",
            f"Share of (job, objective) pairs of SLO set {slo_set.name!r} met by the latest "
            "run of each job (every strategy, including the untreated reference).",
            (
                Query(
                    f'sum(harness_slo_met{{{BATCH_FILTER}, slo="{slo_set.name}"}})\n/\n'
                    f'count(harness_slo_met{{{BATCH_FILTER}, slo="{slo_set.name}"}})',
                    instant=True,
                ),
            ),
            unit="percentunit",
            thresholds=((None, "red"), (0.9, "orange"), (1.0, "green")),
        ),
    )
    return DashboardSpec(
        uid="harness-executive",
        title="Harness / Executive",
        description="Minority-class quality, error budget and run health at a glance.",
        time_from="now-30d",
        rows=(("Quality", quality), ("Error budget", budget), ("Runs", runs)),
    )


def oncall_spec(slo_set: SLOSet, settings: MonitoringSettings | None = None) -> DashboardSpec:
    """On-call view: the last 24 h of serving SLIs, drift, cohorts, alerts, verdicts and runs."""
    settings = _settings(slo_set, settings)
    slis = serving_slis(slo_set, settings)
    gap_keys = [o.metric for o in slo_set.objectives if o.metric.startswith("gap/")]
    batch_keys = {"minority_recall": "test/minority_recall"}
    batch_keys["minority_precision"] = "test/minority_precision"
    firing = PanelSpec(
        "table",
        "Firing alerts",
        "Harness alerts firing now, first thing on the board: burn rates, drift, cohorts, gate "
        "verdicts, stale or failing runs.",
        (
            Query(
                f'ALERTS{{alertname=~"Harness.*", alertstate="firing", {SERVING_FILTER}}}',
                instant=True,
            ),
        ),
        width=24,
    )
    serving: list[PanelSpec] = []
    for sli in slis:
        serving.append(
            _share_panel(
                f"{sli.title}, last 24 h",
                f"Serving {sli.title.lower()} ({sli.good} / ({sli.good} + {sli.bad})) over 5 m "
                "and 1 h, and the test value of batch runs.",
                (
                    Query(serving_series(sli.value_rule("5m")), "serving 5m {{model}} {{dataset}}"),
                    Query(serving_series(sli.value_rule("1h")), "serving 1h {{model}} {{dataset}}"),
                    _per_run(batch_keys[sli.name]),
                ),
                thresholds=((None, "red"), (sli.objective, "green")),
            )
        )
    for sli in slis:
        lowest = min((a.factor for a in sli.burn_rate_alerts), default=1.0)
        serving.append(
            PanelSpec(
                "timeseries",
                f"{sli.title}: error budget burn rate by window",
                "Burn rate over every window a burn-rate alert uses; an alert fires when both "
                "windows of one of its pairs exceed the pair's factor.",
                tuple(
                    Query(serving_series(sli.burn_rate_rule(window)), f"{{{{model}}}} {window}")
                    for window in _alert_windows(sli)
                ),
                unit=BURN_RATE_UNIT,
                thresholds=((None, "green"), (lowest, "red")),
            )
        )
    serving.extend(_label_panels(slo_set))
    drift = settings.drift
    serving.extend(
        (
            _share_panel(
                "Minority feature drift per window",
                f"Share of the features of served minority rows that drifted from the training "
                f"rows in each {drift.window} window (Evidently), and whether the window "
                "counted as drifted.",
                (
                    Query(serving_series(DRIFT_SHARE), "drifted share {{model}} {{dataset}}"),
                    Query(serving_series(DRIFT_DETECTED), "window drifted {{model}} {{dataset}}"),
                ),
                thresholds=((None, "green"), (drift.drift_share, "red")),
            ),
            _share_panel(
                "Recall per cohort",
                f"Serving minority recall per cohort of the sensitive column over "
                f"{settings.cohorts.window}; cohorts beyond the first "
                f"{settings.cohorts.max_cohorts} are counted as __other__.",
                (
                    Query(
                        serving_series(cohort_recall_rule(settings.cohorts.window)),
                        "{{sensitive}}={{cohort}} {{model}}",
                    ),
                ),
                thresholds=((None, "red"), (settings.cohorts.recall_objective, "green")),
            ),
        )
    )
    batch = (
        PanelSpec(
            "table",
            "Gate verdicts",
            "The latest gate verdict per experiment and objective, with the worst run and its "
            "value (value 1 rows: the current verdict).",
            (
                Query(
                    f"max by (experiment, objective, verdict) ({GATE_VERDICT}{{{GATE_FILTER}}}) "
                    "== 1",
                    instant=True,
                ),
                Query(
                    f"max by (experiment, objective, metric, candidate, required) "
                    f"({GATE_WORST_VALUE}{{{GATE_FILTER}}})",
                    instant=True,
                ),
            ),
        ),
        PanelSpec(
            "timeseries",
            "Train-test gap",
            "Train minus test score per run; a large gap means the model overfits the "
            "(resampled) training folds.",
            tuple(_per_run(key) for key in gap_keys or ["gap/minority_recall"]),
            unit=catalog_unit(*(gap_keys or ["gap/minority_recall"])),
            thresholds=metric_steps(slo_set, (gap_keys or ["gap/minority_recall"])[0]),
        ),
        PanelSpec(
            "timeseries",
            "Synthetic ratio",
            "Synthetic rows / training rows after resampling.",
            (_per_run("resample/synthetic_ratio"),),
            unit=catalog_unit("resample/synthetic_ratio"),
            thresholds=_ratio_band(slo_set, "resample/synthetic_ratio"),
        ),
        PanelSpec(
            "table",
            "Recent runs",
            "Last successful run per (experiment, dataset, resampler, model).",
            (
                Query(
                    f"max by ({JOB}) "
                    f"(harness_last_success_timestamp_seconds{{{BATCH_FILTER}}}) * 1000",
                    instant=True,
                ),
            ),
            unit="dateTimeAsIso",
        ),
        PanelSpec(
            "stat",
            "Jobs by latest status, last 24 h",
            "Jobs (data set, resampler, model) whose latest run finished in the last 24 h, by "
            "the status of that run.",
            (Query(f"count by (status) ({_recent_jobs(86400)})", "{{status}}", instant=True),),
            unit="none",
        ),
    )
    return DashboardSpec(
        uid="harness-oncall",
        title="Harness / On-call",
        description=f"Serving SLO {slo_set.name!r}, batch quality and alerts over the last day.",
        time_from="now-24h",
        rows=(("Firing now", (firing,)), ("Serving SLO", tuple(serving)), ("Batch runs", batch)),
    )


def _per_window(rule: Callable[[str], str], windows: tuple[str, ...]) -> tuple[Query, ...]:
    """One query per window of a recorded rule, labelled by model and window."""
    return tuple(Query(serving_series(rule(w)), f"{{{{model}}}} {w}") for w in windows)


def _label_panels(slo_set: SLOSet) -> tuple[PanelSpec, ...]:
    """With a label supply: the labels each window holds, and the evidence the page reads."""
    test = label_evidence_test(slo_set)
    if test is None:
        return ()
    supply = slo_set.labels
    expected = ", ".join(f"{w}: {test.expected_labels(w):.0f}" for w in test.windows)
    return (
        PanelSpec(
            "timeseries",
            "Minority labels per window",
            f"Confirmed minority labels (tp + fn) each window of the recall page holds; at the "
            f"expected {supply.minority_per_hour:g} labels per hour: {expected}. A window "
            f"describes predictions made {supply.delay} and more ago (the label delay); fewer "
            "labels than expected means a slower page.",
            _per_window(labels_rule, test.windows),
            unit="short",
        ),
        PanelSpec(
            "timeseries",
            "Minority recall: evidence of a fall, by window",
            f"Log-likelihood ratio of recall {test.degraded:g} against {test.healthy:g} over "
            f"each window's labels; the recall page fires above {test.threshold:.2f} "
            "(one false page per 30 days at the healthy recall).",
            _per_window(evidence_rule, test.windows),
            unit="none",
            thresholds=((None, "green"), (test.threshold, "red")),
        ),
    )


def debug_spec(slo_set: SLOSet, settings: MonitoringSettings | None = None) -> DashboardSpec:
    """Debug view: why a resampler behaves as it does."""
    fairness_steps: tuple[tuple[float | None, str], ...] = ()
    if slo_set.fairness:
        fairness_steps = objective_steps(slo_set.fairness[0])
    group_legend = "{{sensitive}}={{group}} {{resampler}} {{model}}"
    label_keys = label_quality_keys()
    neighbours = (
        PanelSpec(
            "timeseries",
            "Minority k-NN distance",
            "Distance from minority rows to their k nearest neighbours (mean, median, p95).",
            tuple(
                Query(f"avg by (resampler) ({batch_series(f'neighbors/minority_knn_{s}')})", s)
                for s in ("mean", "median", "p95")
            ),
        ),
        PanelSpec(
            "timeseries",
            "Synthetic nearest-neighbour distance",
            "Distance from each synthetic row to its nearest real row (mean, median, p95); "
            "near zero means near-copies.",
            tuple(
                Query(f"avg by (resampler) ({batch_series(f'neighbors/synthetic_nn_{s}')})", s)
                for s in ("mean", "median", "p95")
            ),
        ),
        PanelSpec(
            "timeseries",
            "Label quality",
            "The label-quality metrics of the catalog: "
            + "; ".join(f"{key}: {CATALOG[key].description}" for key in label_keys)
            + ".",
            tuple(
                Query(
                    f"avg by (dataset, resampler, model) ({batch_series(key)})",
                    f"{key} {RUN_LEGEND}",
                )
                for key in label_keys
            ),
            unit=catalog_unit(*label_keys) if label_keys else "percentunit",
            thresholds=metric_steps(slo_set, label_keys[0]) if label_keys else (),
        ),
        PanelSpec(
            "timeseries",
            "Invalid synthetic values",
            CATALOG["resample/invalid_value_share"].description
            + " (a fractional one-hot or integer value, an unseen category, a value outside "
            "the column's training range); categorical-aware samplers keep it at 0.",
            (
                Query(
                    f"max by (dataset, resampler, model) "
                    f"({batch_series('resample/invalid_value_share')})",
                    RUN_LEGEND,
                ),
            ),
            unit=catalog_unit("resample/invalid_value_share"),
            thresholds=metric_steps(slo_set, "resample/invalid_value_share"),
        ),
        PanelSpec(
            "timeseries",
            "Synthetic rows by resampler",
            "Synthetic rows generated per training fold, summed by resampler.",
            (
                Query(
                    f"sum by (resampler) ({batch_series('resample/n_synthetic')})",
                    "{{resampler}}",
                ),
            ),
            unit=catalog_unit("resample/n_synthetic"),
        ),
    )
    fairness = (
        _share_panel(
            "Recall per group",
            "Minority recall per sensitive group (fairlearn MetricFrame).",
            (Query(batch_series("fairness/col/group/g/recall"), group_legend),),
        ),
        _share_panel(
            "Selection rate per group",
            "Share of rows predicted minority per sensitive group.",
            (Query(batch_series("fairness/col/group/g/selection_rate"), group_legend),),
        ),
        PanelSpec(
            "timeseries",
            "Fairness differences",
            "Equalized-odds and demographic-parity differences and the lowest group recall.",
            tuple(
                Query(batch_series(f"fairness/col/{name}"), f"{name} {{{{sensitive}}}}")
                for name in (
                    "equalized_odds_difference",
                    "demographic_parity_difference",
                    "min_group_recall",
                )
            ),
            thresholds=fairness_steps,
        ),
    )
    cost = (
        PanelSpec(
            "timeseries",
            "Time per step",
            "Mean seconds per fold for resampling, fitting and predicting.",
            tuple(
                Query(f"avg by (resampler) ({batch_series(f'time/{step}_seconds')})", step)
                for step in STEPS
            ),
            unit=catalog_unit(*(f"time/{step}_seconds" for step in STEPS)),
        ),
        PanelSpec(
            "timeseries",
            "Peak memory",
            "Peak memory traced (tracemalloc) while the sampler resampled a fold, bytes.",
            (_per_run("memory/peak_bytes"),),
            unit=catalog_unit("memory/peak_bytes"),
        ),
    )
    return DashboardSpec(
        uid="harness-debug",
        title="Harness / Debug",
        description="Neighbour distances, fairness per group, label noise and resource cost.",
        time_from="now-7d",
        rows=(("Resampling", neighbours), ("Fairness", fairness), ("Cost", cost)),
    )


DASHBOARDS: dict[str, Callable[[SLOSet, MonitoringSettings | None], DashboardSpec]] = {
    "executive": executive_spec,
    "oncall": oncall_spec,
    "debug": debug_spec,
}


def build_dashboard(spec: DashboardSpec) -> dashboard_models.Dashboard:
    """Turn a :class:`DashboardSpec` into a Grafana dashboard model with the SDK builders."""
    builder = (
        dashboard_builders.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags(["harness", "generated"])
        .time(spec.time_from, "now")
        .timezone("utc")
        .refresh("1m")
        .editable()
    )
    for variable in _variables():
        builder = builder.with_variable(variable)
    panel_id = 0
    for row_title, panels in spec.rows:
        panel_id += 1
        builder = builder.with_row(dashboard_builders.Row(row_title).id(panel_id))
        for panel in panels:
            panel_id += 1
            builder = builder.with_panel(_panel(panel, panel_id))
    return builder.build()


def dashboard_json(name: str, slo_set: SLOSet, settings: MonitoringSettings | None = None) -> str:
    """Render dashboard ``name`` (``executive``, ``oncall``, ``debug``) as stable JSON text."""
    if name not in DASHBOARDS:
        raise ConfigError(f"Unknown dashboard {name!r}; choose one of {sorted(DASHBOARDS)}.")
    model = build_dashboard(DASHBOARDS[name](slo_set, settings))
    return json.dumps(model, cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def write_dashboards(
    slo_set: SLOSet, out_dir: Path, settings: MonitoringSettings | None = None
) -> list[Path]:
    """Write ``<name>.json`` for every dashboard into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DASHBOARDS:
        path = out_dir / f"{name}.json"
        path.write_text(dashboard_json(name, slo_set, settings))
        written.append(path)
    return written


def panel_queries(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression of every panel of a dashboard (JSON mapping), in order."""
    queries = []
    for panel in dashboard.get("panels", []):
        for nested in [panel, *panel.get("panels", [])]:
            queries.extend(target["expr"] for target in nested.get("targets", []))
    return queries


def substitute_variables(expr: str) -> str:
    """Replace Grafana variables with values Prometheus accepts (``.*`` for filters)."""
    for variable, value in VARIABLE_DEFAULTS.items():
        expr = expr.replace(variable, value)
    return expr


def all_panel_queries(
    slo_set: SLOSet | None = None, settings: MonitoringSettings | None = None
) -> list[str]:
    """Every PromQL expression in every panel of every dashboard, ready to run.

    Parameters
    ----------
    slo_set : SLOSet, optional
        The SLO set the dashboards are generated from; the ``default`` set when omitted.

    Returns
    -------
    list of str
        Expressions with the template variables replaced by match-all regexes and
        ``$__rate_interval`` by ``5m``, so each can be sent to a Prometheus server as is.
    """
    if slo_set is None:
        from harness.slo import load_slo_set

        slo_set = load_slo_set("default")
    queries = []
    for name in DASHBOARDS:
        dashboard = json.loads(dashboard_json(name, slo_set, settings))
        queries.extend(substitute_variables(expr) for expr in panel_queries(dashboard))
    return queries


def _variables() -> list[Any]:
    variables: list[Any] = [
        dashboard_builders.DatasourceVariable("datasource").label("Data source").type("prometheus")
    ]
    for name in FILTER_VARIABLES:
        previous = FILTER_VARIABLES[: FILTER_VARIABLES.index(name)]
        matchers = ", ".join(f'{p}=~"${p}"' for p in previous)
        selector = f"{VARIABLE_SOURCE}{{{matchers}}}" if matchers else VARIABLE_SOURCE
        variables.append(_query_variable(name, name.capitalize(), selector))
    serving = f'{SERVING_OUTCOMES}{{dataset=~"$dataset"}}'
    variables.append(_query_variable(MODEL_VARIABLE, "Model (serving)", serving))
    return variables


def _query_variable(name: str, label: str, selector: str) -> Any:
    """A multi-value variable of the values of label ``name`` on ``selector``, All by default."""
    return (
        dashboard_builders.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(f"label_values({selector}, {name})")
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(dashboard_models.VariableOption(text="All", value="$__all", selected=True))
    )


def _panel(spec: PanelSpec, panel_id: int) -> Any:
    builders = {"timeseries": timeseries.Panel, "stat": stat.Panel, "table": table.Panel}
    panel = (
        builders[spec.kind]()
        .id(panel_id)
        .title(spec.title)
        .description(spec.description)
        .datasource(DATASOURCE)
        .span(spec.width)
        .height(spec.height)
    )
    for index, query in enumerate(spec.queries):
        panel = panel.with_target(_target(query, chr(ord("A") + index), spec.kind))
    if spec.unit:
        panel = panel.unit(spec.unit)
    if spec.bounds is not None:
        panel = panel.min(spec.bounds[0]).max(spec.bounds[1])
    if spec.thresholds:
        steps = [dashboard_models.Threshold(value=v, color=c) for v, c in spec.thresholds]
        panel = panel.thresholds(
            dashboard_builders.ThresholdsConfig()
            .mode(dashboard_models.ThresholdsMode.ABSOLUTE)
            .steps(steps)
        )
        if spec.kind == "timeseries":
            panel = panel.thresholds_style(
                common_builders.GraphThresholdsStyleConfig().mode(
                    common_models.GraphThresholdsStyleMode.DASHED
                )
            )
    return panel


def _target(query: Query, ref_id: str, kind: str) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).ref_id(ref_id).datasource(DATASOURCE)
    if query.legend:
        target = target.legend_format(query.legend)
    target = target.instant() if query.instant else target.range()
    if kind == "table":
        target = target.format(prometheus_models.PromQueryFormat.TABLE)
    return target


def _ratio_band(slo_set: SLOSet, metric_key: str) -> tuple[tuple[float | None, str], ...]:
    """Colour band for a metric bounded from both sides (e.g. the synthetic ratio)."""
    lower = [o.threshold for o in slo_set.objectives if o.metric == metric_key and ">" in o.op]
    upper = [o.threshold for o in slo_set.objectives if o.metric == metric_key and "<" in o.op]
    if lower and upper:
        return ((None, "red"), (max(lower), "green"), (min(upper), "red"))
    return metric_steps(slo_set, metric_key)


__all__ = [
    "DASHBOARDS",
    "all_panel_queries",
    "build_dashboard",
    "dashboard_json",
    "write_dashboards",
]
