"""Mixed distances and nominal values for the nominal–continuous samplers (SMOTE-NC's rules).

Distance (Chawla et al. 2002, SMOTE-NC; as imbalanced-learn's ``SMOTENC``): the Euclidean
distance over the continuous columns, plus ``m²`` for every nominal feature on which two rows
differ, ``m`` being the median of the standard deviations (``ddof=0``) of the continuous
columns over the rows of the class being oversampled. It is computed as a plain Euclidean
distance on :func:`mixed_space`: the continuous columns, then each nominal feature one-hot
encoded with entries ``m/√2``, so every exact backend and the tie rule apply unchanged. With no
continuous column, ``m = 1`` (the distance counts mismatches).

Values: a new row's nominal values are, feature by feature, the most frequent value among its
parent's K nearest neighbours of the class; a tie between values is broken by the seeded
counter-based stream of the parent's block (:func:`vote_nominals`).
"""

from __future__ import annotations

import numpy as np

from harness.errors import InputDataError
from harness.resample.columns import MixedLayout
from harness.resample.streams import BLOCK_ROWS, NOMINAL_TIES, RandomStreams

#: The encoded search space may take at most this much memory.
MAX_SPACE_BYTES = 2**30


def median_std(continuous: np.ndarray) -> float:
    """m: the median of the continuous columns' standard deviations (1.0 without any)."""
    if continuous.shape[1] == 0:
        return 1.0
    return float(np.median(np.std(continuous, axis=0, dtype=np.float64)))


def mixed_space(X: np.ndarray, layout: MixedLayout, scale: float) -> np.ndarray:
    """The rows as continuous columns plus one-hot nominal codes scaled by ``scale/√2``.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_continuous + n_nominals)
        The internal matrix (continuous values, then integer codes).
    layout : MixedLayout
    scale : float
        m, the mismatch penalty's square root.

    Returns
    -------
    ndarray of shape (n_rows, n_continuous + total number of codes)

    Raises
    ------
    InputDataError
        When the encoding would exceed :data:`MAX_SPACE_BYTES`.
    """
    n_rows, n_continuous = X.shape[0], layout.n_continuous
    widths = [nominal.n_codes for nominal in layout.nominals]
    n_columns = n_continuous + sum(widths)
    needed = n_rows * n_columns * X.dtype.itemsize
    if needed > MAX_SPACE_BYTES:
        raise InputDataError(
            f"The mixed-distance encoding of {n_rows:,} rows with {sum(widths):,} categories "
            f"would take {needed / 2**30:.1f} GiB: merge rare categories first (e.g. "
            "OneHotEncoder(min_frequency=...) or a grouping of the column), or drop "
            "high-cardinality identifiers from the nominal columns."
        )
    space = np.zeros((n_rows, n_columns), dtype=X.dtype)
    space[:, :n_continuous] = X[:, :n_continuous]
    value = scale / np.sqrt(2.0)
    offset, rows = n_continuous, np.arange(n_rows)
    for feature, width in enumerate(widths):
        codes = X[:, n_continuous + feature].astype(np.intp)
        space[rows, offset + codes] = value
        offset += width
    return space


def vote_nominals(
    codes: np.ndarray,
    table: np.ndarray,
    parent_positions: np.ndarray,
    streams: RandomStreams,
    class_index: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each new row's nominal codes: the most frequent among its parent's K neighbours.

    Parameters
    ----------
    codes : ndarray of int, shape (m, n_nominals)
        The class rows' codes.
    table : ndarray of int, shape (m, K)
        Each class row's K neighbours (positions within the class).
    parent_positions : ndarray of int, shape (n_new,)
        Each new row's parent (position within the class), non-decreasing.
    streams : RandomStreams
    class_index : int

    Returns
    -------
    new_codes : ndarray of int64, shape (n_new, n_nominals)
    ties : ndarray of int64, shape (n_new,)
        Per new row, the nominal features whose value was drawn among tied modes.
    """
    n_new, n_nominals = parent_positions.shape[0], codes.shape[1]
    draws = np.empty((n_new, n_nominals))
    starts = np.searchsorted(
        parent_positions, np.arange(0, codes.shape[0] + BLOCK_ROWS, BLOCK_ROWS)
    )
    for block in range(starts.shape[0] - 1):
        first, last = int(starts[block]), int(starts[block + 1])
        if last > first:
            stream = streams.generator(NOMINAL_TIES, class_index, block)
            draws[first:last] = stream.random((last - first, n_nominals))
    new_codes = np.empty((n_new, n_nominals), dtype=np.int64)
    ties = np.zeros(n_new, dtype=np.int64)
    for feature in range(n_nominals):
        voters = codes[table, feature]  # (m, K)
        counts = (voters[:, :, None] == voters[:, None, :]).sum(axis=2)
        best = counts.max(axis=1, keepdims=True)
        tied = counts == best  # entries holding a most frequent value; each value `best` times
        n_tied = tied.sum(axis=1)
        pick = np.floor(draws[:, feature] * n_tied[parent_positions]).astype(np.intp)
        running = np.cumsum(tied[parent_positions], axis=1)
        entry = np.argmax(running > pick[:, None], axis=1)
        new_codes[:, feature] = voters[parent_positions, entry]
        ties += (n_tied // best[:, 0] > 1)[parent_positions]
    return new_codes, ties
