"""Treatments that add no row: the data go through unchanged.

They still have the sampler contract, so the evaluation protocol handles every strategy the same
way, and they record the same fitted attributes (nothing generated, an empty lineage).
"""

from __future__ import annotations

import numpy as np
from imblearn.base import BaseSampler

from harness.errors import InputDataError
from harness.resample.arrays import check_label_types
from harness.resample.lineage import concat_lineage


class NoResampling(BaseSampler):
    """No treatment: ``fit_resample`` returns ``X`` and ``y`` unchanged (the same objects).

    Attributes
    ----------
    sampling_strategy_ : dict
        Every class mapped to 0.
    n_original_ : int
        Input rows.
    n_synthetic_ : int
        Always 0.
    lineage_ : pandas.DataFrame
        Empty, with the lineage columns.
    notes_ : list of str
        One note saying nothing was resampled.
    """

    _sampling_type = "bypass"
    _note = "no resampling: the training data are used as they are"

    def __init__(self):
        pass

    def fit_resample(self, X, y, **params):
        """Record the fitted attributes and return ``X, y`` unchanged.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        y : array-like or pandas.Series of shape (n_samples,)
        **params : dict
            Accepted for pipeline compatibility; unused.

        Returns
        -------
        X, y : the inputs themselves
        """
        n_rows = len(X) if X is not None else 0
        n_labels = len(y) if y is not None else 0
        if n_rows != n_labels or n_rows == 0:
            raise InputDataError(
                f"X has {n_rows} rows but y has {n_labels} labels: pass one label per row, "
                "at least one row."
            )
        labels = np.asarray(y)
        check_label_types(np.asarray(labels, dtype=object).ravel())
        self.sampling_strategy_ = {label: 0 for label in np.unique(labels).tolist()}
        self.n_original_ = n_rows
        self.n_synthetic_ = 0
        self.lineage_ = concat_lineage([], labels.dtype)
        self.notes_ = [self._note]
        self.n_features_in_ = np.shape(X)[1] if np.ndim(X) == 2 else 1
        return X, y

    def fit(self, X, y, **params):
        """Record the fitted attributes; return ``self``."""
        self.fit_resample(X, y)
        return self

    def _fit_resample(self, X, y, **params):
        return self.fit_resample(X, y)


class ClassWeightBaseline(NoResampling):
    """Class weights instead of resampling: the data pass unchanged, the model is reweighted.

    ``model_class_weight = "balanced"`` is read by the evaluation protocol, which passes it to
    the model as ``class_weight``.
    """

    model_class_weight = "balanced"
    _note = 'no resampling: the model is trained with class_weight="balanced"'
