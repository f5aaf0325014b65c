"""Nearest-neighbour search backends behind one small interface.

The samplers only need two calls: ``fit(X)`` on a reference set and ``kneighbors(Q, k)`` for a
query set. Keeping that behind :class:`NeighborBackend` lets a faster exact or approximate index
be added by registering it, without touching the samplers.

Backends: ``"exact"`` (scikit-learn, searching as imbalanced-learn does: the reference),
``"blocked"`` (the same neighbours, faster on large sets:
:mod:`harness.resample.backends.blocked`) and ``"ivf"`` (approximate, k-means cells scanned
with BLAS: :mod:`harness.resample.backends.ivf`).
Two names choose by size (:func:`resolve_backend_name`): ``"auto"`` among the exact backends
only, ``"auto-approx"`` also among the approximate ones.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np
from sklearn.neighbors import NearestNeighbors

from harness.errors import SamplerParameterError


class NeighborBackend(ABC):
    """Exact or approximate k-nearest-neighbour search over a fitted reference set."""

    name: str = "abstract"

    @abstractmethod
    def fit(self, X: np.ndarray) -> NeighborBackend:
        """Index the reference rows ``X`` of shape (n_samples, n_features); return ``self``."""

    @abstractmethod
    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(distances, indices)``, each of shape (len(Q), n_neighbors).

        Rows are sorted by increasing distance; ``indices`` are positions in the fitted ``X``.
        A query row that is also in ``X`` finds itself among its neighbours: callers that want
        it excluded ask for one more neighbour and drop the first column.
        """


def check_neighbor_count(n_neighbors: int, n_reference: int) -> None:
    """Raise :class:`SamplerParameterError` if more neighbours are asked for than rows exist."""
    if n_neighbors > n_reference:
        raise SamplerParameterError(
            f"Asked for {n_neighbors} neighbours but the reference set has only {n_reference} "
            "rows: use a smaller n_neighbors."
        )


class ExactBackend(NeighborBackend):
    """Exact Euclidean search with scikit-learn's ``NearestNeighbors``, as imbalanced-learn does.

    ``algorithm="auto"``, scikit-learn's and imbalanced-learn's default: a k-d tree on few
    features, the chunked brute-force kernel otherwise. Forcing brute force would be slower on
    small, low-dimensional folds, where its OpenMP threads cost more than the search (on a busy
    2-core machine, ~100 ms against ~1 ms per call).

    Parameters
    ----------
    n_jobs : int or None, default=None
        Passed to :class:`sklearn.neighbors.NearestNeighbors`.
    """

    name = "exact"

    def __init__(self, n_jobs: int | None = None) -> None:
        self.n_jobs = n_jobs
        self._index: NearestNeighbors | None = None
        self._n_fitted = 0

    def fit(self, X: np.ndarray) -> ExactBackend:
        self._index = NearestNeighbors(n_jobs=self.n_jobs).fit(X)
        self._n_fitted = len(X)
        return self

    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        if self._index is None:
            raise RuntimeError("ExactBackend.kneighbors called before fit: call fit(X) first.")
        check_neighbor_count(n_neighbors, self._n_fitted)
        return self._index.kneighbors(Q, n_neighbors=n_neighbors, return_distance=True)


def _blocked_backend() -> NeighborBackend:
    from harness.resample.backends.blocked import BlockedExactBackend

    return BlockedExactBackend()


def _ivf_backend() -> NeighborBackend:
    from harness.resample.backends.ivf import IVFBackend

    return IVFBackend()


_BACKENDS: dict[str, Callable[[], NeighborBackend]] = {
    "exact": ExactBackend,
    "blocked": _blocked_backend,
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
        ``"exact"``, ``"blocked"``, ``"ivf"``, ``"auto"``, ``"auto-approx"`` (see
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
