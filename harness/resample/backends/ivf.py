"""Approximate k-NN over an inverted-file index scanned with BLAS: the backend ``"ivf"``.

The reference rows are clustered into about √n cells by k-means; a query looks only at the
``n_probe`` cells whose centroids are nearest to it. Unlike faiss's IVF scan (one query at a
time), the scan here goes cell by cell: every query probing a cell is scored against all of the
cell's rows in one float32 matrix product, so the distance work runs at BLAS speed and what is
left is selecting the few rows that matter.

Two questions can be asked of the index:

- :meth:`IVFBackend.kneighbors`, the k nearest rows (the :class:`NeighborBackend` interface);
- :meth:`IVFBackend.count_closer`, how many rows lie closer than each of a few radii per query,
  which is all ADASYN needs from the majority class (:mod:`harness.resample.difficulty`).

Only numpy is needed. Rows are centred before the cast to float32, so distances keep their
precision on data far from the origin.

How many cells to probe can be chosen from the data (``target_agreement``): a random sample of
the queries is answered both by probing every cell (exact, in float32) and by probing
``n_probe`` cells; while the share of sample queries with the same answer is below the target,
``n_probe`` is doubled, up to every cell (then the search is exhaustive, so exact).
The full set of queries is then answered once, at the depth the sample passed. On data where
cells are poor neighbourhoods (many informative dimensions) this ends at or near every cell:
the approximate backend turns itself into an exact search rather than give wrong Δ_i.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from harness.errors import SamplerParameterError
from harness.resample.backends.protocol import NeighborBackend, check_neighbor_count

TRAINING_ROWS_PER_CELL = 40
ASSIGN_BLOCK_ROWS = 8192  # rows × cells scores stay in cache: 3× faster than large blocks
QUERY_BLOCK_ROWS = 65536  # bounds the candidate buffers of kneighbors
PARALLEL_MIN_TASKS = 8
T = TypeVar("T")
R = TypeVar("R")


def _parallel_map(work: Callable[[T], R], tasks: Sequence[T], n_threads: int) -> list[R]:
    """``[work(t) for t in tasks]`` on ``n_threads`` threads, BLAS single-threaded in each.

    numpy's element-wise passes (comparisons, selections) run on one core; giving each thread
    whole tasks keeps every core busy, and results come back in task order.
    """
    if n_threads <= 1 or len(tasks) < PARALLEL_MIN_TASKS:
        return [work(task) for task in tasks]
    with ThreadPoolExecutor(n_threads) as pool, threadpool_limits(1, "blas"):
        return list(pool.map(work, tasks))


def _cell_order(labels: np.ndarray, n_cells: int) -> np.ndarray:
    """Stable order of ``labels`` (cell numbers): numpy radix-sorts 16-bit integers."""
    if n_cells <= np.iinfo(np.int16).max:
        labels = labels.astype(np.int16)
    return np.argsort(labels, kind="stable")


@dataclass(frozen=True)
class _CellBatch:
    """The queries probing one cell, and their scores against the cell's rows."""

    queries: np.ndarray  # positions in the query block
    rows: slice  # the cell's rows in the index's cell order
    scores: np.ndarray  # q·x − |x|²/2, shape (len(queries), rows); d² = |q|² − 2·score


def _kmeans(
    sample: np.ndarray, n_cells: int, n_iter: int, rng: np.random.Generator, n_threads: int
) -> np.ndarray:
    """Lloyd's k-means on ``sample`` (float32), seeded with distinct random rows."""
    centroids = sample[rng.choice(sample.shape[0], n_cells, replace=False)].copy()
    for _ in range(n_iter):
        labels = _nearest_centroid(sample, centroids, n_threads)
        counts = np.bincount(labels, minlength=n_cells)
        filled = counts > 0
        for column in range(sample.shape[1]):
            sums = np.bincount(labels, weights=sample[:, column], minlength=n_cells)
            centroids[filled, column] = sums[filled] / counts[filled]
    return centroids


def _nearest_centroid(rows: np.ndarray, centroids: np.ndarray, n_threads: int) -> np.ndarray:
    """Index of each row's nearest centroid, by blocks of :data:`ASSIGN_BLOCK_ROWS` rows."""
    half_norms = 0.5 * np.einsum("ij,ij->i", centroids, centroids)
    labels = np.empty(rows.shape[0], dtype=np.intp)

    def assign(start: int) -> None:
        scores = rows[start : start + ASSIGN_BLOCK_ROWS] @ centroids.T
        scores -= half_norms
        labels[start : start + ASSIGN_BLOCK_ROWS] = np.argmax(scores, axis=1)

    _parallel_map(assign, range(0, rows.shape[0], ASSIGN_BLOCK_ROWS), n_threads)
    return labels


class IVFBackend(NeighborBackend):
    """Approximate Euclidean k-NN over k-means cells, scanned cell by cell with BLAS.

    Parameters
    ----------
    n_cells : int or None, default=None
        Number of k-means cells; ``None`` uses √n (at most one per 40 rows).
    n_probe : int, default=32
        Cells scanned per query: more is slower and closer to exact; probing every cell is an
        exact (float32) search.
    n_iter : int, default=10
        k-means iterations, on a subsample of 40 rows per cell.
    random_state : int, default=0
        Seed of the subsample and of the initial centroids.
    n_jobs : int or None, default=None
        Threads scanning cells in parallel; ``None`` uses every CPU. Results do not depend on it.
    target_agreement : float or None, default=None
        Choose the probe depth from the data: ``n_probe`` is the starting depth, multiplied
        by two until at least this share of a sample of queries gets the exact answer (the
        one probing every cell). ``None`` probes ``n_probe`` cells, unchecked. The registered
        backend ``"ivf"`` (and so ``"auto-approx"``) uses
        :data:`~harness.resample.neighbors.APPROX_TARGET_AGREEMENT`.
    check_queries : int, default=1000
        Size of that sample.

    Attributes
    ----------
    probe_depths_ : list of int
        The depth used by each call of :meth:`kneighbors` and :meth:`count_closer`.
    """

    name = "ivf"

    def __init__(
        self,
        n_cells: int | None = None,
        n_probe: int = 32,
        n_iter: int = 10,
        random_state: int = 0,
        n_jobs: int | None = None,
        target_agreement: float | None = None,
        check_queries: int = 1000,
    ) -> None:
        self.n_cells = n_cells
        self.n_probe = n_probe
        self.n_iter = n_iter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.target_agreement = target_agreement
        self.check_queries = check_queries
        self.probe_depths_: list[int] = []
        self._rows = None

    def _n_threads(self) -> int:
        return self.n_jobs if self.n_jobs and self.n_jobs > 0 else (os.cpu_count() or 1)

    def fit(self, X: np.ndarray, rows: np.ndarray | None = None) -> IVFBackend:
        """Index ``X`` (or only ``X[rows]``, without copying them); return ``self``.

        Indices returned later are positions among the indexed rows. The rows are converted
        to centred float32 block by block, so the only copy held is the index itself.
        """
        X = np.asarray(X)
        positions = np.arange(X.shape[0]) if rows is None else np.asarray(rows, dtype=np.intp)
        n_rows = positions.shape[0]
        if n_rows == 0:
            raise SamplerParameterError("Cannot index an empty reference set: pass rows to fit.")
        # Kept (not copied) to give exact distances for the final k neighbours.
        self._reference, self._positions = X, positions
        blocks = range(0, n_rows, ASSIGN_BLOCK_ROWS)
        self._mean = (
            sum(X[positions[start : start + ASSIGN_BLOCK_ROWS]].sum(axis=0) for start in blocks)
            / n_rows
        )
        n_cells = self.n_cells or int(np.sqrt(n_rows))
        n_cells = max(1, min(n_cells, n_rows // TRAINING_ROWS_PER_CELL))
        rng = np.random.default_rng(self.random_state)
        n_train = min(n_rows, TRAINING_ROWS_PER_CELL * n_cells)
        sample = self._centred(positions[np.sort(rng.choice(n_rows, n_train, replace=False))])
        self._centroids = _kmeans(sample, n_cells, self.n_iter, rng, self._n_threads())
        labels = np.empty(n_rows, dtype=np.intp)

        def assign(start: int) -> None:
            block = self._centred(positions[start : start + ASSIGN_BLOCK_ROWS])
            labels[start : start + ASSIGN_BLOCK_ROWS] = _nearest_centroid(block, self._centroids, 1)

        _parallel_map(assign, blocks, self._n_threads())
        self._order = _cell_order(labels, n_cells)
        self._bounds = np.searchsorted(labels[self._order], np.arange(n_cells + 1))
        # The last column makes one product give q·x − |x|²/2 (queries carry a 1 there).
        self._rows = np.empty((n_rows, X.shape[1] + 1), dtype=np.float32)

        def fill(start: int) -> None:
            stop = start + ASSIGN_BLOCK_ROWS
            block = self._centred(positions[self._order[start:stop]])
            self._rows[start:stop, :-1] = block
            self._rows[start:stop, -1] = -0.5 * np.einsum("ij,ij->i", block, block)

        _parallel_map(fill, blocks, self._n_threads())
        return self

    def _centred(self, positions: np.ndarray) -> np.ndarray:
        """``X[positions]`` minus the indexed rows' mean, as float32."""
        return np.asarray(self._reference[positions] - self._mean, dtype=np.float32)

    @property
    def n_fitted(self) -> int:
        """Rows in the index."""
        return 0 if self._rows is None else self._rows.shape[0]

    def _prepare(self, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centred float32 queries with a column of ones, and their squared norms."""
        if self._rows is None:
            raise RuntimeError("IVFBackend used before fit: call fit(X) first.")
        centred = np.asarray(np.asarray(Q) - self._mean, dtype=np.float32)
        augmented = np.ones((centred.shape[0], centred.shape[1] + 1), dtype=np.float32)
        augmented[:, :-1] = centred
        return augmented, np.einsum("ij,ij->i", centred, centred)

    def _probes(self, augmented: np.ndarray, n_probe: int | None = None) -> np.ndarray:
        """The ``n_probe`` nearest cells of each query, the nearest first; (n_queries, n_probe).

        The nearest cell comes first so that an indexed row's own cell can be scanned alone.
        """
        n_cells = self._centroids.shape[0]
        n_probe = min(n_probe or self.n_probe, n_cells)
        probes = np.empty((augmented.shape[0], n_probe), dtype=np.intp)
        half_norms = 0.5 * np.einsum("ij,ij->i", self._centroids, self._centroids)

        def choose(start: int) -> None:
            scores = augmented[start : start + ASSIGN_BLOCK_ROWS, :-1] @ self._centroids.T
            scores -= half_norms
            if n_probe < n_cells:
                block = np.argpartition(-scores, n_probe - 1, axis=1)[:, :n_probe]
            else:
                block = np.broadcast_to(np.arange(n_cells), scores.shape).copy()
            nearest = np.argmax(np.take_along_axis(scores, block, axis=1), axis=1)
            rows = np.arange(block.shape[0])
            block[rows, 0], block[rows, nearest] = block[rows, nearest], block[rows, 0]
            probes[start : start + ASSIGN_BLOCK_ROWS] = block

        _parallel_map(choose, range(0, augmented.shape[0], ASSIGN_BLOCK_ROWS), self._n_threads())
        return probes

    def _map_cells(
        self,
        augmented: np.ndarray,
        probes: np.ndarray,
        work: Callable[[_CellBatch], R],
    ) -> list[R]:
        """``work`` applied to the scores of every probed cell against its probing queries."""
        n_probe = probes.shape[1]
        flat_cells = probes.ravel()
        by_cell = _cell_order(flat_cells, self._centroids.shape[0])
        starts = np.searchsorted(flat_cells[by_cell], np.arange(len(self._bounds)))
        tasks = [
            (by_cell[starts[cell] : starts[cell + 1]], self._bounds[cell], self._bounds[cell + 1])
            for cell in range(len(self._bounds) - 1)
            if starts[cell] < starts[cell + 1] and self._bounds[cell] < self._bounds[cell + 1]
        ]

        def score(task: tuple[np.ndarray, int, int]) -> R:
            entries, first, stop = task
            queries = entries // n_probe
            scores = augmented[queries] @ self._rows[first:stop].T
            return work(_CellBatch(queries, slice(first, stop), scores))

        return _parallel_map(score, tasks, self._n_threads())

    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        if self._rows is None:
            raise RuntimeError("IVFBackend used before fit: call fit(X) first.")
        check_neighbor_count(n_neighbors, self.n_fitted)
        Q = np.asarray(Q)

        def same_neighbors(n_probe: int, sample: np.ndarray, exact: object) -> np.ndarray:
            _, found = self._kneighbors_block(Q[sample], n_neighbors, n_probe)
            return (np.sort(found, axis=1) == np.sort(exact[1], axis=1)).all(axis=1)

        n_probe = self._checked_depth(
            Q.shape[0],
            lambda sample: self._kneighbors_block(Q[sample], n_neighbors, self._n_cells()),
            same_neighbors,
        )
        n_queries = Q.shape[0]
        distances = np.empty((n_queries, n_neighbors))
        indices = np.empty((n_queries, n_neighbors), dtype=np.intp)
        for start in range(0, n_queries, QUERY_BLOCK_ROWS):
            stop = min(start + QUERY_BLOCK_ROWS, n_queries)
            distances[start:stop], indices[start:stop] = self._kneighbors_block(
                Q[start:stop], n_neighbors, n_probe
            )
        return distances, indices

    def _n_cells(self) -> int:
        return self._centroids.shape[0]

    def _checked_depth(
        self,
        n_queries: int,
        exact_answer: Callable[[np.ndarray], object],
        agreement: Callable[[int, np.ndarray, object], np.ndarray],
    ) -> int:
        """The probe depth: ``n_probe``, or the first of n_probe·2^i whose answers agree with
        the exact ones on at least ``target_agreement`` of a sample of queries."""
        n_cells = self._n_cells()
        n_probe = min(self.n_probe, n_cells)
        if self.target_agreement is not None and n_probe < n_cells and n_queries > 0:
            rng = np.random.default_rng(self.random_state)
            size = min(self.check_queries, n_queries)
            sample = np.sort(rng.choice(n_queries, size, replace=False))
            exact = exact_answer(sample)
            while n_probe < n_cells:
                if agreement(n_probe, sample, exact).mean() >= self.target_agreement:
                    break
                n_probe = min(2 * n_probe, n_cells)
        self.probe_depths_.append(n_probe)
        return n_probe

    def _kneighbors_block(
        self, Q: np.ndarray, k: int, n_probe: int
    ) -> tuple[np.ndarray, np.ndarray]:
        augmented, _ = self._prepare(Q)
        probes = self._probes(augmented, n_probe)
        # Pass 1: the k-th best score in the nearest cell bounds what can enter the top k.
        floor = np.full(Q.shape[0], -np.inf, dtype=np.float32)

        def kth_best(batch: _CellBatch) -> tuple[np.ndarray, np.ndarray] | None:
            if batch.scores.shape[1] < k:
                return None
            return batch.queries, np.partition(batch.scores, -k, axis=1)[:, -k]

        for found in self._map_cells(augmented, probes[:, :1], kth_best):
            if found is not None:
                floor[found[0]] = found[1]

        # Pass 2: every probed cell, keeping only the rows scoring at least the floor.
        def above_floor(batch: _CellBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            hits = np.flatnonzero(batch.scores >= floor[batch.queries, None])
            local, column = np.divmod(hits, batch.scores.shape[1])
            return batch.queries[local], batch.scores[local, column], column + batch.rows.start

        parts = self._map_cells(augmented, probes, above_floor)
        query, score, row = (np.concatenate([part[i] for part in parts]) for i in range(3))
        order = np.lexsort((row, -score, query))
        query, row = query[order], row[order]
        per_query = np.bincount(query, minlength=Q.shape[0])
        first = np.cumsum(per_query) - per_query
        take = first[:, None] + np.arange(k)
        short = per_query < k  # the probed cells held fewer than k rows: scan every cell
        take[short] = 0
        cell_positions = row[take] if row.size else np.zeros((Q.shape[0], k), dtype=np.intp)
        if short.any():
            cell_positions[short] = self._exhaustive(augmented[short], k)
        return self._exact_order(Q, self._order[cell_positions])

    def _exact_order(self, Q: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distances recomputed from the input rows, and the k neighbours sorted by them.

        The float32 scores find the candidates; their distances, small ones above all, lose
        digits to cancellation, so the final ones come from the rows themselves (ties by
        row index, as in the exact backends).
        """
        by_row = np.argsort(indices, axis=1)
        indices = np.take_along_axis(indices, by_row, axis=1)
        differences = self._reference[self._positions[indices]] - np.asarray(Q)[:, None, :]
        distances = np.sqrt(np.einsum("ijk,ijk->ij", differences, differences))
        order = np.argsort(distances, axis=1, kind="stable")
        return (
            np.take_along_axis(distances, order, axis=1),
            np.take_along_axis(indices, order, axis=1),
        )

    def _exhaustive(self, augmented: np.ndarray, k: int) -> np.ndarray:
        """The k best-scoring rows (cell-order positions) over every cell."""
        scores = augmented @ self._rows.T
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]

    def count_closer(self, Q: np.ndarray, radii: np.ndarray) -> np.ndarray:
        """For each query, how many indexed rows lie strictly closer than each radius.

        Only the probed cells are searched, so counts can fall short of the exact ones.

        Parameters
        ----------
        Q : ndarray of shape (n_queries, n_features)
        radii : ndarray of shape (n_queries, n_radii)
            Distances, ascending along each row.

        Returns
        -------
        ndarray of int, shape (n_queries, n_radii)
            ``counts[q, j]`` = #{x : ||x − Q[q]|| < radii[q, j]}.
        """
        radii = np.asarray(radii, dtype=np.float64)
        Q = np.asarray(Q)
        n_queries, n_radii = radii.shape

        def sample_counts(sample: np.ndarray, n_probe: int) -> np.ndarray:
            counts = self._count_block(Q[sample], radii[sample], n_probe)
            # Past n_radii rows a count no longer changes Δ_i (j + c_j > K for every j).
            return np.minimum(np.cumsum(counts, axis=1), n_radii + 1)

        n_probe = self._checked_depth(
            n_queries,
            lambda sample: sample_counts(sample, self._n_cells()),
            lambda depth, sample, exact: (sample_counts(sample, depth) == exact).all(axis=1),
        )
        counts = np.zeros((n_queries, n_radii), dtype=np.int64)
        for start in range(0, n_queries, QUERY_BLOCK_ROWS):
            stop = min(start + QUERY_BLOCK_ROWS, n_queries)
            counts[start:stop] = self._count_block(Q[start:stop], radii[start:stop], n_probe)
        return np.cumsum(counts, axis=1)

    def _count_block(self, Q: np.ndarray, radii: np.ndarray, n_probe: int) -> np.ndarray:
        """Rows falling between consecutive radii (a histogram per query)."""
        augmented, norms = self._prepare(Q)
        squared_radii = radii**2
        # score > (|q|² − r²)/2  ⇔  d² < r²: screen against the largest radius only.
        floor = (0.5 * (norms - squared_radii[:, -1])).astype(np.float32)
        n_radii = radii.shape[1]

        def bucket_hits(batch: _CellBatch) -> tuple[np.ndarray, np.ndarray]:
            hits = np.flatnonzero(batch.scores > floor[batch.queries, None])
            local, column = np.divmod(hits, batch.scores.shape[1])
            query = batch.queries[local]
            squared = norms[query] - 2.0 * batch.scores[local, column].astype(np.float64)
            bucket = (squared_radii[query] <= squared[:, None]).sum(axis=1)
            inside = bucket < n_radii
            return query[inside], bucket[inside]

        histogram = np.zeros((Q.shape[0], n_radii), dtype=np.int64)
        for query, bucket in self._map_cells(
            augmented, self._probes(augmented, n_probe), bucket_hits
        ):
            np.add.at(histogram, (query, bucket), 1)
        return histogram
