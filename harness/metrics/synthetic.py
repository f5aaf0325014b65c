"""How much was synthesised, and where the synthetic rows sit relative to the real ones."""

from __future__ import annotations

import math

import numpy as np
from sklearn.neighbors import NearestNeighbors

from harness.errors import InputDataError
from harness.metrics._checks import as_matrix


def synthetic_ratio(n_synthetic: int, n_train_after: int) -> float:
    """Share of synthetic rows in the training set after resampling.

    Parameters
    ----------
    n_synthetic : int
        Rows the sampler appended.
    n_train_after : int
        Training rows after resampling (original plus synthetic).

    Returns
    -------
    float
        ``n_synthetic / n_train_after``, in [0, 1].

    Raises
    ------
    InputDataError
        When a count is negative or not finite, or ``n_synthetic`` exceeds ``n_train_after``.
    """
    counts_are_finite = math.isfinite(n_synthetic) and math.isfinite(n_train_after)
    if (
        not counts_are_finite
        or n_train_after <= 0
        or n_synthetic < 0
        or n_synthetic > n_train_after
    ):
        raise InputDataError(
            f"cannot form a synthetic ratio from n_synthetic={n_synthetic} and "
            f"n_train_after={n_train_after}: pass the appended rows and the total training rows "
            "after resampling (0 <= n_synthetic <= n_train_after, n_train_after > 0)"
        )
    return float(n_synthetic) / float(n_train_after)


def _summary(distances: np.ndarray, prefix: str) -> dict[str, float]:
    if distances.size == 0:
        return {f"{prefix}_mean": math.nan, f"{prefix}_median": math.nan, f"{prefix}_p95": math.nan}
    return {
        f"{prefix}_mean": float(np.mean(distances)),
        f"{prefix}_median": float(np.median(distances)),
        f"{prefix}_p95": float(np.percentile(distances, 95)),
    }


def neighbor_distance_stats(X_min, k: int = 5) -> dict[str, float]:
    """Spread of the minority class: distance of each minority row to its K nearest minority rows.

    Parameters
    ----------
    X_min : array-like of shape (n_minority, n_features)
        The real minority rows (numeric, preprocessed feature space).
    k : int, default=5
        Neighbours per row, the row itself excluded. Reduced to ``n_minority - 1`` when there
        are fewer rows.

    Returns
    -------
    dict
        ``minority_knn_mean``, ``minority_knn_median``, ``minority_knn_p95``: mean, median and
        95th percentile, over the minority rows, of each row's mean Euclidean distance to its
        K nearest other minority rows. All NaN when there are fewer than two minority rows.
    """
    if k < 1:
        raise InputDataError(f"k={k} is not a neighbour count: pass k >= 1")
    X_min = as_matrix(X_min, "X_min")
    if len(X_min) < 2:
        return _summary(np.empty(0), "minority_knn")
    n_neighbors = min(k, len(X_min) - 1)
    # kneighbors() without X excludes each row from its own neighbours (even with duplicates).
    distances, _ = NearestNeighbors(n_neighbors=n_neighbors).fit(X_min).kneighbors()
    return _summary(distances.mean(axis=1), "minority_knn")


def synthetic_distance_stats(X_real, X_synthetic) -> dict[str, float]:
    """Distance of each synthetic row to its nearest real row.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_features)
        The real training rows.
    X_synthetic : array-like of shape (n_synthetic, n_features)
        The rows a sampler appended; may be empty.

    Returns
    -------
    dict
        ``synthetic_nn_mean``, ``synthetic_nn_median``, ``synthetic_nn_p95`` of the Euclidean
        distance of each synthetic row to its nearest real row. When there is no synthetic row
        all three are NaN on purpose: "no synthetic rows" must not read as "synthetic rows lie on
        real rows" (which is 0.0, what duplication gives).
    """
    X_real = as_matrix(X_real, "X_real")
    X_synthetic = np.asarray(X_synthetic, dtype=float)
    if X_synthetic.size == 0:
        return _summary(np.empty(0), "synthetic_nn")
    X_synthetic = as_matrix(X_synthetic, "X_synthetic")
    if len(X_real) == 0 or X_real.shape[1] != X_synthetic.shape[1]:
        raise InputDataError(
            f"cannot compare synthetic rows of shape {X_synthetic.shape} with real rows of shape "
            f"{X_real.shape}: pass both in the same (preprocessed) feature space, with real rows"
        )
    distances, _ = NearestNeighbors(n_neighbors=1).fit(X_real).kneighbors(X_synthetic)
    return _summary(distances[:, 0], "synthetic_nn")
