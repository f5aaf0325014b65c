"""ADASYN's Δ_i from two smaller searches instead of one search over the whole training set.

Δ_i counts the rows of other classes among x_i's K nearest neighbours. Write m_1 ≤ … ≤ m_K for
the distances to x_i's K nearest neighbours of its own class (self excluded) and c_j for the
number of other-class rows closer than m_j. The j-th own-class neighbour is among the K nearest
of the whole set exactly when j + c_j ≤ K, so with t the largest such j (0 if none),
Δ_i = K − t. The other classes are thus only asked "how many rows within these K radii",
which an inverted-file index answers by screening each cell against one radius; and the
own-class neighbours found on the way are the ones synthesis interpolates towards, so that
search is not repeated.

Used with backends that can count (:meth:`harness.resample.backends.ivf.IVFBackend.count_closer`);
the exact backends keep the single whole-set search, whose neighbours follow the tie rule of
:mod:`harness.resample.ties` (imbalanced-learn's on data without ties).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.resample.neighbors import NeighborBackend, neighbors_excluding_self


def counts_from_closer(closer: np.ndarray) -> np.ndarray:
    """Δ_i from c_j, the other-class rows closer than each own-class neighbour.

    Parameters
    ----------
    closer : ndarray of int, shape (n_rows, K)
        ``closer[i, j - 1]`` = c_j, non-decreasing along each row.

    Returns
    -------
    ndarray of int64, shape (n_rows,)
        Δ_i in [0, K].
    """
    n_neighbors = closer.shape[1]
    rank = np.arange(1, n_neighbors + 1)
    among_nearest = rank + closer <= n_neighbors
    own_kept = np.where(among_nearest, rank, 0).max(axis=1)
    return (n_neighbors - own_kept).astype(np.int64)


def supports_split(backend: NeighborBackend) -> bool:
    """Whether ``backend`` can count rows within radii (and so run :func:`split_difficulty`)."""
    return callable(getattr(backend, "count_closer", None))


@dataclass(frozen=True)
class SplitResult:
    """Δ_i per class row and each row's K own-class neighbours (positions within the class)."""

    majority_counts: np.ndarray
    own_neighbors: np.ndarray


def split_difficulty(
    X: np.ndarray,
    class_rows: np.ndarray,
    other_rows: np.ndarray,
    n_neighbors: int,
    own_index: NeighborBackend,
    other_index: NeighborBackend,
) -> SplitResult:
    """Δ_i for every row of one class, from an own-class search and an other-class count.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The whole training set.
    class_rows : ndarray of int, shape (m,)
        Positions in ``X`` of the class being oversampled.
    other_rows : ndarray of int
        Positions in ``X`` of every other row (the majority, one-vs-rest).
    n_neighbors : int
        K.
    own_index, other_index : NeighborBackend
        Unfitted backends; ``other_index`` must support counting (:func:`supports_split`) and
        is fitted on the other rows in place (``fit(X, rows)``), without copying them.

    Returns
    -------
    SplitResult
    """
    X_class = X[class_rows]
    # As in the whole-set search, each row's own index is removed from its neighbours.
    radii, own_neighbors = neighbors_excluding_self(
        X_class, np.arange(class_rows.shape[0]), n_neighbors, own_index, return_distance=True
    )
    if other_rows.size == 0:
        closer = np.zeros_like(own_neighbors)
    else:
        closer = other_index.fit(X, other_rows).count_closer(X_class, radii)
    return SplitResult(counts_from_closer(closer), own_neighbors)
