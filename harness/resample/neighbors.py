"""Nearest-neighbour search backends behind one small interface.

The samplers only need two calls: ``fit(X)`` on a reference set and ``kneighbors(Q, k)`` for a
query set. Keeping that behind :class:`NeighborBackend` lets a faster exact or approximate index
be added later by registering it, without touching the samplers.
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


class ExactBackend(NeighborBackend):
    """Exact Euclidean search with scikit-learn's brute-force kernel (chunked, BLAS-backed).

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
        self._index = NearestNeighbors(algorithm="brute", n_jobs=self.n_jobs).fit(X)
        self._n_fitted = len(X)
        return self

    def kneighbors(self, Q: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        if self._index is None:
            raise RuntimeError("ExactBackend.kneighbors called before fit: call fit(X) first.")
        if n_neighbors > self._n_fitted:
            raise SamplerParameterError(
                f"Asked for {n_neighbors} neighbours but the reference set has only "
                f"{self._n_fitted} rows: use a smaller n_neighbors."
            )
        return self._index.kneighbors(Q, n_neighbors=n_neighbors, return_distance=True)


_BACKENDS: dict[str, Callable[[], NeighborBackend]] = {"exact": ExactBackend}
# "auto" picks the best backend available; only the exact one exists so far.
_ALIASES: dict[str, str] = {"auto": "exact"}


def register_backend(name: str, factory: Callable[[], NeighborBackend]) -> None:
    """Make ``get_backend(name)`` return ``factory()``.

    Parameters
    ----------
    name : str
        The name used in sampler parameters and configuration (e.g. ``"faiss"``).
    factory : callable
        Called with no argument; returns a fresh :class:`NeighborBackend`.
    """
    _BACKENDS[name] = factory


def backend_names() -> list[str]:
    """Names accepted by :func:`get_backend`, aliases included."""
    return sorted({*_BACKENDS, *_ALIASES})


def get_backend(name: str) -> NeighborBackend:
    """Return a fresh, unfitted backend by name.

    Parameters
    ----------
    name : str
        ``"exact"``, ``"auto"`` (the best available backend, currently ``"exact"``) or a name
        added with :func:`register_backend`.

    Raises
    ------
    SamplerParameterError
        If the name is unknown.
    """
    resolved = _ALIASES.get(name, name) if isinstance(name, str) else name
    if resolved not in _BACKENDS:
        raise SamplerParameterError(
            f"Unknown neighbour backend {name!r}: use one of {backend_names()}."
        )
    return _BACKENDS[resolved]()
