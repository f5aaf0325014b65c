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
    needs : {"ranking", "operating_point"} or None
        What the metric means something only with: continuous scores that rank the rows
        (``ranking``: ROC-AUC, PR-AUC), or a decision threshold tuned to reach the precision
        target (``operating_point``). A model with hard scores (a few distinct values per fold)
        has no ranking and no tunable operating point: an objective on such a metric is not
        applicable to it (:data:`NEEDS_CONTINUOUS_SCORES`).
    """

    name: str
    low: float
    high: float
    greater_is_better: bool | None
    unit: str
    group: str
    headline: bool = False
    description: str = ""
    needs: str | None = None

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


#: SLIs that rank rows by score: they need continuous scores.
_RANKING_SLIS = ("roc_auc", "pr_auc")


def _sli_specs() -> list[MetricSpec]:
    specs = []
    for name, text in _SLI_DESCRIPTIONS.items():
        headline = name in _HEADLINE_SLIS
        needs = "ranking" if name in _RANKING_SLIS else None
        specs.append(
            MetricSpec(
                f"test/{name}", 0.0, 1.0, True, "ratio", "minority SLIs", headline, text, needs
            )
        )
        specs.append(
            MetricSpec(
                f"train/{name}", 0.0, 1.0, True, "ratio", "gap", False, f"{text}, train", needs
            )
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
                needs,
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
        "operating_point",
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
        "operating_point",
    ),
    MetricSpec(
        "test/precision_at_threshold",
        0.0,
        1.0,
        True,
        "ratio",
        "minority SLIs",
        False,
        "minority precision reached on the test fold at the threshold tuned on the training fold",
        "operating_point",
    ),
    MetricSpec(
        "test/precision_below_target",
        0.0,
        1.0,
        False,
        "ratio",
        "calibration",
        False,
        "share of folds whose test precision at the tuned threshold is below the target",
        "operating_point",
    ),
    MetricSpec(
        "test/operating_point_reached",
        0.0,
        1.0,
        None,
        "ratio",
        "calibration",
        False,
        "share of folds whose training rows reached the precision target at some threshold",
    ),
    MetricSpec(
        "test/score_levels",
        0.0,
        INF,
        None,
        "count",
        "calibration",
        False,
        "distinct minority scores on a test fold (a few: hard scores, no ranking)",
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

#: What a metric may need that a model with hard scores does not have.
NEEDS_CONTINUOUS_SCORES = ("ranking", "operating_point")

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


#: How :func:`harness.metrics.group_fairness` names a per-group value: ``group/<g>/<metric>``.
GROUP_PREFIX = "group/"


def split_group_key(key: str) -> tuple[str, str] | None:
    """Split a per-group key of :func:`harness.metrics.group_fairness` into ``(group, metric)``.

    The metric is the part after the last ``/`` (metric names have none); the group is all
    between ``group/`` and it, ``/`` included.

    Returns
    -------
    tuple of (str, str) or None
        ``None`` for a key that is not per group (``equalized_odds_difference`` ...).

    Examples
    --------
    >>> split_group_key("group/A/B/recall")
    ('A/B', 'recall')
    """
    if not key.startswith(GROUP_PREFIX) or "/" not in key[len(GROUP_PREFIX) :]:
        return None
    group, metric = key[len(GROUP_PREFIX) :].rsplit("/", 1)
    return group, metric


@dataclass(frozen=True)
class MetricKey:
    """A metric key: its text, its spec and its data values, and its Prometheus series.

    The one type that builds (:meth:`fairness`), parses (:meth:`parse`) and names
    (:attr:`series`) metric keys; nothing else splits a key on ``/``.

    Attributes
    ----------
    key : str
        The key as written in ``result.json`` (column and group escaped).
    spec : MetricSpec
    column, group : str or None
        The sensitive column and group of a fairness key, unescaped.
    """

    key: str
    spec: MetricSpec
    column: str | None = None
    group: str | None = None

    @classmethod
    def fairness(cls, column: str, metric: str, group: str | None = None) -> MetricKey:
        """The key of a fairness metric of one sensitive ``column`` (and one ``group``).

        Raises
        ------
        InputDataError
            ``metric`` is not a fairness metric of the catalog.
        """
        if group is None:
            pattern = f"fairness/{{column}}/{metric}"
            key = f"fairness/{escape_part(column)}/{metric}"
        else:
            pattern = f"fairness/{{column}}/group/{{group}}/{metric}"
            key = f"fairness/{escape_part(column)}/group/{escape_part(group)}/{metric}"
        if pattern not in CATALOG:
            raise InputDataError(
                f"{metric!r} is not a fairness metric of the catalog; use one of "
                f"{', '.join(sorted({p.rsplit('/', 1)[1] for p in CATALOG if '{' in p}))}."
            )
        return cls(
            key, CATALOG[pattern], column=str(column), group=None if group is None else str(group)
        )

    @classmethod
    def parse(cls, key: str, *, legacy: bool = False) -> MetricKey | None:
        """The key ``key`` names, or ``None`` when the catalog has no such metric.

        Parameters
        ----------
        key : str
            A metric key (column and group escaped), or a pattern of the catalog.
        legacy : bool
            Also read fairness keys written before column and group were escaped, which may
            hold a bare ``/`` inside either: the metric is the last part, and the group follows
            the first ``group`` part after the column. Only for exporting old records; a
            verdict never reads a key that could split two ways.

        Examples
        --------
        >>> MetricKey.parse("fairness/race%2Fethnicity/equalized_odds_difference").column
        'race/ethnicity'
        """
        if key in CATALOG:
            return cls(key, CATALOG[key])
        parts = key.split("/")
        if parts[0] != "fairness" or len(parts) < 3:
            return None
        metric, inner = parts[-1], parts[1:-1]
        if not legacy and len(inner) not in (1, 3):
            return None
        if len(inner) >= 3 and "group" in inner[1:-1]:
            at = inner.index("group", 1)
            spec = CATALOG.get(f"fairness/{{column}}/group/{{group}}/{metric}")
            column, group = "/".join(inner[:at]), "/".join(inner[at + 1 :])
            if spec is not None:
                return cls(key, spec, unescape_part(column), unescape_part(group))
            if not legacy:
                return None
        if not legacy and len(inner) != 1:
            return None
        spec = CATALOG.get(f"fairness/{{column}}/{metric}")
        if spec is not None:
            return cls(key, spec, column=unescape_part("/".join(inner)))
        return None

    @property
    def series(self) -> tuple[str, dict[str, str]]:
        """The Prometheus series: ``(name, labels)``; the column and the group are the labels
        ``sensitive`` and ``group``, never part of the name.

        Examples
        --------
        >>> MetricKey.parse("fairness/race/group/Black%2FAfrican American/recall").series
        ('harness_fairness_group_recall', {'sensitive': 'race', 'group': 'Black/African American'})
        """
        labels = {}
        if self.column is not None:
            labels["sensitive"] = self.column
        if self.group is not None:
            labels["group"] = self.group
        return self.spec.prometheus_name, labels


#: The name :func:`parse_key` returned before :class:`MetricKey` (kept for readers of it).
ParsedKey = MetricKey


def parse_key(key: str) -> MetricKey | None:
    """Find the spec of ``key``; ``None`` when the catalog has no such metric
    (:meth:`MetricKey.parse`)."""
    return MetricKey.parse(key)


def fairness_key(column: str, metric: str, group: str | None = None) -> str:
    """The key of a fairness metric: ``fairness/<column>/<metric>`` or, per group,
    ``fairness/<column>/group/<group>/<metric>``; column and group are escaped
    (:meth:`MetricKey.fairness`)."""
    return MetricKey.fairness(column, metric, group).key


def fairness_keys(column: str, values: dict[str, float]) -> dict[str, float]:
    """Key the output of :func:`harness.metrics.group_fairness` for one sensitive column.

    Parameters
    ----------
    column : str
        The sensitive column.
    values : dict
        ``equalized_odds_difference`` ... and ``group/<g>/<metric>`` (``g`` raw).

    Returns
    -------
    dict
        The same values under their escaped metric keys.
    """
    keyed = {}
    for key, value in values.items():
        per_group = split_group_key(key)
        if per_group is None:
            keyed[fairness_key(column, key)] = value
        else:
            group, metric = per_group
            keyed[fairness_key(column, metric, group)] = value
    return keyed


def series_name(key: str) -> str:
    """The Prometheus series name of a metric key or pattern (``fairness/{column}/...``)."""
    spec = CATALOG.get(key)
    if spec is None:
        parsed = MetricKey.parse(key)
        if parsed is None:
            spec_of(key)  # raises, naming the unknown key
        spec = parsed.spec
    return spec.prometheus_name


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
