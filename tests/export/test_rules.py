"""Prometheus rules generated from the SLO set: their shape, promtool's checks, and a promtool
unit test of every alert on both sides of its threshold."""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.export.generate import generate_all
from harness.export.monitoring import MonitoringSettings, default_monitoring_settings
from harness.export.rules import (
    BURN_ALERT,
    COHORT_ALERT,
    DRIFT_ALERT,
    EVIDENCE_ALERT,
    GATE_ALERT,
    PRECISION_BURN_ALERT,
    RUNS_FAILING_ALERT,
    STALE_ALERT,
    alert_rules,
    burn_rate_alert_rules,
    duration_seconds,
    error_ratio_rule,
    evidence_rule,
    label_evidence_test,
    recording_rules,
    serving_slis,
    sli_windows,
    unreachable_burn_rate_alerts,
)
from harness.slo import BurnRateAlert, SLOSet, load_slo_set
from tests.export.promtool import (
    alert_rule,
    alert_test,
    alerts_at,
    expected,
    promtool_test,
    run,
    series,
    write_rules,
)

SERVING = {"model": "m", "dataset": "d"}
FAILED_SAMPLE = {"experiment": "quick", "dataset": "pima", "model": "tree"}


@pytest.fixture(scope="module")
def strict_slo() -> SLOSet:
    """The SRE workbook's burn-rate table on a 99 % objective (conf/slo/high_recall.yaml)."""
    return load_slo_set("high_recall")


def _settings(slo_set: SLOSet) -> MonitoringSettings:
    return default_monitoring_settings(slo_set)


def _written(slo_set: SLOSet, rule_dir: Path) -> MonitoringSettings:
    """Write the rule files of ``slo_set`` with its default settings; return the settings."""
    settings = _settings(slo_set)
    write_rules(slo_set, rule_dir, settings)
    return settings


def _written_rule(slo_set: SLOSet, rule_dir: Path, alertname: str) -> dict:
    """Write the rule files of ``slo_set`` (see :func:`_written`); return the ticket rule of
    ``alertname``."""
    return alert_rule(slo_set, _written(slo_set, rule_dir), alertname)


@pytest.fixture
def run_case(promtool: str, tmp_path: Path) -> Callable[..., None]:
    """Run one promtool test case against the rule files the test wrote into ``tmp_path``.

    ``run_case(name, interval, input_series, checks, evaluation_interval="1m")`` takes the
    arguments of :func:`alert_test` and of :func:`promtool_test`.
    """

    def run(
        name: str,
        interval: str,
        input_series: list[dict],
        checks: list[dict],
        evaluation_interval: str = "1m",
    ) -> None:
        case = alert_test(name, interval, input_series, checks)
        promtool_test(promtool, tmp_path, [case], evaluation_interval)

    return run


def _all_rules(slo_set: SLOSet) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        groups = alert_rules(slo_set)["groups"]
    return [rule for group in groups for rule in group["rules"]]


# -- shape ------------------------------------------------------------------------------------


def test_duration_seconds_parses_prometheus_durations() -> None:
    assert duration_seconds("5m") == 300
    assert duration_seconds("3d") == 3 * 86400
    with pytest.raises(ConfigError, match="e.g. 5m"):
        duration_seconds("1.5h")


def test_windows_cover_alerts_and_budget_window(default_slo: SLOSet) -> None:
    windows = sli_windows(default_slo)
    assert windows == ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    records = {r["record"] for r in recording_rules(default_slo)["groups"][0]["rules"]}
    for window in windows:
        assert error_ratio_rule(window) in records
        assert f"harness:minority_precision_error_ratio:rate{window}" in records


@pytest.mark.parametrize("slo_name", ["default", "high_recall"])
def test_every_alert_has_for_severity_summary_and_runbook(slo_name: str) -> None:
    rules = _all_rules(load_slo_set(slo_name))
    assert {r["alert"] for r in rules} == {
        BURN_ALERT,
        EVIDENCE_ALERT,  # both sets state their label supply
        PRECISION_BURN_ALERT,
        DRIFT_ALERT,
        COHORT_ALERT,
        GATE_ALERT,
        STALE_ALERT,
        RUNS_FAILING_ALERT,
    }
    for rule in rules:
        name = rule["alert"]
        assert re.fullmatch(r"\d+[smhdw]", rule.get("for", "")), f"{name} has no for:"
        assert rule["labels"]["severity"] in ("page", "ticket"), name
        annotations = rule["annotations"]
        assert annotations["runbook_url"] == f"docs/runbooks/{name}.md", name
        summary = annotations["summary"]
        assert "$value" in summary, f"{name}: the summary must give the value"
        assert "$labels.model" in summary or "$labels.experiment" in summary, name


def test_one_burn_rate_alert_per_sli_and_severity(default_slo: SLOSet) -> None:
    rules = burn_rate_alert_rules(default_slo)
    keys = [(r["alert"], r["labels"]["severity"]) for r in rules]
    assert keys == [
        (BURN_ALERT, "page"),
        (BURN_ALERT, "ticket"),
        (PRECISION_BURN_ALERT, "page"),
        (PRECISION_BURN_ALERT, "ticket"),
    ]
    assert all(r["labels"]["slo"] == "default" for r in rules)
    assert [r["for"] for r in rules] == ["2m", "15m", "2m", "15m"]


def test_precision_objective_and_factors_follow_the_slo_set(default_slo: SLOSet) -> None:
    recall, precision = serving_slis(default_slo)
    assert recall.objective == pytest.approx(0.8)
    assert precision.objective == pytest.approx(0.7)  # the batch precision objective
    # The recall alerts' error-ratio thresholds, never below 1x: 0.9, 0.6, 0.4, 0.3.
    thresholds = [precision.threshold(a) for a in precision.burn_rate_alerts]
    assert thresholds == pytest.approx([0.9, 0.6, 0.399, 0.3])


def test_batch_alerts_never_read_per_strategy_series(default_slo: SLOSet) -> None:
    batch = alert_rules(default_slo)["groups"][-1]["rules"]
    exprs = "\n".join(rule["expr"] for rule in batch)
    assert "harness_slo_met" not in exprs
    assert "harness_gap_" not in exprs
    assert "increase(" not in exprs  # a new counter series starts above 0


def test_pages_that_can_never_fire_are_reported(default_slo: SLOSet, strict_slo: SLOSet) -> None:
    assert unreachable_burn_rate_alerts(default_slo) == []
    # The workbook's factors on an 80 % objective: a 20 % budget means 14.4x and 6x need an
    # error ratio above 1, which cannot happen.
    serving = dataclasses.replace(
        default_slo.serving, burn_rate_alerts=strict_slo.serving.burn_rate_alerts
    )
    workbook_on_80 = dataclasses.replace(default_slo, serving=serving)
    unreachable = unreachable_burn_rate_alerts(workbook_on_80)
    assert [(a.long_window, a.factor) for a in unreachable][:2] == [("1h", 14.4), ("6h", 6.0)]
    with pytest.warns(UserWarning, match="can never fire"):
        alert_rules(workbook_on_80)


def test_strict_slo_has_reachable_thresholds(strict_slo: SLOSet) -> None:
    assert unreachable_burn_rate_alerts(strict_slo) == []
    recall = serving_slis(strict_slo)[0]
    thresholds = [recall.threshold(a) for a in recall.burn_rate_alerts]
    assert thresholds == pytest.approx([0.144, 0.06, 0.03, 0.01])


def test_without_serving_section_only_batch_alerts(default_slo: SLOSet) -> None:
    batch_only = dataclasses.replace(default_slo, serving=None)
    assert recording_rules(batch_only) == {"groups": []}
    names = [g["name"] for g in alert_rules(batch_only)["groups"]]
    assert names == ["harness_batch_quality"]
    with pytest.raises(ConfigError, match="add one"):
        burn_rate_alert_rules(batch_only)


def test_promtool_accepts_generated_rules(promtool: str, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generate_all("default", tmp_path)
    rule_dir = tmp_path / "prometheus"
    result = run(promtool, "check", "rules", "recording_rules.yml", "alert_rules.yml", cwd=rule_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    config = run(promtool, "check", "config", "prometheus.example.yml", cwd=rule_dir)
    assert config.returncode == 0, config.stdout + config.stderr


def test_promtool_rejects_a_broken_rule_file(promtool: str, tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - record: x\n    expr: (\n"
    )
    assert run(promtool, "check", "rules", "broken.yml", cwd=tmp_path).returncode != 0


# -- serving burn rates: every pair on both sides of its threshold -------------------------


def _pairs(slo_name: str) -> list[tuple[str, str, int]]:
    slo_set = load_slo_set(slo_name)
    return [
        (slo_name, sli.name, index)
        for sli in serving_slis(slo_set)
        for index in range(len(sli.burn_rate_alerts))
    ]


def _only_pair(slo_set: SLOSet, sli_name: str, index: int):
    """The SLO set and settings with ``sli_name`` reduced to its ``index``-th alert."""
    settings = _settings(slo_set)
    sli = next(s for s in serving_slis(slo_set, settings) if s.name == sli_name)
    alert = sli.burn_rate_alerts[index]
    if sli_name == "minority_recall":
        serving = dataclasses.replace(slo_set.serving, burn_rate_alerts=(alert,))
        slo_set = dataclasses.replace(slo_set, serving=serving)
    else:
        precision = dataclasses.replace(settings.precision, burn_rate_alerts=(alert,))
        settings = dataclasses.replace(settings, precision=precision)
    return slo_set, settings, sli, alert


def _outcomes(bad_outcome: str, bad: float, good: float, steps: int) -> list[dict]:
    """Outcome counters growing by ``bad`` bad and ``good`` good events per minute."""
    return [
        series(
            "harness_serving_outcomes_total",
            {**SERVING, "outcome": outcome},
            f"0+{per_minute}x{steps}",
        )
        for outcome, per_minute in ((bad_outcome, bad), ("tp", good))
    ]


@pytest.mark.parametrize(
    ("slo_name", "sli_name", "index"), _pairs("default") + _pairs("high_recall")
)
def test_each_burn_rate_pair_fires_above_and_not_below_its_threshold(
    promtool: str, tmp_path: Path, slo_name: str, sli_name: str, index: int
) -> None:
    slo_set, settings, sli, alert = _only_pair(load_slo_set(slo_name), sli_name, index)
    write_rules(slo_set, tmp_path, settings)
    rule = alert_rule(slo_set, settings, sli.alert, alert.severity)
    threshold = sli.threshold(alert)
    above, below = math.ceil(threshold * 1000) + 2, math.floor(threshold * 1000) - 2
    steps = 40  # minutes: longer than every for: (page 2m, ticket 15m)
    tests = []
    for name, bad, fires in (("just above", above, True), ("just below", below, False)):
        burn = bad / 1000 / sli.error_budget
        alerts = [expected(rule, {**SERVING, "slo": slo_set.name}, burn)] if fires else []
        tests.append(
            alert_test(
                f"{sli.name} {alert.long_window}/{alert.short_window} {name}",
                "1m",
                _outcomes(sli.bad, bad, 1000 - bad, steps),
                [alerts_at(f"{steps}m", sli.alert, *alerts)],
            )
        )
    promtool_test(promtool, tmp_path, tests)


def test_page_and_ticket_by_burn_level(promtool: str, default_slo: SLOSet, tmp_path: Path) -> None:
    # 80 % objective: page above 0.6 missed (3x), ticket above 0.2 (1x).
    settings = _written(default_slo, tmp_path)
    page = alert_rule(default_slo, settings, BURN_ALERT, "page")
    ticket = alert_rule(default_slo, settings, BURN_ALERT, "ticket")
    labels = {**SERVING, "slo": "default"}
    tests = [
        alert_test(
            f"{missed} of 1000 missed",
            "1m",
            _outcomes("fn", missed, 1000 - missed, 40),
            [alerts_at("40m", BURN_ALERT, *(expected(r, labels, missed / 200) for r in fired))],
        )
        for missed, fired in ((950, (page, ticket)), (500, (ticket,)), (100, ()))
    ]
    promtool_test(promtool, tmp_path, tests)


def test_page_resolves_when_the_short_window_recovers(
    run_case: Callable[..., None], strict_slo: SLOSet, tmp_path: Path
) -> None:
    # Only the fast page (1h/5m, 14.4x = 0.144): 20 % missed for an hour, then none. At 70m
    # the 1h window is still at 0.167 > 0.144, but the clean 5m window resolves the page.
    slo_set, settings, sli, alert = _only_pair(strict_slo, "minority_recall", 0)
    write_rules(slo_set, tmp_path, settings)
    rule = alert_rule(slo_set, settings, BURN_ALERT, "page")
    outcomes = (("fn", "0+200x60 12000+0x10"), ("tp", "0+800x60 49000+1000x10"))
    run_case(
        "burst then recovery",
        "1m",
        [
            series("harness_serving_outcomes_total", {**SERVING, "outcome": o}, values)
            for o, values in outcomes
        ],
        [
            alerts_at("60m", BURN_ALERT, expected(rule, {**SERVING, "slo": slo_set.name}, 20.0)),
            alerts_at("70m", BURN_ALERT),
        ],
    )


def test_slow_ticket_over_three_days(
    run_case: Callable[..., None], strict_slo: SLOSet, tmp_path: Path
) -> None:
    # 1.2 % missed for three days at a 5m scrape: above 1x (0.01), below 3x (0.03).
    settings = _written(strict_slo, tmp_path)
    ticket = alert_rule(strict_slo, settings, BURN_ALERT, "ticket")
    run_case(
        "slow burn over 3d",
        "5m",
        [
            series("harness_serving_outcomes_total", {**SERVING, "outcome": o}, values)
            for o, values in (("fn", "0+12x864"), ("tp", "0+988x864"))
        ],
        [alerts_at("3d", BURN_ALERT, expected(ticket, {**SERVING, "slo": "high_recall"}, 1.2))],
        evaluation_interval="15m",
    )


def test_false_positives_page_on_precision_not_on_recall(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    # Label shift from minority to majority: predictions stay, true labels flip, so caught
    # minority events become false positives. Recall keeps its 90 %, precision falls to 5 %.
    settings = _written(default_slo, tmp_path)
    page = alert_rule(default_slo, settings, PRECISION_BURN_ALERT, "page")
    ticket = alert_rule(default_slo, settings, PRECISION_BURN_ALERT, "ticket")
    labels = {**SERVING, "slo": "default"}
    values = {"tp": "0+50x40", "fp": "0+950x40", "fn": "0+6x40", "tn": "0+4000x40"}
    burn = 0.95 / 0.3
    run_case(
        "label shift",
        "1m",
        [
            series("harness_serving_outcomes_total", {**SERVING, "outcome": o}, v)
            for o, v in values.items()
        ],
        [
            alerts_at(
                "40m",
                PRECISION_BURN_ALERT,
                expected(page, labels, burn),
                expected(ticket, labels, burn),
            ),
            alerts_at("40m", BURN_ALERT),
        ],
    )


# -- drift and cohorts ------------------------------------------------------------------------


def test_drift_ticket_needs_every_window_to_drift_and_closes_late(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    # Defaults: open when every window over 15m drifted (at least half of the features), for
    # 5m, keep firing 30m.
    rule = _written_rule(default_slo, tmp_path, DRIFT_ALERT)
    noisy = {"model": "noisy", "dataset": "d"}
    drifting = {"model": "drifting", "dataset": "d"}
    run_case(
        "one noisy window, then a sustained drift",
        "1m",
        [
            series("harness_serving_minority_drift_share", noisy, "0.1x20 0.9x5 0.1x110"),
            # Windows drifting on 75 % and 60 % of the features, then none.
            series("harness_serving_minority_drift_share", drifting, "0x10 0.75x30 0.6x30 0x60"),
        ],
        [
            # 15 drifted minutes (11m-25m), not yet 5 more for `for:`.
            alerts_at("28m", DRIFT_ALERT),
            alerts_at("40m", DRIFT_ALERT, expected(rule, drifting, 0.75)),
            # The least drifted window of the last 15 minutes gives the value.
            alerts_at("60m", DRIFT_ALERT, expected(rule, drifting, 0.6)),
            # Clean since 72m: still open (keep_firing_for 30m), then closed.
            alerts_at("95m", DRIFT_ALERT, expected(rule, drifting, 0.6)),
            alerts_at("110m", DRIFT_ALERT),
        ],
    )


def test_cohort_ticket_needs_low_recall_and_enough_events(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    rule = _written_rule(default_slo, tmp_path, COHORT_ALERT)

    def cohort(name: str, tp: str, fn: str) -> list[dict]:
        labels = {**SERVING, "sensitive": "sex", "cohort": name}
        return [
            series("harness_serving_cohort_outcomes_total", {**labels, "outcome": "tp"}, tp),
            series("harness_serving_cohort_outcomes_total", {**labels, "outcome": "fn"}, fn),
        ]

    female = {**SERVING, "sensitive": "sex", "cohort": "F"}
    run_case(
        "cohorts",
        "1m",
        [
            *cohort("F", "0+5x120", "0+5x120"),  # recall 0.5, 600 events per hour
            *cohort("M", "0+9x120", "0+1x120"),  # recall 0.9
            *cohort("X", "0+0x120", "0+0.1x120"),  # recall 0, but 6 events per hour
        ],
        [alerts_at("120m", COHORT_ALERT, expected(rule, female, 0.5))],
    )


# -- batch: gate verdicts, staleness, failing runs --------------------------------------------


def _verdict_series(
    experiment: str,
    objective: str,
    instance: str,
    fail: str,
    passed: str,
    inconclusive: str = "0x40",
) -> list[dict]:
    """The verdict state set: ``fail``, ``passed`` and ``inconclusive`` are the FAIL, PASS and
    INCONCLUSIVE series' values."""
    labels = {"experiment": experiment, "objective": objective, "instance": instance}
    values = {
        "FAIL": fail,
        "PASS": passed,
        "INCONCLUSIVE": inconclusive,
        "NOT APPLICABLE": "0x40",
    }
    return [
        series("harness_gate_verdict", {**labels, "verdict": state}, value)
        for state, value in values.items()
    ]


def test_gate_verdict_alert_once_per_experiment_and_objective(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    rule = _written_rule(default_slo, tmp_path, GATE_ALERT)
    worst = {
        "metric": "test/minority_recall",
        "candidate": "pima__smote__decision_tree__seed0",
        "required": ">= 0.8",
    }
    inputs = []
    # quick fails minority_recall; the verdict reaches Prometheus twice (Pushgateway and a
    # textfile), which must still give one alert.
    for instance in ("", "node:9100"):
        inputs += _verdict_series("quick", "minority_recall", instance, "1x40", "0x40")
        inputs.append(
            series(
                "harness_gate_objective_worst_value",
                {
                    "experiment": "quick",
                    "objective": "minority_recall",
                    **worst,
                    "instance": instance,
                },
                "0.62x40",
            )
        )
    inputs += _verdict_series("quick", "minority_f1", "", "0x40", "1x40")
    # paper fails minority_recall for 20 minutes, then its next gate run passes.
    inputs += _verdict_series("paper", "minority_recall", "", "1x20 0x20", "0x20 1x20")
    inputs.append(
        series(
            "harness_gate_objective_worst_value",
            {"experiment": "paper", "objective": "minority_recall", **worst, "instance": ""},
            "0.5x40",
        )
    )
    # ablation's relative objective cannot be judged: INCONCLUSIVE opens a ticket too.
    relative = {
        "metric": "test/pr_auc",
        "candidate": "pima__smote__logistic_regression__seed0",
        "required": "improvement over none > -0.02, shown by a Holm-adjusted one-sided "
        "p-value < 0.025 (the value is the improvement)",
    }
    inputs += _verdict_series("ablation", "pr_auc_not_worse", "", "0x40", "0x40", "1x40")
    inputs.append(
        series(
            "harness_gate_objective_worst_value",
            {"experiment": "ablation", "objective": "pr_auc_not_worse", **relative},
            "-0.01112x40",
        )
    )
    quick = {"experiment": "quick", "objective": "minority_recall", **worst, "verdict": "FAIL"}
    paper = {"experiment": "paper", "objective": "minority_recall", **worst, "verdict": "FAIL"}
    ablation = {
        "experiment": "ablation",
        "objective": "pr_auc_not_worse",
        **relative,
        "verdict": "INCONCLUSIVE",
    }
    inconclusive = expected(rule, ablation, -0.01112)
    summary = inconclusive["exp_annotations"]["summary"]
    assert summary.startswith(
        "Gate objective pr_auc_not_worse of experiment ablation is INCONCLUSIVE: "
        "pima__smote__logistic_regression__seed0 has -0.01112 on test/pr_auc; the rule: "
        "improvement over none > -0.02, shown by a Holm-adjusted one-sided p-value < 0.025"
    )
    run_case(
        "gate verdicts",
        "1m",
        inputs,
        [
            alerts_at("3m", GATE_ALERT),  # for: 5m
            alerts_at(
                "10m",
                GATE_ALERT,
                inconclusive,
                expected(rule, paper, 0.5),
                expected(rule, quick, 0.62),
            ),
            alerts_at("30m", GATE_ALERT, inconclusive, expected(rule, quick, 0.62)),
        ],
    )


def test_stale_success_alerts_only_for_gated_experiments(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    rule = _written_rule(default_slo, tmp_path, STALE_ALERT)
    job = {"dataset": "pima", "resampler": "adasyn", "model": "tree"}
    run_case(
        "stale",
        "1h",
        [
            # quick is gated and its last success finished at time 0.
            series(
                "harness_last_success_timestamp_seconds", {"experiment": "quick", **job}, "0x30"
            ),
            *_verdict_series("quick", "minority_recall", "", "0x40", "1x40"),
            # old was never gated: an ablation nobody watches must not open a ticket.
            series("harness_last_success_timestamp_seconds", {"experiment": "old", **job}, "0x30"),
            # fresh is gated and succeeded 1 h ago.
            series(
                "harness_last_success_timestamp_seconds",
                {"experiment": "fresh", **job},
                "0x23 86400x7",
            ),
            *_verdict_series("fresh", "minority_recall", "", "0x40", "1x40"),
        ],
        [
            alerts_at("24h", STALE_ALERT),
            alerts_at("25h", STALE_ALERT),  # for: 5m
            alerts_at("26h", STALE_ALERT, expected(rule, {"experiment": "quick"}, 93600.0)),
        ],
        evaluation_interval="1h",
    )


def test_failing_runs_alert_from_the_first_failure_and_clear(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    rule = _written_rule(default_slo, tmp_path, RUNS_FAILING_ALERT)
    adasyn = {**FAILED_SAMPLE, "resampler": "adasyn"}
    smote = {**FAILED_SAMPLE, "resampler": "smote"}
    ros = {**FAILED_SAMPLE, "resampler": "ros"}
    quick = {"experiment": "quick"}
    run_case(
        "failing runs",
        "1h",
        [
            # adasyn's first ever run fails at 1 h: a new series, already at its value.
            # Its Pushgateway copy then stays as it is forever.
            series("harness_last_failure_timestamp_seconds", adasyn, "_ 3600x30"),
            # smote fails at 1 h and succeeds again at 3 h.
            series("harness_last_failure_timestamp_seconds", smote, "_ 3600x30"),
            series("harness_last_success_timestamp_seconds", smote, "_ _ _ 10800x30"),
            # ros succeeded at 0 and failed long before: nothing to report.
            series("harness_last_failure_timestamp_seconds", ros, "0x30"),
            series("harness_last_success_timestamp_seconds", ros, "60x30"),
            # Initialised at 0: a run counter never alerts by itself any more.
            series("harness_runs_total", {**adasyn, "status": "failed"}, "_ 1x30"),
        ],
        [
            alerts_at("1h", RUNS_FAILING_ALERT),  # for
            alerts_at("2h", RUNS_FAILING_ALERT, expected(rule, quick, 2.0)),
            alerts_at("4h", RUNS_FAILING_ALERT, expected(rule, quick, 1.0)),
            # A day after adasyn's failure the ticket closes even though nothing changed.
            alerts_at("26h", RUNS_FAILING_ALERT),
        ],
        evaluation_interval="1h",
    )


def test_a_custom_burn_table_can_be_given(default_slo: SLOSet) -> None:
    alerts = (BurnRateAlert("page", "10s", "2s", 1.5),)
    serving = dataclasses.replace(default_slo.serving, burn_rate_alerts=alerts)
    rules = burn_rate_alert_rules(dataclasses.replace(default_slo, serving=serving))
    assert "harness:minority_recall_burn_rate:rate10s > 1.5" in rules[0]["expr"]


# -- serving: the page sized for the label rate ------------------------------------------------


def test_the_label_sized_page_fires_on_a_fall_the_burn_rate_page_misses(
    run_case: Callable[..., None], default_slo: SLOSet, tmp_path: Path
) -> None:
    """Default set: 50 labels an hour, recall 0.80. A fall to 0.60 burns at 2x, under every
    page factor; its labels pass the evidence threshold ln(720 x 50) = 10.49 within hours."""
    settings = _written(default_slo, tmp_path)
    rule = alert_rule(default_slo, settings, EVIDENCE_ALERT, severity="page")
    test = label_evidence_test(default_slo)
    assert rule["expr"].startswith(f"{evidence_rule(test.windows[0])} > 10.4913")
    fallen = {"model": "fallen", "dataset": "d"}
    healthy = {"model": "healthy", "dataset": "d"}
    per_minute = 50 / 60
    # 0.3333 misses and 0.5 hits a minute: recall 0.6; the 186m window holds about 155 labels.
    value = 0.510826 * 0.3333 * 186 + -0.125163 * 0.5 * 186
    run_case(
        "evidence page",
        "1m",
        [
            series("harness_serving_outcomes_total", {**fallen, "outcome": "fn"}, "0+0.3333x400"),
            series("harness_serving_outcomes_total", {**fallen, "outcome": "tp"}, "0+0.5x400"),
            # Recall 0.85, the healthy model: the evidence only falls.
            series(
                "harness_serving_outcomes_total",
                {**healthy, "outcome": "fn"},
                f"0+{0.15 * per_minute:.4f}x400",
            ),
            series(
                "harness_serving_outcomes_total",
                {**healthy, "outcome": "tp"},
                f"0+{0.85 * per_minute:.4f}x400",
            ),
        ],
        [alerts_at("300m", EVIDENCE_ALERT, expected(rule, fallen, value))],
    )
    # The burn-rate page never fires on it: 2x is under both page factors (4.5, 3).
    assert all(a.factor > 2 for a in default_slo.serving.burn_rate_alerts if a.severity == "page")


def test_sets_without_a_label_supply_keep_only_burn_rate_pages(default_slo: SLOSet) -> None:
    plain = dataclasses.replace(default_slo, labels=None)
    names = {rule["alert"] for rule in _all_rules(plain)}
    assert EVIDENCE_ALERT not in names and BURN_ALERT in names
    groups = [group["name"] for group in recording_rules(plain)["groups"]]
    assert "harness_serving_labels" not in groups
