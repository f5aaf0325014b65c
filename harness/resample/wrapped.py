"""imbalanced-learn's Borderline-SMOTE, SMOTE-ENN and SMOTE-Tomek, recording what the harness
records of its own samplers.

Each class is imbalanced-learn's own (same parameters, same results for the same
``random_state``) with three additions after ``fit_resample``: ``n_synthetic_`` (synthetic rows
in the output, after any cleaning), ``lineage_`` and ``notes_``. The lineage is recovered from
the segments imbalanced-learn interpolates along (its ``_generate_samples`` hook): the parent and
neighbour are the input rows with those values (the lowest index when rows are duplicated), λ
the new row's position on the segment. Where that is not possible (sparse ``X``, or an
imbalanced-learn version whose hook differs) ``parent``/``neighbor`` are -1 and ``lam`` NaN,
and a note says why.

SMOTE-ENN and SMOTE-Tomek also remove rows (original and synthetic) and return the kept rows
grouped by class, so their output does not start with the input: ``lineage_["row"]`` gives the
positions of the synthetic rows in the output, ``kept_rows_`` the kept rows of SMOTE's
output, ``n_removed_`` the original rows removed.

As for the harness's own samplers, the parameters are validated first, then the input is
checked by the harness's readers (:func:`check_wrapped_input`: the same ``InputDataError`` for
masked arrays, NaN or infinity, text or bad labels), and the request, once imbalanced-learn has
counted it, against memory (:mod:`harness.resample.memory`), before imbalanced-learn allocates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn import combine as imblearn_combine
from imblearn import over_sampling as imblearn_over
from scipy import sparse

from harness.resample.arrays import read_input, read_sparse_numbers
from harness.resample.lineage import build_lineage
from harness.resample.memory import OutputSize, check_request
from harness.resample.parameters import ValidatedParameters


def match_rows(X: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """For each query row, the lowest index of an identical row of ``X`` (-1 when none).

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
    queries : ndarray of shape (n_queries, n_features)

    Returns
    -------
    ndarray of int64, shape (n_queries,)
    """
    X = np.ascontiguousarray(X)
    queries = np.ascontiguousarray(queries, dtype=X.dtype)
    row_type = np.dtype((np.void, X.dtype.itemsize * X.shape[1]))
    keys, wanted = X.view(row_type).ravel(), queries.view(row_type).ravel()
    order = np.argsort(keys, kind="stable")  # equal rows keep index order: the lowest first
    sorted_keys = keys[order]
    position = np.searchsorted(sorted_keys, wanted)
    inside = position < sorted_keys.shape[0]
    found = np.zeros(wanted.shape[0], dtype=bool)
    found[inside] = sorted_keys[position[inside]] == wanted[inside]
    return np.where(found, order[np.minimum(position, sorted_keys.shape[0] - 1)], -1)


def segment_positions(parents: np.ndarray, neighbors: np.ndarray, new: np.ndarray) -> np.ndarray:
    """λ of each new row on its segment: the projection of (new − parent) on (neighbour −
    parent), 0 for a segment of length 0."""
    step = (neighbors - parents).astype(np.float64)
    length = np.einsum("ij,ij->i", step, step)
    along = np.einsum("ij,ij->i", (new - parents).astype(np.float64), step)
    return np.divide(along, length, out=np.zeros_like(along), where=length > 0)


def check_wrapped_input(X: object, y: object) -> None:
    """The harness's input checks, run before imbalanced-learn's own validation, so a bad input
    gets the :class:`~harness.errors.InputDataError` naming the fix that the harness's own
    samplers give (scikit-learn's would be a plain ``ValueError``, and would read a masked
    array's data without its mask): masked arrays, NaN or infinite values, non-numeric or
    complex values, mismatched lengths, bad labels. A sparse ``X``, which these samplers take,
    is read by :func:`harness.resample.arrays.read_sparse_numbers`, any other by
    :func:`harness.resample.arrays.read_input`; imbalanced-learn then reads ``X`` itself."""
    if sparse.issparse(X):
        read_sparse_numbers(X, y)
    else:
        read_input(X, y, float_only=False)


class SegmentRecorder:
    """Mixin for imbalanced-learn's SMOTE family: keep every segment it interpolates along.

    Its ``_fit_resample`` runs once imbalanced-learn has turned ``sampling_strategy`` into
    rows to generate (``sampling_strategy_``) and before anything is allocated, so the request
    is checked there against memory (:func:`harness.resample.memory.check_request`).
    """

    def _fit_resample(self, X, y, *args, **kwargs):
        size = OutputSize.of(X, y, sum(self.sampling_strategy_.values()))
        check_request(size, harness_parameters=False)
        self._segments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._recordable = not sparse.issparse(X)
        return super()._fit_resample(X, y, *args, **kwargs)

    def _generate_samples(self, X, nn_data, nn_num, rows, cols, steps, y_type=None, y=None):
        X_new = super()._generate_samples(X, nn_data, nn_num, rows, cols, steps, y_type, y)
        if self._recordable and not sparse.issparse(X_new):
            neighbors = nn_data[nn_num[rows, cols]]
            self._segments.append((np.asarray(X[rows]), np.asarray(neighbors), np.asarray(X_new)))
        return X_new

    def recovered_segments(self, X: object, n_new: int) -> tuple[np.ndarray, ...] | None:
        """``(parents, neighbors, lam)`` as input rows for the ``n_new`` rows made, or None."""
        segments = getattr(self, "_segments", [])
        if not getattr(self, "_recordable", False) or sum(len(s[2]) for s in segments) != n_new:
            return None
        if n_new == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0)
        parents, neighbors, new = (np.concatenate(part) for part in zip(*segments, strict=True))
        values = np.asarray(X)
        return (
            match_rows(values, parents),
            match_rows(values, neighbors),
            segment_positions(parents, neighbors, new),
        )


class _RecordingSMOTE(SegmentRecorder, imblearn_over.SMOTE):
    """imbalanced-learn's SMOTE, keeping its segments (used inside SMOTE-ENN and SMOTE-Tomek)."""


_UNRECOVERED = (
    "the parent and neighbour of the synthetic rows could not be recovered ({why}); lineage "
    "has their positions and classes, with parent/neighbor -1 and lam NaN"
)


def _lineage(
    rows: np.ndarray, labels: np.ndarray, recovered: tuple | None, notes: list[str], why: str
) -> pd.DataFrame:
    if recovered is None:
        notes.append(_UNRECOVERED.format(why=why))
        missing = np.full(rows.shape[0], -1, dtype=np.int64)
        lineage = build_lineage(0, missing, missing, np.full(rows.shape[0], np.nan), None, labels)
    else:
        parents, neighbors, lam = recovered
        lineage = build_lineage(0, parents, neighbors, lam, None, labels)
    lineage["row"] = rows.astype(np.int64)
    return lineage


def _why_not(X: object) -> str:
    if sparse.issparse(X):
        return "X is sparse"
    return "imbalanced-learn's interpolation hook did not report every row"


class BorderlineSMOTE(ValidatedParameters, SegmentRecorder, imblearn_over.BorderlineSMOTE):
    """imbalanced-learn's ``BorderlineSMOTE`` (Han et al. 2005), with lineage.

    Same parameters and results as ``imblearn.over_sampling.BorderlineSMOTE``: only minority
    rows "in danger" (more than half, not all, of their ``m_neighbors`` neighbours from other
    classes) are interpolated from; ``kind="borderline-2"`` also interpolates towards other
    classes' rows (at most half-way).

    Attributes
    ----------
    n_original_, n_synthetic_ : int
        Input rows; synthetic rows appended after them.
    lineage_ : pandas.DataFrame
        ``row, parent, neighbor, lam, difficulty (NaN), class`` per synthetic row.
    notes_ : list of str
        What was recorded and what could not be.
    """

    def fit_resample(self, X, y, **params):
        """Resample as imbalanced-learn does, then record the synthetic rows' lineage."""
        self._validate_params()
        check_wrapped_input(X, y)
        X_res, y_res = super().fit_resample(X, y, **params)
        n = X.shape[0] if sparse.issparse(X) else len(X)
        labels = _labels_of(y_res)[n:]
        self.n_original_ = n
        self.n_synthetic_ = labels.shape[0]
        self.notes_ = [f"imbalanced-learn BorderlineSMOTE(kind={self.kind!r})"]
        recovered = self.recovered_segments(_dense_input(X), self.n_synthetic_)
        rows = np.arange(n, n + self.n_synthetic_)
        self.lineage_ = _lineage(rows, labels, recovered, self.notes_, _why_not(X))
        return X_res, y_res


def _dense_input(X: object) -> object:
    if isinstance(X, pd.DataFrame):
        return X.to_numpy()
    return X if sparse.issparse(X) else np.asarray(X)


class _CombinedSampler(ValidatedParameters):
    """What SMOTE-ENN and SMOTE-Tomek share: SMOTE records, the cleaner's kept rows count."""

    _cleaner_attribute = ""

    def _validate_estimator(self):
        super()._validate_estimator()
        if type(self.smote_) is imblearn_over.SMOTE:
            self.smote_ = _RecordingSMOTE(**self.smote_.get_params())

    def fit_resample(self, X, y, **params):
        """Resample as imbalanced-learn does, then record the synthetic rows that were kept."""
        self._validate_params()
        check_wrapped_input(X, y)
        X_res, y_res = super().fit_resample(X, y, **params)
        n = X.shape[0] if sparse.issparse(X) else len(X)
        kept = np.asarray(getattr(self, self._cleaner_attribute).sample_indices_)
        smote = self.smote_
        n_made = int(sum(smote.sampling_strategy_.values()))
        synthetic = kept >= n
        self.kept_rows_ = kept
        self.n_original_ = n
        self.n_synthetic_ = int(synthetic.sum())
        self.n_removed_ = n - int((~synthetic).sum())
        self.notes_ = [
            f"imbalanced-learn {type(self).__name__}: SMOTE made {n_made} rows, cleaning kept "
            f"{self.n_synthetic_} of them and removed {self.n_removed_} original rows"
        ]
        recovered = (
            smote.recovered_segments(_dense_input(X), n_made)
            if isinstance(smote, SegmentRecorder)
            else None
        )
        y_made = _labels_of(y_res)[np.flatnonzero(synthetic)]
        if recovered is not None:
            recovered = tuple(part[kept[synthetic] - n] for part in recovered)
        self.lineage_ = _lineage(
            np.flatnonzero(synthetic), y_made, recovered, self.notes_, _why_not(X)
        )
        return X_res, y_res


def _labels_of(y_res: object) -> np.ndarray:
    labels = np.asarray(y_res.to_numpy() if isinstance(y_res, pd.Series | pd.DataFrame) else y_res)
    if labels.ndim == 2 and labels.shape[1] > 1:
        return labels.argmax(axis=1)
    return labels.ravel()


class SMOTEENN(_CombinedSampler, imblearn_combine.SMOTEENN):
    """imbalanced-learn's ``SMOTEENN`` (SMOTE, then Edited Nearest Neighbours), with lineage.

    Same parameters and results as ``imblearn.combine.SMOTEENN``.

    Attributes
    ----------
    n_original_ : int
        Input rows.
    n_synthetic_ : int
        Synthetic rows in the output (those the cleaning kept).
    n_removed_ : int
        Original rows the cleaning removed.
    kept_rows_ : ndarray of int
        Rows of SMOTE's output (input rows first, then SMOTE's) that were kept, in output order.
    lineage_ : pandas.DataFrame
        One row per synthetic row of the output; ``row`` is its position in the output.
    notes_ : list of str
    """

    _cleaner_attribute = "enn_"


class SMOTETomek(_CombinedSampler, imblearn_combine.SMOTETomek):
    """imbalanced-learn's ``SMOTETomek`` (SMOTE, then removal of Tomek links), with lineage.

    Same parameters and results as ``imblearn.combine.SMOTETomek``; attributes as
    :class:`SMOTEENN`.
    """

    _cleaner_attribute = "tomek_"
