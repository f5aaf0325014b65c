"""Minority-class service level indicators of a binary or one-vs-rest classifier."""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from harness.metrics._checks import as_1d, finite_scores, same_length

SLI_KEYS = (
    "minority_recall",
    "minority_precision",
    "minority_f1",
    "g_mean",
    "balanced_accuracy",
    "roc_auc",
    "pr_auc",
)


def minority_slis(y_true, y_pred, y_score=None, *, pos_label=1) -> dict[str, float]:
    """Recall, precision, F1, G-mean, balanced accuracy, ROC-AUC and PR-AUC of the minority class.

    Labels are reduced to "minority" (``pos_label``) against every other label first, so a
    multi-class target is scored one-vs-rest for the class of interest.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    y_score : array-like of shape (n_samples,), optional
        Score or probability of the minority class (e.g. ``predict_proba(X)[:, 1]``). When not
        given, the hard predictions are used as the score, which makes ``roc_auc`` equal to the
        balanced accuracy and ``pr_auc`` the average precision of a single threshold.
    pos_label : scalar, default=1
        The minority (positive) label.

    Returns
    -------
    dict
        Keys ``minority_recall``, ``minority_precision``, ``minority_f1``, ``g_mean``,
        ``balanced_accuracy``, ``roc_auc``, ``pr_auc``; plain floats.

    Notes
    -----
    Undefined ratios are set explicitly, never left to a warning:

    - recall is 0.0 when there is no minority row in ``y_true``; precision is 0.0 when nothing
      is predicted as minority; F1 is 0.0 when both precision and recall are 0.
    - ``g_mean`` is ``sqrt(sensitivity * specificity)`` (Kubat & Matwin 1997), each recall set
      to 0.0 when its class is absent.
    - ``balanced_accuracy`` follows scikit-learn: the mean recall over the classes present in
      ``y_true`` (so the recall of the only class when one class is absent).
    - ``roc_auc`` and ``pr_auc`` (average precision) are NaN only when ``y_true`` holds a single
      class, because a ranking metric needs both classes.
    """
    y_true = as_1d(y_true, "y_true")
    y_pred = as_1d(y_pred, "y_pred")
    same_length(y_true=y_true, y_pred=y_pred)
    truth = (y_true == pos_label).astype(int)
    predicted = (y_pred == pos_label).astype(int)
    if y_score is None:
        score = predicted.astype(float)
    else:
        score = as_1d(y_score, "y_score")
        same_length(y_true=y_true, y_score=score)
        score = finite_scores(score)

    recall_pos, recall_neg = recall_score(
        truth, predicted, labels=[1, 0], average=None, zero_division=0.0
    )
    both_classes = np.unique(truth).size == 2
    with warnings.catch_warnings():
        # With one class absent scikit-learn warns and averages the classes present: documented.
        warnings.simplefilter("ignore", UserWarning)
        balanced = balanced_accuracy_score(truth, predicted)
    return {
        "minority_recall": float(recall_pos),
        "minority_precision": float(precision_score(truth, predicted, zero_division=0.0)),
        "minority_f1": float(f1_score(truth, predicted, zero_division=0.0)),
        "g_mean": float(math.sqrt(recall_pos * recall_neg)),
        "balanced_accuracy": float(balanced),
        "roc_auc": float(roc_auc_score(truth, score)) if both_classes else math.nan,
        "pr_auc": float(average_precision_score(truth, score)) if both_classes else math.nan,
    }
