"""Calibration and operating point of minority-class scores.

Oversampling shifts predicted probabilities towards the minority class. These metrics let a
reader tell a better ranking from a shifted threshold: the Brier score and the expected
calibration error of the minority probability, and the lowest threshold at which the scores
reach a precision target.
"""

from __future__ import annotations

import math

import numpy as np

from harness.errors import InputDataError
from harness.metrics._checks import as_1d, finite_scores, same_length

N_BINS = 10


def _minority_truth(y_true, y_score, pos_label) -> tuple[np.ndarray, np.ndarray]:
    y_true = as_1d(y_true, "y_true")
    score = finite_scores(as_1d(y_score, "y_score"))
    same_length(y_true=y_true, y_score=score)
    if score.size and (score.min() < 0.0 or score.max() > 1.0):
        raise InputDataError(
            "y_score must be probabilities in [0, 1] for calibration: pass predict_proba's "
            "minority column, not a decision function"
        )
    return (y_true == pos_label).astype(float), score.astype(float)


def brier_score(y_true, y_score, *, pos_label=1) -> float:
    """Mean squared error of the minority probability (0 is perfect)."""
    truth, score = _minority_truth(y_true, y_score, pos_label)
    return float(np.mean((score - truth) ** 2)) if truth.size else math.nan


def expected_calibration_error(y_true, y_score, *, pos_label=1, n_bins: int = N_BINS) -> float:
    """Expected calibration error of the minority probability, equal-width bins.

    ``sum_b (n_b / n) * |mean(y in b) - mean(score in b)|`` over ``n_bins`` bins of [0, 1].
    """
    truth, score = _minority_truth(y_true, y_score, pos_label)
    if not truth.size:
        return math.nan
    bins = np.minimum((score * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in np.unique(bins):
        members = bins == b
        error += members.mean() * abs(truth[members].mean() - score[members].mean())
    return float(error)


def threshold_for_precision(y_true, y_score, target: float, *, pos_label=1) -> float:
    """The lowest score threshold at which minority precision reaches ``target``.

    Rows with ``score >= threshold`` are predicted minority. NaN when no threshold reaches the
    target (or there is no minority row).
    """
    if not 0.0 < target <= 1.0:
        raise InputDataError(f"target={target!r} must be a precision in (0, 1], e.g. 0.7")
    truth, score = _minority_truth(y_true, y_score, pos_label)
    if not truth.any():
        return math.nan
    order = np.argsort(-score, kind="stable")
    sorted_score, sorted_truth = score[order], truth[order]
    # Precision at each distinct threshold: all rows with score >= that threshold.
    last_of_value = np.r_[sorted_score[1:] != sorted_score[:-1], True]
    hits = np.cumsum(sorted_truth)[last_of_value]
    predicted = np.flatnonzero(last_of_value) + 1
    thresholds = sorted_score[last_of_value]
    reaching = hits / predicted >= target
    return float(thresholds[reaching].min()) if reaching.any() else math.nan
