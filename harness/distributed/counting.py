"""Exact per-partition counts c_j: rows of another class closer than each minority radius.

For a minority row i with own-class neighbours m_1 … m_K (squared distances s_ij, global row
indices n_ij), a majority row x with global index g is *closer* than m_j when, by the tie rule
of :mod:`harness.resample.ties`, it ranks before m_j: its float64 squared distance
(:func:`~harness.resample.ties.squared_distances`) is smaller than s_ij, or equal with
``g < n_ij``. The counts of disjoint row sets add up, so each partition is counted alone.

The work is the m_minority × m_partition × d distance matrix. It is screened in float32 with
one matrix product per block and a rounding margin that cannot drop a true candidate (the one
the ``blocked`` backend uses); the few rows within the screened radius are compared again in
float64, so the counts are exact.

Given the counts of the partitions already counted (``prior``), a row is counted only for the
ranks Δ_i still depends on (:mod:`harness.distributed.settling`), re-checked after every
reference block: settled rows leave the matrix product and the screened radius shrinks.
"""

from __future__ import annotations

import numpy as np

from harness.distributed.settling import ranks_needed
from harness.resample.ties import squared_distances

_EPS32 = float(np.finfo(np.float32).eps)

#: Minority × majority rows per float32 matrix product: 128 × 2 048 × 4 bytes = 1 MiB, which
#: stays in a core's L2 cache. Measured on 2 cores at d = 21 (CPU time): 8.3 × 10⁸ pairs/s with
#: preallocated buffers, against 6.5 × 10⁸ for the former 256 × 8 192 blocks allocated per block.
REFERENCE_BLOCK = 2048
QUERY_BLOCK = 128
#: Screened candidates are checked in float64 once this many are waiting (or at the end of a
#: reference block), so at most two screening blocks' worth of candidates are ever held.
CANDIDATE_BATCH = QUERY_BLOCK * REFERENCE_BLOCK


def screening_block_entries(n_minority: int, partition_rows: int) -> int:
    """Entries of the largest screening block a task computes (minority × majority rows)."""
    return min(QUERY_BLOCK, n_minority) * min(REFERENCE_BLOCK, partition_rows)


def screening_block_bytes(n_minority: int, partition_rows: int) -> int:
    """Bytes of the float32 screening block and its boolean mask, held once per task."""
    return screening_block_entries(n_minority, partition_rows) * 5


def count_closer(
    minority: np.ndarray,
    radii_squared: np.ndarray,
    neighbor_rows: np.ndarray,
    majority: np.ndarray,
    majority_rows: np.ndarray,
    prior: np.ndarray | None = None,
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
    prior : ndarray of int, shape (m, K), optional
        Counts over other (disjoint) majority rows. When given, a rank is counted only while Δ_i
        still depends on it (:func:`~harness.distributed.settling.ranks_needed` of ``prior``
        plus the counts so far): ``prior + result`` then gives Δ_i exactly, though a rank
        already known to fail may be counted short. When omitted, every rank is counted in full.

    Returns
    -------
    ndarray of int64, shape (m, K)
        ``closer[i, j]``: majority rows ranked before the (j+1)-th neighbour of row i.
    """
    n_minority, n_neighbors = radii_squared.shape
    closer = np.zeros((n_minority, n_neighbors), dtype=np.int64)
    needed = np.full(n_minority, n_neighbors) if prior is None else ranks_needed(prior)
    if majority.shape[0] == 0 or n_minority == 0:
        return closer
    q_norms = np.einsum("ij,ij->i", minority, minority)
    x_norms = np.einsum("ij,ij->i", majority, majority)
    max_norm = float(x_norms.max())
    gamma = 4 * (minority.shape[1] + 2) * _EPS32
    margin = gamma * (q_norms + 2 * np.sqrt(q_norms * max_norm) + max_norm + 1.0)
    augmented_q = np.empty((n_minority, minority.shape[1] + 1), dtype=np.float32)
    augmented_q[:, :-1] = minority
    augmented_q[:, :-1] *= -2.0
    augmented_q[:, -1] = 1.0
    exact = _ExactCheck(closer, needed, minority, radii_squared, neighbor_rows)
    active = np.flatnonzero(needed > 0)
    block_size = screening_block_entries(active.size, majority.shape[0])
    products = np.empty(block_size, dtype=np.float32)
    mask = np.empty(block_size, dtype=bool)
    for ref_start in range(0, majority.shape[0], REFERENCE_BLOCK):
        if prior is not None and ref_start > 0:
            needed[active] = ranks_needed(prior[active] + closer[active])
            active = active[needed[active] > 0]
        if active.size == 0:
            break
        ref_stop = min(ref_start + REFERENCE_BLOCK, majority.shape[0])
        augmented_x = np.empty((ref_stop - ref_start, minority.shape[1] + 1), dtype=np.float32)
        augmented_x[:, :-1] = majority[ref_start:ref_stop]
        augmented_x[:, -1] = x_norms[ref_start:ref_stop]
        # Keep x for query q when ||x||² − 2q·x <= r² − ||q||² + margin (as the blocked
        # backend), r the radius of the last rank q still needs.
        radius = radii_squared[active, needed[active] - 1]
        thresholds = (radius - q_norms[active] + margin[active]).astype(np.float32)
        queries = augmented_q[active]
        for start in range(0, active.size, QUERY_BLOCK):
            stop = min(start + QUERY_BLOCK, active.size)
            shape = (stop - start, augmented_x.shape[0])
            block = np.matmul(queries[start:stop], augmented_x.T, out=_view(products, shape))
            np.less_equal(block, thresholds[start:stop, None], out=_view(mask, shape))
            hits = np.flatnonzero(mask[: shape[0] * shape[1]])
            if hits.size:
                rows, cols = np.divmod(hits, shape[1])
                exact.add(active[rows + start], cols + ref_start)
            if exact.waiting >= CANDIDATE_BATCH:
                exact.run(majority, majority_rows)
        exact.run(majority, majority_rows)
    return closer


def _view(buffer: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A contiguous ``shape`` view on the front of a preallocated flat buffer."""
    return buffer[: shape[0] * shape[1]].reshape(shape)


class _ExactCheck:
    """Screened (query, majority row) candidates, compared in float64 by the tie rule in batches.

    Batching matters: per query block, the fixed cost of the float64 comparison outweighs its
    few candidates; per reference block (or :data:`CANDIDATE_BATCH` candidates) it does not.
    """

    def __init__(self, closer, needed, minority, radii_squared, neighbor_rows):
        self.closer, self.needed, self.minority = closer, needed, minority
        self.radii_squared, self.neighbor_rows = radii_squared, neighbor_rows
        self.query_ids: list[np.ndarray] = []
        self.columns: list[np.ndarray] = []
        self.waiting = 0

    def add(self, query_ids: np.ndarray, columns: np.ndarray) -> None:
        self.query_ids.append(query_ids)
        self.columns.append(columns)
        self.waiting += query_ids.size

    def run(self, majority: np.ndarray, majority_rows: np.ndarray) -> None:
        """Add the candidates ranked before each needed neighbour to ``closer``."""
        if not self.waiting:
            return
        query_ids, columns = np.concatenate(self.query_ids), np.concatenate(self.columns)
        self.query_ids, self.columns, self.waiting = [], [], 0
        squared = squared_distances(self.minority[query_ids], majority[columns])[:, None]
        radii = self.radii_squared[query_ids]
        before = (squared < radii) | (
            (squared == radii) & (majority_rows[columns, None] < self.neighbor_rows[query_ids])
        )
        before &= np.arange(self.closer.shape[1]) < self.needed[query_ids, None]
        # Positions among the distinct queries, so bincount works on arrays of their size.
        distinct, local = np.unique(query_ids, return_inverse=True)
        for rank in range(self.closer.shape[1]):
            self.closer[distinct, rank] += np.bincount(
                local[before[:, rank]], minlength=distinct.size
            )
