"""Turn a table into a validated :class:`Dataset`, with one clear error per kind of bad input.

Every built-in data set and every user table goes through :func:`make_dataset`, so the rules are
the same everywhere:

- column names are unique, also as text (``1`` and ``"1"`` would both become the feature
  ``"1"``);
- the target column exists, has no missing values, at least two classes and labels of one type
  (``0`` and ``"0"`` in one column would be two classes; complex labels are refused);
- the positive label occurs and is the minority (or tied) class; labels are matched exactly, then
  by their text (``"1"`` matches ``1``, ``"true"`` matches ``True``), so string and boolean
  labels written in YAML work;
- features are real numbers or declared ``categorical``; complex columns (also complex numbers
  written as text) are refused, since a cast to float drops the imaginary part; boolean features
  become ``0``/``1``; a non-numeric sensitive column that stays among the features must be
  declared too (or dropped);
- no NaN or infinite value in the features, no missing value in a sensitive column;
- every sensitive column has at least two groups;
- the rows are not all copies of one row, nor are the minority rows;
- zero-variance (constant) features: ``zero_variance="warn"`` (default) keeps them and warns,
  since scaling and tree models cope with them; ``"drop"`` removes them; ``"error"`` refuses them;
- the minority class has at least ``min_minority`` rows (default 10: ADASYN's 5 neighbours still
  fit inside a training fold of 5-fold cross-validation).

The columns' roles come in a :class:`~harness.data.roles.ColumnRoles`, the last two policies in a
:class:`~harness.data.roles.DataChecks`.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset, content_digest
from harness.data.roles import DEFAULT_CHECKS, ColumnRoles, DataChecks
from harness.errors import ConfigError, InputDataError


class DataQualityWarning(UserWarning):
    """The data can be used, but something in it deserves a look (e.g. a constant feature)."""


def make_dataset(
    frame: pd.DataFrame,
    roles: ColumnRoles,
    *,
    name: str,
    source: str = "",
    checks: DataChecks = DEFAULT_CHECKS,
) -> Dataset:
    """Validate ``frame`` and build a :class:`Dataset` from it.

    Parameters
    ----------
    frame : DataFrame
        The whole table: features, target and sensitive columns.
    roles : ColumnRoles
        What each column is: target, positive label, categorical, sensitive, dropped and
        fold-key columns.
    name : str
        Data set name.
    source : str
        Where the table came from.
    checks : DataChecks
        Smallest accepted minority and what to do with constant feature columns.

    Returns
    -------
    Dataset

    Raises
    ------
    InputDataError
        The table cannot be used as it is; the message says which rows or columns and the fix.
    ConfigError
        The roles contradict each other (e.g. the target listed as categorical).
    """
    target, group, time = roles.target, roles.group, roles.time
    categorical, sensitive, drop = list(roles.categorical), list(roles.sensitive), list(roles.drop)
    _check_target_not_categorical(name, target, categorical)
    if frame.empty:
        raise InputDataError(
            f"data set {name!r} has no rows or no columns; check the file and its separator."
        )
    _check_unique_columns(frame, name)
    keys = [c for c in (group, time) if c is not None]
    _check_columns_present(frame, name, target, categorical, sensitive, [*drop, *keys])
    groups = None if group is None else frame[group].astype(str).to_numpy()
    order = None if time is None else _time_order(frame[time], name, time)
    if not roles.sensitive_as_feature:
        drop = [*drop, *sensitive]
    drop = [*drop, *keys]
    sensitive_frame = frame[sensitive].reset_index(drop=True)
    _check_sensitive(sensitive_frame, name)

    labels = frame[target]
    if labels.isna().any():
        raise InputDataError(
            f"data set {name!r}: target column {target!r} has {int(labels.isna().sum())} missing "
            "values; drop those rows or fill in their labels."
        )
    _check_label_types(labels, name, target)
    matched = _resolve_positive_label(labels, roles.positive_label, name, target)
    y = (labels == matched).to_numpy().astype(np.int64)
    _check_minority(y, matched, name, target, checks.min_minority)

    features = frame.drop(columns=[target, *[c for c in drop if c != target]])
    categorical = [c for c in categorical if c in features.columns]
    features = _prepare_features(features, categorical, name)
    _check_not_all_duplicates(features, y, name)
    features = _handle_zero_variance(features, name, checks.zero_variance)
    categorical = [c for c in categorical if c in features.columns]

    features = features.reset_index(drop=True)

    return Dataset(
        name=name,
        X=features,
        y=y,
        positive_label=matched,
        categorical=categorical,
        sensitive=sensitive_frame,
        digest=content_digest(features, y, sensitive_frame, matched),
        source=source,
        groups=groups,
        order=order,
    )


def _time_order(column: pd.Series, name: str, key: str) -> np.ndarray:
    """Sort key of a time column: datetimes, numbers, or text that parses as datetimes."""
    if column.isna().any():
        raise InputDataError(
            f"data set {name!r}: time column {key!r} has {int(column.isna().sum())} missing "
            "values; fill them or drop those rows."
        )
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float)
    try:
        parsed = pd.to_datetime(column, utc=True)
    except (ValueError, TypeError) as exc:
        raise InputDataError(
            f"data set {name!r}: time column {key!r} is neither numeric nor dates ({exc}); "
            "store it as ISO dates (2024-01-31) or numbers."
        ) from exc
    return parsed.astype("int64").to_numpy(dtype=float)


def _check_target_not_categorical(name: str, target: str, categorical: list[str]) -> None:
    if target in categorical:
        raise ConfigError(
            f"data set {name!r}: the target {target!r} is listed in categorical; "
            "remove it from categorical (the target is never a feature)."
        )


def _check_unique_columns(frame: pd.DataFrame, name: str) -> None:
    as_text = pd.Index([str(c) for c in frame.columns])
    duplicated = as_text[as_text.duplicated()].unique().tolist()
    if duplicated:
        raise InputDataError(
            f"data set {name!r}: column names {duplicated} occur more than once (compared as "
            "text), so a name does not pick one column: rename the columns so that each name is "
            "unique, or drop the copies."
        )


#: What ``pandas.api.types.infer_dtype`` calls a column of one label type.
_LABEL_KINDS = frozenset(
    {"integer", "floating", "mixed-integer-float", "decimal", "string", "bytes", "boolean"}
)


def _check_label_types(labels: pd.Series, name: str, target: str) -> None:
    if isinstance(labels.dtype, pd.CategoricalDtype):
        labels = labels.astype(object)
    kind = pd.api.types.infer_dtype(labels, skipna=True)
    if kind == "complex":
        raise InputDataError(
            f"data set {name!r}: target column {target!r} holds complex numbers; class labels "
            "must be integers, strings or booleans: map the classes to one of those first."
        )
    if kind in _LABEL_KINDS:
        return
    types = sorted({type(v).__name__ for v in labels})
    raise InputDataError(
        f"data set {name!r}: target column {target!r} mixes label types ({', '.join(types)}), "
        "so equal-looking labels such as 1 and '1' would be different classes: convert the "
        f"column to one type first, e.g. frame[{target!r}].astype(str)."
    )


def _holds_complex(values: pd.Series) -> bool:
    if pd.api.types.is_complex_dtype(values.dtype):
        return True
    if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
        return False
    if any(isinstance(v, numbers.Complex) and not isinstance(v, numbers.Real) for v in values):
        return True
    return _written_as_complex(values)


def _written_as_complex(values: pd.Series) -> bool:
    """True for text such as ``"1+2j"`` in every non-empty cell, as a CSV gives complex data."""
    text = values.dropna()
    if text.empty or not all(isinstance(v, str) for v in text):
        return False
    if not text.str.contains("j", regex=False).any():
        return False
    try:
        text.str.replace(" ", "", regex=False).astype(complex)
    except (TypeError, ValueError):
        return False
    return True


def _check_columns_present(
    frame: pd.DataFrame,
    name: str,
    target: str,
    categorical: list[str],
    sensitive: list[str],
    drop: list[str],
) -> None:
    available = [str(c) for c in frame.columns]
    if target not in frame.columns:
        raise InputDataError(
            f"data set {name!r}: target column {target!r} not found; available columns: "
            f"{available}. Set target to one of them."
        )
    for role, columns in (("categorical", categorical), ("sensitive", sensitive), ("drop", drop)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputDataError(
                f"data set {name!r}: {role} columns {missing} not found; available columns: "
                f"{available}. Fix the names in {role} or remove them."
            )


def _resolve_positive_label(labels: pd.Series, positive_label: Any, name: str, target: str) -> Any:
    counts = labels.value_counts()
    present = list(counts.index)
    if len(present) < 2:
        raise InputDataError(
            f"data set {name!r}: target column {target!r} has a single class {present}; "
            "a classifier needs rows of at least two classes, so add rows of the other class."
        )
    if positive_label is None:
        smallest = counts[counts == counts.min()]
        if len(smallest) > 1:
            raise InputDataError(
                f"data set {name!r}: labels {list(smallest.index)} are equally frequent, so there "
                "is no minority class to pick; set positive_label explicitly."
            )
        return smallest.index[0]
    if positive_label in present:
        return present[present.index(positive_label)]
    as_text = str(positive_label).strip().lower()
    by_text = [label for label in present if str(label).strip().lower() == as_text]
    if len(by_text) == 1:
        return by_text[0]
    raise InputDataError(
        f"data set {name!r}: positive_label {positive_label!r} does not occur in target column "
        f"{target!r}; labels present: {present}. Set positive_label to the minority one of them."
    )


def _check_minority(y: np.ndarray, label: Any, name: str, target: str, min_minority: int) -> None:
    n_positive = int(y.sum())
    n_rest = len(y) - n_positive
    if n_positive > n_rest:
        raise InputDataError(
            f"data set {name!r}: positive label {label!r} has {n_positive} rows, more than the "
            f"other {n_rest}; the positive class must be the minority. Set positive_label to the "
            f"minority label of {target!r}."
        )
    if n_positive < min_minority:
        raise InputDataError(
            f"data set {name!r}: only {n_positive} minority rows (label {label!r}), fewer than "
            f"min_minority={min_minority}; add minority rows, or lower min_minority if the "
            "cross-validation folds still hold enough neighbours."
        )


def _prepare_features(features: pd.DataFrame, categorical: list[str], name: str) -> pd.DataFrame:
    if features.columns.empty:
        raise InputDataError(
            f"data set {name!r} has no feature column left after removing the target and the "
            "dropped columns; keep at least one feature."
        )
    features = features.copy()
    features.columns = [str(c) for c in features.columns]
    complex_columns = [
        c for c in features.columns if c not in categorical and _holds_complex(features[c])
    ]
    if complex_columns:
        raise InputDataError(
            f"data set {name!r}: feature columns {complex_columns} hold complex numbers; the "
            "harness needs real features, and a cast to float would drop the imaginary parts: "
            "split each into two real columns (np.real and np.imag) or use its magnitude "
            "(np.abs), or drop it."
        )
    booleans = [c for c in features.columns if pd.api.types.is_bool_dtype(features[c])]
    for column in booleans:
        if column not in categorical:
            features[column] = features[column].astype(np.int8)
    undeclared = [
        c
        for c in features.columns
        if c not in categorical and not pd.api.types.is_numeric_dtype(features[c])
    ]
    if undeclared:
        wanted = ",".join([*categorical, *undeclared])
        raise InputDataError(
            f"data set {name!r}: non-numeric columns {undeclared} are not declared categorical; "
            f"declare them, categorical=[{wanted}] (on the command line "
            f"'dataset.loader.categorical=[{wanted}]'), or drop them."
        )
    with_nan = [c for c in features.columns if features[c].isna().any()]
    if with_nan:
        raise InputDataError(
            f"data set {name!r}: feature columns {with_nan} contain missing values (NaN); "
            "impute them (e.g. sklearn.impute.SimpleImputer) or drop those rows or columns."
        )
    numeric = [c for c in features.columns if c not in categorical]
    if numeric:
        values = features[numeric].to_numpy(dtype=np.float64)
        infinite = [c for c, bad in zip(numeric, np.isinf(values).any(axis=0), strict=True) if bad]
        if infinite:
            raise InputDataError(
                f"data set {name!r}: feature columns {infinite} contain infinite values; "
                "replace them (clip or impute) or drop those rows or columns."
            )
    return features


def _handle_zero_variance(features: pd.DataFrame, name: str, policy: str) -> pd.DataFrame:
    constant = [c for c in features.columns if features[c].nunique(dropna=False) <= 1]
    if not constant:
        return features
    if policy == "error":
        raise InputDataError(
            f"data set {name!r}: feature columns {constant} are constant (zero variance); "
            "drop them, or set zero_variance to 'warn' or 'drop'."
        )
    if policy == "drop":
        return features.drop(columns=constant)
    warnings.warn(
        f"data set {name!r}: feature columns {constant} are constant (zero variance); they are "
        "kept. Drop them, or set zero_variance='drop' to remove them.",
        DataQualityWarning,
        stacklevel=4,
    )
    return features


def _check_not_all_duplicates(features: pd.DataFrame, y: np.ndarray, name: str) -> None:
    if len(features) > 1 and len(features.drop_duplicates()) == 1:
        raise InputDataError(
            f"data set {name!r}: all {len(features)} rows have the same feature values; "
            "check the file (a bad join or export?) and load distinct rows."
        )
    minority = features[y == 1]
    if len(minority) > 1 and len(minority.drop_duplicates()) == 1:
        raise InputDataError(
            f"data set {name!r}: all {len(minority)} minority rows are copies of one row, so no "
            "synthetic row can be interpolated; load distinct minority rows."
        )


def _check_sensitive(sensitive: pd.DataFrame, name: str) -> None:
    for column in sensitive.columns:
        values = sensitive[column]
        if values.isna().any():
            raise InputDataError(
                f"data set {name!r}: sensitive column {column!r} has {int(values.isna().sum())} "
                "missing values; fill them with an explicit group (e.g. 'unknown') or drop the "
                "rows."
            )
        if values.nunique() < 2:
            raise InputDataError(
                f"data set {name!r}: sensitive column {column!r} has one group only "
                f"({values.iloc[0]!r}); group metrics need two or more, so remove it from "
                "sensitive or load rows of the other groups."
            )
