"""The interface every neighbour backend implements, and the one check they share.

It sits below both :mod:`harness.resample.neighbors` (the registry, :func:`get_backend`, and
the scikit-learn backends) and the fast backends of this package, so imports run one way:
``neighbors`` imports the backends, the backends import only this module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

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
