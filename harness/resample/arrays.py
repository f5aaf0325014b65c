"""Read ``X, y`` into checked numpy arrays, and give the result back in the caller's types.

Every check runs here, before any library call, so each bad input gets one error that names the
problem and the fix. numpy in gives numpy out, a list gives a list; a pandas DataFrame / Series
in gives the same back, with the column names, the column dtypes and the Series name (``y`` in
all its shapes: :mod:`harness.resample.labels`). Two readers:

- :func:`read_input`, numeric ``X`` for samplers that compute with the features, or the
  mixed layout of :mod:`harness.resample.columns` for the nominal–continuous ones;
- :func:`read_rows`, any ``X`` (text, dates, NaN, sparse) for samplers that only copy rows.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from harness.errors import InputDataError
from harness.resample.columns import MixedLayout
from harness.resample.labels import LabelFormat, check_labels, read_labels, write_labels

_MAX_NAMES_SHOWN = 10


@dataclass(frozen=True)
class InputArrays:
    """Checked input: a 2-D ``X``, 1-D labels ``y`` and what is needed to rebuild the types.

    ``X`` is a numeric matrix for samplers that compute with the features; for samplers that
    only copy rows (:func:`read_rows`) it is the input's rows as they are (a DataFrame, a
    sparse matrix or an array of any dtype).
    """

    X: object
    y: np.ndarray
    source: object = None
    columns: pd.Index | None = None
    dtypes: pd.Series | None = None
    labels: LabelFormat = field(default_factory=LabelFormat)
    float_only: bool = False
    notes: list[str] = field(default_factory=list)
    layout: MixedLayout | None = None
    integer: tuple[int, ...] = ()  # input positions of declared integer columns

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
        f"Complex data not supported: X holds complex numbers in column(s) {_names(names)}; "
        "the samplers take real "
        "features, and a cast to float would silently drop the imaginary parts: split each "
        "complex feature into two real ones (np.real and np.imag), or use its magnitude (np.abs)."
    )


def _check_unique_columns(X: pd.DataFrame) -> None:
    duplicated = X.columns[X.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InputDataError(
            f"X has duplicate column names {_names(duplicated)}, so a column name does not "
            "identify one feature: rename them (e.g. X.columns = [...]) or drop the copies with "
            "X.loc[:, ~X.columns.duplicated()]."
        )


def _complex_frame_columns(X: pd.DataFrame) -> list[object]:
    return [
        c
        for c in X.columns
        if pd.api.types.is_complex_dtype(X[c].dtype)
        or (X[c].dtype == object and _holds_complex(X[c].to_numpy()))
    ]


class NonNumericInputError(InputDataError, TypeError):
    """X holds values that are no numbers (a ``TypeError`` too, as numpy's conversion raises)."""


def _frame_as_array(X: pd.DataFrame) -> tuple[np.ndarray, pd.Index, pd.Series]:
    _check_unique_columns(X)
    complex_columns = _complex_frame_columns(X)
    if complex_columns:
        _refuse_complex(complex_columns)
    non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c].dtype)]
    if non_numeric:
        raise NonNumericInputError(
            f"X has non-numeric columns {_names(non_numeric)}: encode categorical columns "
            "first, e.g. with OneHotEncoder or OrdinalEncoder, or drop them (or use ADASYNNC or "
            "SMOTENC, which take them as categories)."
        )
    values = X.to_numpy()
    if values.dtype == object:  # mixed bool/number or nullable dtypes
        values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    return values, X.columns, X.dtypes


def refuse_masked(X: object, y: object) -> None:
    """Refuse a numpy masked array as ``X`` or ``y``: no sampler reads a mask.

    numpy's conversions (``np.asarray``, scikit-learn's ``check_array``) drop the mask, so a
    masked entry would be resampled as if it were data. Refused whatever is masked, so the
    caller decides what a masked value means.

    Raises
    ------
    InputDataError
        Naming how many values are masked and the fixes: fill (``X.filled(np.nan)``), drop the
        masked rows, or pass ``.data`` when nothing is masked.
    """
    if isinstance(X, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(X)
        rows = int(mask.any(axis=1).sum()) if mask.ndim == 2 else int(mask.sum())
        raise InputDataError(
            f"X is a numpy masked array with {int(mask.sum())} masked value(s) in {rows} "
            "row(s); the samplers do not read masks, so masked values would be resampled as if "
            "they were data: fill them with X.filled(np.nan) (then impute them, e.g. with "
            "SimpleImputer before the sampler, or use a sampler that takes missing values: "
            "RandomOverSampler without shrinkage, or no resampling), drop the masked rows "
            "(keep = ~np.ma.getmaskarray(X).any(axis=1)), or pass X.data when nothing is masked."
        )
    if isinstance(y, np.ma.MaskedArray):
        masked = int(np.ma.getmaskarray(y).sum())
        raise InputDataError(
            f"y is a numpy masked array with {masked} masked label(s); the samplers do not read "
            "masks, so a masked label would count as a class label: drop the rows whose label "
            "is masked (keep = ~np.ma.getmaskarray(y)), or pass y.data when nothing is masked."
        )


def _as_2d(X: object) -> np.ndarray:
    if X is None:
        raise InputDataError("X is None: pass a 2-D array or DataFrame of features.")
    values = np.asarray(X, dtype=object) if _is_ragged_or_mixed(X) else np.asarray(X)
    if values.ndim != 2:
        raise InputDataError(
            f"X must be 2-D (rows x features), got {values.ndim} dimension(s) with shape "
            f"{values.shape}: reshape a single feature with X.reshape(-1, 1)."
        )
    return values


def _is_ragged_or_mixed(X: object) -> bool:
    # np.asarray([[1.0, "a"]]) would turn every value into text: keep the objects instead.
    if not isinstance(X, list | tuple):
        return False
    kinds = {type(v) for row in X[:1000] for v in (row if isinstance(row, list | tuple) else [row])}
    return any(issubclass(k, str) for k in kinds) and len(kinds) > 1


def _refuse_sparse(X: object) -> None:
    if sparse.issparse(X):
        raise InputDataError(
            "X is a sparse matrix, which this sampler does not take (sparse input is not "
            "supported: interpolated rows would be dense): convert it with X.toarray() (or "
            "reduce its dimension first, e.g. with TruncatedSVD), or use RandomOverSampler, "
            "which takes sparse X."
        )


def _features_as_array(X: object) -> tuple[np.ndarray, pd.Index | None, pd.Series | None]:
    _refuse_sparse(X)
    if isinstance(X, pd.DataFrame):
        return _frame_as_array(X)
    values = _as_2d(X)
    complex_columns = [j for j in range(values.shape[1]) if _holds_complex(values[:, j])]
    if complex_columns:
        _refuse_complex(complex_columns)
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        bad, reason = [], ""
        for j in range(values.shape[1]):
            try:
                values[:, j].astype(np.float64)
            except (TypeError, ValueError) as exc:
                bad.append(j)
                reason = reason or str(exc)
        if bad:
            raise NonNumericInputError(
                f"X has non-numeric values in column(s) {_names(bad)} ({reason}): encode "
                "categorical columns first, e.g. with OneHotEncoder, or drop them (or use "
                "ADASYNNC or SMOTENC, which take them as categories)."
            )
        values = values.astype(np.float64)
    return values, None, None


def _non_finite_error(n_rows: int, names: list[object]) -> InputDataError:
    return InputDataError(
        f"X has NaN or infinite values in {n_rows} row(s), in column(s) {_names(names)}: "
        "impute them (e.g. with SimpleImputer in the pipeline before the sampler) or drop "
        "those rows; RandomOverSampler without shrinkage copies such rows as they are."
    )


def _check_finite(values: np.ndarray, columns: object) -> None:
    finite = np.isfinite(values)
    if finite.all():
        return
    bad_cols = np.flatnonzero(~finite.all(axis=0)).tolist()
    names = [columns[j] for j in bad_cols] if columns is not None else bad_cols
    raise _non_finite_error(int(np.count_nonzero(~finite.all(axis=1))), names)


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


def _check_magnitude(values: np.ndarray, columns: object) -> None:
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


def _check_shape(n_rows: int, n_features: int, n_labels: int) -> None:
    if n_rows != n_labels:
        raise InputDataError(
            f"X has {n_rows} rows but y has {n_labels} labels: pass one label per row (check "
            "that X and y were split or filtered the same way)."
        )
    shape = (n_rows, n_features)
    if n_rows == 0:
        raise InputDataError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is required: "
            "resampling needs at least one row; check the filter or split that emptied X."
        )
    if n_features == 0:
        raise InputDataError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is required: "
            "resampling needs at least one feature; check the column selection."
        )


def _float_conversion_notes(
    values: np.ndarray, dtypes: pd.Series | None, integer: tuple[int, ...]
) -> list[str]:
    if dtypes is not None:
        converted = [
            c
            for j, (c, t) in enumerate(dtypes.items())
            if not pd.api.types.is_float_dtype(t) and j not in integer
        ]
    else:
        integral = not np.issubdtype(values.dtype, np.floating)
        converted = [str(values.dtype)] if integral and len(integer) < values.shape[1] else []
    if not converted:
        return []
    what = f"columns {_names(converted)}" if dtypes is not None else f"{converted[0]} features"
    return [
        f"{what} were converted to float64, because interpolated rows are not integers "
        "(declare whole-number columns with integer_features to have them rounded instead)"
    ]


def _numeric_view(
    X: object, layout_spec: object
) -> tuple[np.ndarray, pd.Index | None, pd.Series | None, MixedLayout | None]:
    """The numeric matrix to work on: X itself, or its mixed layout (continuous, then codes)."""
    if layout_spec is None:
        return (*_features_as_array(X), None)
    _refuse_sparse(X)
    if isinstance(X, pd.DataFrame):
        _check_unique_columns(X)
        source, columns, dtypes = X, X.columns, X.dtypes
    else:
        source, columns, dtypes = _as_2d(X), None, None
    if 0 in source.shape:
        _check_shape(*source.shape, n_labels=source.shape[0])
    layout, codes = MixedLayout.from_input(source, layout_spec)
    continuous = (
        source.iloc[:, list(layout.continuous)]
        if isinstance(source, pd.DataFrame)
        else source[:, list(layout.continuous)]
    )
    values, _, _ = _features_as_array(continuous) if layout.continuous else (None, None, None)
    if values is None:
        values = np.empty((codes.shape[0], 0))
    float32 = values.dtype == np.float32 and max(n.n_codes for n in layout.nominals) < 2**24
    dtype = np.float32 if float32 else np.float64
    merged = np.empty((codes.shape[0], values.shape[1] + codes.shape[1]), dtype=dtype)
    merged[:, : values.shape[1]] = values
    merged[:, values.shape[1] :] = codes
    return merged, columns, dtypes, layout


def read_input(
    X: object,
    y: object,
    *,
    float_only: bool,
    categorical: object = None,
    integer: object = None,
) -> InputArrays:
    """Check ``X, y`` and return them as numpy arrays.

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        Numeric features without NaN or infinite values (nominal columns, when
        ``categorical`` names them, may hold any values).
    y : array-like, pandas.Series or pandas.DataFrame
        Class labels, at least two classes (see :func:`harness.resample.labels.read_labels`).
    float_only : bool
        True for samplers that interpolate: integer or boolean features are then converted to
        float64 (and a note says so), since a point between two rows is not an integer.
    categorical : object, optional
        ``categorical_features`` of a nominal–continuous sampler: ``X`` is then read through
        :class:`harness.resample.columns.MixedLayout` (continuous columns, then one code
        column per nominal feature).
    integer : object, optional
        ``integer_features``: whole-number columns, rounded after interpolation and given
        back with their dtype.

    Returns
    -------
    InputArrays

    Raises
    ------
    InputDataError
        For each kind of unusable input, with the fix in the message.
    SamplerParameterError
        For ``categorical``/``integer`` naming columns ``X`` does not have.
    """
    from harness.resample.columns import integer_positions, resolve_columns

    refuse_masked(X, y)
    values, columns, dtypes, layout = _numeric_view(X, categorical)
    labels, label_format = read_labels(y)
    n_input = layout.n_features if layout is not None else values.shape[1]
    _check_shape(values.shape[0], n_input, len(labels))
    declared = tuple(resolve_columns(integer, columns, dtypes, n_input, "integer_features"))
    internal = integer_positions(layout, declared)
    continuous = values[:, : layout.n_continuous] if layout is not None else values
    notes = []
    if float_only:
        kept_dtypes = None
        if dtypes is not None:
            kept = list(layout.continuous) if layout is not None else list(range(n_input))
            kept_dtypes = dtypes.iloc[kept]
        notes.extend(_float_conversion_notes(continuous, kept_dtypes, tuple(internal)))
        if not np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64)
            continuous = values[:, : layout.n_continuous] if layout is not None else values
    continuous_names = columns
    if layout is not None:
        continuous_names = [columns[j] if columns is not None else j for j in layout.continuous]
    _check_finite(continuous, continuous_names)
    if float_only:
        _check_magnitude(continuous, continuous_names)
    check_labels(labels)
    return InputArrays(
        values, labels, X, columns, dtypes, label_format, float_only, notes, layout, declared
    )


def _rows_container(X: object) -> object:
    if X is None:
        raise InputDataError("X is None: pass a 2-D array or DataFrame of features.")
    if sparse.issparse(X):
        # Rows are taken from CSR or CSC; other formats (COO, DIA, BSR ...) cannot be indexed.
        return X if X.format in ("csr", "csc") else X.tocsr()
    if isinstance(X, pd.DataFrame):
        return X
    return _as_2d(X)


def read_rows(X: object, y: object) -> InputArrays:
    """Check ``X, y`` for a sampler that only copies rows: any values, sparse X allowed.

    Copying a row needs no arithmetic, so text, categories, dates, NaN and sparse matrices are
    kept as they are; only complex numbers and masked arrays are refused (as everywhere).

    Parameters
    ----------
    X : array-like, sparse matrix or pandas.DataFrame of shape (n_samples, n_features)
    y : array-like, pandas.Series or pandas.DataFrame

    Returns
    -------
    InputArrays
        ``X`` is the rows container itself (a DataFrame, a sparse matrix or an array).
    """
    refuse_masked(X, y)
    rows = _rows_container(X)
    labels, label_format = read_labels(y)
    n_rows, n_features = rows.shape
    _check_shape(n_rows, n_features, len(labels))
    if isinstance(rows, pd.DataFrame):
        _check_unique_columns(rows)
        complex_columns = _complex_frame_columns(rows)
    elif sparse.issparse(rows):
        complex_columns = ["(sparse values)"] if rows.dtype.kind == "c" else []
    else:
        complex_columns = [j for j in range(n_features) if _holds_complex(rows[:, j])]
    if complex_columns:
        _refuse_complex(complex_columns)
    check_labels(labels)
    columns = rows.columns if isinstance(rows, pd.DataFrame) else None
    dtypes = rows.dtypes if isinstance(rows, pd.DataFrame) else None
    return InputArrays(rows, labels, X, columns, dtypes, label_format)


def read_sparse_numbers(X: object, y: object) -> InputArrays:
    """Check a sparse ``X`` of numbers, and ``y``, for a sampler that computes with sparse rows
    (random oversampling's smoothed bootstrap).

    Parameters
    ----------
    X : scipy sparse matrix or array of shape (n_samples, n_features)
        Read as CSR or CSC (other formats are converted to CSR). Integer or boolean values are
        converted to float64 (a note says so); float32 stays float32.
    y : array-like, pandas.Series or pandas.DataFrame

    Returns
    -------
    InputArrays
        ``X`` is the CSR or CSC matrix.

    Raises
    ------
    InputDataError
        Masked ``y``, mismatched lengths, complex or non-numeric values
        (:class:`NonNumericInputError`), NaN or infinite stored values (naming the columns and
        counting the rows), bad labels.
    """
    refuse_masked(X, y)
    rows = _rows_container(X)
    labels, label_format = read_labels(y)
    _check_shape(*rows.shape, len(labels))
    if rows.dtype.kind == "c":
        _refuse_complex(["(sparse values)"])
    if rows.dtype.kind not in "biuf":
        raise NonNumericInputError(
            f"X is a sparse matrix of {rows.dtype} values, not numbers: convert it to a numeric "
            "dtype first (e.g. X.astype(np.float64))."
        )
    notes = []
    if rows.dtype.kind != "f":
        notes.append(
            f"sparse {rows.dtype} features were converted to float64, because the new rows are "
            "computed"
        )
        rows = rows.astype(np.float64)
    finite = np.isfinite(rows.data)
    if not finite.all():
        coo = rows.tocoo()
        bad = ~np.isfinite(coo.data)
        raise _non_finite_error(int(np.unique(coo.row[bad]).size), np.unique(coo.col[bad]).tolist())
    check_labels(labels)
    return InputArrays(rows, labels, X, None, None, label_format, True, notes)


def stack_rows(rows: object, parents: np.ndarray) -> object:
    """Rows followed by copies of rows ``parents``, in the same container.

    Parameters
    ----------
    rows : pandas.DataFrame, sparse matrix or ndarray
        ``InputArrays.X`` from :func:`read_rows`.
    parents : ndarray of int
        Rows to append, in order.

    Returns
    -------
    A DataFrame (fresh RangeIndex, dtypes kept), a sparse matrix in the same format or an
    array; :func:`write_output` turns an array back into a list when ``X`` was one.
    """
    if isinstance(rows, pd.DataFrame):
        return pd.concat([rows, rows.iloc[parents]], ignore_index=True)
    if sparse.issparse(rows):
        return sparse.vstack([rows, rows[parents]], format=rows.format)
    return np.concatenate([rows, rows[parents]])


def write_output(data: InputArrays, X_out: object, y_out: np.ndarray) -> tuple[object, object]:
    """Give the resampled arrays back in the types the caller passed in.

    A DataFrame keeps its column names; each column keeps its dtype, except integer or boolean
    columns that were interpolated, which stay float64 (declared ``integer_features`` get their
    dtype back, rounded). The index is a fresh RangeIndex (original rows first, in their input
    order), as in imbalanced-learn. A list gives a list.
    """
    if data.layout is not None:
        X_res = data.layout.decode(X_out, data.source, data.integer)
    elif isinstance(X_out, np.ndarray) and data.is_frame:
        X_res = pd.DataFrame(X_out, columns=data.columns)
        keep = {
            c: t
            for j, (c, t) in enumerate(data.dtypes.items())
            if pd.api.types.is_float_dtype(t) or not data.float_only or j in data.integer
        }
        X_res = X_res.astype(keep)
    elif isinstance(X_out, np.ndarray) and isinstance(data.source, list):
        X_res = X_out.tolist()
    else:
        X_res = X_out
    index = X_res.index if isinstance(X_res, pd.DataFrame) else None
    return X_res, write_labels(y_out, data.labels, index)
