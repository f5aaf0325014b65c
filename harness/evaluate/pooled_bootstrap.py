"""Ratio metrics from the pooled out-of-fold predictions of every repeat, with a row bootstrap.

A fold of 5-fold cross-validation on 200 rows with 10 % minority holds about 4 minority rows:
its recall moves in steps of a quarter, and the fold mean of PR-AUC overshoots the large-sample
value (average precision of 4 positives is biased upwards). Pooling the out-of-fold
predictions of a repeat (every row predicted once, by the model that did not see it) measures
each metric on all ``n`` rows instead.

**Estimand**: the metric's expected value for the learner trained on ``n(k-1)/k`` rows,
evaluated on a large test set (the fold mean's and the pooled jackknife's too).

**Estimate**: the mean over repeats of the metric on each repeat's pooled out-of-fold
predictions.

**Interval**: the percentile bootstrap over rows. A replicate draws ``n`` rows with
replacement, the same rows in every repeat (the repeats predict the same rows, so their
errors are tied), recomputes each repeat's pooled metric on them and averages over repeats.
It carries the test-set noise of the estimate and the part of the training-set variation the
repeats show; not the variation between training sets of other draws of the data. Its
coverage is measured by ``harness bench --part interval-coverage`` (docs/statistics.md), not
assumed. The replicates are weights (how often each row is drawn), so the four metrics are
computed for all replicates at once; at weight 1 they are :func:`harness.metrics.minority_slis`'s
(tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from harness.errors import InputDataError
from harness.evaluate.pooled import FoldPredictions, concat_predictions, folds_by_repeat
from harness.metrics.classification import minority_slis

#: Name of the method, as recorded in result.json and the reports.
POOLED_BOOTSTRAP = "pooled out-of-fold predictions of every repeat, percentile row bootstrap"
#: Bootstrap replicates.
N_BOOT = 1000
#: Largest replicate-by-row block held in memory at once.
BLOCK_CELLS = 4_000_000
#: The metrics it estimates, as ``minority_slis`` names them.
METRICS = ("minority_recall", "minority_precision", "minority_f1", "pr_auc")


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, 0.0 where the denominator is 0 (``minority_slis``' rule)."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, 0.0)


def weighted_metrics(
    weights: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Recall, precision, F1 and PR-AUC of the minority (label 1) under row weights.

    Parameters
    ----------
    weights : ndarray of shape (n_replicates, n_rows)
        How often each row counts in each replicate (whole numbers for a bootstrap).
    y_true, y_pred : ndarray of shape (n_rows,)
        True labels and predictions.
    y_score : ndarray of shape (n_rows,) or None
        Minority scores; the predictions stand in for them when None, as in ``minority_slis``.

    Returns
    -------
    dict
        ``name -> ndarray of shape (n_replicates,)``; PR-AUC is NaN in a replicate without a
        minority row.
    """
    truth = (y_true == 1).astype(float)
    predicted = (y_pred == 1).astype(float)
    tp = weights @ (truth * predicted)
    positives = weights @ truth
    predicted_positives = weights @ predicted
    score = predicted if y_score is None else np.asarray(y_score, dtype=float)
    order = np.argsort(-score, kind="mergesort")
    ranked = score[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]  # last row of each threshold
    drawn = weights[:, order]
    hits = np.cumsum(drawn * truth[order], axis=1)[:, last]
    seen = np.cumsum(drawn, axis=1)[:, last]
    recall_steps = np.diff(np.c_[np.zeros(len(weights)), hits], axis=1)
    precision_steps = _ratio(hits, seen)
    with np.errstate(invalid="ignore", divide="ignore"):
        pr_auc = np.where(
            positives > 0, (recall_steps * precision_steps).sum(axis=1) / positives, math.nan
        )
    return {
        "minority_recall": _ratio(tp, positives),
        "minority_precision": _ratio(tp, predicted_positives),
        "minority_f1": _ratio(2.0 * tp, positives + predicted_positives),
        "pr_auc": pr_auc,
    }


def _repeats(
    folds: Sequence[FoldPredictions],
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]:
    """Per repeat: row positions, labels, predictions and scores of its pooled test rows."""
    if any(fold.rows is None for fold in folds):
        raise InputDataError(
            "the pooled bootstrap needs the data-set positions of each fold's test rows "
            "(FoldPredictions.rows); the evaluation protocol records them"
        )
    out = []
    for members in folds_by_repeat(folds).values():
        parts = [folds[i] for i in members]
        rows = np.concatenate([np.asarray(f.rows) for f in parts])
        out.append((rows, *concat_predictions(parts)))
    return out


def pooled_bootstrap_intervals(
    folds: Sequence[FoldPredictions],
    *,
    n_boot: int = N_BOOT,
    confidence: float = 0.95,
    random_state: int = 0,
) -> dict[str, dict[str, float]]:
    """The pooled estimate of each ratio metric with its bootstrap interval (module docstring).

    Parameters
    ----------
    folds : sequence of FoldPredictions
        Every fold of every repeat, each with the data-set positions of its test ``rows``.
    n_boot : int, default=1000
        Bootstrap replicates.
    confidence : float, default=0.95
        Level of the interval.
    random_state : int, default=0
        Seed of the row draws.

    Returns
    -------
    dict
        ``name -> {mean, std, ci_low, ci_high, n}``: the estimate, the replicates' standard
        deviation, the percentile interval and the number of rows; NaN bounds when the metric
        is undefined in more than half of the replicates.
    """
    repeats = _repeats(folds)
    universe = np.unique(np.concatenate([rows for rows, *_ in repeats]))
    positions = [np.searchsorted(universe, rows) for rows, *_ in repeats]
    n = universe.size
    pooled = [minority_slis(y_true, y_pred, y_score) for _, y_true, y_pred, y_score in repeats]
    estimate = {name: float(np.mean([values[name] for values in pooled])) for name in METRICS}
    rng = np.random.default_rng(random_state)
    block = max(1, BLOCK_CELLS // max(n, 1))
    replicates: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        weights = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)
        per_repeat = [
            weighted_metrics(weights[:, where], y_true, y_pred, y_score)
            for where, (_, y_true, y_pred, y_score) in zip(positions, repeats, strict=True)
        ]
        for name in METRICS:
            replicates[name].append(np.mean([values[name] for values in per_repeat], axis=0))
    tail = (1.0 - confidence) / 2
    out = {}
    for name in METRICS:
        values = np.concatenate(replicates[name])
        finite = values[np.isfinite(values)]
        if finite.size <= n_boot / 2:
            low = high = spread = math.nan
        else:
            low, high = (float(v) for v in np.quantile(finite, [tail, 1.0 - tail]))
            spread = float(np.std(finite, ddof=1))
        out[name] = {
            "mean": estimate[name],
            "std": spread,
            "ci_low": low,
            "ci_high": high,
            "n": float(n),
        }
    return out
