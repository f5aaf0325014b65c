"""Synthetic rows of one block of parent rows, from the block's own counter-based stream.

Mirrors :func:`harness.resample.synthesis.draw_segments` for a single block: the rows made from
parents ``[b·B, (b+1)·B)`` draw, from stream ``(INTERPOLATION, class_index, b)``, first their
neighbour columns, then their λ; so the blocks can be made by different tasks in any order and
still equal the single-machine rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.resample.interpolation import interpolate_into
from harness.resample.lineage import build_lineage
from harness.resample.streams import INTERPOLATION, RandomStreams


@dataclass(frozen=True)
class ParentBlock:
    """Block ``block`` of parent positions ``[start, stop)`` within the minority rows."""

    block: int
    start: int
    stop: int
    first_output: int  # position among all synthetic rows of this block's first row


@dataclass(frozen=True)
class SynthesisPlan:
    """What every parent block's synthesis reads; put in Ray's object store once.

    Attributes
    ----------
    minority : ndarray of float64, shape (m, n_features)
        Minority rows in global order.
    minority_rows : ndarray of int, shape (m,)
        Their global row indices.
    shares : ndarray of int, shape (m,)
        g_i for every minority row.
    table : ndarray of int, shape (m, K)
        Own-class neighbours (positions within the minority rows).
    difficulty : ndarray of float, shape (m,)
        r_i = Δ_i / K.
    class_index : int
        Position of the class among the classes the single-machine sampler oversamples.
    label : object
        The minority label (lineage's ``class`` column).
    n_original : int
        Rows of the input; the first synthetic row is row ``n_original`` of the output.
    """

    minority: np.ndarray
    minority_rows: np.ndarray
    shares: np.ndarray
    table: np.ndarray
    difficulty: np.ndarray
    class_index: int
    label: object
    n_original: int


def synthesize_block(
    plan: SynthesisPlan, parents: ParentBlock, streams: RandomStreams
) -> tuple[np.ndarray, pd.DataFrame]:
    """The synthetic rows of one parent block and their lineage.

    Parameters
    ----------
    plan : SynthesisPlan
    parents : ParentBlock
    streams : RandomStreams

    Returns
    -------
    rows : ndarray of float64, shape (n_new, n_features)
    lineage : pandas.DataFrame
    """
    minority, table = plan.minority, plan.table
    block_shares = plan.shares[parents.start : parents.stop]
    positions = np.repeat(np.arange(parents.start, parents.stop), block_shares)
    n_new = positions.shape[0]
    generator = streams.generator(INTERPOLATION, plan.class_index, parents.block)
    columns = generator.integers(0, table.shape[1], size=n_new)
    lam = generator.random(n_new)
    neighbor_positions = table[positions, columns]
    rows = np.empty((n_new, minority.shape[1]), dtype=minority.dtype)
    interpolate_into(rows, minority, positions, neighbor_positions, lam)
    lineage = build_lineage(
        plan.n_original + parents.first_output,
        plan.minority_rows[positions],
        plan.minority_rows[neighbor_positions],
        lam,
        plan.difficulty[positions],
        np.full(n_new, plan.label),
    )
    return rows, lineage
