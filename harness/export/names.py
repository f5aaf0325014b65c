"""Prometheus series names for metric keys.

``harness_`` + the metric key with every ``/`` replaced by ``_``, except the sensitive column and
the group of fairness keys, which become labels: values never go into metric names.
"""

from __future__ import annotations

import re

PREFIX = "harness_"
RUN_LABELS = ("experiment", "dataset", "resampler", "model")
_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def sanitize(name: str) -> str:
    """Make ``name`` a valid snake_case Prometheus metric name fragment."""
    cleaned = _INVALID.sub("_", name).strip("_").lower()
    return re.sub(r"_+", "_", cleaned)


def prometheus_series(metric_key: str) -> tuple[str, dict[str, str]]:
    """Map a metric key to ``(metric name, extra labels)``.

    Parameters
    ----------
    metric_key : str
        A key of ``result.json`` ``metrics``, e.g. ``test/minority_recall`` or
        ``fairness/sex/group/F/recall``.

    Returns
    -------
    tuple of (str, dict)
        ``("harness_test_minority_recall", {})``;
        ``("harness_fairness_group_recall", {"sensitive": "sex", "group": "F"})``.

    Examples
    --------
    >>> prometheus_series("fairness/sex/equalized_odds_difference")
    ('harness_fairness_equalized_odds_difference', {'sensitive': 'sex'})
    """
    parts = metric_key.split("/")
    if parts[0] == "fairness" and len(parts) >= 3:
        sensitive = parts[1]
        if len(parts) == 5 and parts[2] == "group":
            return PREFIX + "fairness_group_" + sanitize(parts[4]), {
                "sensitive": sensitive,
                "group": parts[3],
            }
        return PREFIX + "fairness_" + sanitize("_".join(parts[2:])), {"sensitive": sensitive}
    return PREFIX + sanitize("_".join(parts)), {}


RUNS_TOTAL = "harness_runs_total"
LAST_SUCCESS = "harness_last_success_timestamp_seconds"
SLO_OBJECTIVE_THRESHOLD = "harness_slo_objective_threshold"
SLO_MET = "harness_slo_met"
SERVING_PREDICTIONS = "harness_serving_predictions_total"
SERVING_OUTCOMES = "harness_serving_outcomes_total"
SERVING_LABELS = ("model", "dataset")
OUTCOMES = ("tp", "fn", "fp", "tn")

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
