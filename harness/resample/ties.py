"""One neighbour order for every exact backend, ties and duplicate rows included.

The rule:

1. The distance between a query q and a row x is the float64 squared Euclidean distance
   ``Σ_j (q_j − x_j)²``, the differences taken in float64 and summed in column order
   (:func:`squared_distances`).
2. Rows are ranked by that distance; at equal distance the lower row index comes first.
3. A query that is itself a row of the searched set is never its own neighbour: the row with
   its index is removed, also when identical copies of it exist (the copies stay neighbours).

scikit-learn has no single tie order (its ``kd_tree`` and ``brute`` algorithms order equal
distances differently), so the exact backends use scikit-learn only to find candidates and rank
them here (:func:`complete_and_rank`); the ``blocked`` backend ranks its screened candidates
with the same functions. On data without ties every exact backend returns scikit-learn's (and so
imbalanced-learn's) neighbours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def squared_distances(queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Row-wise float64 squared distances, summed in column order.

    Parameters
    ----------
    queries, rows : ndarray of shape (n_pairs, n_features)
        The two ends of each pair.

    Returns
    -------
    ndarray of float64, shape (n_pairs,)
    """
    diff = np.subtract(queries, rows, dtype=np.float64)
    total = np.zeros(diff.shape[0], dtype=np.float64)
    for column in range(diff.shape[1]):
        total += diff[:, column] * diff[:, column]
    return total


def rank_candidates(
    query_ids: np.ndarray, row_ids: np.ndarray, squared: np.ndarray, n_queries: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best candidates of every query by (distance, row index).

    Parameters
    ----------
    query_ids : ndarray of int, shape (n_pairs,)
        Query position of each candidate pair, in ``[0, n_queries)``.
    row_ids : ndarray of int, shape (n_pairs,)
        Row index of each candidate.
    squared : ndarray of float64, shape (n_pairs,)
        Squared distance of each pair (:func:`squared_distances`).
    n_queries, k : int
        Every query must have at least ``k`` candidates.

    Returns
    -------
    distances : ndarray of float64, shape (n_queries, k)
    indices : ndarray of intp, shape (n_queries, k)
    """
    order = np.lexsort((row_ids, squared, query_ids))
    query_ids, row_ids, squared = query_ids[order], row_ids[order], squared[order]
    first = np.searchsorted(query_ids, np.arange(n_queries))
    rank = np.arange(query_ids.shape[0]) - first[query_ids]
    keep = rank < k
    shape = (n_queries, k)
    return np.sqrt(squared[keep]).reshape(shape), row_ids[keep].astype(np.intp).reshape(shape)


NativeSearch = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def complete_and_rank(
    native: NativeSearch,
    reference: np.ndarray,
    queries: np.ndarray,
    k: int,
    error_bound: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest rows under the tie rule, from a search with its own tie order.

    ``native(Q, m)`` returns the m rows nearest to each query by its own float computation,
    ``(distances, indices)``. The k-th smallest true distance among its candidates bounds the
    k-th distance of the whole set from above; when every row ``native`` left out is provably
    farther than that bound (its distances exceed it by more than ``error_bound``), every row
    that can be among the k nearest is a candidate and ranking the candidates gives the exact
    answer. Queries whose tie runs past the candidates are asked again with four times as many.

    Parameters
    ----------
    native : callable
        ``native(Q, m) -> (distances, indices)``, rows sorted by its own distance.
    reference : ndarray of shape (n_rows, n_features)
        The searched rows.
    queries : ndarray of shape (n_queries, n_features)
    k : int
        Neighbours wanted, at most ``n_rows``.
    error_bound : callable
        ``error_bound(query_positions, native_squared)``: the largest difference between
        ``native``'s squared distances and :func:`squared_distances`, per query.

    Returns
    -------
    distances : ndarray of float64, shape (n_queries, k)
    indices : ndarray of intp, shape (n_queries, k)
    """
    n_rows, n_queries = reference.shape[0], queries.shape[0]
    distances = np.empty((n_queries, k), dtype=np.float64)
    indices = np.empty((n_queries, k), dtype=np.intp)
    pending = np.arange(n_queries)
    extra = 1
    while pending.size:
        m = min(k + extra, n_rows)
        native_distances, candidates = native(queries[pending], m)
        query_ids = np.repeat(np.arange(pending.size), m)
        squared = squared_distances(queries[pending][query_ids], reference[candidates.ravel()])
        found_d, found_i = rank_candidates(query_ids, candidates.ravel(), squared, pending.size, k)
        if m == n_rows:
            complete = np.ones(pending.size, dtype=bool)
        else:
            native_far = native_distances[:, -1].astype(np.float64) ** 2
            margin = error_bound(pending, native_far)
            complete = native_far - margin > found_d[:, -1] ** 2
        distances[pending[complete]] = found_d[complete]
        indices[pending[complete]] = found_i[complete]
        pending = pending[~complete]
        extra *= 4
    return distances, indices


def drop_self(
    distances: np.ndarray, indices: np.ndarray, query_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Remove each query's own row from its ``k + 1`` neighbours, keeping ``k``.

    The column holding the query's own index is removed; a query whose own row is not among
    them (more than ``k`` identical copies with lower indices) loses its last column instead.

    Parameters
    ----------
    distances, indices : ndarray of shape (n_queries, k + 1)
        Neighbours in rank order.
    query_rows : ndarray of int, shape (n_queries,)
        Row index of each query in the searched set.

    Returns
    -------
    distances, indices : ndarray of shape (n_queries, k)
    """
    n_queries, width = indices.shape
    is_self = indices == np.asarray(query_rows)[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), width - 1)
    keep = np.ones(indices.shape, dtype=bool)
    keep[np.arange(n_queries), drop] = False
    shape = (n_queries, width - 1)
    return distances[keep].reshape(shape), indices[keep].reshape(shape)
