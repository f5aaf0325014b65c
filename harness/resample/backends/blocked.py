"""Exact k-NN by pruned, blocked BLAS distances: the tuned exact backend ``"blocked"``.

scikit-learn's brute-force kernel spends most of its time pushing every one of the
``len(Q) × len(X)`` distances through a heap. Here a cheap upper bound on each query's k-th
neighbour distance (its k-th distance to a random subsample of ``X``) turns the selection into a
vectorised comparison: a block of squared distances ``||x||² − 2q·x`` comes from one matrix
product, only the entries under the bound are kept, and those few candidates are ranked by their
distance recomputed directly in float64. The answer is exact: the bound can only let more rows
through, and the margin added to it covers the rounding of the expanded formula.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numpy as np
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from harness.resample.backends.protocol import NeighborBackend, check_neighbor_count
from harness.resample.ties import rank_candidates, squared_distances

# Distances are screened in float32 (twice the BLAS speed of float64) and the few candidates
# re-ranked in float64; the screening margin is the classic dot-product error bound
# gamma_n = n * eps, taken four times over, so no true neighbour can be screened out.
_EPS32 = float(np.finfo(np.float32).eps)


class BlockedExactBackend(NeighborBackend):
    """Exact Euclidean k-NN, identical to :class:`~harness.resample.neighbors.ExactBackend`
    (same distances, same tie rule: :mod:`harness.resample.ties`).

    Parameters
    ----------
    query_block : int, default=512
        Query rows per matrix product.
    reference_block : int, default=8192
        Reference rows per matrix product; ``query_block × reference_block`` float32
        distances are held at once (16 MiB with the defaults).
    subsample_factor : int, default=16
        One reference row in this many is used to bound each query's k-th distance.
    random_state : int, default=0
        Seed of the subsample (the result does not depend on it, only the speed).
    n_jobs : int or None, default=None
        Threads screening query blocks in parallel; ``None`` uses every CPU.
    """

    name = "blocked"

    def __init__(
        self,
        query_block: int = 512,
        reference_block: int = 8192,
        subsample_factor: int = 16,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.query_block = query_block
        self.reference_block = reference_block
        self.subsample_factor = subsample_factor
        self.random_state = random_state
        self.n_jobs = n_jobs
        self._X: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> BlockedExactBackend:
        self._X = np.asarray(X)  # a reference, not a copy: memory stays at one block
        self._norms = np.einsum("ij,ij->i", self._X, self._X, dtype=np.float64)
        self._max_norm = float(self._norms.max()) if self._norms.size else 0.0
        return self

    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        if self._X is None:
            raise RuntimeError("BlockedExactBackend.kneighbors called before fit: call fit first.")
        n_ref = self._X.shape[0]
        check_neighbor_count(n_neighbors, n_ref)
        Q = np.asarray(Q)
        thresholds = self._screening_thresholds(Q, self._squared_bounds(Q, n_neighbors))
        # [−2q, 1] against [x, ||x||²] gives ||x||² − 2q·x in one float32 matrix product.
        augmented_q = np.empty((Q.shape[0], Q.shape[1] + 1), dtype=np.float32)
        augmented_q[:, :-1] = Q
        augmented_q[:, :-1] *= -2.0
        augmented_q[:, -1] = 1.0
        starts = range(0, Q.shape[0], self.query_block)
        rows: list[list[np.ndarray]] = [[] for _ in starts]
        cols: list[list[np.ndarray]] = [[] for _ in starts]

        def screen(block: int, augmented_x: np.ndarray, ref_start: int) -> None:
            start = starts[block]
            stop = min(start + self.query_block, Q.shape[0])
            partial = augmented_q[start:stop] @ augmented_x.T
            # 1-D search of the flat mask: several times faster than a 2-D nonzero.
            hits = np.flatnonzero((partial <= thresholds[start:stop]).reshape(-1))
            hit_rows, hit_cols = np.divmod(hits, augmented_x.shape[0])
            rows[block].append(hit_rows + start)
            cols[block].append(hit_cols + ref_start)

        # Query blocks run in threads (numpy releases the GIL), each with a one-thread BLAS:
        # the products are too small for BLAS's own threading, and the screening is not BLAS.
        with ThreadPoolExecutor(self._n_threads()) as pool, threadpool_limits(1, "blas"):
            # Reference blocks outside: each is converted to float32 once for all query blocks.
            for ref_start in range(0, n_ref, self.reference_block):
                ref_stop = min(ref_start + self.reference_block, n_ref)
                augmented_x = np.empty((ref_stop - ref_start, Q.shape[1] + 1), dtype=np.float32)
                augmented_x[:, :-1] = self._X[ref_start:ref_stop]
                augmented_x[:, -1] = self._norms[ref_start:ref_stop]
                list(pool.map(screen, range(len(starts)), repeat(augmented_x), repeat(ref_start)))
        distances = np.empty((Q.shape[0], n_neighbors), dtype=np.float64)
        indices = np.empty((Q.shape[0], n_neighbors), dtype=np.intp)
        for block, start in enumerate(starts):
            stop = min(start + self.query_block, Q.shape[0])
            distances[start:stop], indices[start:stop] = self._rank_candidates(
                Q[start:stop],
                np.concatenate(rows[block]) - start,
                np.concatenate(cols[block]),
                n_neighbors,
            )
        return distances, indices

    def _n_threads(self) -> int:
        return self.n_jobs if self.n_jobs and self.n_jobs > 0 else (os.cpu_count() or 1)

    def _screening_thresholds(self, Q: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """Keep x for query q when ||x||² − 2q·x <= bound − ||q||² + rounding margin."""
        q_norms = np.einsum("ij,ij->i", Q, Q, dtype=np.float64)
        gamma = 4 * (Q.shape[1] + 2) * _EPS32
        margin = gamma * (q_norms + 2 * np.sqrt(q_norms * self._max_norm) + self._max_norm + 1.0)
        return (bounds - q_norms + margin).astype(np.float32)[:, None]

    def _squared_bounds(self, Q: np.ndarray, n_neighbors: int) -> np.ndarray:
        """An upper bound on each query's squared k-th neighbour distance in the full set.

        The k-th distance within any subset of the rows bounds it from above; the subsample is
        large enough that few rows pass the bound (about ``subsample_factor × k`` per query).
        """
        n_ref = self._X.shape[0]
        n_sub = min(n_ref, max(n_ref // self.subsample_factor, 64 * n_neighbors))
        rows = np.sort(np.random.default_rng(self.random_state).choice(n_ref, n_sub, replace=False))
        index = NearestNeighbors(algorithm="brute").fit(self._X[rows])
        far, _ = index.kneighbors(Q, n_neighbors)
        return far[:, -1].astype(np.float64) ** 2

    def _rank_candidates(
        self, Q: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_neighbors: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # Exact float64 distances, ranked by the tie rule (harness.resample.ties).
        squared = squared_distances(Q[rows], self._X[cols])
        return rank_candidates(rows, cols, squared, Q.shape[0], n_neighbors)
