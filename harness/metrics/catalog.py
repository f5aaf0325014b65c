"""The metric catalog: for every metric key, its range, direction, unit, group and series name.

One table, read by the gate (range and direction checks), the confidence-interval clipping,
the reports, the Prometheus exporter and the dashboards, so no module keeps its own list.
The model is fairlearn's metric spec table: a key names a metric, the spec says what its
values mean.

Keys are ``scope/name`` (``test/minority_recall``). Fairness keys carry data values, a
sensitive column and a group, which may themselves contain ``/`` (``race/ethnicity``); those
parts are escaped with :func:`escape_part` when a key is built and unescaped when it is parsed,
so a key always splits the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.errors import InputDataError

INF = math.inf

#: Groups, in report order.
GROUPS = (
    "minority SLIs",
    "calibration",
    "gap",
    "synthetic data",
    "neighbours",
    "label quality",
    "fairness",
    "time and memory",
)


@dataclass(frozen=True)
class MetricSpec:
    """What the values of one metric mean.

    Attributes
    ----------
    name : str
        The key pattern: ``test/minority_recall``, or
        ``fairness/{column}/equalized_odds_difference`` for keys that carry a sensitive column
        (and ``{group}``).
    low, high : float
        The range every finite value must lie in (``inf`` when unbounded).
    greater_is_better : bool or None
        The direction; ``None`` when neither is better (counts, distances).
    unit : str
        ``ratio`` (a share in [0, 1]), ``difference`` (of two ratios), ``seconds``, ``bytes``,
        ``count`` or ``distance`` (in the preprocessed feature space).
    group : str
        One of :data:`GROUPS`.
    headline : bool
        Shown first in reports and summaries.
    description : str
        One line for reports and dashboards.
    """

    name: str
    low: float
    high: float
    greater_is_better: bool | None
    unit: str
    group: str
    headline: bool = False
    description: str = ""

    def in_range(self, value: float) -> bool:
        """Whether ``value`` is a finite number inside the metric's range."""
        return math.isfinite(value) and self.low <= value <= self.high

    @property
    def prometheus_name(self) -> str:
        """The Prometheus series name: ``harness_`` + the pattern's fixed parts, snake_case.

        Data values (column, group) never enter the name; they become labels.
        """
        parts = [p for p in self.name.split("/") if not p.startswith("{")]
        return "harness_" + "_".join(parts)


_SLI_DESCRIPTIONS = {
    "minority_recall": "share of minority rows predicted minority",
    "minority_precision": "share of minority predictions that are right",
    "minority_f1": "harmonic mean of minority recall and precision",
    "g_mean": "geometric mean of minority and majority recall",
    "balanced_accuracy": "mean of minority and majority recall",
    "roc_auc": "area under the ROC curve of the minority scores",
    "pr_auc": "average precision of the minority scores",
}
_HEADLINE_SLIS = ("minority_recall", "minority_precision", "minority_f1", "g_mean", "pr_auc")


def _sli_specs() -> list[MetricSpec]:
    specs = []
    for name, text in _SLI_DESCRIPTIONS.items():
        headline = name in _HEADLINE_SLIS
        specs.append(
            MetricSpec(f"test/{name}", 0.0, 1.0, True, "ratio", "minority SLIs", headline, text)
        )
        specs.append(
            MetricSpec(f"train/{name}", 0.0, 1.0, True, "ratio", "gap", False, f"{text}, train")
        )
        specs.append(
            MetricSpec(
                f"gap/{name}",
                -1.0,
                1.0,
                False,
                "difference",
                "gap",
                name == "minority_recall",
                f"train minus test {name}: overfitting",
            )
        )
    return specs


def _distance_specs(prefix: str, text: str) -> list[MetricSpec]:
    return [
        MetricSpec(
            f"neighbors/{prefix}_{stat}", 0.0, INF, None, "distance", "neighbours", False, text
        )
        for stat in ("mean", "median", "p95")
    ]


#: Label-quality shares (lower is better, none a headline): name -> (upper bound, description).
_LABEL_QUALITY = {
    "minority_overlap": (
        1.0,
        "share of minority rows whose out-of-fold k-NN vote disagrees with their label: class "
        "overlap, a property of the data",
    ),
    "label_issues": (
        INF,
        "likely mislabelled rows (both directions, cleanlab on a fixed random forest) per "
        "minority row",
    ),
    "minority_mislabelled": (
        INF,
        "minority-labelled rows that look like majority rows, per minority row",
    ),
    "majority_mislabelled": (
        INF,
        "majority-labelled rows that look like minority rows, per minority row",
    ),
}


def _label_quality_specs() -> list[MetricSpec]:
    return [
        MetricSpec(f"data/{name}", 0.0, high, False, "ratio", "label quality", False, text)
        for name, (high, text) in _LABEL_QUALITY.items()
    ]


#: Calibration errors of the minority probability (lower is better): name -> description.
_CALIBRATION_ERRORS = {
    "brier": "Brier score of the minority probability",
    "ece": "expected calibration error of the minority probability (10 bins)",
}

#: Fairness metrics of one sensitive column (all in [0, high]):
#: key after ``fairness/{column}/`` -> (high, greater_is_better, unit, headline, description).
_FAIRNESS = {
    "equalized_odds_difference": (
        1.0,
        False,
        "difference",
        True,
        "largest gap between groups in true- or false-positive rate",
    ),
    "demographic_parity_difference": (
        1.0,
        False,
        "difference",
        False,
        "largest gap between groups in selection rate",
    ),
    "min_group_recall": (1.0, True, "ratio", False, "minority recall of the worst-served group"),
    "n_small_groups": (
        INF,
        None,
        "count",
        False,
        "groups below the minimum size, left out of the gaps",
    ),
    "group/{group}/n": (INF, None, "count", False, "rows of one group"),
    "group/{group}/recall": (1.0, True, "ratio", False, "minority recall within one group"),
    "group/{group}/selection_rate": (
        1.0,
        None,
        "ratio",
        False,
        "share of one group predicted minority",
    ),
}


def _fairness_specs() -> list[MetricSpec]:
    return [
        MetricSpec(
            f"fairness/{{column}}/{name}", 0.0, high, better, unit, "fairness", headline, text
        )
        for name, (high, better, unit, headline, text) in _FAIRNESS.items()
    ]


_SPECS: list[MetricSpec] = [
    *_sli_specs(),
    MetricSpec(
        "test/accuracy",
        0.0,
        1.0,
        True,
        "ratio",
        "minority SLIs",
        False,
        "share of all test rows predicted right (overall accuracy, the ADASYN paper's OA)",
    ),
    MetricSpec(
        "resample/synthetic_ratio",
        0.0,
        1.0,
        None,
        "ratio",
        "synthetic data",
        True,
        "share of synthetic rows in the resampled training fold",
    ),
    MetricSpec(
        "resample/n_synthetic",
        0.0,
        INF,
        None,
        "count",
        "synthetic data",
        False,
        "synthetic rows added to the training fold",
    ),
    *_distance_specs("minority_knn", "distance of a minority row to its K minority neighbours"),
    *_distance_specs("synthetic_nn", "distance of a synthetic row to its nearest real row"),
    *_label_quality_specs(),
    MetricSpec(
        "test/recall_at_precision",
        0.0,
        1.0,
        True,
        "ratio",
        "minority SLIs",
        True,
        "minority recall at the precision target, threshold tuned on the training fold",
    ),
    MetricSpec(
        "test/threshold_at_precision",
        0.0,
        1.0,
        None,
        "score",
        "calibration",
        False,
        "score threshold that reaches the precision target on the training fold",
    ),
    *(
        MetricSpec(f"test/{name}", 0.0, 1.0, False, "ratio", "calibration", False, text)
        for name, text in _CALIBRATION_ERRORS.items()
    ),
    MetricSpec(
        "resample/invalid_value_share",
        0.0,
        1.0,
        False,
        "ratio",
        "synthetic data",
        True,
        "share of synthetic rows with a value outside the training domain",
    ),
    MetricSpec(
        "time/resample_seconds", 0.0, INF, False, "seconds", "time and memory", False, "resampling"
    ),
    MetricSpec(
        "time/fit_seconds", 0.0, INF, False, "seconds", "time and memory", False, "model fit"
    ),
    MetricSpec(
        "time/predict_seconds", 0.0, INF, False, "seconds", "time and memory", False, "prediction"
    ),
    MetricSpec(
        "memory/peak_bytes",
        0.0,
        INF,
        False,
        "bytes",
        "time and memory",
        False,
        "peak traced memory of the resampling step",
    ),
    *_fairness_specs(),
]

#: Every spec by its pattern.
CATALOG: dict[str, MetricSpec] = {spec.name: spec for spec in _SPECS}

#: Keys that a newer harness renamed: old key -> new key. The gate refuses an old key with
#: "renamed to X", so a stale SLO file or record never silently checks nothing.
RENAMED: dict[str, str] = {"noise/minority_label_noise": "data/minority_overlap"}

#: The bare fairness metric names an SLO fairness bound can name.
FAIRNESS_METRICS = tuple(
    spec.name.rsplit("/", 1)[1]
    for spec in _SPECS
    if spec.name.startswith("fairness/{column}/")
    and spec.name.count("/") == 2
    and spec.greater_is_better is not None
)


def escape_part(text: str) -> str:
    """Escape a data value (sensitive column, group) for use as one part of a metric key.

    ``%`` becomes ``%25`` and ``/`` becomes ``%2F``, so ``race/ethnicity`` stays one part.
    """
    return str(text).replace("%", "%25").replace("/", "%2F")


def unescape_part(text: str) -> str:
    """Undo :func:`escape_part`."""
    return text.replace("%2F", "/").replace("%25", "%")


def fairness_key(column: str, metric: str, group: str | None = None) -> str:
    """The key of a fairness metric: ``fairness/<column>/<metric>`` or, per group,
    ``fairness/<column>/group/<group>/<metric>``; column and group are escaped."""
    if group is None:
        return f"fairness/{escape_part(column)}/{metric}"
    return f"fairness/{escape_part(column)}/group/{escape_part(group)}/{metric}"


@dataclass(frozen=True)
class ParsedKey:
    """A metric key split into its spec and its data values (unescaped)."""

    key: str
    spec: MetricSpec
    column: str | None = None
    group: str | None = None


def parse_key(key: str) -> ParsedKey | None:
    """Find the spec of ``key``; ``None`` when the catalog has no such metric.

    Examples
    --------
    >>> parse_key("fairness/race%2Fethnicity/equalized_odds_difference").column
    'race/ethnicity'
    """
    if key in CATALOG:
        return ParsedKey(key, CATALOG[key])
    parts = key.split("/")
    if parts[0] != "fairness":
        return None
    if len(parts) == 3:
        spec = CATALOG.get(f"fairness/{{column}}/{parts[2]}")
        if spec is not None:
            return ParsedKey(key, spec, column=unescape_part(parts[1]))
    if len(parts) == 5 and parts[2] == "group":
        spec = CATALOG.get(f"fairness/{{column}}/group/{{group}}/{parts[4]}")
        if spec is not None:
            return ParsedKey(
                key, spec, column=unescape_part(parts[1]), group=unescape_part(parts[3])
            )
    return None


def spec_of(key: str) -> MetricSpec:
    """The spec of ``key``.

    Raises
    ------
    InputDataError
        For a key the catalog does not know, naming the new key when it was renamed.
    """
    parsed = parse_key(key)
    if parsed is not None:
        return parsed.spec
    if key in RENAMED:
        raise InputDataError(
            f"metric {key!r} was renamed to {RENAMED[key]!r}: use the new key (and rerun jobs "
            "written by an older harness)."
        )
    raise InputDataError(
        f"unknown metric {key!r}: use a key of the metric catalog, e.g. "
        f"{', '.join(sorted(k for k in CATALOG if '{' not in k)[:4])} "
        "(harness.metrics.catalog.CATALOG lists them all)."
    )


def is_known(key: str) -> bool:
    """Whether the catalog knows ``key``."""
    return parse_key(key) is not None


def metric_range(key: str) -> tuple[float, float] | None:
    """The range of ``key`` when it is bounded on both sides, else ``None``."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    spec = parsed.spec
    return (spec.low, spec.high) if math.isfinite(spec.low) and math.isfinite(spec.high) else None


def greater_is_better(key: str) -> bool | None:
    """The direction of ``key`` (``None``: neither, or unknown key)."""
    parsed = parse_key(key)
    return None if parsed is None else parsed.spec.greater_is_better


def headline_keys() -> tuple[str, ...]:
    """The headline metrics without data values, in catalog order."""
    fixed = [s for s in _SPECS if s.headline and "{" not in s.name]
    return tuple(s.name for s in sorted(fixed, key=lambda s: GROUPS.index(s.group)))
