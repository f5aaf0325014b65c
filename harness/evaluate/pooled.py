"""Ratio metrics from pooled out-of-fold predictions, with a fold-jackknife corrected interval.

A fold of 5-fold cross-validation on 200 rows with 10 % minority holds about 4 minority rows.
Recall, precision and F1 of such a fold move in steps of a quarter, and the fold mean of a
ranking metric such as PR-AUC is biased upwards (average precision of 4 positives overshoots the
large-sample value). Pooling the out-of-fold predictions of one repeat (every row predicted
once, by the model that did not see it) measures each metric on all ``n`` rows instead.

**Estimand**: the metric's expected value for the learner trained on ``n(k-1)/k`` rows,
evaluated on a large test set, the same as the fold mean's.

**Estimate and interval**: for repeat ``r`` with pooled value ``M_r`` and ``M_{r,-f}`` the value
without fold ``f``'s rows, the pseudo-value of fold ``f`` is ``k·M_r - (k-1)·M_{r,-f}`` (the
grouped jackknife, Quenouille–Tukey). Their mean is the jackknife estimate, which removes the
part of the bias that falls as ``1/n`` (the small-sample bias of PR-AUC); for a ratio of sums
such as recall the pseudo-values are, to first order, the linearised ratio estimator. The
``J = k·r`` pseudo-values then take the place of fold scores in the Nadeau–Bengio corrected t
interval (:func:`harness.evaluate.inference.corrected_interval`), which accounts for the
overlapping training sets. Its coverage is measured by ``harness bench --part
interval-coverage`` (docs/statistics.md), not assumed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from harness.errors import InputDataError
from harness.evaluate.inference import corrected_interval

#: Name of the method, as recorded in result.json and the reports.
POOLED_JACKKNIFE = "pooled out-of-fold jackknife, nadeau-bengio corrected t"


@dataclass(frozen=True)
class FoldPredictions:
    """The out-of-fold outputs of one fold.

    Attributes
    ----------
    repeat : int
        The repeat the fold belongs to.
    y_true, y_pred : ndarray
        True labels and predictions on the fold's test rows (minority label 1).
    y_score : ndarray or None
        Minority scores on the same rows.
    rows : ndarray or None
        The data-set positions of the fold's test rows (what ties a row's predictions across
        repeats, :mod:`harness.evaluate.pooled_bootstrap`).
    """

    repeat: int
    y_true: np.ndarray
    y_pred: np.ndarray
    y_score: np.ndarray | None = None
    rows: np.ndarray | None = None


#: ``metrics(y_true, y_pred, y_score) -> {name: value}`` on pooled rows.
PooledMetrics = Callable[[np.ndarray, np.ndarray, np.ndarray | None], dict[str, float]]


def concat_predictions(
    parts: Sequence[FoldPredictions],
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The labels, predictions and scores of ``parts`` pooled (scores None if any lacks them)."""
    y_true = np.concatenate([p.y_true for p in parts])
    y_pred = np.concatenate([p.y_pred for p in parts])
    scores = [p.y_score for p in parts]
    y_score = None if any(s is None for s in scores) else np.concatenate(scores)
    return y_true, y_pred, y_score


def folds_by_repeat(folds: Sequence[FoldPredictions]) -> dict[int, list[int]]:
    """The positions in ``folds`` of each repeat's folds, by repeat."""
    repeats: dict[int, list[int]] = {}
    for index, fold in enumerate(folds):
        repeats.setdefault(fold.repeat, []).append(index)
    return repeats


def pseudo_values(
    folds: Sequence[FoldPredictions], metrics: PooledMetrics
) -> dict[str, np.ndarray]:
    """The grouped-jackknife pseudo-value of every fold, repeat by repeat (module docstring).

    Returns
    -------
    dict
        ``name -> ndarray of shape (J,)``, in the order of ``folds``; NaN where a metric is
        undefined on a pooled set.

    Raises
    ------
    InputDataError
        When a repeat has fewer than 2 folds.
    """
    out: dict[str, np.ndarray] = {}
    for repeat, members in folds_by_repeat(folds).items():
        k = len(members)
        if k < 2:
            raise InputDataError(
                f"repeat {repeat} has {k} fold: the pooled jackknife needs at least 2 folds per "
                "repeat (evaluation.n_splits >= 2)"
            )
        whole = metrics(*concat_predictions([folds[i] for i in members]))
        for i in members:
            rest = metrics(*concat_predictions([folds[j] for j in members if j != i]))
            for name, value in whole.items():
                column = out.setdefault(name, np.full(len(folds), math.nan))
                column[i] = k * value - (k - 1) * rest[name]
    return out


def pooled_intervals(
    folds: Sequence[FoldPredictions],
    metrics: PooledMetrics,
    n_train: float,
    n_test: float,
    confidence: float = 0.95,
) -> dict[str, dict[str, float]]:
    """The pooled jackknife estimate of every metric with its corrected interval.

    Parameters
    ----------
    folds : sequence of FoldPredictions
        Every fold of every repeat.
    metrics : callable
        ``metrics(y_true, y_pred, y_score) -> {name: value}`` on pooled rows.
    n_train, n_test : float
        Rows of one training fold and one test fold.
    confidence : float, default=0.95
        Level of the interval.

    Returns
    -------
    dict
        ``name -> {mean, std, ci_low, ci_high, n}`` as
        :func:`~harness.evaluate.inference.corrected_interval` returns them, over the
        pseudo-values.
    """
    return {
        name: corrected_interval(values, n_train, n_test, confidence)
        for name, values in pseudo_values(folds, metrics).items()
    }
