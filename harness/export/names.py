"""Prometheus series names for metric keys.

``harness_`` + the metric key with every ``/`` replaced by ``_``, except the sensitive column and
the group of fairness keys, which become the labels ``sensitive`` and ``group``: data values
(column and group values, data set names) never go into metric names, so every group of one
metric is a series of one family, ``harness_fairness_group_recall{sensitive="race",
group="Black/African American"}``. Label values keep their text; prometheus-client escapes it.

Keys are parsed and named by one type, :class:`harness.metrics.catalog.MetricKey`; this module
spells every other series name the exporters write.
"""

from __future__ import annotations

import re

from harness.metrics.catalog import MetricKey

PREFIX = "harness_"
RUN_LABELS = ("experiment", "dataset", "resampler", "model")
_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def sanitize(name: str) -> str:
    """Make ``name`` a valid snake_case Prometheus metric name fragment."""
    cleaned = _INVALID.sub("_", name).strip("_").lower()
    return re.sub(r"_+", "_", cleaned)


def prometheus_series(metric_key: str) -> tuple[str, dict[str, str]]:
    """Map a metric key to ``(metric name, extra labels)``
    (:attr:`harness.metrics.catalog.MetricKey.series`).

    Parameters
    ----------
    metric_key : str
        A key of ``result.json`` ``metrics``, e.g. ``test/minority_recall`` or
        ``fairness/sex/group/F/recall``; fairness keys written before escaping are read too.

    Returns
    -------
    tuple of (str, dict)
        ``("harness_test_minority_recall", {})``;
        ``("harness_fairness_group_recall", {"sensitive": "sex", "group": "F"})``. The name
        holds only the scope and the metric; column and group are label values, unescaped. A
        key the catalog does not know keeps its parts in the name, sanitised.

    Examples
    --------
    >>> prometheus_series("fairness/sex/equalized_odds_difference")
    ('harness_fairness_equalized_odds_difference', {'sensitive': 'sex'})
    >>> prometheus_series("fairness/race/group/Black%2FAfrican American/recall")
    ('harness_fairness_group_recall', {'sensitive': 'race', 'group': 'Black/African American'})
    """
    parsed = MetricKey.parse(metric_key, legacy=True)
    if parsed is None:
        return PREFIX + sanitize(metric_key.replace("/", "_")), {}
    return parsed.series


# Run bookkeeping (one series per run identity).
RUNS_TOTAL = "harness_runs_total"
RUN_STATUSES = ("success", "failed")
LAST_SUCCESS = "harness_last_success_timestamp_seconds"
LAST_FAILURE = "harness_last_failure_timestamp_seconds"
LAST_RUN = "harness_last_run_timestamp_seconds"
SLO_OBJECTIVE_THRESHOLD = "harness_slo_objective_threshold"
SLO_MET = "harness_slo_met"

# The gate's verdict per experiment and objective (harness.export.verdicts).
GATE_VERDICT = "harness_gate_verdict"
GATE_WORST_VALUE = "harness_gate_objective_worst_value"
GATE_FAILED_CANDIDATES = "harness_gate_failed_candidates"
GATE_EVALUATED = "harness_gate_evaluated_timestamp_seconds"
GATE_LABELS = ("experiment", "objective")

# Serving: outcome counters (event-based SLIs), per-cohort outcomes and minority drift.
SERVING_PREDICTIONS = "harness_serving_predictions_total"
SERVING_OUTCOMES = "harness_serving_outcomes_total"
SERVING_LABELS = ("model", "dataset")
OUTCOMES = ("tp", "fn", "fp", "tn")
COHORT_OUTCOMES = "harness_serving_cohort_outcomes_total"
COHORT_OVERFLOW = "harness_serving_cohort_overflow_total"
COHORT_LABELS = ("sensitive", "cohort")
DRIFT_SHARE = "harness_serving_minority_drift_share"
DRIFT_DETECTED = "harness_serving_minority_drift_detected"
DRIFT_WINDOWS = "harness_serving_minority_drift_windows_total"
DRIFT_WINDOW_ROWS = "harness_serving_minority_drift_window_rows"
DRIFT_LAST_CHECK = "harness_serving_minority_drift_last_check_timestamp_seconds"


def counter_name(series: str) -> str:
    """The name to give prometheus-client's ``Counter`` for ``series`` (it appends ``_total``)."""
    return series.removesuffix("_total")


#: Every series name the exporters write (counters with their ``_total`` suffix).
EXPORTED_SERIES = (
    RUNS_TOTAL,
    LAST_SUCCESS,
    LAST_FAILURE,
    LAST_RUN,
    SLO_OBJECTIVE_THRESHOLD,
    SLO_MET,
    GATE_VERDICT,
    GATE_WORST_VALUE,
    GATE_FAILED_CANDIDATES,
    GATE_EVALUATED,
    SERVING_PREDICTIONS,
    SERVING_OUTCOMES,
    COHORT_OUTCOMES,
    COHORT_OVERFLOW,
    DRIFT_SHARE,
    DRIFT_DETECTED,
    DRIFT_WINDOWS,
    DRIFT_WINDOW_ROWS,
    DRIFT_LAST_CHECK,
)

#: Metric keys of the batch service level indicators (test-set quality of the minority class).
SLI_METRIC_KEYS = (
    "test/minority_recall",
    "test/minority_precision",
    "test/minority_f1",
    "test/g_mean",
    "test/balanced_accuracy",
    "test/roc_auc",
    "test/pr_auc",
    "gap/minority_recall",
)
#: Their Prometheus series names, e.g. ``harness_test_minority_recall``.
SLI_METRIC_NAMES = tuple(prometheus_series(key)[0] for key in SLI_METRIC_KEYS)
