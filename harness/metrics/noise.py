"""Minority overlap: how many minority rows sit among majority rows (``data/minority_overlap``).

This used to be reported as a label-noise estimate. On data with no label noise at all it
reads about 0.10 where the classes overlap, so it measures overlap, a property of the data;
label issues are estimated by :mod:`harness.metrics.label_quality`.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from harness.errors import InputDataError
from harness.metrics._checks import as_1d, as_matrix, same_length


def minority_label_noise(X, y, *, pos_label=1, k: int = 5, random_state: int = 0) -> float:
    """Share of minority rows that a k-NN vote confidently places in the other class.

    Method (the confident joint of Northcutt, Jiang & Chuang, "Confident Learning: Estimating
    Uncertainty in Dataset Labels", JAIR 70, 2021), with a k-nearest-neighbour classifier as
    the probabilistic model:

    1. Out-of-fold probabilities ``p(row, class)`` from a ``KNeighborsClassifier(k)`` fitted with
       stratified cross-validation (at most 5 folds), so no row votes for itself.
    2. Per-class threshold ``t_c``: the mean ``p(row, c)`` over the rows labelled ``c`` (the
       class's average self-confidence).
    3. A row is counted as belonging to class ``c`` when ``p(row, c) >= t_c``; among several
       such classes, the one with the highest probability wins (a tie keeps the given label).
    4. A minority row is a label issue when it is confidently counted as the other class.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features of the real training rows (no synthetic row).
    y : array-like of shape (n_samples,)
        Labels; ``pos_label`` is the minority class, every other label is "rest".
    pos_label : scalar, default=1
        The minority label.
    k : int, default=5
        Neighbours of the k-NN model (reduced when a fold is smaller).
    random_state : int, default=0
        Seed of the fold shuffling.

    Returns
    -------
    float
        Label issues among minority rows / minority rows, in [0, 1]: about 0 when the classes
        are separable, high when minority labels sit inside the other class. NaN when there
        are fewer than two rows of either class (no cross-validated estimate is possible).
    """
    if k < 1:
        raise InputDataError(f"k={k} is not a neighbour count: pass k >= 1")
    X = as_matrix(X, "X")
    y = as_1d(y, "y")
    same_length(X=X, y=y)
    labels = (y == pos_label).astype(int)
    counts = np.bincount(labels, minlength=2)
    if counts.min() < 2:
        return math.nan
    n_splits = int(min(5, counts.min()))
    smallest_fit = len(labels) - math.ceil(len(labels) / n_splits)
    model = KNeighborsClassifier(n_neighbors=max(1, min(k, smallest_fit)))
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    proba = cross_val_predict(model, X, labels, cv=folds, method="predict_proba")

    thresholds = np.array([proba[labels == c, c].mean() for c in (0, 1)])
    confident = proba >= thresholds
    # Highest probability among the confident classes, a tie going to the minority label (only
    # minority rows are scored); -1 where no class is confident.
    masked = np.where(confident, proba, -np.inf)
    counted_as = np.where(confident.any(axis=1), 1 - masked[:, ::-1].argmax(axis=1), -1)
    minority = labels == 1
    return float(np.mean(counted_as[minority] == 0))
