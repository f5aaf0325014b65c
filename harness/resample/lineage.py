"""The lineage table: where every appended row came from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LINEAGE_COLUMNS = ("row", "parent", "neighbor", "lam", "difficulty", "class")


def build_lineage(
    first_row: int,
    parents: np.ndarray,
    neighbors: np.ndarray | None,
    lam: np.ndarray | None,
    difficulty: np.ndarray | None,
    labels: np.ndarray,
) -> pd.DataFrame:
    """One lineage row per appended row, for one block of appended rows.

    Parameters
    ----------
    first_row : int
        Position in the resampled output of the block's first row.
    parents : ndarray of int, shape (n_new,)
        Input row index of each new row's parent x_i.
    neighbors : ndarray of int or None
        Input row index of the neighbour x_zi; ``None`` for duplication (recorded as ``-1``).
    lam : ndarray of float or None
        λ of each new row; ``None`` for duplication (recorded as ``0.0``).
    difficulty : ndarray of float or None
        ADASYN r_i of each new row's parent; ``None`` for other samplers (recorded as NaN).
    labels : ndarray, shape (n_new,)
        Class of each new row.

    Returns
    -------
    pandas.DataFrame
        Columns ``row, parent, neighbor, lam, difficulty, class``.
    """
    n_new = parents.shape[0]
    return pd.DataFrame(
        {
            "row": np.arange(first_row, first_row + n_new, dtype=np.int64),
            "parent": parents.astype(np.int64, copy=False),
            "neighbor": (
                np.full(n_new, -1, dtype=np.int64)
                if neighbors is None
                else neighbors.astype(np.int64, copy=False)
            ),
            "lam": np.zeros(n_new) if lam is None else lam.astype(np.float64, copy=False),
            "difficulty": (
                np.full(n_new, np.nan) if difficulty is None else difficulty.astype(np.float64)
            ),
            "class": labels,
        },
        columns=list(LINEAGE_COLUMNS),
        copy=False,  # every column is a fresh array already
    )


def concat_lineage(blocks: Sequence[pd.DataFrame], label_dtype: np.dtype) -> pd.DataFrame:
    """Join per-class lineage blocks; an empty table (with the right columns) when none."""
    if not blocks:
        return build_lineage(
            0,
            np.empty(0, dtype=np.int64),
            None,
            None,
            None,
            np.empty(0, dtype=label_dtype),
        )
    if len(blocks) == 1:  # one class oversampled: the block is the table (its index is 0..n-1)
        return blocks[0]
    return pd.concat(blocks, ignore_index=True)
