"""The template every over-sampler of the harness follows.

:class:`HarnessOverSampler` keeps imbalanced-learn's public contract (``fit_resample``,
``sampling_strategy`` in all its forms, ``get_params``/``clone``, use inside
``imblearn.pipeline.Pipeline``) and adds what the harness records: ``n_original_``,
``n_synthetic_``, ``lineage_`` and ``notes_``. Subclasses implement three small hooks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler

from harness.errors import InputDataError, MemoryQuotaError
from harness.resample.arrays import InputArrays, read_input, write_output
from harness.resample.lineage import concat_lineage
from harness.resample.validation import check_positive_int, resolve_sampling_strategy

_MIB = 2**20


class HarnessOverSampler(BaseOverSampler):
    """Base class: checks, sampling strategy, quota, output types and fitted attributes.

    Subclasses set ``_interpolates`` and implement :meth:`_check_params`,
    :meth:`_adjust_strategy` (optional), :meth:`_check_class_sizes` (optional) and
    :meth:`_generate`.
    """

    _interpolates = False

    # -- hooks --------------------------------------------------------------------------------
    def _check_params(self) -> None:
        """Raise :class:`SamplerParameterError` for an invalid parameter."""

    def _adjust_strategy(self, strategy: dict, y: np.ndarray) -> dict:
        """Change the rows to generate per class (ADASYN's beta and d_th); default: keep."""
        return strategy

    def _check_class_sizes(self, strategy: dict, y: np.ndarray) -> None:
        """Raise when a class to oversample is too small for the method."""

    def _generate(
        self, X: np.ndarray, y: np.ndarray, strategy: dict, out: np.ndarray
    ) -> list[pd.DataFrame]:
        """Write ``sum(strategy.values())`` new rows into ``out``; return lineage blocks."""
        raise NotImplementedError

    # -- the template ---------------------------------------------------------------------------
    def fit_resample(self, X, y, **params):
        """Resample ``X, y``: original rows first and unchanged, new rows appended.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
            Numeric features, no NaN or infinite value.
        y : array-like or pandas.Series of shape (n_samples,)
            Class labels.
        **params : dict
            Accepted for pipeline compatibility; unused.

        Returns
        -------
        X_resampled : same type as ``X``, shape (n_samples + n_synthetic_, n_features)
        y_resampled : same type as ``y``
        """
        self._check_params()
        check_positive_int("max_synthetic", getattr(self, "max_synthetic", None), allow_none=True)
        data = read_input(X, y, float_only=self._interpolates)
        self.notes_ = list(data.notes)
        strategy = resolve_sampling_strategy(self.sampling_strategy, data.y)
        strategy = self._adjust_strategy(strategy, data.y)
        self._check_quota(strategy, data)
        self._check_class_sizes(strategy, data.y)
        self._set_feature_attributes(data)

        n_original, n_new = data.X.shape[0], int(sum(strategy.values()))
        X_out = np.empty((n_original + n_new, data.X.shape[1]), dtype=data.X.dtype)
        X_out[:n_original] = data.X
        blocks = self._generate(data.X, data.y, strategy, X_out[n_original:])
        y_out = np.concatenate(
            [data.y, *(np.full(n, label, dtype=data.y.dtype) for label, n in strategy.items())]
        )

        self.sampling_strategy_ = strategy
        self.n_original_ = n_original
        self.n_synthetic_ = n_new
        self.lineage_ = concat_lineage(blocks, data.y.dtype)
        return write_output(data, X_out, y_out)

    def fit(self, X, y, **params):
        """Run :meth:`fit_resample` for its fitted attributes; return ``self``."""
        self.fit_resample(X, y, **params)
        return self

    def _fit_resample(self, X, y, **params):
        # imbalanced-learn's abstract hook; fit_resample above does the whole job.
        return self.fit_resample(X, y, **params)

    def _check_quota(self, strategy: dict, data: InputArrays) -> None:
        quota = getattr(self, "max_synthetic", None)
        total = int(sum(strategy.values()))
        if quota is None or total <= quota:
            return
        mib = total * data.X.shape[1] * data.X.dtype.itemsize / _MIB
        raise MemoryQuotaError(
            f"This request would create {total:,} synthetic rows (about {mib:,.1f} MiB of "
            f"features), more than max_synthetic={quota:,}: raise max_synthetic to at least "
            f"{total}, or ask for fewer rows with sampling_strategy."
        )

    def _set_feature_attributes(self, data: InputArrays) -> None:
        self.n_features_in_ = data.X.shape[1]
        if data.is_frame and all(isinstance(c, str) for c in data.columns):
            self.feature_names_in_ = np.asarray(data.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

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
