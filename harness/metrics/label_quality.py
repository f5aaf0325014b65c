"""Label issues: rows whose label looks wrong, found by confident learning (cleanlab).

The estimate uses out-of-fold probabilities of a *fixed* model — a random forest, 5-fold —
independent of the model the run evaluates, so it describes the data, not the run. It looks in
both directions: minority-labelled rows that look like majority rows, and majority-labelled rows
that look like minority rows. Both are expressed as a share of the minority class's size,
because that is what an ADASYN user needs to know: how many of the rows about to be
interpolated from (or left out) are mislabelled.

Label noise and class overlap cannot be fully separated from data alone: where the classes
overlap, a correct label can look wrong to any model. The estimate is close to the truth on
well-separated data (tests/metrics/test_label_quality.py) and reads high where classes overlap.
"""

from __future__ import annotations

import numpy as np

from harness.errors import InputDataError
from harness.metrics._checks import as_1d, as_matrix

N_SPLITS = 5
N_ESTIMATORS = 100


def out_of_fold_probabilities(X, y_minority, *, random_state: int = 0) -> np.ndarray:
    """Out-of-fold probabilities of the fixed reference model (random forest, 5-fold)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    n_splits = min(N_SPLITS, int(np.bincount(y_minority).min()))
    if n_splits < 2:
        raise InputDataError(
            "label issues need at least 2 rows of each class: add rows of the rarer class"
        )
    forest = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=random_state, n_jobs=1)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return cross_val_predict(forest, X, y_minority, cv=folds, method="predict_proba")


def label_issue_shares(X, y, *, pos_label=1, random_state: int = 0) -> dict[str, float]:
    """Share of likely mislabelled rows, in both directions, relative to the minority size.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features (preprocessed).
    y : array-like of shape (n_samples,)
        Labels; ``pos_label`` is the minority class, every other label the rest.
    pos_label : object, default=1
        The minority label.
    random_state : int, default=0
        Seed of the reference model and its folds (same seed, same estimate).

    Returns
    -------
    dict
        ``minority_mislabelled``: minority-labelled rows whose label looks wrong;
        ``majority_mislabelled``: majority-labelled rows that look like minority rows;
        ``label_issues``: their sum. Each divided by the number of minority rows.
    """
    from cleanlab.filter import find_label_issues

    X = as_matrix(X, "X")
    y = as_1d(y, "y")
    if X.shape[0] != y.shape[0]:
        raise InputDataError(
            f"X has {X.shape[0]} rows and y has {y.shape[0]}: pass one label per row"
        )
    y_minority = (y == pos_label).astype(int)
    n_minority = int(y_minority.sum())
    if n_minority == 0:
        raise InputDataError(
            f"no row has the minority label {pos_label!r}: pass the label of the rare class"
        )
    probabilities = out_of_fold_probabilities(X, y_minority, random_state=random_state)
    # n_jobs=1: cleanlab's own process pool fails inside the worker processes of a sweep.
    issues = find_label_issues(labels=y_minority, pred_probs=probabilities, n_jobs=1)
    minority = float(np.count_nonzero(issues & (y_minority == 1))) / n_minority
    majority = float(np.count_nonzero(issues & (y_minority == 0))) / n_minority
    return {
        "minority_mislabelled": minority,
        "majority_mislabelled": majority,
        "label_issues": minority + majority,
    }
