"""The template every over-sampler of the harness follows: imbalanced-learn's, plus records.

:class:`HarnessOverSampler` keeps imbalanced-learn's contract and shape: ``fit_resample``
validates the parameters (one validator over ``_parameter_constraints``,
:mod:`harness.resample.parameters`) and the input (:mod:`harness.resample.arrays`), resolves
``sampling_strategy_`` and calls ``_fit_resample``, which runs the one per-class loop of every
sampler and asks the subclass for each class's new rows (:meth:`_generate_class`). What the
harness adds is recorded on the way: ``n_original_``, ``n_synthetic_``, ``lineage_`` and
``notes_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from scipy import sparse

from harness.errors import InputDataError, SamplerParameterError
from harness.resample.arrays import InputArrays, read_input, stack_rows, write_output
from harness.resample.columns import integer_positions
from harness.resample.lineage import concat_lineage
from harness.resample.memory import OutputSize, check_request
from harness.resample.neighbors import EstimatorBackend, NeighborBackend, get_backend
from harness.resample.parameters import (
    RANDOM_STATE,
    SAMPLING_STRATEGY,
    SYNTHETIC_PERCENT,
    ValidatedParameters,
    positive_int,
)
from harness.resample.streams import RandomStreams, seed_from_random_state
from harness.resample.synthesis import SyntheticBlock
from harness.resample.validation import resolve_sampling_strategy


@dataclass(frozen=True)
class ClassRequest:
    """What the per-class loop asks a sampler for: ``total`` new rows of one class."""

    label: object
    class_index: int  # position of the class among the sorted labels: keys its streams
    rows: np.ndarray  # positions of the class's rows in X, in input order
    total: int
    first_row: int  # position in the output of the first new row
    streams: RandomStreams


class HarnessOverSampler(ValidatedParameters, BaseOverSampler):
    """Base class: checks, sampling strategy, quota, the per-class loop and fitted attributes.

    Subclasses declare their parameters in ``_parameter_constraints`` and implement
    :meth:`_generate_class`; optionally :meth:`_adjust_strategy` and :meth:`_check_class_sizes`.
    ``_interpolates`` says whether new rows are computed (numeric input, written into a
    preallocated array) or copied (any input, see :meth:`_computes_rows`).
    """

    _parameter_constraints: dict = {
        "sampling_strategy": SAMPLING_STRATEGY,
        "synthetic_percent": SYNTHETIC_PERCENT,
        "random_state": RANDOM_STATE,
        "max_synthetic": [positive_int(), None],
    }
    _interpolates = False

    # -- hooks --------------------------------------------------------------------------------
    def _computes_rows(self) -> bool:
        """True: numeric input, new rows written by :meth:`_generate_class`; False: copied."""
        return True

    def _read(self, X: object, y: object) -> InputArrays:
        """Check and convert the input (:func:`harness.resample.arrays.read_input`)."""
        return read_input(
            X, y, float_only=self._interpolates, integer=getattr(self, "integer_features", None)
        )

    def _adjust_strategy(self, strategy: dict, y: np.ndarray) -> dict:
        """Change the rows to generate per class (ADASYN's beta and d_th); default: keep."""
        return strategy

    def _check_class_sizes(self, strategy: dict, y: np.ndarray) -> None:
        """Raise when a class to oversample is too small for the method."""

    def _start(self, X: object, y: np.ndarray) -> None:
        """Reset per-fit attributes before the per-class loop (ADASYN's ``difficulty_``)."""

    def _search_space(self, X: np.ndarray, request: ClassRequest) -> np.ndarray:
        """The rows neighbour searches run on: ``X`` (the nominal–continuous samplers encode
        their nominal columns for a mixed distance)."""
        return X

    def _finish_rows(
        self,
        X: np.ndarray,
        request: ClassRequest,
        block: SyntheticBlock,
        table: np.ndarray,
        out: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Complete interpolated rows (the nominal–continuous samplers set their categories);
        return extra lineage columns."""
        return {}

    def _generate_class(
        self, X: object, y: np.ndarray, request: ClassRequest, out: np.ndarray | None
    ) -> pd.DataFrame:
        """Make ``request.total`` new rows of one class; return their lineage block.

        When :meth:`_computes_rows`, write them into ``out`` (shape ``(total, n_columns)``,
        dense also when ``X`` is sparse: the rows are stacked under ``X`` in its format at the
        end); otherwise ``out`` is None and the rows named in the lineage's ``parent`` column
        are copied.
        """
        raise NotImplementedError

    # -- the template ---------------------------------------------------------------------------
    def fit_resample(self, X, y, **params):
        """Resample ``X, y``: original rows first and unchanged, new rows appended.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
            Features (see the sampler's docstring for what it accepts).
        y : array-like, pandas.Series or pandas.DataFrame
            Class labels: 1-D, a one-column array or DataFrame, or a one-hot matrix.
        **params : dict
            Accepted for pipeline compatibility; unused.

        Returns
        -------
        X_resampled : same type as ``X``, shape (n_samples + n_synthetic_, n_features)
        y_resampled : same type and shape kind as ``y``
        """
        self._validate_params()
        data = self._read(X, y)
        self.notes_ = list(data.notes)
        set_feature_attributes(self, data)
        percent = getattr(self, "synthetic_percent", None)
        strategy = resolve_sampling_strategy(self.sampling_strategy, data.y, percent)
        if percent is not None:
            self._note_percent(percent, strategy, data.y)
        strategy = self._adjust_strategy(strategy, data.y)
        self._check_quota(strategy, data)
        self._check_class_sizes(strategy, data.y)
        self.sampling_strategy_ = strategy
        self._layout = data.layout
        self._integer_columns = integer_positions(data.layout, data.integer)
        try:
            X_res, y_res = self._fit_resample(data.X, data.y)
        finally:
            del self._layout, self._integer_columns
        return write_output(data, X_res, y_res)

    def fit(self, X, y, **params):
        """Run :meth:`fit_resample` for its fitted attributes; return ``self``.

        Unlike imbalanced-learn's ``fit`` (which only checks the input), this resamples, so that
        ``lineage_`` and the sampler's own attributes (ADASYN's ``difficulty_``) can be read.
        """
        self.fit_resample(X, y, **params)
        return self

    def _fit_resample(self, X, y, **params):
        """The per-class loop: every class of ``sampling_strategy_`` with rows to create."""
        strategy = self.sampling_strategy_
        streams = RandomStreams(seed_from_random_state(self.random_state))
        n_original, n_new = X.shape[0], int(sum(strategy.values()))
        computes = self._computes_rows()
        self._start(X, y)
        X_out = new_rows = None
        if computes and sparse.issparse(X):  # new rows dense, stacked under X at the end
            new_rows = np.empty((n_new, X.shape[1]), dtype=X.dtype)
        elif computes:
            X_out = np.empty((n_original + n_new, X.shape[1]), dtype=X.dtype)
            X_out[:n_original] = X
            new_rows = X_out[n_original:]
        blocks, start = [], n_original
        for class_index, label in enumerate(sorted(strategy)):
            total = strategy[label]
            if total == 0:
                continue
            request = ClassRequest(
                label, class_index, np.flatnonzero(y == label), total, start, streams
            )
            first = start - n_original
            out = new_rows[first : first + total] if computes else None
            blocks.append(self._generate_class(X, y, request, out))
            start += total
        self.lineage_ = concat_lineage(blocks, y.dtype)
        if computes:
            self._round_integer_columns(new_rows)
            if X_out is None:
                X_out = sparse.vstack([X, sparse.csr_matrix(new_rows)], format=X.format)
        else:
            X_out = stack_rows(X, self.lineage_["parent"].to_numpy())
        y_out = np.concatenate(
            [y, *(np.full(n, label, dtype=y.dtype) for label, n in sorted(strategy.items()))]
        )
        self.n_original_ = n_original
        self.n_synthetic_ = n_new
        return X_out, y_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Honest tags: interpolating samplers refuse sparse input (with a message saying so).
        tags.input_tags.sparse = not self._interpolates
        return tags

    # -- shared helpers -----------------------------------------------------------------------
    def _round_integer_columns(self, new_rows: np.ndarray) -> None:
        if self._integer_columns:
            columns = list(self._integer_columns)
            new_rows[:, columns] = np.rint(new_rows[:, columns])

    def _check_quota(self, strategy: dict, data: InputArrays) -> None:
        """Refuse, before anything is allocated, a request over ``max_synthetic`` or too large
        for memory (:func:`harness.resample.memory.check_request`)."""
        size = OutputSize.of(data.X, data.y, sum(strategy.values()), self._dense_new_rows(data))
        check_request(size, getattr(self, "max_synthetic", None))

    def _note_percent(self, percent: object, strategy: dict, y: np.ndarray) -> None:
        labels, counts = np.unique(y, return_counts=True)
        for label, n_rows in zip(labels.tolist(), counts.tolist(), strict=True):
            if strategy[label]:
                self.notes_.append(
                    f"class {label!r}: synthetic_percent={percent} asks for {strategy[label]} "
                    f"new rows ({percent} % of its {n_rows} rows)"
                )

    def _dense_new_rows(self, data: InputArrays) -> bool:
        """Whether new rows store every feature even where ``X`` is sparse; default: no."""
        return False

    @staticmethod
    def _neighbor_search(value: object, backend: str, parameter: str) -> tuple[int, object]:
        """K and the search backend from ``n_neighbors``/``k_neighbors`` and ``backend``.

        An int is K, searched with ``backend``. A neighbours estimator (imbalanced-learn's
        convention) is used for the search instead, and K is its ``n_neighbors`` minus one (it
        counts the row itself).
        """
        if not hasattr(value, "kneighbors"):
            return int(value), backend
        counted = getattr(value, "n_neighbors", None)
        if isinstance(counted, bool) or not isinstance(counted, int | np.integer) or counted < 2:
            raise SamplerParameterError(
                f"The neighbours estimator given as {parameter} has n_neighbors={counted!r}; "
                "it counts the row itself, so K = n_neighbors - 1 must be at least 1: pass e.g. "
                f"NearestNeighbors(n_neighbors=6) for K = 5, or {parameter}=5."
            )
        return int(counted) - 1, EstimatorBackend(value)

    @staticmethod
    def _too_small(strategy: dict, y: np.ndarray, n_neighbors: int, parameter: str) -> None:
        labels, counts = np.unique(y, return_counts=True)
        sizes = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        for label, n_new in strategy.items():
            if n_new > 0 and sizes[label] < n_neighbors + 1:
                smaller = (
                    f"use {parameter}={sizes[label] - 1} or less, or "
                    if sizes[label] > 1
                    else "use "
                )
                raise InputDataError(
                    f"Class {label!r} has {sizes[label]} row(s), fewer than {parameter} + 1 = "
                    f"{n_neighbors + 1} needed to find {n_neighbors} neighbours: {smaller}"
                    "RandomOverSampler, which needs no neighbours."
                )


def set_feature_attributes(sampler: object, data: InputArrays) -> None:
    """Record scikit-learn's input attributes of the checked input ``data`` on ``sampler``.

    ``n_features_in_`` (int) is the number of columns of ``X``; ``feature_names_in_`` (ndarray
    of str) their names when ``X`` was a DataFrame with string column names, and is removed
    otherwise (as on a refit with an array). Every sampler of the harness records them so.
    """
    sampler.n_features_in_ = data.layout.n_features if data.layout is not None else data.X.shape[1]
    if data.is_frame and all(isinstance(c, str) for c in data.columns):
        sampler.feature_names_in_ = np.asarray(data.columns, dtype=object)
    elif hasattr(sampler, "feature_names_in_"):
        del sampler.feature_names_in_


def backend_for(search: object, n_reference: int, n_queries: int, n_features: int) -> object:
    """A fresh backend for one search: a name resolved for its size, or the estimator's."""
    if isinstance(search, NeighborBackend):
        return search
    return get_backend(search, n_reference=n_reference, n_queries=n_queries, n_features=n_features)
