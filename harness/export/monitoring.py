"""Monitoring settings beyond the SLO set: the precision SLI, drift, cohorts and alert routing.

The SLO set (:mod:`harness.slo`) holds the objectives and the recall burn-rate alerts. What the
on-call loop needs on top of it is gathered here, each with a default derived from the SLO set,
so ``harness dashboards --slo default`` works without any extra file:

- ``serving.minority_precision_objective``: the serving precision objective (default: the
  threshold of the batch objective on ``test/minority_precision``), and
  ``serving.precision_burn_rate_alerts`` (default: the recall alerts' windows and severities,
  with factors scaled to the precision error budget, see :func:`scaled_burn_rate_alerts`);
- ``serving.drift``: the per-window drift check of the minority class's features;
- ``serving.cohorts``: per-cohort recall of a sensitive column, with a cardinality guard;
- ``alerting``: ``for:`` durations, runbook and MLflow links, Alertmanager receivers and timings.

An SLO set may carry these settings as a ``monitoring`` mapping with the two sections above;
a YAML file with the same sections (``harness dashboards --monitoring FILE``) overrides both.
Either is read strictly: an unknown key, a wrong type or a value out of range is a
:class:`~harness.errors.ConfigError` naming the field and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.slo import BurnRateAlert, SLOSet, burn_rate_alerts
from harness.strict import duration, finite_number, nonempty_text, read_yaml, strict_mapping

SEVERITIES = ("page", "ticket")
PLACEHOLDER_WEBHOOK = "http://{name}.receiver.invalid/"

SERVING_KEYS = (
    "minority_precision_objective",
    "precision_burn_rate_alerts",
    "drift",
    "cohorts",
)
DRIFT_KEYS = ("window", "drift_share", "open_after", "close_after", "for")
COHORT_KEYS = ("column", "max_cohorts", "window", "min_events", "recall_objective", "for")
ALERTING_KEYS = (
    "for",
    "runbook_base_url",
    "mlflow_url",
    "receivers",
    "routes",
    "runs_failing_window",
    "evaluation_interval",
)
FOR_KEYS = ("page", "ticket", "batch")
RECEIVER_KEYS = ("name", "webhook_url")
ROUTE_KEYS = ("group_wait", "group_interval", "repeat_interval")


@dataclass(frozen=True)
class PrecisionSLO:
    """Serving minority precision, ``tp / (tp + fp)``, as an event-based SLO."""

    objective: float
    burn_rate_alerts: tuple[BurnRateAlert, ...]

    @property
    def error_budget(self) -> float:
        """Allowed share of wrong minority predictions, ``1 - objective``."""
        return 1.0 - self.objective


@dataclass(frozen=True)
class DriftSettings:
    """Drift of the minority class's features, one Evidently test per window.

    Attributes
    ----------
    window : str
        Length of one window of served minority rows (the serving side closes one this often).
    drift_share : float
        A window has drifted when at least this share of the features drift (Evidently's rule).
    open_after : str
        The ticket opens only when every window over this span drifted, so one noisy window
        never opens it.
    close_after : str
        Once open, the ticket stays open this long after the windows stop drifting.
    for_ : str
        ``for:`` of the alert.
    """

    window: str = "5m"
    drift_share: float = 0.5
    open_after: str = "15m"
    close_after: str = "30m"
    for_: str = "5m"


@dataclass(frozen=True)
class CohortSettings:
    """Recall per cohort of one sensitive column.

    Attributes
    ----------
    column : str or None
        The sensitive column whose values are the cohorts (``None``: whatever column the
        serving side labels its cohorts with).
    max_cohorts : int
        Cardinality guard: cohorts beyond this many share the cohort label ``__other__``.
    window : str
        Window of the cohort recall the alert reads.
    min_events : int
        Minority events a cohort needs in ``window`` before its recall is judged.
    recall_objective : float
        Recall each cohort must keep.
    for_ : str
        ``for:`` of the alert.
    """

    column: str | None = None
    max_cohorts: int = 20
    window: str = "1h"
    min_events: int = 20
    recall_objective: float = 0.8
    for_: str = "30m"


@dataclass(frozen=True)
class Receiver:
    """An Alertmanager receiver: its name and the webhook it posts to."""

    name: str
    webhook_url: str


@dataclass(frozen=True)
class RouteTiming:
    """Alertmanager notification timing of one route."""

    group_wait: str
    group_interval: str
    repeat_interval: str


def _default_receivers() -> dict[str, Receiver]:
    return {
        "page": Receiver("model-oncall", PLACEHOLDER_WEBHOOK.format(name="model-oncall")),
        "ticket": Receiver("product-owner", PLACEHOLDER_WEBHOOK.format(name="product-owner")),
    }


def _default_routes() -> dict[str, RouteTiming]:
    return {
        "page": RouteTiming("30s", "5m", "1h"),
        "ticket": RouteTiming("5m", "30m", "1d"),
    }


@dataclass(frozen=True)
class AlertingSettings:
    """How alerts are written and routed.

    Attributes
    ----------
    for_page, for_ticket : str
        ``for:`` of the serving burn-rate alerts by severity.
    for_batch : str
        ``for:`` of the batch alerts (gate verdicts, stale and failing runs).
    runbook_base_url : str
        Prefix of every ``runbook_url`` (``<prefix><AlertName>.md``); the repository path
        ``docs/runbooks/`` by default, set it to where your team reads the repository.
    mlflow_url : str
        The MLflow UI the alerts link to.
    receivers : dict
        Receiver per severity (``page``, ``ticket``).
    routes : dict
        Notification timing per severity.
    runs_failing_window : str
        A failed job is reported until it succeeds again or this long has passed.
    evaluation_interval : str
        How often the example Prometheus configuration scrapes and evaluates the rules.
    """

    for_page: str = "2m"
    for_ticket: str = "15m"
    for_batch: str = "5m"
    runbook_base_url: str = "docs/runbooks/"
    mlflow_url: str = "http://127.0.0.1:5000"
    receivers: dict[str, Receiver] = field(default_factory=_default_receivers)
    routes: dict[str, RouteTiming] = field(default_factory=_default_routes)
    runs_failing_window: str = "1d"
    evaluation_interval: str = "30s"

    def for_severity(self, severity: str) -> str:
        """``for:`` of a serving burn-rate alert of ``severity``."""
        return self.for_page if severity == "page" else self.for_ticket


@dataclass(frozen=True)
class MonitoringSettings:
    """Everything the rules, dashboards and Alertmanager config need beyond the SLO set."""

    precision: PrecisionSLO | None
    drift: DriftSettings
    cohorts: CohortSettings
    alerting: AlertingSettings


def scaled_burn_rate_alerts(
    alerts: Iterable[BurnRateAlert], from_budget: float, to_budget: float
) -> tuple[BurnRateAlert, ...]:
    """The same windows and severities for another error budget.

    Each factor keeps its error-ratio threshold (``factor x budget``) and never drops below 1,
    so every alert stays reachable (its threshold stays below 1 when the original one was)
    and none fires while the SLI is within its objective.

    Examples
    --------
    >>> alert = BurnRateAlert("page", "1h", "5m", 4.5)  # recall, 20 % budget: ratio > 0.9
    >>> scaled_burn_rate_alerts([alert], 0.2, 0.3)[0].factor  # precision, 30 % budget
    3.0
    """
    scaled = []
    for alert in alerts:
        factor = max(1.0, float(f"{alert.factor * from_budget / to_budget:.3g}"))
        scaled.append(replace(alert, factor=factor))
    return tuple(scaled)


def default_monitoring_settings(slo_set: SLOSet) -> MonitoringSettings:
    """Settings derived from ``slo_set`` (see the module docstring).

    An SLO set that carries these settings itself, as a ``monitoring`` mapping with the same
    ``serving`` and ``alerting`` sections as a settings file, has them applied on top.
    """
    serving = slo_set.serving
    recall_objective = serving.minority_recall_objective if serving else 0.8
    precision = None
    objective = _batch_precision_threshold(slo_set)
    if serving is not None and objective is not None:
        alerts = scaled_burn_rate_alerts(
            serving.burn_rate_alerts, serving.error_budget, 1.0 - objective
        )
        precision = PrecisionSLO(objective, alerts)
    settings = MonitoringSettings(
        precision,
        DriftSettings(),
        CohortSettings(recall_objective=recall_objective),
        AlertingSettings(runs_failing_window=serving.stale_after if serving else "1d"),
    )
    own = slo_set.monitoring
    if own:
        settings = _apply(settings, own, slo_set, f"SLO file {slo_set.source or slo_set.name}")
    return settings


def load_monitoring_settings(path: str | Path | None, slo_set: SLOSet) -> MonitoringSettings:
    """The defaults for ``slo_set``, overridden by the YAML file at ``path`` when given.

    Raises
    ------
    ConfigError
        The file is missing or not YAML, or a field is unknown, of the wrong type or out of
        range.
    """
    settings = default_monitoring_settings(slo_set)
    if path is None:
        return settings
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"monitoring settings file {path} not found: pass the path of a YAML file with "
            "'serving' and/or 'alerting' sections, or leave --monitoring out for the defaults."
        )
    raw = read_yaml(path, what=f"monitoring settings {path.name}", fix="fix its syntax")
    return parse_monitoring_settings(raw, slo_set, source=path.name)


def parse_monitoring_settings(
    raw: Any, slo_set: SLOSet, source: str = "<dict>"
) -> MonitoringSettings:
    """Validate a mapping and apply it over :func:`default_monitoring_settings`.

    Raises
    ------
    ConfigError
        Naming the field and the fix.
    """
    return _apply(
        default_monitoring_settings(slo_set), raw, slo_set, f"monitoring settings {source}"
    )


def _apply(
    settings: MonitoringSettings, raw: Any, slo_set: SLOSet, where: str
) -> MonitoringSettings:
    raw = strict_mapping({} if raw is None else raw, where, ("serving", "alerting"))
    if "serving" in raw:
        settings = _apply_serving(settings, raw["serving"], slo_set, f"{where}, serving")
    if "alerting" in raw:
        alerting = _alerting(settings.alerting, raw["alerting"], f"{where}, alerting")
        settings = replace(settings, alerting=alerting)
    return settings


# -- sections ---------------------------------------------------------------------------------


def _apply_serving(
    settings: MonitoringSettings, raw: Any, slo_set: SLOSet, where: str
) -> MonitoringSettings:
    raw = strict_mapping(raw, where, SERVING_KEYS)
    precision = settings.precision
    if "minority_precision_objective" in raw:
        objective = _share(
            raw["minority_precision_objective"], f"{where}, minority_precision_objective"
        )
        if slo_set.serving is None:
            raise ConfigError(
                f"{where}: a precision objective needs the SLO set's 'serving' section (the "
                "burn-rate windows come from it); add one to the SLO set."
            )
        alerts = scaled_burn_rate_alerts(
            slo_set.serving.burn_rate_alerts, slo_set.serving.error_budget, 1.0 - objective
        )
        precision = PrecisionSLO(objective, alerts)
    if "precision_burn_rate_alerts" in raw:
        if precision is None:
            raise ConfigError(
                f"{where}: precision_burn_rate_alerts needs minority_precision_objective; add it."
            )
        alerts = burn_rate_alerts(
            raw["precision_burn_rate_alerts"],
            where,
            "precision_burn_rate_alerts",
            severities=SEVERITIES,
        )
        precision = PrecisionSLO(precision.objective, alerts)
    drift, cohorts = settings.drift, settings.cohorts
    if "drift" in raw:
        drift = _drift(raw["drift"], drift, f"{where}, drift")
    if "cohorts" in raw:
        cohorts = _cohorts(raw["cohorts"], cohorts, f"{where}, cohorts")
    return replace(settings, precision=precision, drift=drift, cohorts=cohorts)


def _drift(raw: Any, current: DriftSettings, where: str) -> DriftSettings:
    raw = strict_mapping(raw, where, DRIFT_KEYS)
    values: dict[str, Any] = {}
    for key in ("window", "open_after", "close_after", "for"):
        if key in raw:
            values[_field(key)] = duration(raw[key], f"{where}, {key}")
    if "drift_share" in raw:
        share = _share(raw["drift_share"], f"{where}, drift_share")
        values["drift_share"] = share
    return replace(current, **values)


def _cohorts(raw: Any, current: CohortSettings, where: str) -> CohortSettings:
    raw = strict_mapping(raw, where, COHORT_KEYS)
    values: dict[str, Any] = {}
    if "column" in raw:
        values["column"] = nonempty_text(raw["column"], f"{where}, column")
    for key in ("max_cohorts", "min_events"):
        if key in raw:
            values[key] = _positive_int(raw[key], f"{where}, {key}")
    for key in ("window", "for"):
        if key in raw:
            values[_field(key)] = duration(raw[key], f"{where}, {key}")
    if "recall_objective" in raw:
        values["recall_objective"] = _share(raw["recall_objective"], f"{where}, recall_objective")
    return replace(current, **values)


def _alerting(current: AlertingSettings, raw: Any, where: str) -> AlertingSettings:
    raw = strict_mapping(raw, where, ALERTING_KEYS)
    values: dict[str, Any] = {}
    if "for" in raw:
        durations = strict_mapping(raw["for"], f"{where}, for", FOR_KEYS)
        for key, value in durations.items():
            values[f"for_{key}"] = duration(value, f"{where}, for, {key}")
    for key in ("runbook_base_url", "mlflow_url"):
        if key in raw:
            values[key] = nonempty_text(raw[key], f"{where}, {key}")
    for key in ("runs_failing_window", "evaluation_interval"):
        if key in raw:
            values[key] = duration(raw[key], f"{where}, {key}")
    if "receivers" in raw:
        receivers = dict(current.receivers)
        for severity, item in strict_mapping(
            raw["receivers"], f"{where}, receivers", SEVERITIES
        ).items():
            at = f"{where}, receivers, {severity}"
            item = strict_mapping(item, at, RECEIVER_KEYS, required=("name",), see="")
            name = nonempty_text(item["name"], f"{at}, name")
            url = item.get("webhook_url", PLACEHOLDER_WEBHOOK.format(name=name))
            receivers[severity] = Receiver(name, _url(url, f"{at}, webhook_url"))
        values["receivers"] = receivers
    if "routes" in raw:
        routes = dict(current.routes)
        for severity, item in strict_mapping(raw["routes"], f"{where}, routes", SEVERITIES).items():
            at = f"{where}, routes, {severity}"
            item = strict_mapping(item, at, ROUTE_KEYS)
            timing = {k: duration(v, f"{at}, {k}") for k, v in item.items()}
            routes[severity] = replace(routes[severity], **timing)
        values["routes"] = routes
    return replace(current, **values)


def _batch_precision_threshold(slo_set: SLOSet) -> float | None:
    for objective in slo_set.objectives:
        lower_bound = objective.op in (">=", ">") and 0.0 < objective.threshold < 1.0
        if objective.metric == "test/minority_precision" and lower_bound:
            return objective.threshold
    return None


# -- fields -----------------------------------------------------------------------------------


def _field(key: str) -> str:
    # "for" is a Python keyword: the dataclass field is "for_".
    return "for_" if key == "for" else key


def _url(value: Any, where: str) -> str:
    text = nonempty_text(value, where)
    if not text.startswith(("http://", "https://")):
        raise ConfigError(f"{where} {text!r} is not an http(s) URL; write e.g. http://host:5001/.")
    return text


def _share(value: Any, where: str) -> float:
    number = finite_number(value, where, example="0.7")
    if not 0.0 < number < 1.0:
        raise ConfigError(f"{where} {number:g} must be a share in (0, 1), e.g. 0.7 (not 70).")
    return number


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where} {value!r} must be a whole number of at least 1, e.g. 20.")
    return value
