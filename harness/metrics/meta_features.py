"""Meta-features of a binary data set: what the advisor knows about data before any run.

Each function takes the numeric, preprocessed features ``X`` (the space the samplers and models
see: scaled numeric columns, one-hot categorical ones) and the labels ``y`` (1 = minority), and
returns plain floats. :data:`META_FEATURES` lists every feature :func:`meta_features` returns, in
order; :data:`DEFINITIONS` says, per feature, what it measures and what it costs (n rows,
d features, n_min minority rows).

Class-overlap measures follow the data-complexity literature (Ho & Basu 2002; Lorena, Garcia,
Lehmann, Souto & Ho, "How complex is your classification problem?", ACM Computing Surveys 52(5),
2019): ``f1v`` is the directional-vector Fisher discriminant ratio, ``n3`` the leave-one-out error
of the 1-nearest-neighbour classifier, with its minority-class part ``n3_minority``. The
minority overlap (:func:`harness.metrics.noise.minority_label_noise`) and the label-issue share
(:func:`harness.metrics.label_quality.label_issue_shares`) are the harness's own measures, the
ones a run records as ``data/minority_overlap`` and ``data/label_issues``.
"""

from __future__ import annotations

import math

import numpy as np

from harness.errors import InputDataError
from harness.metrics._checks import as_1d, as_matrix, same_length

#: Every meta-feature :func:`meta_features` returns, in this order.
META_FEATURES = (
    "rows",
    "features",
    "minority",
    "imbalance_ratio",
    "minority_overlap",
    "f1v",
    "n3",
    "n3_minority",
    "label_issues",
)

#: What each meta-feature measures, and its cost.
DEFINITIONS: dict[str, str] = {
    "rows": "rows of the data set, n. Cost O(1).",
    "features": "columns after preprocessing, d (one-hot columns counted one by one). Cost O(1).",
    "minority": "minority rows, n_min. Cost O(n).",
    "imbalance_ratio": "majority rows / minority rows. Cost O(n).",
    "minority_overlap": (
        "share of minority rows an out-of-fold 5-NN vote confidently places in the majority "
        "class (confident learning; data/minority_overlap of a run, on all rows). "
        "Cost O(n^2 d) for brute-force neighbours, 5 folds."
    ),
    "f1v": (
        "directional-vector Fisher discriminant ratio, 1 / (1 + dF) with "
        "dF = (m1 - m0)' W^+ (m1 - m0), W = p0 S0 + p1 S1 the class-proportion-weighted "
        "covariances (Lorena et al. 2019): about 0 for classes a line separates, 1 when their "
        "means coincide. Cost O(n d^2 + d^3)."
    ),
    "n3": (
        "leave-one-out error rate of the 1-nearest-neighbour classifier (Euclidean), over all "
        "rows (Ho & Basu 2002). Cost O(n^2 d)."
    ),
    "n3_minority": (
        "the same 1-NN error over the minority rows only: the share of minority rows whose "
        "nearest neighbour is a majority row. Cost: shared with n3."
    ),
    "label_issues": (
        "rows cleanlab's confident learning flags as mislabelled, in both directions, per "
        "minority row (out-of-fold probabilities of a 100-tree random forest, 5 folds; "
        "data/label_issues of a run). Cost O(100 n log n d), the dearest by far."
    ),
}


def _checked(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix(X, "X").astype(float, copy=False)
    labels = as_1d(y, "y")
    same_length(X=X, y=labels)
    if not np.isfinite(X).all():
        raise InputDataError(
            "X holds NaN or infinite values: impute or drop them before computing meta-features"
        )
    values = set(np.unique(labels).tolist())
    if not values <= {0, 1}:
        raise InputDataError(
            f"y holds the labels {sorted(values)[:5]}: pass 1 for the minority class and 0 for "
            "the rest"
        )
    counts = np.bincount(labels.astype(int), minlength=2)
    if counts.min() < 2:
        raise InputDataError(
            f"{counts[1]} minority and {counts[0]} majority rows: meta-features need at least 2 "
            "rows of each class"
        )
    return X, labels.astype(int)


def class_counts(y) -> dict[str, float]:
    """Rows, minority rows and the imbalance ratio of binary labels.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, 1 = minority, 0 = rest.

    Returns
    -------
    dict
        ``rows``, ``minority`` and ``imbalance_ratio`` (majority / minority rows; infinite when
        there is no minority row).
    """
    labels = as_1d(y, "y").astype(int)
    minority = int(np.count_nonzero(labels == 1))
    majority = len(labels) - minority
    ratio = majority / minority if minority else math.inf
    return {"rows": float(len(labels)), "minority": float(minority), "imbalance_ratio": ratio}


def f1v(X, y) -> float:
    """The directional-vector Fisher discriminant ratio F1v of two classes.

    ``dF = d' B d / d' W d`` with the directional vector ``d = W^+ (m1 - m0)``, the between-class
    scatter ``B = (m1 - m0)(m1 - m0)'`` and the within-class scatter ``W = p0 S0 + p1 S1`` (class
    proportions ``p``, covariances ``S`` with the n - 1 divisor); for this ``d`` it equals the
    squared Mahalanobis distance of the class means under ``W``. ``W^+`` is the
    Moore-Penrose pseudo-inverse, so constant and collinear columns (one-hot groups) are allowed.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features.
    y : array-like of shape (n_samples,)
        Labels, 1 = minority, 0 = rest; at least 2 rows of each.

    Returns
    -------
    float
        ``1 / (1 + dF)`` in (0, 1]: near 0 when a linear projection separates the classes, 1
        when their means coincide. Invariant to any invertible affine map of the features.
    """
    X, labels = _checked(X, y)
    groups = [X[labels == c] for c in (0, 1)]
    shares = [len(g) / len(X) for g in groups]
    within = sum(
        share * np.atleast_2d(np.cov(group, rowvar=False))
        for share, group in zip(shares, groups, strict=True)
    )
    delta = groups[1].mean(axis=0) - groups[0].mean(axis=0)
    direction = np.linalg.pinv(within, hermitian=True) @ delta
    spread = float(direction @ within @ direction)
    if spread <= 0.0:
        # No within-class spread along the direction: the means differ where the classes do
        # not vary (separable), or they coincide.
        return 1.0 if not np.any(delta) else 0.0
    discriminant = float(direction @ delta) ** 2 / spread
    return 1.0 / (1.0 + discriminant)


def nearest_neighbour_errors(X, y) -> dict[str, float]:
    """Leave-one-out errors of the 1-nearest-neighbour classifier (N3 of Ho & Basu 2002).

    Each row's nearest other row (Euclidean; a duplicate row at distance 0 counts) votes for its
    label.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features.
    y : array-like of shape (n_samples,)
        Labels, 1 = minority, 0 = rest; at least 2 rows of each.

    Returns
    -------
    dict
        ``n3``: share of all rows whose nearest neighbour has the other label;
        ``n3_minority``: the same share among minority rows.
    """
    from sklearn.neighbors import NearestNeighbors

    X, labels = _checked(X, y)
    # kneighbors() without a query leaves each row out of its own neighbours.
    index = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(X).kneighbors()[1][:, 0]
    wrong = labels[index] != labels
    return {"n3": float(wrong.mean()), "n3_minority": float(wrong[labels == 1].mean())}


def meta_features(X, y, *, label_issues: bool = True, random_state: int = 0) -> dict[str, float]:
    """Every meta-feature of :data:`META_FEATURES` of one data set.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric, preprocessed features (no NaN).
    y : array-like of shape (n_samples,)
        Labels, 1 = minority, 0 = rest; at least 2 rows of each.
    label_issues : bool, default=True
        Compute the label-issue share (the dearest feature); NaN when False.
    random_state : int, default=0
        Seed of the folds of the minority overlap and of the label issues: same data and seed,
        same numbers.

    Returns
    -------
    dict
        Feature name -> value, in the order of :data:`META_FEATURES`.
    """
    from harness.metrics.label_quality import label_issue_shares
    from harness.metrics.noise import minority_label_noise

    X, labels = _checked(X, y)
    found = class_counts(labels) | {"features": float(X.shape[1])}
    found["minority_overlap"] = minority_label_noise(X, labels, random_state=random_state)
    found["f1v"] = f1v(X, labels)
    found |= nearest_neighbour_errors(X, labels)
    found["label_issues"] = (
        label_issue_shares(X, labels, random_state=random_state)["label_issues"]
        if label_issues
        else math.nan
    )
    return {name: float(found[name]) for name in META_FEATURES}
