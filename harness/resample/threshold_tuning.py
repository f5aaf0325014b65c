"""The model the decision-threshold baseline fits: scikit-learn's threshold tuning, made cheap.

``TunedThresholdClassifierCV`` scores every candidate threshold (100 by default) of every inner
fold with the scorer's metric function. scikit-learn's ``f1_score`` validates its inputs on each
call (about 3 ms), which made the scoring, not the fitting, 90 % of a decision-threshold job.
For the binary 0/1 labels the protocol passes, the four metrics below are a few array
operations with scikit-learn's own formulas, so the tuned threshold is the same one; any other
scoring goes to scikit-learn as given.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.metrics import make_scorer
from sklearn.model_selection import TunedThresholdClassifierCV

logger = logging.getLogger(__name__)

#: scikit-learn's message when an inner fold's scores are all equal.
CONSTANT_SCORES_MESSAGE = "makes constant predictions"


def _counts(y_true: np.ndarray, y_pred: np.ndarray, pos_label: int) -> tuple[int, int, int]:
    truth = np.asarray(y_true) == pos_label
    predicted = np.asarray(y_pred) == pos_label
    return int(np.count_nonzero(truth & predicted)), int(truth.sum()), int(predicted.sum())


def _ratio(numerator: float, denominator: float) -> float:
    # scikit-learn's zero_division default: 0.0 where the denominator is 0.
    return float(numerator) / float(denominator) if denominator else 0.0


def binary_f1(y_true, y_pred, *, pos_label=1) -> float:
    """F1 of ``pos_label``: ``2 tp / (true + predicted)``, 0.0 when both are empty."""
    tp, true, predicted = _counts(y_true, y_pred, pos_label)
    return _ratio(2.0 * tp, 1.0 * true + predicted)


def binary_recall(y_true, y_pred, *, pos_label=1) -> float:
    """Recall of ``pos_label``: ``tp / true``, 0.0 without true rows."""
    tp, true, _ = _counts(y_true, y_pred, pos_label)
    return _ratio(tp, true)


def binary_precision(y_true, y_pred, *, pos_label=1) -> float:
    """Precision of ``pos_label``: ``tp / predicted``, 0.0 without predicted rows."""
    tp, _, predicted = _counts(y_true, y_pred, pos_label)
    return _ratio(tp, predicted)


def binary_balanced_accuracy(y_true, y_pred, *, pos_label=1) -> float:
    """Mean of the two classes' recalls (both classes are present in a tuning fold)."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    recalls = [
        _ratio(np.count_nonzero((y_true == label) & (y_pred == label)), np.sum(y_true == label))
        for label in np.unique(y_true)
    ]
    return float(np.mean(recalls))


FAST_SCORERS = {
    "f1": binary_f1,
    "recall": binary_recall,
    "precision": binary_precision,
    "balanced_accuracy": binary_balanced_accuracy,
}


def threshold_scorer(scoring: object, y_values: np.ndarray | None = None) -> object:
    """The scorer the threshold search uses for ``scoring``.

    Parameters
    ----------
    scoring : str or callable
        A scikit-learn scorer name or a scorer.
    y_values : array-like or None
        The training labels; the fast metrics are used only when they are exactly 0 and 1.

    Returns
    -------
    str or callable
        A scorer with the same metric for ``"f1"``, ``"recall"``, ``"precision"`` and
        ``"balanced_accuracy"`` on 0/1 labels; ``scoring`` unchanged otherwise.
    """
    if not isinstance(scoring, str) or scoring not in FAST_SCORERS:
        return scoring
    if y_values is not None and set(np.unique(y_values).tolist()) != {0, 1}:
        return scoring
    return make_scorer(FAST_SCORERS[scoring])


class ThresholdTunedClassifier(TunedThresholdClassifierCV):
    """``TunedThresholdClassifierCV`` with fast binary scorers and a rule for constant scores.

    scikit-learn refuses to tune when an inner fold's scores are all equal (a tree that does not
    split, a k-NN without minority neighbours). No threshold can then change the predictions
    there, so the model keeps its own prediction (``predict`` of the refitted estimator), a
    warning is logged, and ``default_threshold_kept_`` is true; otherwise it is false.
    Parameters are scikit-learn's.
    """

    def fit(self, X, y, **params):
        """Tune the threshold on ``X, y`` (or keep the default one, see the class)."""
        original = self.scoring
        self.scoring = threshold_scorer(original, np.asarray(y))
        try:
            super().fit(X, y, **params)
            self.default_threshold_kept_ = False
        except ValueError as error:
            if CONSTANT_SCORES_MESSAGE not in str(error):
                raise
            logger.warning(
                "decision threshold: the model's scores are constant on an inner fold of %d "
                "training rows, so no threshold can be tuned; the model keeps its default one",
                len(y),
            )
            self.default_threshold_kept_ = True
            self.best_threshold_ = float("nan")
            self.best_score_ = float("nan")
        finally:
            self.scoring = original
        return self

    def predict(self, X):
        """Class labels at the tuned threshold (the model's own labels when none was tuned)."""
        if getattr(self, "default_threshold_kept_", False):
            return self.estimator_.predict(X)
        return super().predict(X)
