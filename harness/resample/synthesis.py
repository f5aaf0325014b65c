"""SMOTE-style synthesis shared by SMOTE and ADASYN: pick a minority neighbour and a λ, then
interpolate. Only the number of rows per parent (the allocation) differs between the two.

The neighbour choice and λ of the rows made from one block of parent rows come from that
block's counter-based stream (:mod:`harness.resample.streams`), so the rows do not depend on
how the work is chunked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.resample.interpolation import interpolate_into
from harness.resample.streams import INTERPOLATION, RandomStreams, block_bounds


@dataclass(frozen=True)
class SyntheticBlock:
    """Where each new row of one class came from (input row positions) and its λ."""

    parents: np.ndarray
    neighbors: np.ndarray
    lam: np.ndarray
    parent_positions: np.ndarray  # position of the parent within the class's rows


def draw_segments(
    shares: np.ndarray, n_neighbors: int, streams: RandomStreams, class_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every new row: its parent's position, the neighbour column and λ.

    New rows are ordered by parent position (a parent's ``shares[i]`` rows together). The rows
    of parents ``[b·B, (b+1)·B)`` (B = :data:`~harness.resample.streams.BLOCK_ROWS`) draw, from
    stream ``(INTERPOLATION, class_index, b)``, first their neighbour columns (uniform in
    ``[0, K)``), then their λ (uniform in ``[0, 1)``).

    Parameters
    ----------
    shares : ndarray of int, shape (m,)
        Rows to create from each class row.
    n_neighbors : int
        K.
    streams : RandomStreams
    class_index : int
        Position of the class among the sorted labels.

    Returns
    -------
    parent_positions, columns : ndarray of intp, shape (shares.sum(),)
    lam : ndarray of float64, shape (shares.sum(),)
    """
    parent_positions = np.repeat(np.arange(shares.shape[0]), shares)
    n_new = parent_positions.shape[0]
    columns = np.empty(n_new, dtype=np.intp)
    lam = np.empty(n_new, dtype=np.float64)
    offsets = np.concatenate([[0], np.cumsum(shares)])
    for block, start, stop in block_bounds(shares.shape[0]):
        first, last = int(offsets[start]), int(offsets[stop])
        if last == first:
            continue
        generator = streams.generator(INTERPOLATION, class_index, block)
        columns[first:last] = generator.integers(0, n_neighbors, size=last - first)
        lam[first:last] = generator.random(last - first)
    return parent_positions, columns, lam


def synthesize_class(
    X: np.ndarray,
    class_rows: np.ndarray,
    shares: np.ndarray,
    table: np.ndarray,
    streams: RandomStreams,
    class_index: int,
    out: np.ndarray,
    chunk_size: int,
) -> SyntheticBlock:
    """Create ``shares[i]`` rows from each row i of one class, written into ``out``.

    Each new row is x_i + λ(x_zi − x_i), with x_zi drawn uniformly from x_i's K nearest
    neighbours within the class and λ ~ U(0, 1) (:func:`draw_segments`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        All input rows.
    class_rows : ndarray of int, shape (m,)
        Positions in ``X`` of the class's rows, in input order.
    shares : ndarray of int, shape (m,)
        Rows to create from each class row.
    table : ndarray of int, shape (m, K)
        Each class row's K neighbours within the class (positions in ``class_rows``, the row
        itself excluded).
    streams : RandomStreams
    class_index : int
        Position of the class among the sorted labels.
    out : ndarray of shape (shares.sum(), n_features)
        Destination.
    chunk_size : int
        Rows interpolated per step.

    Returns
    -------
    SyntheticBlock
    """
    parent_positions, columns, lam = draw_segments(shares, table.shape[1], streams, class_index)
    parents = class_rows[parent_positions]
    neighbors = class_rows[table[parent_positions, columns]]
    interpolate_into(out, X, parents, neighbors, lam, chunk_size)
    return SyntheticBlock(parents, neighbors, lam, parent_positions)
