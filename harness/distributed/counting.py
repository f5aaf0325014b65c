"""Exact per-partition counts c_j: rows of another class closer than each minority radius.

For a minority row i with own-class neighbours m_1 … m_K (squared distances s_ij, global row
indices n_ij), a majority row x with global index g is *closer* than m_j when, by the tie rule
of :mod:`harness.resample.ties`, it ranks before m_j: its float64 squared distance
(:func:`~harness.resample.ties.squared_distances`) is smaller than s_ij, or equal with
``g < n_ij``. The counts of disjoint row sets add up, so each partition is counted alone.

The work is the m_minority × m_partition × d distance matrix. It is screened in float32 with
one matrix product per block and a rounding margin that cannot drop a true candidate (the one
the ``blocked`` backend uses); the few rows within the largest radius are compared again in
float64, so the counts are exact.
"""

from __future__ import annotations

import numpy as np

from harness.resample.ties import squared_distances

_EPS32 = float(np.finfo(np.float32).eps)

#: Majority rows per matrix product; with :data:`QUERY_BLOCK` this bounds the float32 screening
#: block at ``QUERY_BLOCK × REFERENCE_BLOCK × 4`` bytes (8 MiB), whatever the data size.
REFERENCE_BLOCK = 8192
QUERY_BLOCK = 256


def screening_block_bytes(n_minority: int, partition_rows: int) -> int:
    """Bytes of the largest float32 screening block a task holds at once."""
    return min(QUERY_BLOCK, n_minority) * min(REFERENCE_BLOCK, partition_rows) * 4


def count_closer(
    minority: np.ndarray,
    radii_squared: np.ndarray,
    neighbor_rows: np.ndarray,
    majority: np.ndarray,
    majority_rows: np.ndarray,
) -> np.ndarray:
    """c_j for every minority row and neighbour rank, over one set of majority rows.

    Parameters
    ----------
    minority : ndarray of float64, shape (m, n_features)
        The minority rows (queries).
    radii_squared : ndarray of float64, shape (m, K)
        Squared distance from each minority row to its j-th own-class neighbour, computed with
        :func:`~harness.resample.ties.squared_distances` (non-decreasing along each row).
    neighbor_rows : ndarray of int, shape (m, K)
        Global row index of each of those neighbours.
    majority : ndarray of float64, shape (n, n_features)
        Majority rows of one partition.
    majority_rows : ndarray of int, shape (n,)
        Their global row indices.

    Returns
    -------
    ndarray of int64, shape (m, K)
        ``closer[i, j]``: majority rows ranked before the (j+1)-th neighbour of row i.
    """
    n_minority, n_neighbors = radii_squared.shape
    closer = np.zeros((n_minority, n_neighbors), dtype=np.int64)
    if majority.shape[0] == 0 or n_minority == 0:
        return closer
    q_norms = np.einsum("ij,ij->i", minority, minority)
    x_norms = np.einsum("ij,ij->i", majority, majority)
    max_norm = float(x_norms.max())
    gamma = 4 * (minority.shape[1] + 2) * _EPS32
    margin = gamma * (q_norms + 2 * np.sqrt(q_norms * max_norm) + max_norm + 1.0)
    # Keep x for query q when ||x||² − 2q·x <= r_K² − ||q||² + margin (as the blocked backend).
    thresholds = (radii_squared[:, -1] - q_norms + margin).astype(np.float32)
    augmented_q = np.empty((n_minority, minority.shape[1] + 1), dtype=np.float32)
    augmented_q[:, :-1] = minority
    augmented_q[:, :-1] *= -2.0
    augmented_q[:, -1] = 1.0
    for ref_start in range(0, majority.shape[0], REFERENCE_BLOCK):
        ref_stop = min(ref_start + REFERENCE_BLOCK, majority.shape[0])
        augmented_x = np.empty((ref_stop - ref_start, minority.shape[1] + 1), dtype=np.float32)
        augmented_x[:, :-1] = majority[ref_start:ref_stop]
        augmented_x[:, -1] = x_norms[ref_start:ref_stop]
        for start in range(0, n_minority, QUERY_BLOCK):
            stop = min(start + QUERY_BLOCK, n_minority)
            partial = augmented_q[start:stop] @ augmented_x.T
            hits = np.flatnonzero((partial <= thresholds[start:stop, None]).reshape(-1))
            if hits.size == 0:
                continue
            rows, cols = np.divmod(hits, augmented_x.shape[0])
            rows += start
            cols += ref_start
            _add_exact_counts(
                closer,
                rows,
                minority,
                radii_squared,
                neighbor_rows,
                majority[cols],
                majority_rows[cols],
            )
    return closer


def _add_exact_counts(
    closer: np.ndarray,
    query_ids: np.ndarray,
    minority: np.ndarray,
    radii_squared: np.ndarray,
    neighbor_rows: np.ndarray,
    candidates: np.ndarray,
    candidate_rows: np.ndarray,
) -> None:
    """Add the candidates ranked before each neighbour, by the tie rule, to ``closer``."""
    squared = squared_distances(minority[query_ids], candidates)[:, None]
    radii = radii_squared[query_ids]
    before = (squared < radii) | (
        (squared == radii) & (candidate_rows[:, None] < neighbor_rows[query_ids])
    )
    for rank in range(closer.shape[1]):
        closer[:, rank] += np.bincount(query_ids[before[:, rank]], minlength=closer.shape[0])
