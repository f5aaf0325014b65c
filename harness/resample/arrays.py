"""Read ``X, y`` into checked numpy arrays, and give the result back in the caller's types.

Every check runs here, before any library call, so each bad input gets one error that names the
problem and the fix. numpy in gives numpy out; a pandas DataFrame / Series in gives the same back,
with the column names, the column dtypes and the Series name.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from harness.errors import InputDataError

_MAX_NAMES_SHOWN = 10


@dataclass(frozen=True)
class InputArrays:
    """Checked input: a 2-D numeric ``X``, a 1-D ``y`` and what is needed to rebuild the types."""

    X: np.ndarray
    y: np.ndarray
    columns: pd.Index | None = None
    dtypes: pd.Series | None = None
    y_kind: str = "ndarray"
    y_name: object = None
    y_dtype: object = None
    float_only: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def is_frame(self) -> bool:
        """True when ``X`` came in as a pandas DataFrame."""
        return self.columns is not None


def _names(items: list[object]) -> str:
    shown = ", ".join(repr(i) for i in items[:_MAX_NAMES_SHOWN])
    more = len(items) - _MAX_NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _holds_complex(column: np.ndarray) -> bool:
    if column.dtype.kind == "c":
        return True
    if column.dtype != object:
        return False
    return any(isinstance(v, numbers.Complex) and not isinstance(v, numbers.Real) for v in column)


def _refuse_complex(names: list[object]) -> None:
    raise InputDataError(
        f"X holds complex numbers in column(s) {_names(names)}; the samplers take real "
        "features, and a cast to float would silently drop the imaginary parts: split each "
        "complex feature into two real ones (np.real and np.imag), or use its magnitude (np.abs)."
    )


def _frame_as_array(X: pd.DataFrame) -> tuple[np.ndarray, pd.Index, pd.Series]:
    duplicated = X.columns[X.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InputDataError(
            f"X has duplicate column names {_names(duplicated)}, so a column name does not "
            "identify one feature: rename them (e.g. X.columns = [...]) or drop the copies with "
            "X.loc[:, ~X.columns.duplicated()]."
        )
    complex_columns = [
        c
        for c in X.columns
        if pd.api.types.is_complex_dtype(X[c].dtype)
        or (X[c].dtype == object and _holds_complex(X[c].to_numpy()))
    ]
    if complex_columns:
        _refuse_complex(complex_columns)
    non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c].dtype)]
    if non_numeric:
        raise InputDataError(
            f"X has non-numeric columns {_names(non_numeric)}: encode categorical columns "
            "first, e.g. with OneHotEncoder or OrdinalEncoder, or drop them."
        )
    values = X.to_numpy()
    if values.dtype == object:  # mixed bool/number or nullable dtypes
        values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    return values, X.columns, X.dtypes


def _features_as_array(X: object) -> tuple[np.ndarray, pd.Index | None, pd.Series | None]:
    if sparse.issparse(X):
        raise InputDataError(
            "X is a sparse matrix, which these samplers do not take: convert it with "
            "X.toarray() (or reduce its dimension first, e.g. with TruncatedSVD)."
        )
    if isinstance(X, pd.DataFrame):
        return _frame_as_array(X)
    if X is None:
        raise InputDataError("X is None: pass a 2-D array or DataFrame of features.")
    values = np.asarray(X)
    if values.ndim != 2:
        raise InputDataError(
            f"X must be 2-D (rows x features), got {values.ndim} dimension(s) with shape "
            f"{values.shape}: reshape a single feature with X.reshape(-1, 1)."
        )
    complex_columns = [j for j in range(values.shape[1]) if _holds_complex(values[:, j])]
    if complex_columns:
        _refuse_complex(complex_columns)
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        bad = []
        for j in range(values.shape[1]):
            try:
                values[:, j].astype(np.float64)
            except (TypeError, ValueError):
                bad.append(j)
        if bad:
            raise InputDataError(
                f"X has non-numeric values in column(s) {_names(bad)}: encode categorical "
                "columns first, e.g. with OneHotEncoder, or drop them."
            )
        values = values.astype(np.float64)
    return values, None, None


def _labels_as_array(y: object) -> tuple[np.ndarray, str, object, object]:
    if y is None:
        raise InputDataError("y is None: pass a 1-D array or Series of class labels.")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InputDataError(
                f"y has {y.shape[1]} columns; the samplers take one label per row: pass a 1-D "
                "Series of class labels (multilabel targets are not supported)."
            )
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        return y.to_numpy(), "series", y.name, y.dtype
    labels = np.asarray(y)
    if isinstance(y, list | tuple) and labels.dtype.kind in "US":
        # np.asarray turns [0, "a"] into the strings ["0", "a"]: keep the original objects, so
        # the label check sees the mixed types instead of labels silently changed to text.
        as_objects = np.asarray(y, dtype=object)
        if as_objects.ndim == 1 and _label_kind(as_objects) not in _LABEL_KINDS:
            labels = as_objects
    if labels.ndim == 2 and labels.shape[1] == 1:
        raise InputDataError(
            f"y has shape {labels.shape}; the samplers take a 1-D array: pass y.ravel()."
        )
    if labels.ndim != 1:
        raise InputDataError(
            f"y must be 1-D (one class label per row), got shape {labels.shape}: pass a 1-D "
            "array of class labels (multilabel targets are not supported)."
        )
    return labels, "list" if isinstance(y, list) else "ndarray", None, labels.dtype


def _check_finite(values: np.ndarray, columns: pd.Index | None) -> None:
    finite = np.isfinite(values)
    if finite.all():
        return
    bad_cols = np.flatnonzero(~finite.all(axis=0)).tolist()
    names = [columns[j] for j in bad_cols] if columns is not None else bad_cols
    n_rows = int(np.count_nonzero(~finite.all(axis=1)))
    raise InputDataError(
        f"X has NaN or infinite values in {n_rows} row(s), in column(s) {_names(names)}: "
        "impute them (e.g. with SimpleImputer in the pipeline before the sampler) or drop "
        "those rows."
    )


def max_feature_magnitude(n_features: int) -> float:
    """The largest ``|x|`` an interpolating sampler accepts in a feature.

    The neighbour search squares distances. The exact backend sums squared differences in
    float64; the ``blocked`` and ``ivf`` backends screen candidates in float32 with the expanded
    form ``||x||² − 2 q·x + ||q||²``, the IVF one on rows centred on their mean. With every
    ``|x_j| <= M`` over ``n`` features, a centred entry is at most ``2M``, so ``||x||²`` and
    ``||q||²`` are each at most ``4nM²``, ``2|q·x|`` at most ``8nM²``, and their sum at most
    ``16nM²``.
    Keeping that below float32's largest value bounds ``M`` by
    ``sqrt(finfo(float32).max / (16 n))``, about ``4.6e18 / sqrt(n)``. The same bound keeps the
    float64 sums and the interpolation ``x + λ(x_z − x)`` (at most ``3M``) finite.

    Parameters
    ----------
    n_features : int
        Columns of ``X``.

    Returns
    -------
    float
    """
    return float(np.sqrt(np.finfo(np.float32).max / (16.0 * max(int(n_features), 1))))


def _check_magnitude(values: np.ndarray, columns: pd.Index | None) -> None:
    limit = max_feature_magnitude(values.shape[1])
    too_large = (np.abs(values) >= limit).any(axis=0)
    if not too_large.any():
        return
    bad_cols = np.flatnonzero(too_large).tolist()
    names = [columns[j] for j in bad_cols] if columns is not None else bad_cols
    raise InputDataError(
        f"X has values beyond +/-{limit:.4g} in column(s) {_names(names)}: with "
        f"{values.shape[1]} feature(s), squared distances between rows would overflow in the "
        "neighbour search and every row would look equally far away. Scale the features first "
        "(e.g. with StandardScaler in the pipeline before the sampler), or use RandomOverSampler."
    )


_LABEL_KINDS = frozenset(
    {"integer", "floating", "mixed-integer-float", "decimal", "string", "bytes", "boolean"}
)


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
            "y holds complex numbers; class labels must be integers or strings: map the "
            "classes to integers (e.g. with sklearn.preprocessing.LabelEncoder)."
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


def _check_labels(labels: np.ndarray) -> None:
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise InputDataError(
            f"y has {int(np.isnan(labels).sum())} missing label(s): drop those rows or fill "
            "the labels before resampling."
        )
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise InputDataError(
            "y holds continuous values; resampling needs class labels: pass integer or "
            "string class labels (e.g. bin a continuous target first)."
        )
    if pd.isna(labels).any():
        raise InputDataError("y has missing labels: drop those rows or fill the labels first.")
    check_label_types(labels)
    if np.unique(labels).size < 2:
        raise InputDataError(
            f"y has a single class ({labels[0]!r}); resampling needs at least two classes: "
            "check the target column, or use a stratified split so each fold keeps both classes."
        )


def _float_conversion_notes(values: np.ndarray, dtypes: pd.Series | None) -> list[str]:
    if dtypes is not None:
        converted = [c for c, t in dtypes.items() if not pd.api.types.is_float_dtype(t)]
    else:
        converted = [] if np.issubdtype(values.dtype, np.floating) else [str(values.dtype)]
    if not converted:
        return []
    what = f"columns {_names(converted)}" if dtypes is not None else f"{converted[0]} features"
    return [f"{what} were converted to float64, because interpolated rows are not integers"]


def read_input(X: object, y: object, *, float_only: bool) -> InputArrays:
    """Check ``X, y`` and return them as numpy arrays.

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        Numeric features without NaN or infinite values.
    y : array-like or pandas.Series of shape (n_samples,)
        Class labels, at least two classes.
    float_only : bool
        True for samplers that interpolate: integer or boolean features are then converted to
        float64 (and a note says so), since a point between two rows is not an integer.

    Returns
    -------
    InputArrays

    Raises
    ------
    InputDataError
        For each kind of unusable input, with the fix in the message.
    """
    values, columns, dtypes = _features_as_array(X)
    labels, y_kind, y_name, y_dtype = _labels_as_array(y)
    if values.shape[0] != labels.shape[0]:
        raise InputDataError(
            f"X has {values.shape[0]} rows but y has {labels.shape[0]} labels: pass one label "
            "per row (check that X and y were split or filtered the same way)."
        )
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise InputDataError(
            f"X has shape {values.shape}; resampling needs at least one row and one feature."
        )
    notes = []
    if float_only:
        notes.extend(_float_conversion_notes(values, dtypes))
        if not np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64)
    _check_finite(values, columns)
    if float_only:
        _check_magnitude(values, columns)
    _check_labels(labels)
    return InputArrays(values, labels, columns, dtypes, y_kind, y_name, y_dtype, float_only, notes)


def write_output(data: InputArrays, X_out: np.ndarray, y_out: np.ndarray) -> tuple[object, object]:
    """Give the resampled arrays back in the types the caller passed in.

    A DataFrame keeps its column names; each column keeps its dtype, except integer or boolean
    columns that were interpolated, which stay float64. The index is a fresh RangeIndex
    (original rows first, in their input order), as in imbalanced-learn.
    """
    if data.is_frame:
        X_res = pd.DataFrame(X_out, columns=data.columns)
        # Interpolated integer or boolean columns stay float64; everything else gets its dtype back.
        keep = {
            c: t
            for c, t in data.dtypes.items()
            if pd.api.types.is_float_dtype(t) or not data.float_only
        }
        X_res = X_res.astype(keep)
    else:
        X_res = X_out
    if data.y_kind == "series":
        y_res = pd.Series(y_out, name=data.y_name, dtype=data.y_dtype)
        if data.is_frame:
            y_res.index = X_res.index
    elif data.y_kind == "list":
        y_res = y_out.tolist()
    else:
        y_res = y_out
    return X_res, y_res
