"""Write synthetic rows into a preallocated output, chunk by chunk.

The output array is allocated once by the caller (fresh memory is slow to touch on some
machines); each chunk needs only two temporary blocks of ``chunk_size`` rows, so memory stays
bounded whatever the number of rows to create.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

DEFAULT_CHUNK_SIZE = 65_536


def interpolate_into(
    out: np.ndarray,
    X: np.ndarray,
    parents: np.ndarray,
    neighbors: np.ndarray,
    lam: np.ndarray,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> None:
    """Fill ``out[j] = X[parents[j]] + lam[j] * (X[neighbors[j]] - X[parents[j]])``.

    Parameters
    ----------
    out : ndarray of shape (n_new, n_features)
        Destination, usually a slice of the preallocated resampled array; its dtype is kept.
    X : ndarray of shape (n_samples, n_features)
        Source rows.
    parents, neighbors : ndarray of int, shape (n_new,)
        Row positions in ``X`` of each segment's start (x_i) and end (x_zi).
    lam : ndarray of float, shape (n_new,)
        Position on the segment, in [0, 1).
    chunk_size : int, default=65536
        Rows computed per step.
    """
    n_new = parents.shape[0]
    for start in range(0, n_new, chunk_size):
        stop = min(start + chunk_size, n_new)
        start_rows = X[parents[start:stop]]
        step = X[neighbors[start:stop]]
        np.subtract(step, start_rows, out=step)
        step *= lam[start:stop, None].astype(step.dtype, copy=False)
        np.add(start_rows, step, out=out[start:stop])


def copy_rows_into(
    out: np.ndarray, X: np.ndarray, rows: np.ndarray, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> None:
    """Fill ``out[j] = X[rows[j]]`` (duplication), chunk by chunk.

    Parameters
    ----------
    out : ndarray of shape (n_new, n_features)
        Destination.
    X : ndarray or sparse CSR/CSC matrix of shape (n_samples, n_features)
        Source rows (sparse ones are written dense).
    rows : ndarray of int, shape (n_new,)
        Row positions in ``X`` to copy.
    chunk_size : int, default=65536
        Rows copied per step.
    """
    for start in range(0, rows.shape[0], chunk_size):
        stop = min(start + chunk_size, rows.shape[0])
        if sparse.issparse(X):
            out[start:stop] = X[rows[start:stop]].toarray()
        else:
            np.take(X, rows[start:stop], axis=0, out=out[start:stop])
