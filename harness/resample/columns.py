"""Which columns are nominal, one-hot groups or integers, and the mixed-type layout.

The nominal–continuous samplers (:mod:`harness.resample.nominal_samplers`) work on one float
matrix: the continuous columns first (in input order), then one code column per nominal
feature. A nominal feature is either one column of category values (strings, numbers, pandas
categories; a missing value is a category of its own) or a *one-hot group*: the indicator
columns an encoder made from one categorical column, decoded to the position of the row's 1
(a row of zeros, as ``OneHotEncoder(drop=...)`` or ``handle_unknown="ignore"`` make, is a
category of its own). :class:`MixedLayout` encodes the input to that matrix and decodes the
resampled matrix back to the input's container, types and columns.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.errors import InputDataError, SamplerParameterError


def _is_group(item: object) -> bool:
    return isinstance(item, list | tuple | np.ndarray | pd.Index)


def _position(item: object, columns: pd.Index | None, n_features: int, parameter: str) -> int:
    if isinstance(item, numbers.Integral) and not isinstance(item, bool):
        if -n_features <= int(item) < n_features:
            return int(item) % n_features
        raise SamplerParameterError(
            f"{parameter} names column {item}, but X has {n_features} column(s): use positions "
            f"0..{n_features - 1} (or column names with a DataFrame)."
        )
    if columns is not None and item in columns:
        return int(columns.get_loc(item))
    where = "X's columns" if columns is not None else "a numpy X (which has no column names)"
    raise SamplerParameterError(
        f"{parameter} names column {item!r}, which is not among {where}: use column names of "
        "the DataFrame or integer positions."
    )


def resolve_columns(
    spec: object,
    columns: pd.Index | None,
    dtypes: pd.Series | None,
    n_features: int,
    parameter: str,
) -> list[int]:
    """Column positions from a spec: positions, names, a boolean mask or ``"auto"``.

    Parameters
    ----------
    spec : None, "auto" or array-like
        ``None``: no column. ``"auto"``: the integer-dtype columns of a DataFrame. Otherwise
        integer positions, column names or a boolean mask over the columns.
    columns, dtypes : pandas.Index and Series, or None
        The DataFrame's columns and dtypes (None for arrays).
    n_features : int
    parameter : str
        Named in error messages.

    Returns
    -------
    list of int
        Sorted, distinct positions.
    """
    if spec is None:
        return []
    if isinstance(spec, str) and spec == "auto":
        if dtypes is None:
            return []
        return [j for j, t in enumerate(dtypes) if pd.api.types.is_integer_dtype(t)]
    items = list(spec)
    if items and all(isinstance(i, bool | np.bool_) for i in items):
        if len(items) != n_features:
            raise SamplerParameterError(
                f"{parameter} is a boolean mask of length {len(items)}, but X has {n_features} "
                "column(s): pass one flag per column, or the positions of the columns."
            )
        return [j for j, flag in enumerate(items) if flag]
    return sorted({_position(item, columns, n_features, parameter) for item in items})


@dataclass(frozen=True)
class Nominal:
    """One nominal feature: its input column(s) and its categories."""

    columns: tuple[int, ...]
    categories: np.ndarray  # category values of a single column; unused for groups
    is_group: bool

    @property
    def n_codes(self) -> int:
        """Distinct codes: categories of a column, or group width + 1 (the all-zero row)."""
        return len(self.columns) + 1 if self.is_group else len(self.categories)


def resolve_nominals(
    spec: object, X: object, columns: pd.Index | None, n_features: int
) -> list[tuple[tuple[int, ...], bool]]:
    """The nominal features named by ``categorical_features``.

    Parameters
    ----------
    spec : "auto" or array-like
        ``"auto"``: a DataFrame's category, object, string and boolean columns. Otherwise
        positions, names or a boolean mask, where an item that is itself a list names the
        columns of one one-hot group.
    X : object
        The input (for ``"auto"``).
    columns : pandas.Index or None
    n_features : int

    Returns
    -------
    list of (columns, is_group)

    Raises
    ------
    SamplerParameterError
        Unknown columns, a column in two features, or no nominal feature at all.
    """
    parameter = "categorical_features"
    if isinstance(spec, str) and spec == "auto":
        if not isinstance(X, pd.DataFrame):
            raise SamplerParameterError(
                "categorical_features='auto' needs a pandas DataFrame, whose dtypes say which "
                "columns are categorical: pass a DataFrame, or list the nominal columns' "
                "positions, e.g. categorical_features=[0, 3]."
            )
        nominal_dtype = (
            pd.api.types.is_object_dtype,
            pd.api.types.is_string_dtype,
            pd.api.types.is_bool_dtype,
            lambda t: isinstance(t, pd.CategoricalDtype),
        )
        found = [((j,), False) for j, t in enumerate(X.dtypes) if any(f(t) for f in nominal_dtype)]
    elif any(_is_group(item) for item in spec):
        found = [
            (tuple(_position(c, columns, n_features, parameter) for c in item), True)
            if _is_group(item)
            else ((_position(item, columns, n_features, parameter),), False)
            for item in spec
        ]
    else:
        found = [((j,), False) for j in resolve_columns(spec, columns, None, n_features, parameter)]
    used = [j for cols, _ in found for j in cols]
    if len(used) != len(set(used)):
        raise SamplerParameterError(
            "categorical_features names a column more than once (in two one-hot groups, or as "
            "a column and in a group): give each column to one nominal feature."
        )
    if not found:
        raise SamplerParameterError(
            "categorical_features names no column, so there is nothing nominal to resample: "
            "list the nominal columns (or one-hot groups), or use ADASYN or SMOTE for purely "
            "numeric data."
        )
    return found


def _column(X: object, j: int) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        return X.iloc[:, j].to_numpy()
    return np.asarray(X[:, j])


def _group_codes(block: np.ndarray, names: list[object]) -> np.ndarray:
    try:
        values = block.astype(np.float64)
    except (TypeError, ValueError):
        values = None
    if values is None or not np.isin(values, (0.0, 1.0)).all() or (values.sum(axis=1) > 1).any():
        raise InputDataError(
            f"The one-hot group {names} holds values other than 0/1, or rows with several 1s: "
            "pass the indicator columns of one OneHotEncoder feature (exactly one 1 per row, or "
            "none), or name the original categorical column instead."
        )
    return np.where(values.sum(axis=1) == 1, values.argmax(axis=1), values.shape[1])


def _factorize(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes in order of first appearance, and the category of each code (NaN included)."""
    try:
        codes, _ = pd.factorize(column, use_na_sentinel=False)
    except TypeError:  # unhashable values (lists, dicts): told apart by their text
        keys = np.array([v if isinstance(v, Hashable) else repr(v) for v in column], dtype=object)
        codes, _ = pd.factorize(keys, use_na_sentinel=False)
    first = np.unique(codes, return_index=True)[1]
    categories = np.empty(first.shape[0], dtype=object)
    categories[:] = list(np.asarray(column, dtype=object)[first])
    return codes, categories


@dataclass(frozen=True)
class MixedLayout:
    """Continuous columns and nominal features of an input, and how to rebuild it."""

    n_features: int
    continuous: tuple[int, ...]
    nominals: tuple[Nominal, ...]

    @property
    def n_continuous(self) -> int:
        """Continuous columns, first in the internal matrix."""
        return len(self.continuous)

    @classmethod
    def from_input(cls, X: object, spec: object) -> tuple[MixedLayout, np.ndarray]:
        """Resolve ``categorical_features`` on ``X``; return the layout and the nominal codes.

        Parameters
        ----------
        X : pandas.DataFrame or 2-D ndarray (any dtype)
        spec : object
            ``categorical_features`` (see :func:`resolve_nominals`).

        Returns
        -------
        layout : MixedLayout
        codes : ndarray of int64, shape (n_samples, n_nominals)
        """
        columns = X.columns if isinstance(X, pd.DataFrame) else None
        n_features = X.shape[1]
        nominals, codes = [], []
        for cols, is_group in resolve_nominals(spec, X, columns, n_features):
            if is_group:
                block = np.column_stack([_column(X, j) for j in cols])
                names = [columns[j] if columns is not None else j for j in cols]
                codes.append(_group_codes(block, names))
                nominals.append(Nominal(cols, np.arange(len(cols) + 1), True))
            else:
                found, uniques = _factorize(_column(X, cols[0]))
                codes.append(found)
                nominals.append(Nominal(cols, uniques, False))
        used = {j for n in nominals for j in n.columns}
        continuous = tuple(j for j in range(n_features) if j not in used)
        layout = cls(n_features, continuous, tuple(nominals))
        return layout, np.column_stack(codes).astype(np.int64)

    def decode(self, values: np.ndarray, source: object, integer: Sequence[int] = ()) -> object:
        """The internal matrix back in the input's container, column order and dtypes.

        Parameters
        ----------
        values : ndarray of shape (n_rows, n_continuous + n_nominals)
            Continuous values, then integer codes.
        source : pandas.DataFrame, ndarray or list
            The original input, for its container and dtypes.
        integer : sequence of int
            Input positions of continuous columns holding whole numbers, whose DataFrame dtype
            is given back.

        Returns
        -------
        Same container type as ``source``.
        """
        n_rows = values.shape[0]
        decoded: list[np.ndarray | None] = [None] * self.n_features
        for position, j in enumerate(self.continuous):
            decoded[j] = values[:, position]
        for offset, nominal in enumerate(self.nominals):
            codes = values[:, self.n_continuous + offset].astype(np.intp)
            if nominal.is_group:
                width = len(nominal.columns)
                indicator = np.zeros((n_rows, width + 1), dtype=np.int64)
                indicator[np.arange(n_rows), codes] = 1
                for k, j in enumerate(nominal.columns):
                    decoded[j] = indicator[:, k]
            else:
                decoded[nominal.columns[0]] = nominal.categories[codes]
        if isinstance(source, pd.DataFrame):
            frame = pd.DataFrame(dict(enumerate(decoded)))
            frame.columns = source.columns
            keep = {
                c: t
                for j, (c, t) in enumerate(source.dtypes.items())
                if j not in self.continuous or j in integer or pd.api.types.is_float_dtype(t)
            }
            return frame.astype(keep)
        array = np.asarray(source) if not isinstance(source, np.ndarray) else source
        dtype = object if array.dtype == object or array.dtype.kind in "USO" else values.dtype
        out = np.empty((n_rows, self.n_features), dtype=dtype)
        for j, column in enumerate(decoded):
            out[:, j] = column
        return out.tolist() if isinstance(source, list) else out


def integer_positions(layout: MixedLayout | None, positions: Sequence[int]) -> list[int]:
    """Internal positions of integer columns given by input positions (continuous only).

    Raises
    ------
    SamplerParameterError
        An integer column that is also nominal.
    """
    if layout is None:
        return list(positions)
    nominal = {j for n in layout.nominals for j in n.columns}
    both = sorted(set(positions) & nominal)
    if both:
        raise SamplerParameterError(
            f"Column(s) {both} are named in both integer_features and categorical_features: "
            "a column is either a category (copied from the neighbours' vote) or an integer "
            "count (interpolated, then rounded); remove it from one of the two."
        )
    return [layout.continuous.index(j) for j in positions]
