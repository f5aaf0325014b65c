"""Whether synthetic rows stay inside the training data's domain (the invalid-value SLI).

Interpolating one-hot or integer columns makes values no real row can have (a category that is
0.28 "F" and 0.72 "M", 2.5 children). :func:`invalid_value_share` is the share of synthetic
rows with at least one such value, the SLI ``resample/invalid_value_share``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from harness.errors import InputDataError
from harness.metrics._checks import frames_alike


def _column_keys(frame: pd.DataFrame, items: Sequence[object], what: str) -> list[object]:
    keys = []
    for item in items:
        if item in frame.columns:
            keys.append(item)
        elif isinstance(item, int | np.integer) and 0 <= int(item) < frame.shape[1]:
            keys.append(frame.columns[int(item)])
        else:
            raise InputDataError(
                f"{what} names column {item!r}, which X_train does not have: use its column "
                "names (DataFrame) or positions"
            )
    return keys


def _unseen_category(train: pd.Series, synthetic: pd.Series) -> np.ndarray:
    seen = pd.Index(train.unique())
    return ~synthetic.isin(seen).to_numpy() & ~(synthetic.isna().to_numpy() & seen.hasnans)


def _numeric(series: pd.Series, name: object) -> np.ndarray:
    try:
        return pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputDataError(
            f"column {name!r} is not numeric ({exc}): list it in `categorical` if it holds "
            "categories"
        ) from None


def _outside_range(train: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    finite = train[~np.isnan(train)]
    if finite.size == 0:
        return ~np.isnan(synthetic)
    low, high = finite.min(), finite.max()
    missing_unseen = np.isnan(synthetic) & ~np.isnan(train).any()
    return missing_unseen | (synthetic < low) | (synthetic > high)


def _invalid_group(train: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    not_indicator = ~np.isin(synthetic, (0.0, 1.0)).all(axis=1)
    seen_sums = np.unique(train.sum(axis=1))
    return not_indicator | ~np.isin(synthetic.sum(axis=1), seen_sums)


def invalid_value_share(
    X_train: object,
    X_synthetic: object,
    categorical: Sequence[object] = (),
    integer: Sequence[object] = (),
    one_hot_groups: Sequence[Sequence[object]] = (),
) -> float:
    """Share of synthetic rows with any value outside the training domain.

    A synthetic row is invalid when any of its values is:

    - in a ``categorical`` column: a category the column does not have in ``X_train``;
    - in a one-hot group: not 0 or 1, or a row whose number of 1s no training row has (two
      categories at once, or none when every training row has one);
    - in an ``integer`` column: not a whole number;
    - in any other column (integer and one-hot columns included): outside the column's
      ``[min, max]`` in ``X_train``, or missing when the column has no missing value there.

    Parameters
    ----------
    X_train : pandas.DataFrame or 2-D array-like
        The real training rows (the domain).
    X_synthetic : pandas.DataFrame or 2-D array-like
        The synthetic rows only, with the same columns.
    categorical : sequence of column names or positions, default=()
        Columns holding categories.
    integer : sequence of column names or positions, default=()
        Columns holding whole numbers.
    one_hot_groups : sequence of sequences of column names or positions, default=()
        The indicator columns of each one-hot encoded feature.

    Returns
    -------
    float
        In [0, 1]; NaN when there is no synthetic row (nothing to judge).

    Raises
    ------
    InputDataError
        Inputs that are not 2-D, have different columns, or name unknown columns.
    """
    fix = "pass the synthetic rows with the training columns"
    train, synthetic = frames_alike(X_train, "X_train", X_synthetic, "X_synthetic", fix)
    if len(synthetic) == 0:
        return math.nan
    categorical_keys = _column_keys(train, categorical, "categorical")
    integer_keys = _column_keys(train, integer, "integer")
    groups = [_column_keys(train, group, "one_hot_groups") for group in one_hot_groups]
    invalid = np.zeros(len(synthetic), dtype=bool)
    for key in categorical_keys:
        invalid |= _unseen_category(train[key], synthetic[key])
    for group in groups:
        values = [_numeric(synthetic[key], key) for key in group]
        seen = [_numeric(train[key], key) for key in group]
        invalid |= _invalid_group(np.column_stack(seen), np.column_stack(values))
    for key in train.columns:
        if key in categorical_keys:
            continue
        values = _numeric(synthetic[key], key)
        invalid |= _outside_range(_numeric(train[key], key), values)
        if key in integer_keys:
            invalid |= ~np.isnan(values) & (values != np.round(values))
    return float(np.mean(invalid))
