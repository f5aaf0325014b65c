"""Input checks shared by the metric functions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.errors import InputDataError


def as_1d(values, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D array, or raise when it has another shape."""
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim != 1:
        raise InputDataError(
            f"{name} must be one-dimensional, got shape {array.shape}: pass one value per row "
            "(for scores, the probability of the minority class, e.g. predict_proba(X)[:, 1])"
        )
    return array


def same_length(**arrays: np.ndarray) -> None:
    """Raise when the given arrays do not all have the same number of rows."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise InputDataError(
            f"inputs have different numbers of rows {lengths}: pass row-aligned arrays "
            "computed on the same rows"
        )


def same_columns(first, first_name: str, second, second_name: str, fix: str) -> None:
    """Raise, naming ``fix``, when two tables do not have the same columns in the same order."""
    if list(first.columns) != list(second.columns):
        raise InputDataError(
            f"{first_name} has columns {list(first.columns)[:10]} but {second_name} has "
            f"{list(second.columns)[:10]}: {fix}"
        )


def two_d_frame(values, name: str, prefix: str | None = None) -> pd.DataFrame:
    """``values`` as a DataFrame with a fresh index; raise when it is not a 2-D table.

    A DataFrame keeps its columns. An array gets positions as column names, or
    ``f"{prefix}{i}"`` with ``prefix``; a list of rows keeps each value's type (numbers stay
    numbers next to strings).
    """
    if isinstance(values, pd.DataFrame):
        return values.reset_index(drop=True)
    array = np.asarray(values, dtype=object) if isinstance(values, list) else np.asarray(values)
    if array.ndim != 2:
        raise InputDataError(
            f"{name} must be a 2-D table (rows x columns), got shape {array.shape}: pass a "
            "DataFrame or a rows x features array"
        )
    columns = None if prefix is None else [f"{prefix}{i}" for i in range(array.shape[1])]
    frame = pd.DataFrame(array, columns=columns)
    return frame.infer_objects() if array.dtype == object else frame


def frames_alike(first, first_name: str, second, second_name: str, fix: str, convert=two_d_frame):
    """Both tables as DataFrames (``convert(values, name)``), checked to share their columns."""
    first_frame, second_frame = convert(first, first_name), convert(second, second_name)
    same_columns(first_frame, first_name, second_frame, second_name, fix)
    return first_frame, second_frame


def _as_float(values, name: str, fix: str) -> np.ndarray:
    """``values`` as a float array; a non-numeric value raises, naming ``fix``."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"{name} has non-numeric values ({exc}): {fix}") from exc


def finite_scores(values: np.ndarray, name: str = "y_score") -> np.ndarray:
    """Return ``values`` as a finite float array, or raise with the fix."""
    scores = _as_float(
        values,
        name,
        "pass the probability or score of the minority class, e.g. predict_proba(X)[:, 1]",
    )
    if not np.isfinite(scores).all():
        raise InputDataError(
            f"{name} contains {int((~np.isfinite(scores)).sum())} NaN or infinite value(s): "
            "check the model's predict_proba / decision_function output, or drop those rows"
        )
    return scores


def as_matrix(values, name: str) -> np.ndarray:
    """Return ``values`` as a finite 2-D float array, or raise with the fix."""
    matrix = _as_float(values, name, "encode categorical columns first, e.g. with OneHotEncoder")
    if matrix.ndim == 1 and matrix.size == 0:
        matrix = matrix.reshape(0, 0)
    if matrix.ndim != 2:
        raise InputDataError(
            f"{name} must be a 2-D table (rows x features), got shape {matrix.shape}: "
            "reshape a single feature with X.reshape(-1, 1)"
        )
    if not np.isfinite(matrix).all():
        raise InputDataError(
            f"{name} contains NaN or infinite values: impute or drop them before computing "
            "distances, e.g. with sklearn.impute.SimpleImputer"
        )
    return matrix
