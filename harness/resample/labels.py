"""Read ``y`` into checked 1-D labels, and give resampled labels back in the caller's format.

Accepted, as imbalanced-learn accepts them: a 1-D array, list or Series; a one-column array or
DataFrame (``(n, 1)``); a one-hot (one-vs-all) indicator matrix, array or DataFrame, with
exactly one 1 per row, whose classes are its column positions. The resampled labels come back
in the same container: same shape kind, Series name, DataFrame columns and dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.errors import InputDataError

_LABEL_KINDS = frozenset(
    {"integer", "floating", "mixed-integer-float", "decimal", "string", "bytes", "boolean"}
)


@dataclass(frozen=True)
class LabelFormat:
    """How the labels came in, to rebuild the same container for the resampled ones."""

    kind: str = "ndarray"  # "ndarray", "list", "series" or "frame"
    name: object = None
    dtype: object = None
    columns: pd.Index | None = None
    one_hot_width: int | None = None  # number of indicator columns, for one-hot y
    column_vector: bool = False  # an (n, 1) array or one-column DataFrame


def _label_kind(labels: np.ndarray) -> str:
    return pd.api.types.infer_dtype(labels, skipna=True)


def check_label_types(labels: np.ndarray) -> None:
    """Refuse labels that cannot be sorted or compared as classes.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Class labels without missing values.

    Raises
    ------
    InputDataError
        Complex labels, labels of mixed types (``0`` and ``"a"``, ``True`` and ``1``), or
        labels of a type that is no class label (e.g. tuples).
    """
    kind = _label_kind(labels) if labels.dtype == object else None
    if labels.dtype.kind == "c" or kind == "complex":
        raise InputDataError(
            "Complex data not supported: y holds complex numbers; class labels must be "
            "integers or strings: map the classes to integers (e.g. with "
            "sklearn.preprocessing.LabelEncoder)."
        )
    if kind is None or kind in _LABEL_KINDS:
        return
    types = sorted({type(v).__name__ for v in labels})
    raise InputDataError(
        f"y mixes label types ({', '.join(types)}), which cannot be sorted or compared as "
        "classes (0 and '0' would be two classes): convert the labels to one type first, e.g. "
        "y.astype(str), or map them to integers with sklearn.preprocessing.LabelEncoder."
        if len(types) > 1
        else f"y holds labels of type {types[0]}, which are not class labels: use integer or "
        "string labels (e.g. map them with sklearn.preprocessing.LabelEncoder)."
    )


def check_labels(labels: np.ndarray) -> None:
    """Refuse missing, continuous, mixed-type or single-class labels, naming the fix.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)

    Raises
    ------
    InputDataError
    """
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise InputDataError(
            f"y has {int(np.isnan(labels).sum())} missing label(s): drop those rows or fill "
            "the labels before resampling."
        )
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise InputDataError(
            "Unknown label type: y holds continuous values; resampling needs class labels: "
            "pass integer or string class labels (e.g. bin a continuous target first)."
        )
    if pd.isna(labels).any():
        raise InputDataError("y has missing labels: drop those rows or fill the labels first.")
    check_label_types(labels)
    if np.unique(labels).size < 2:
        raise InputDataError(
            f"y has a single class ({labels[0]!r}), one class only; resampling needs at least "
            "two classes: check the target column, or use a stratified split so each fold "
            "keeps both classes."
        )


def _one_hot_labels(matrix: np.ndarray) -> np.ndarray | None:
    """Column positions of a one-hot matrix, or None when ``matrix`` is not one-hot."""
    try:
        values = matrix.astype(np.float64)
    except (TypeError, ValueError):
        return None
    if not np.isin(values, (0.0, 1.0)).all():
        return None
    if not np.all(values.sum(axis=1) == 1):
        raise InputDataError(
            "y is an indicator matrix with rows holding several 1s (or none): multilabel and "
            "multioutput targets are not supported. Pass one class label per row, or a one-hot "
            "matrix with exactly one 1 per row."
        )
    return values.argmax(axis=1)


def _from_matrix(values: np.ndarray, fmt: dict) -> tuple[np.ndarray, LabelFormat]:
    if values.ndim == 2 and values.shape[1] == 1:
        return values[:, 0], LabelFormat(**fmt, column_vector=True)
    if values.ndim == 2 and values.shape[1] > 1:
        labels = _one_hot_labels(values)
        if labels is None:
            raise InputDataError(
                f"y has shape {values.shape} and is not a one-hot matrix: multilabel and "
                "multioutput targets are not supported. Pass a 1-D array of class labels."
            )
        return labels, LabelFormat(**fmt, one_hot_width=values.shape[1])
    raise InputDataError(
        f"y must be 1-D (one class label per row), got shape {values.shape}: pass a 1-D "
        "array of class labels (multilabel targets are not supported)."
    )


def read_labels(y: object) -> tuple[np.ndarray, LabelFormat]:
    """Turn ``y`` into 1-D labels and the format to rebuild it in.

    Parameters
    ----------
    y : array-like, list, pandas.Series or pandas.DataFrame
        Class labels (see the module docstring for the accepted shapes).

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    fmt : LabelFormat

    Raises
    ------
    InputDataError
        ``y`` is None, has more than two dimensions, or is a multilabel indicator matrix.
    """
    if y is None:
        raise InputDataError(
            "This sampler requires y to be passed, but the target y is None: pass a 1-D array "
            "or Series of class labels."
        )
    if isinstance(y, pd.Series):
        return y.to_numpy(), LabelFormat("series", y.name, y.dtype)
    if isinstance(y, pd.DataFrame):
        fmt = {"kind": "frame", "columns": y.columns, "dtype": y.dtypes}
        if y.shape[1] == 1:
            return y.iloc[:, 0].to_numpy(), LabelFormat(**fmt, column_vector=True)
        return _from_matrix(y.to_numpy(), fmt)
    labels = np.asarray(y)
    if isinstance(y, list | tuple) and labels.dtype.kind in "US":
        # np.asarray turns [0, "a"] into the strings ["0", "a"]: keep the original objects, so
        # the label check sees the mixed types instead of labels silently changed to text.
        as_objects = np.asarray(y, dtype=object)
        if as_objects.ndim == 1 and _label_kind(as_objects) not in _LABEL_KINDS:
            labels = as_objects
    kind = "list" if isinstance(y, list) else "ndarray"
    if labels.ndim == 1:
        return labels, LabelFormat(kind, dtype=labels.dtype)
    return _from_matrix(labels, {"kind": kind, "dtype": labels.dtype})


def write_labels(labels: np.ndarray, fmt: LabelFormat, index: pd.Index | None = None) -> object:
    """Resampled labels in the format ``y`` came in (see :func:`read_labels`).

    Parameters
    ----------
    labels : ndarray of shape (n_resampled,)
    fmt : LabelFormat
    index : pandas.Index, optional
        The resampled X's index, given to a Series or DataFrame ``y``.

    Returns
    -------
    ndarray, list, pandas.Series or pandas.DataFrame
    """
    if fmt.one_hot_width is not None:
        values = np.eye(fmt.one_hot_width, dtype=np.int64)[labels.astype(np.intp)]
    elif fmt.column_vector:
        values = labels[:, None]
    else:
        values = labels
    if fmt.kind == "series":
        return pd.Series(values, name=fmt.name, dtype=fmt.dtype, index=index)
    if fmt.kind == "frame":
        frame = pd.DataFrame(values, columns=fmt.columns, index=index)
        return frame.astype(fmt.dtype.to_dict())
    if fmt.kind == "list":
        return values.tolist()
    if fmt.dtype is not None and values.dtype != fmt.dtype:
        return values.astype(fmt.dtype)
    return values
