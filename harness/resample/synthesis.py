"""SMOTE-style synthesis shared by SMOTE and ADASYN: pick a minority neighbour and a λ, then
interpolate. Only the number of rows per parent (the allocation) differs between the two."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.resample.interpolation import interpolate_into
from harness.resample.neighbors import NeighborBackend, get_backend


def neighbors_excluding_self(
    reference: np.ndarray,
    queries: np.ndarray,
    n_neighbors: int,
    backend: str | NeighborBackend,
) -> np.ndarray:
    """Indices (into ``reference``) of each query row's ``n_neighbors`` nearest neighbours.

    The queries are rows of ``reference``; as in imbalanced-learn, ``n_neighbors + 1`` are asked
    for and the first column (the row itself) is dropped. ``backend`` is a name (resolved for
    this search's size) or an unfitted backend.
    """
    if isinstance(backend, str):
        backend = get_backend(
            backend,
            n_reference=reference.shape[0],
            n_queries=queries.shape[0],
            n_features=reference.shape[1],
        )
    index = backend.fit(reference)
    _, indices = index.kneighbors(queries, n_neighbors + 1)
    return indices[:, 1:]


@dataclass(frozen=True)
class SyntheticBlock:
    """Where each new row of one class came from (input row positions) and its λ."""

    parents: np.ndarray
    neighbors: np.ndarray
    lam: np.ndarray
    parent_positions: np.ndarray  # position of the parent within the class's rows


def synthesize_class(
    X: np.ndarray,
    class_rows: np.ndarray,
    shares: np.ndarray,
    n_neighbors: int,
    backend: str,
    random_state: np.random.RandomState,
    out: np.ndarray,
    chunk_size: int,
    table: np.ndarray | None = None,
) -> SyntheticBlock:
    """Create ``shares[i]`` rows from each row i of one class, written into ``out``.

    Each new row is x_i + λ(x_zi − x_i), with x_zi drawn uniformly from x_i's ``n_neighbors``
    nearest neighbours within the class (self excluded) and λ ~ U(0, 1).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        All input rows.
    class_rows : ndarray of int, shape (m,)
        Positions in ``X`` of the class's rows, in input order.
    shares : ndarray of int, shape (m,)
        Rows to create from each class row.
    n_neighbors : int
        K, the number of minority neighbours to choose x_zi from.
    backend : str
        Neighbour backend name (see :func:`harness.resample.neighbors.get_backend`).
    random_state : numpy.random.RandomState
        Source of the neighbour choice and of λ.
    out : ndarray of shape (shares.sum(), n_features)
        Destination.
    chunk_size : int
        Rows interpolated per step.
    table : ndarray of int, shape (m, n_neighbors), optional
        Each class row's neighbours within the class (positions in ``class_rows``), when an
        earlier search already found them; searched with ``backend`` otherwise.

    Returns
    -------
    SyntheticBlock
    """
    if table is None:
        X_class = X[class_rows]
        table = neighbors_excluding_self(X_class, X_class, n_neighbors, backend)
    parent_positions = np.repeat(np.arange(class_rows.shape[0]), shares)
    n_new = parent_positions.shape[0]
    columns = random_state.randint(0, n_neighbors, size=n_new)
    lam = random_state.uniform(size=n_new)
    parents = class_rows[parent_positions]
    neighbors = class_rows[table[parent_positions, columns]]
    interpolate_into(out, X, parents, neighbors, lam, chunk_size)
    return SyntheticBlock(parents, neighbors, lam, parent_positions)
