"""SLO sets: load and validate ``conf/slo/<name>.yaml``, strictly.

One SLO set is the single source of truth for the Prometheus exporter, the alert rules, the
Grafana dashboards and the CI gate. A set holds absolute ``objectives`` (a bound on one run's
metric), ``fairness`` bounds, ``warnings`` (objectives reported with the verdict, never gating),
``relative`` objectives (each strategy against a reference strategy on paired folds), the
``serving`` SLO and its ``monitoring`` (the minority labels the serving side can expect: their
rate and delay, which size the alerts; and the monitoring settings of
:mod:`harness.export.monitoring`); every section but one gating section is optional.

The reader fails closed: an unknown key at any level (a typo such as ``fairnes`` or
``thresold``), a wrong type, an empty list, an unknown strategy in ``applies_to``, a metric key
the catalog does not know (or renamed), a threshold outside the metric's range and an
impossible α or margin are all a :class:`~harness.errors.ConfigError` naming the field, so no
objective can silently disappear from a gate.
"""

from __future__ import annotations

import difflib
import functools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config_dir import slo_dir
from harness.errors import ConfigError
from harness.metrics import catalog
from harness.strict import (
    duration,
    finite_number,
    nonempty_list,
    nonempty_text,
    one_of,
    read_yaml,
)
from harness.strict import strict_mapping as _strict_mapping

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
DECISIONS = ("point", "ci")
#: The hypothesis tests a relative objective can ask for.
NON_INFERIORITY, SUPERIORITY = "non_inferiority", "superiority"
RELATIVE_TESTS = (NON_INFERIORITY, SUPERIORITY)

#: The keys each level of an SLO file may hold.
TOP_KEYS = (
    "name",
    "error_budget_window",
    "objectives",
    "fairness",
    "warnings",
    "relative",
    "serving",
    "monitoring",
)
#: Sections of which a set needs at least one: a set of warnings only would gate nothing.
GATING_SECTIONS = ("objectives", "fairness", "relative")
OBJECTIVE_KEYS = ("name", "metric", "op", "threshold", "decision", "applies_to")
RELATIVE_KEYS = ("reference", "alpha", "objectives")
RELATIVE_OBJECTIVE_KEYS = ("name", "metric", "test", "margin", "rope", "applies_to")
SERVING_KEYS = ("minority_recall_objective", "burn_rate_alerts", "stale_after")
ALERT_KEYS = ("severity", "long_window", "short_window", "factor")
#: ``monitoring``: the label supply (read here) and the settings :mod:`harness.export.monitoring`
#: reads strictly when rules are generated.
MONITORING_KEYS = ("labels", "serving", "alerting")
LABEL_KEYS = ("minority_per_hour", "delay", "detect")
DETECT_KEYS = ("drop", "within")

CONF_SLO_DIR = slo_dir()


@dataclass(frozen=True)
class Objective:
    """One threshold on one metric key.

    Parameters
    ----------
    name : str
        Short identifier, used in alert names and gate check names.
    metric : str
        Metric key of the catalog, e.g. ``test/minority_recall``. For fairness objectives the
        bare metric name (``equalized_odds_difference``), checked for every sensitive column.
    op : str
        One of ``>=``, ``>``, ``<=``, ``<``: the comparison that must hold for the SLO to be met.
    threshold : float
        The bound, inside the metric's range.
    decision : str
        ``point`` compares the mean over folds; ``ci`` fails only when the whole 95 %
        confidence interval lies on the wrong side of the threshold.
    applies_to : tuple of str or None
        Strategy kinds (``adasyn``, ``smote`` ..., see
        :func:`harness.resample.registry.known_strategy_kinds`) or families (``oversampler``,
        ``interpolating``, ``baseline``: :data:`harness.resample.registry.FAMILIES`) the
        objective applies to; ``None`` means every strategy, the untreated ``none`` included.
    """

    name: str
    metric: str
    op: str
    threshold: float
    decision: str = "point"
    applies_to: tuple[str, ...] | None = None

    def is_met(self, value: float) -> bool:
        """Return whether ``value`` satisfies the objective (NaN never does)."""
        if value is None or math.isnan(value):
            return False
        return OPERATORS[self.op](float(value), self.threshold)

    def is_met_ci(self, low: float, high: float) -> bool:
        """Return whether a 95 % CI ``[low, high]`` is *not* wholly on the wrong side."""
        if self.op in (">=", ">"):
            return self.is_met(high)
        return self.is_met(low)

    def applies(self, strategy: str) -> bool:
        """Return whether the objective applies to runs of the strategy kind ``strategy``.

        ``strategy`` is the registered kind a run records (``record["strategy"]``), not its
        display name: a run named ``adasyn_b2`` is of kind ``adasyn``.
        """
        return applies_to_strategy(self.applies_to, strategy)


def applies_to_strategy(applies_to: tuple[str, ...] | None, strategy: str) -> bool:
    """Whether ``applies_to`` (kinds and families; ``None``: all) covers the kind ``strategy``."""
    from harness.resample.registry import kinds_named

    return applies_to is None or any(strategy in kinds_named(name) for name in applies_to)


@dataclass(frozen=True)
class RelativeObjective:
    """One comparison of every strategy with the reference strategy, on paired folds.

    The effect is the improvement of the candidate over the reference in the metric's better
    direction: ``candidate - reference`` for a metric where larger is better,
    ``reference - candidate`` where smaller is better.

    Parameters
    ----------
    name : str
        Short identifier, used in gate check names.
    metric : str
        Fold-level metric key of the catalog with a better direction, e.g. ``test/pr_auc``.
    test : {"non_inferiority", "superiority"}
        ``non_inferiority``: H0 effect <= -margin against H1 effect > -margin.
        ``superiority``: H0 effect <= 0 against H1 effect > 0. Both are one-sided corrected
        resampled t-tests (Nadeau & Bengio), Holm-adjusted within their family.
    margin : float
        The non-inferiority margin (> 0, metric units); 0 for superiority.
    rope : float
        Half-width of the region of practical equivalence of the Bayesian correlated t-test
        reported with the check (metric units, >= 0).
    applies_to : tuple of str or None
        Strategy kinds or families compared with the reference; ``None`` means every other
        strategy.
    """

    name: str
    metric: str
    test: str
    margin: float
    rope: float
    applies_to: tuple[str, ...] | None = None

    @property
    def bound(self) -> float:
        """The effect H1 must exceed: ``-margin`` (non-inferiority) or 0 (superiority)."""
        return -self.margin if self.test == NON_INFERIORITY else 0.0

    def applies(self, strategy: str) -> bool:
        """Return whether the objective compares runs of the strategy kind ``strategy``."""
        return applies_to_strategy(self.applies_to, strategy)


@dataclass(frozen=True)
class RelativeSection:
    """The relative objectives of a set, with their reference strategy and error rate.

    Parameters
    ----------
    reference : str
        Strategy kind every other strategy is compared with (``none``).
    alpha : float
        Family-wise, one-sided error rate: each family (every strategy compared with the same
        reference job on one objective) is controlled with Holm's step-down method.
    objectives : tuple of RelativeObjective
        The comparisons.
    """

    reference: str
    alpha: float
    objectives: tuple[RelativeObjective, ...]

    @property
    def confidence(self) -> float:
        """Level ``1 - 2 alpha`` of the two-sided interval reported with each check: its lower
        bound is the one-sided ``1 - alpha`` bound the tests decide on."""
        return 1.0 - 2.0 * self.alpha


@dataclass(frozen=True)
class BurnRateAlert:
    """One multiwindow burn-rate alert (SRE workbook, chapter 5)."""

    severity: str
    long_window: str
    short_window: str
    factor: float


@dataclass(frozen=True)
class ServingSLO:
    """Event-based SLO for a model in service: minority recall from outcome counters."""

    minority_recall_objective: float
    burn_rate_alerts: tuple[BurnRateAlert, ...]
    stale_after: str = "1d"

    @property
    def error_budget(self) -> float:
        """Allowed share of missed minority events, ``1 - objective``."""
        return 1.0 - self.minority_recall_objective


@dataclass(frozen=True)
class DetectionTarget:
    """How fast a drop of serving recall below its objective must page.

    Attributes
    ----------
    drop : float
        The drop below the objective, in recall (0.10: from 0.80 to 0.70).
    within : str
        Prometheus duration from the drop (in prediction time) to the page, label delay included.
    """

    drop: float
    within: str


@dataclass(frozen=True)
class LabelSupply:
    """The confirmed minority labels a model in service can expect.

    Attributes
    ----------
    minority_per_hour : float
        Expected confirmed minority labels (``tp + fn`` events) per hour.
    delay : str
        Prometheus duration from a prediction to its label; ``0s`` when labels are immediate.
    detect : DetectionTarget or None
        A target for the time to page, checked against what the labels allow.
    """

    minority_per_hour: float
    delay: str = "0s"
    detect: DetectionTarget | None = None


@dataclass(frozen=True)
class SLOSet:
    """A named set of objectives, fairness bounds, warnings, relative objectives and the
    serving SLO."""

    name: str
    error_budget_window: str
    objectives: tuple[Objective, ...]
    fairness: tuple[Objective, ...] = field(default_factory=tuple)
    serving: ServingSLO | None = None
    source: str = ""
    warnings: tuple[Objective, ...] = field(default_factory=tuple)
    relative: RelativeSection | None = None
    labels: LabelSupply | None = None
    #: The ``serving`` and ``alerting`` settings of the ``monitoring`` section, as written:
    #: :func:`harness.export.monitoring.default_monitoring_settings` reads them strictly.
    monitoring: dict[str, Any] | None = None

    def objective(self, name: str) -> Objective:
        """Return the objective called ``name`` (batch, fairness or warning)."""
        for objective in (*self.objectives, *self.fairness, *self.warnings):
            if objective.name == name:
                return objective
        raise KeyError(name)

    def relative_objective(self, name: str) -> RelativeObjective:
        """Return the relative objective called ``name``."""
        for objective in self.relative.objectives if self.relative else ():
            if objective.name == name:
                return objective
        raise KeyError(name)


def available_slo_sets(directory: Path = CONF_SLO_DIR) -> list[str]:
    """Return the names of the SLO sets shipped in ``directory``."""
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))


def load_slo_set(name_or_path: str | Path, directory: Path = CONF_SLO_DIR) -> SLOSet:
    """Load and validate an SLO set.

    Parameters
    ----------
    name_or_path : str or Path
        A set name under ``conf/slo/`` (``default``) or a path to a YAML file.
    directory : Path
        Where named sets live.

    Returns
    -------
    SLOSet
        The set the file describes, validated by :func:`parse_slo_set`.

    Raises
    ------
    ConfigError
        The file is missing or not YAML, or a field is unknown, missing, empty or invalid.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(directory) / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"SLO set {str(name_or_path)!r} not found (looked for {path.name}). "
            f"Use one of {available_slo_sets(directory)} or pass the path of a YAML file."
        )
    raw = read_yaml(path, what=f"SLO file {path.name}", fix="fix its syntax")
    return parse_slo_set(raw, source=path.name)


def parse_slo_set(raw: Any, source: str = "<dict>") -> SLOSet:
    """Validate a mapping loaded from YAML and build an :class:`SLOSet`.

    Parameters
    ----------
    raw : Any
        The loaded YAML (or a Hydra ``cfg.slo`` turned into a container).
    source : str
        Named in every error.

    Returns
    -------
    SLOSet
        The validated set.

    Raises
    ------
    ConfigError
        Naming the field and the fix, for anything but a well-formed set.
    """
    top = f"SLO file {source}"
    raw = strict_mapping(raw, top, TOP_KEYS)
    if not any(section in raw for section in GATING_SECTIONS):
        raise ConfigError(
            f"{top} is missing 'objectives' (or 'fairness', 'relative'): add at least one "
            "section that gates (see conf/slo/default.yaml and conf/slo/relative.yaml)."
        )
    name = nonempty_text(raw["name"], f"{top}, name") if "name" in raw else Path(source).stem
    objectives: tuple[Objective, ...] = ()
    if "objectives" in raw:
        objectives = _objectives(raw["objectives"], top, "objectives", fairness=False)
    fairness: tuple[Objective, ...] = ()
    if "fairness" in raw:
        fairness = _objectives(raw["fairness"], top, "fairness", fairness=True)
    warnings: tuple[Objective, ...] = ()
    if "warnings" in raw:
        warnings = _objectives(raw["warnings"], top, "warnings", fairness=False)
    relative = _relative(raw["relative"], f"{top}, relative") if "relative" in raw else None
    names = [o.name for o in (*objectives, *fairness, *warnings)]
    names += [o.name for o in relative.objectives] if relative else []
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"{top}: objective names {duplicates} are not unique; give each objective its own name."
        )
    window = duration(raw.get("error_budget_window", "30d"), f"{top}, error_budget_window")
    serving = _serving(raw["serving"], f"{top}, serving") if "serving" in raw else None
    labels, monitoring = None, None
    if "monitoring" in raw:
        labels, monitoring = _monitoring(raw["monitoring"], f"{top}, monitoring", serving)
    return SLOSet(
        name=name,
        error_budget_window=window,
        objectives=objectives,
        fairness=fairness,
        serving=serving,
        source=source,
        warnings=warnings,
        relative=relative,
        labels=labels,
        monitoring=monitoring,
    )


# -- sections ---------------------------------------------------------------------------------


def _objectives(items: Any, top: str, section: str, *, fairness: bool) -> tuple[Objective, ...]:
    items = nonempty_list(items, top, section)
    return tuple(
        _objective(item, f"{top}, {section}[{index}]", fairness=fairness)
        for index, item in enumerate(items)
    )


def _objective(item: Any, where: str, *, fairness: bool) -> Objective:
    item = strict_mapping(item, where, OBJECTIVE_KEYS, required=("metric", "op", "threshold"))
    metric = _fairness_metric(item["metric"], where) if fairness else _metric(item["metric"], where)
    op = one_of(item["op"], f"{where}, op", OPERATORS)
    threshold = finite_number(item["threshold"], f"{where}, threshold", example="0.8")
    _check_in_range(threshold, metric, fairness, f"{where}, threshold")
    decision = one_of(item.get("decision", "point"), f"{where}, decision", DECISIONS)
    name = _objective_name(item, where, metric)
    return Objective(name, metric, op, threshold, decision, _applies_to(item, where))


def _relative(raw: Any, where: str) -> RelativeSection:
    raw = strict_mapping(raw, where, RELATIVE_KEYS, required=RELATIVE_KEYS)
    reference = _strategy(raw["reference"], f"{where}, reference")
    alpha = finite_number(raw["alpha"], f"{where}, alpha", example="0.025")
    if not 0.0 < alpha < 0.5:
        raise ConfigError(
            f"{where}, alpha {alpha:g} must be in (0, 0.5): it is the one-sided family-wise "
            "error rate, e.g. 0.025 (the two-sided 5 % level) or 0.05."
        )
    objectives = tuple(
        _relative_objective(item, f"{where}, objectives[{index}]", reference)
        for index, item in enumerate(nonempty_list(raw["objectives"], where, "objectives"))
    )
    return RelativeSection(reference, alpha, objectives)


def _relative_objective(item: Any, where: str, reference: str) -> RelativeObjective:
    item = strict_mapping(item, where, RELATIVE_OBJECTIVE_KEYS, required=("metric", "test"))
    metric = _metric(item["metric"], where)
    spec = catalog.spec_of(metric)
    if spec.greater_is_better is None:
        raise ConfigError(
            f"{where}, metric {metric!r} has no better direction (neither larger nor smaller "
            "is better), so one strategy cannot beat another on it: compare on a metric with "
            "a direction, e.g. test/pr_auc, or bound it in 'objectives'."
        )
    test = one_of(item["test"], f"{where}, test", RELATIVE_TESTS)
    width = spec.high - spec.low
    if test == NON_INFERIORITY:
        if "margin" not in item:
            raise ConfigError(
                f"{where} is missing 'margin': a non-inferiority test needs the largest loss "
                "against the reference that still counts as not worse, e.g. margin: 0.02."
            )
        margin = finite_number(item["margin"], f"{where}, margin", example="0.02")
        if not 0.0 < margin < width:
            raise ConfigError(
                f"{where}, margin {margin:g} must be positive and smaller than the range of "
                f"{metric} ({width:g}), e.g. 0.02."
            )
    elif "margin" in item:
        raise ConfigError(
            f"{where}: a superiority test has no margin (it tests candidate better than the "
            "reference, H1 effect > 0); remove 'margin', or use test: non_inferiority."
        )
    else:
        margin = 0.0
    if "rope" in item:
        rope = finite_number(item["rope"], f"{where}, rope", example="0.01")
    elif test == NON_INFERIORITY:
        rope = margin
    else:
        raise ConfigError(
            f"{where} is missing 'rope': give the half-width of the region of practical "
            "equivalence of the Bayesian test in metric units, e.g. rope: 0.01."
        )
    if not 0.0 <= rope < width:
        raise ConfigError(
            f"{where}, rope {rope:g} must be >= 0 and smaller than the range of {metric} "
            f"({width:g}), e.g. 0.01."
        )
    applies_to = _applies_to(item, where)
    if applies_to is not None and reference in applies_to:
        raise ConfigError(
            f"{where}, applies_to names the reference strategy {reference!r}, which "
            "cannot be compared with itself; remove it."
        )
    name = _objective_name(item, where, metric)
    return RelativeObjective(name, metric, test, margin, rope, applies_to)


def _objective_name(item: Mapping[str, Any], where: str, metric: str) -> str:
    """The objective's ``name``, by default its metric key with ``/`` as ``_``."""
    if "name" in item:
        return nonempty_text(item["name"], f"{where}, name")
    return metric.replace("/", "_")


def _applies_to(item: Mapping[str, Any], where: str) -> tuple[str, ...] | None:
    """The objective's ``applies_to`` strategy kinds; ``None`` (every strategy) by default."""
    if "applies_to" not in item:
        return None
    return _strategies(item["applies_to"], f"{where}, applies_to")


def _serving(raw: Any, where: str) -> ServingSLO:
    raw = strict_mapping(
        raw, where, SERVING_KEYS, required=("minority_recall_objective", "burn_rate_alerts")
    )
    objective = finite_number(
        raw["minority_recall_objective"], f"{where}, minority_recall_objective", example="0.8"
    )
    if not 0.0 < objective < 1.0:
        raise ConfigError(
            f"{where}: minority_recall_objective {objective} must be in (0, 1), e.g. 0.8."
        )
    alerts = burn_rate_alerts(raw["burn_rate_alerts"], where, "burn_rate_alerts")
    stale_after = duration(raw.get("stale_after", "1d"), f"{where}, stale_after")
    return ServingSLO(objective, alerts, stale_after)


def _monitoring(
    raw: Any, where: str, serving: ServingSLO | None
) -> tuple[LabelSupply | None, dict[str, Any] | None]:
    raw = strict_mapping(raw, where, MONITORING_KEYS)
    labels = None
    if "labels" in raw:
        if serving is None:
            raise ConfigError(
                f"{where}, labels: the label supply sizes the serving recall alerts, so it needs "
                "a 'serving' section with minority_recall_objective; add one, or remove labels."
            )
        labels = _labels(raw["labels"], f"{where}, labels", serving)
    settings = {key: raw[key] for key in ("serving", "alerting") if key in raw}
    return labels, settings or None


def _labels(raw: Any, where: str, serving: ServingSLO) -> LabelSupply:
    raw = strict_mapping(raw, where, LABEL_KEYS, required=("minority_per_hour",))
    rate = finite_number(raw["minority_per_hour"], f"{where}, minority_per_hour", example="50")
    if rate <= 0:
        raise ConfigError(
            f"{where}, minority_per_hour {rate:g} must be positive: the confirmed minority "
            "labels expected per hour, e.g. 50."
        )
    delay = duration(raw.get("delay", "0s"), f"{where}, delay")
    detect = None
    if "detect" in raw:
        at = f"{where}, detect"
        item = strict_mapping(raw["detect"], at, DETECT_KEYS, required=DETECT_KEYS)
        drop = finite_number(item["drop"], f"{at}, drop", example="0.1")
        objective = serving.minority_recall_objective
        if not 0.0 < drop < objective:
            raise ConfigError(
                f"{at}, drop {drop:g} must be in (0, {objective:g}): recall below the objective "
                f"{objective:g}, e.g. 0.1 for a fall to {objective - 0.1:.2f}."
            )
        detect = DetectionTarget(drop, duration(item["within"], f"{at}, within"))
    return LabelSupply(rate, delay, detect)


#: The strict reader of an SLO file's mappings: a missing key points at the shipped example.
strict_mapping = functools.partial(_strict_mapping, see="conf/slo/default.yaml")


# -- fields -----------------------------------------------------------------------------------


def burn_rate_alerts(
    value: Any, where: str, key: str, *, severities: Iterable[str] | None = None
) -> tuple[BurnRateAlert, ...]:
    """The list ``key`` of ``where`` as burn-rate alerts, each read strictly.

    Parameters
    ----------
    value : Any
        The loaded list: one mapping per alert with ``severity``, ``long_window``,
        ``short_window`` and a positive ``factor``.
    where, key : str
        Where the list stands, named in every error.
    severities : iterable of str, optional
        The allowed severities; any non-empty text when omitted.

    Raises
    ------
    ConfigError
        Naming the alert, the field and the fix.
    """
    alerts = []
    for index, item in enumerate(nonempty_list(value, where, key)):
        at = f"{where}, {key}[{index}]"
        item = strict_mapping(item, at, ALERT_KEYS, required=ALERT_KEYS)
        factor = finite_number(item["factor"], f"{at}, factor", example="2")
        if factor <= 0:
            raise ConfigError(f"{at}: factor {factor} must be positive, e.g. 2.")
        severity = (
            nonempty_text(item["severity"], f"{at}, severity")
            if severities is None
            else one_of(item["severity"], f"{at}, severity", severities)
        )
        alerts.append(
            BurnRateAlert(
                severity=severity,
                long_window=duration(item["long_window"], f"{at}, long_window"),
                short_window=duration(item["short_window"], f"{at}, short_window"),
                factor=factor,
            )
        )
    return tuple(alerts)


def _metric(value: Any, where: str) -> str:
    key = nonempty_text(value, f"{where}, metric")
    if key in catalog.RENAMED:
        raise ConfigError(
            f"{where}, metric {key!r} was renamed to {catalog.RENAMED[key]!r}: write the new key."
        )
    if "{" in key or catalog.parse_key(key) is None:
        fixed = [k for k in catalog.CATALOG if "{" not in k]
        hint = difflib.get_close_matches(key, fixed, n=1)
        guess = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ConfigError(
            f"{where}, metric {key!r} is not a metric of the catalog{guess}; use a key of "
            "harness.metrics.catalog.CATALOG, e.g. test/minority_recall."
        )
    return key


def _fairness_metric(value: Any, where: str) -> str:
    name = nonempty_text(value, f"{where}, metric")
    if name in catalog.FAIRNESS_METRICS:
        return name
    parsed = catalog.parse_key(name)
    if parsed is not None and parsed.column is not None:
        bare = name.rsplit("/", 1)[1]
        raise ConfigError(
            f"{where}, metric {name!r} names one sensitive column; a fairness bound names the "
            f"bare metric ({bare!r}) and is checked on every sensitive column."
        )
    hint = difflib.get_close_matches(name, catalog.FAIRNESS_METRICS, n=1)
    guess = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise ConfigError(
        f"{where}, metric {name!r} is not a fairness metric{guess}; use one of "
        f"{', '.join(catalog.FAIRNESS_METRICS)}."
    )


def _check_in_range(threshold: float, metric: str, fairness: bool, where: str) -> None:
    key = catalog.fairness_key("column", metric) if fairness else metric
    spec = catalog.spec_of(key)
    if not spec.low <= threshold <= spec.high:
        raise ConfigError(
            f"{where} {threshold:g} is outside the range [{spec.low:g}, {spec.high:g}] of "
            f"{metric}, so the objective could never be met or never fail; write a value in "
            "range (a share as 0.8, not 80)."
        )


def _strategies(value: Any, where: str) -> tuple[str, ...]:
    from harness.resample.registry import FAMILIES, known_strategy_kinds

    items = nonempty_list(value, where.rsplit(", ", 1)[0], "applies_to")
    known = known_strategy_kinds()  # reads the plugin entry points: once per list
    return tuple(_strategy(item, where, known, families=tuple(FAMILIES)) for item in items)


def _strategy(
    item: Any, where: str, known: tuple[str, ...] | None = None, families: tuple[str, ...] = ()
) -> str:
    from harness.resample.registry import known_strategy_kinds

    known = known_strategy_kinds() if known is None else known
    if not isinstance(item, str) or item not in (*known, *families):
        hint = difflib.get_close_matches(str(item), (*known, *families), n=1)
        guess = f" (did you mean {hint[0]!r}?)" if hint else ""
        families_text = f", or a family: {', '.join(families)}" if families else ""
        raise ConfigError(
            f"{where}: {item!r} is not a strategy kind{guess}; name one of the kinds runs "
            f"record as 'strategy': {', '.join(known)}{families_text}."
        )
    return item
