"""Nearest-neighbour search backends behind one small interface.

The samplers only need two calls: ``fit(X)`` on a reference set and ``kneighbors(Q, k)`` for a
query set. Keeping that behind :class:`NeighborBackend` lets a faster exact or approximate index
be added by registering it, without touching the samplers.

Backends: ``"exact"`` (scikit-learn's ``NearestNeighbors`` with its own choice of algorithm, a
k-d tree on few features), ``"brute"`` (scikit-learn's brute-force kernel), ``"blocked"``
(faster on large sets: :mod:`harness.resample.backends.blocked`) and ``"ivf"`` (approximate,
k-means cells scanned with BLAS: :mod:`harness.resample.backends.ivf`). The three exact ones
return the same neighbours, ties included, by the rule of :mod:`harness.resample.ties`.
Two names choose by size (:func:`resolve_backend_name`): ``"auto"`` among the exact backends
only, ``"auto-approx"`` also among the approximate ones.

:func:`neighbors_excluding_self` is the search the samplers run: the K nearest rows of some
rows of a set, each row's own index removed.

The interface (:class:`NeighborBackend`, :func:`check_neighbor_count`) lives in
:mod:`harness.resample.backends.protocol`, below this module and the fast backends, and is
importable from here too: this module imports the backends, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.neighbors import NearestNeighbors

from harness.errors import SamplerParameterError
from harness.resample.backends.blocked import BlockedExactBackend
from harness.resample.backends.ivf import IVFBackend
from harness.resample.backends.protocol import NeighborBackend, check_neighbor_count
from harness.resample.ties import complete_and_rank, drop_self


class ExactBackend(NeighborBackend):
    """Exact Euclidean search: scikit-learn finds candidates, the tie rule ranks them.

    scikit-learn's ``NearestNeighbors`` (``algorithm="auto"`` is its and imbalanced-learn's
    default: a k-d tree on few features, the chunked brute-force kernel otherwise) returns the
    nearest rows in its own order; :func:`harness.resample.ties.complete_and_rank` makes sure
    every row tied at the k-th distance was seen and orders them by the documented rule. On
    data without ties the result is scikit-learn's.

    Parameters
    ----------
    algorithm : {"auto", "kd_tree", "ball_tree", "brute"}, default="auto"
        Passed to :class:`sklearn.neighbors.NearestNeighbors`.
    n_jobs : int or None, default=None
        Passed to :class:`sklearn.neighbors.NearestNeighbors`.
    """

    name = "exact"

    def __init__(self, algorithm: str = "auto", n_jobs: int | None = None) -> None:
        self.algorithm = algorithm
        self.n_jobs = n_jobs
        self._index: NearestNeighbors | None = None
        self._X: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> ExactBackend:
        self._X = np.asarray(X)
        self._index = NearestNeighbors(algorithm=self.algorithm, n_jobs=self.n_jobs).fit(self._X)
        norms = np.einsum("ij,ij->i", self._X, self._X, dtype=np.float64)
        self._max_norm = float(np.sqrt(norms.max())) if norms.size else 0.0
        return self

    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        if self._index is None:
            raise RuntimeError("ExactBackend.kneighbors called before fit: call fit(X) first.")
        check_neighbor_count(n_neighbors, self._X.shape[0])
        Q = np.asarray(Q)
        q_norms = np.sqrt(np.einsum("ij,ij->i", Q, Q, dtype=np.float64))

        def native(queries: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
            return self._index.kneighbors(queries, n_neighbors=m, return_distance=True)

        def error_bound(positions: np.ndarray, native_squared: np.ndarray) -> np.ndarray:
            # The expanded form |q|² − 2q·x + |x|² (brute force) errs by at most a few
            # (n + 2)·eps of its terms; the result is rounded to the output dtype once more.
            q = q_norms[positions]
            terms = q * q + 2 * q * self._max_norm + self._max_norm**2
            output_eps = np.finfo(np.result_type(Q.dtype, np.float32)).eps
            gamma = 8 * (Q.shape[1] + 2) * np.finfo(np.float64).eps
            return gamma * terms + 4 * output_eps * native_squared + np.finfo(np.float64).tiny

        return complete_and_rank(native, self._X, Q, n_neighbors, error_bound)


class BruteBackend(ExactBackend):
    """:class:`ExactBackend` with scikit-learn's brute-force kernel whatever the data's shape."""

    name = "brute"

    def __init__(self, n_jobs: int | None = None) -> None:
        super().__init__(algorithm="brute", n_jobs=n_jobs)


class EstimatorBackend(NeighborBackend):
    """A user's scikit-learn-style neighbours estimator (``kneighbors``), cloned and used as is.

    Given as a sampler's ``n_neighbors``/``k_neighbors``, as imbalanced-learn accepts: the
    estimator's own ``n_neighbors`` is K + 1 (the row itself included). Its tie order is its
    own; the row itself is still removed by index.

    Parameters
    ----------
    estimator : object
        An object with ``fit`` and ``kneighbors`` (e.g. ``NearestNeighbors(n_neighbors=6)``).
    """

    name = "estimator"

    def __init__(self, estimator: object) -> None:
        self.estimator = estimator
        self._fitted = None
        self._n_fitted = 0

    def fit(self, X: np.ndarray) -> EstimatorBackend:
        from sklearn.base import clone

        self._fitted = clone(self.estimator).fit(X)
        self._n_fitted = len(X)
        return self

    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        if self._fitted is None:
            raise RuntimeError("EstimatorBackend.kneighbors called before fit: call fit first.")
        check_neighbor_count(n_neighbors, self._n_fitted)
        return self._fitted.kneighbors(Q, n_neighbors=n_neighbors, return_distance=True)


def neighbors_excluding_self(
    reference: np.ndarray,
    query_rows: np.ndarray,
    n_neighbors: int,
    backend: str | NeighborBackend,
    *,
    return_distance: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The ``n_neighbors`` nearest rows of some rows of ``reference``, each row's own excluded.

    ``n_neighbors + 1`` rows are searched and the one with the query's own index removed
    (:func:`harness.resample.ties.drop_self`), so a duplicated row keeps its copies as
    neighbours but never itself.

    Parameters
    ----------
    reference : ndarray of shape (n_rows, n_features)
        The searched rows.
    query_rows : ndarray of int, shape (n_queries,)
        Positions in ``reference`` of the rows whose neighbours are wanted.
    n_neighbors : int
        K.
    backend : str or NeighborBackend
        A name (resolved for this search's size, see :func:`get_backend`) or an unfitted
        backend.
    return_distance : bool, default=False
        Also return the distances.

    Returns
    -------
    indices : ndarray of int, shape (n_queries, n_neighbors)
        Positions in ``reference``; with ``return_distance``, ``(distances, indices)``.
    """
    query_rows = np.asarray(query_rows)
    if isinstance(backend, str):
        backend = get_backend(
            backend,
            n_reference=reference.shape[0],
            n_queries=query_rows.shape[0],
            n_features=reference.shape[1],
        )
    found = backend.fit(reference).kneighbors(reference[query_rows], n_neighbors + 1)
    distances, indices = drop_self(*found, query_rows)
    return (distances, indices) if return_distance else indices


def _ivf_backend() -> NeighborBackend:
    return IVFBackend(target_agreement=APPROX_TARGET_AGREEMENT)


_BACKENDS: dict[str, Callable[[], NeighborBackend]] = {
    "exact": ExactBackend,
    "brute": BruteBackend,
    "blocked": BlockedExactBackend,
    "ivf": _ivf_backend,
}
AUTO, AUTO_APPROX = "auto", "auto-approx"
# Below this many query × reference pairs scikit-learn's kernel wins (no subsample, no screening
# overhead); above it the blocked backend is faster, measured with 20 and 50 features.
BLOCKED_MIN_PAIRS = 100_000_000
# An IVF index pays for its k-means training only on large searches; on data with many
# dimensions its recall drops (cells are poor neighbourhoods there), so it stays exact there.
APPROX_MIN_ROWS = 50_000
APPROX_MIN_PAIRS = 100_000_000
APPROX_MAX_FEATURES = 64
# The registered "ivf" backend (and so "auto-approx") probes deeper until this share of a
# sample of 1000 queries gets the exact answer, in each of its two searches (own-class
# neighbours, other-class counts); at 1M rows this kept ≥ 95 % of Δ_i exact (docs/benchmarks.md).
APPROX_TARGET_AGREEMENT = 0.985


def resolve_backend_name(
    name: str,
    n_reference: int | None = None,
    n_queries: int | None = None,
    n_features: int | None = None,
) -> str:
    """The concrete backend ``name`` stands for, given the size of the search.

    ``"auto"`` is ``"exact"`` when the sizes are unknown or the search is small (fewer than
    :data:`BLOCKED_MIN_PAIRS` query × reference pairs), else ``"blocked"``: both exact.
    ``"auto-approx"`` is ``"ivf"`` when the reference set has at least :data:`APPROX_MIN_ROWS`
    rows and at most :data:`APPROX_MAX_FEATURES` features, and the search has at least
    :data:`APPROX_MIN_PAIRS` pairs; otherwise what ``"auto"`` would pick.
    Any other name is returned unchanged.

    Parameters
    ----------
    name : str
        Backend name or alias.
    n_reference, n_queries, n_features : int or None
        Rows indexed, rows queried, columns.

    Returns
    -------
    str
    """
    if name not in (AUTO, AUTO_APPROX):
        return name
    if None in (n_reference, n_queries):
        return "exact"
    if (
        name == AUTO_APPROX
        and n_reference >= APPROX_MIN_ROWS
        and n_reference * n_queries >= APPROX_MIN_PAIRS
        and (n_features or 0) <= APPROX_MAX_FEATURES
    ):
        return "ivf"
    return "blocked" if n_reference * n_queries >= BLOCKED_MIN_PAIRS else "exact"


def register_backend(name: str, factory: Callable[[], NeighborBackend]) -> None:
    """Make ``get_backend(name)`` return ``factory()``.

    Parameters
    ----------
    name : str
        The name used in sampler parameters and configuration (e.g. ``"annoy"``).
    factory : callable
        Called with no argument; returns a fresh :class:`NeighborBackend`.
    """
    _BACKENDS[name] = factory


def backend_names() -> list[str]:
    """Names accepted by :func:`get_backend`, aliases included."""
    return sorted({*_BACKENDS, AUTO, AUTO_APPROX})


def get_backend(
    name: str,
    *,
    n_reference: int | None = None,
    n_queries: int | None = None,
    n_features: int | None = None,
) -> NeighborBackend:
    """Return a fresh, unfitted backend by name.

    Parameters
    ----------
    name : str
        ``"exact"``, ``"brute"``, ``"blocked"``, ``"ivf"``, ``"auto"``, ``"auto-approx"`` (see
        :func:`resolve_backend_name`) or a name added with :func:`register_backend`.
    n_reference, n_queries, n_features : int or None, optional
        Size of the search, used by ``"auto"`` and ``"auto-approx"`` to choose.

    Raises
    ------
    SamplerParameterError
        If the name is unknown.
    """
    resolved = (
        resolve_backend_name(name, n_reference, n_queries, n_features)
        if isinstance(name, str)
        else name
    )
    if resolved not in _BACKENDS:
        raise SamplerParameterError(
            f"Unknown neighbour backend {name!r}: use one of {backend_names()}."
        )
    return _BACKENDS[resolved]()
