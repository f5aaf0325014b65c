"""Random oversampling: duplicate rows of the classes to grow, drawn with replacement.

Copying a row needs no arithmetic, so any input is taken as it is (text, categories, dates,
missing values, sparse matrices). With ``shrinkage`` the copies are perturbed (a smoothed
bootstrap, as imbalanced-learn's ``RandomOverSampler(shrinkage=...)``), which needs numbers.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils.sparsefuncs import mean_variance_axis

from harness.errors import SamplerParameterError
from harness.resample.arrays import (
    InputArrays,
    NonNumericInputError,
    read_input,
    read_rows,
    read_sparse_numbers,
)
from harness.resample.base import ClassRequest, HarnessOverSampler
from harness.resample.interpolation import copy_rows_into
from harness.resample.lineage import build_lineage
from harness.resample.parameters import StrictInterval
from harness.resample.streams import DUPLICATION, SMOOTHING, block_bounds


class RandomOverSampler(HarnessOverSampler):
    """Duplicate randomly chosen rows (with replacement) until the wanted counts are reached.

    The parent of appended row j of a class is drawn uniformly from the class's rows by the
    stream of j's block (:mod:`harness.resample.streams`).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn (see :class:`harness.resample.SMOTE`).
    synthetic_percent : float or None, default=None
        N of the SMOTE and ADASYN papers, as in :class:`harness.resample.SMOTE`: new rows as a
        percentage of each chosen class's own rows (200: twice as many).
    random_state : int, RandomState or None, default=None
        Seed of the draws.
    shrinkage : float, dict or None, default=None
        None: plain copies. A number >= 0 (or a dict ``{class: number}`` covering every class
        to oversample): each copy gets Gaussian noise with standard deviation
        ``shrinkage · h · std_class`` per feature, h = (4 / ((n_features + 2) · n_samples))
        ^ (1 / (n_features + 4)), as imbalanced-learn's smoothed bootstrap. Needs numbers
        without NaN or infinity; a sparse ``X`` (CSR or CSC) gives a sparse output of the same
        format whose new rows store every feature.
    max_synthetic : int or None, default=None
        Refuse (``MemoryQuotaError``) to append more rows than this.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows appended per class.
    shrinkage_ : dict or None
        The shrinkage factor of each class oversampled.
    sample_indices_ : ndarray of int
        Input row of every output row (the original rows, then the parents).
    n_original_, n_synthetic_ : int
        Input rows; rows appended.
    lineage_ : pandas.DataFrame
        One row per appended row; ``neighbor`` is -1, ``lam`` 0.0, ``difficulty`` NaN.
    notes_ : list of str
        What the sampler decided and why.
    n_features_in_, feature_names_in_
        scikit-learn's input attributes (:func:`harness.resample.base.set_feature_attributes`).
    """

    _parameter_constraints: dict = {
        **HarnessOverSampler._parameter_constraints,
        "shrinkage": [StrictInterval(numbers.Real, 0, None, closed="left"), Mapping, None],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        synthetic_percent=None,
        random_state=None,
        shrinkage=None,
        max_synthetic=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.synthetic_percent = synthetic_percent
        self.random_state = random_state
        self.shrinkage = shrinkage
        self.max_synthetic = max_synthetic

    def _computes_rows(self) -> bool:
        return self.shrinkage is not None

    def _read(self, X: object, y: object) -> InputArrays:
        if self.shrinkage is None:
            return read_rows(X, y)
        try:
            if sparse.issparse(X):
                return read_sparse_numbers(X, y)
            return read_input(X, y, float_only=True)
        except NonNumericInputError as exc:
            raise NonNumericInputError(
                "When shrinkage is not None, X needs to contain only numerical data to later "
                f"generate a smoothed bootstrap sample. {exc} Or pass shrinkage=None: plain "
                "copies take any values."
            ) from exc

    def _dense_new_rows(self, data: InputArrays) -> bool:
        """The smoothed bootstrap's noise fills every feature of a new row, also in sparse X."""
        return self.shrinkage is not None

    def _start(self, X: object, y: np.ndarray) -> None:
        self.shrinkage_ = self._shrinkage_per_class()

    def _shrinkage_per_class(self) -> dict | None:
        to_grow = {label for label, n in self.sampling_strategy_.items() if n > 0}
        if self.shrinkage is None:
            return None
        if not isinstance(self.shrinkage, Mapping):
            return {label: float(self.shrinkage) for label in sorted(to_grow)}
        given = dict(self.shrinkage)
        missing = sorted(to_grow - set(given))
        if missing:
            raise SamplerParameterError(
                "`shrinkage` should contain a shrinkage factor for each class that will be "
                f"resampled. The missing classes are: {missing!r}. Add them, e.g. "
                f"shrinkage={{{', '.join(f'{m!r}: 0.5' for m in missing)}}}, or pass one number "
                "for every class."
            )
        factor = StrictInterval(numbers.Real, 0, None, closed="left")
        bad = [f"{v!r} for class {k!r}" for k, v in given.items() if not factor.is_satisfied_by(v)]
        if bad:
            raise SamplerParameterError(
                f"The shrinkage factor needs to be >= 0 (a finite number). Got {', '.join(bad)}: "
                "pass e.g. 0.5 (0 copies rows unchanged)."
            )
        return {label: float(given[label]) for label in sorted(to_grow)}

    def _generate_class(
        self, X: object, y: np.ndarray, request: ClassRequest, out: np.ndarray | None
    ) -> pd.DataFrame:
        n_rows = request.rows.shape[0]
        parents = np.empty(request.total, dtype=np.intp)
        for block, start, stop in block_bounds(request.total):
            stream = request.streams.generator(DUPLICATION, request.class_index, block)
            parents[start:stop] = request.rows[stream.integers(0, n_rows, size=stop - start)]
        if out is not None:
            copy_rows_into(out, X, parents)
            self._smooth(X, request, out)
        labels = np.full(request.total, request.label, dtype=y.dtype)
        return build_lineage(request.first_row, parents, None, None, None, labels)

    def _smooth(self, X: np.ndarray, request: ClassRequest, out: np.ndarray) -> None:
        """Add imbalanced-learn's smoothed-bootstrap noise to the copies of one class."""
        n_samples, n_features = X.shape
        bandwidth = (4 / ((n_features + 2) * n_samples)) ** (1 / (n_features + 4))
        if sparse.issparse(X):
            _, variance = mean_variance_axis(X[request.rows], axis=0)
            class_std = np.sqrt(variance)
        else:
            class_std = np.std(X[request.rows], axis=0)
        scale = self.shrinkage_[request.label] * bandwidth * class_std
        for block, start, stop in block_bounds(request.total):
            stream = request.streams.generator(SMOOTHING, request.class_index, block)
            noise = stream.standard_normal((stop - start, n_features)) * scale
            out[start:stop] += noise.astype(out.dtype, copy=False)

    def _fit_resample(self, X, y, **params):
        X_out, y_out = super()._fit_resample(X, y, **params)
        self.sample_indices_ = np.concatenate(
            [np.arange(self.n_original_), self.lineage_["parent"].to_numpy()]
        )
        return X_out, y_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        copies = self.shrinkage is None
        tags.input_tags.sparse = True
        tags.input_tags.string = copies
        tags.input_tags.allow_nan = copies
        tags.sampler_tags.sample_indices = True
        return tags
