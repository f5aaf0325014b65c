"""Treatments that add no row: the data go through unchanged.

They still have the sampler contract, so the evaluation protocol handles every strategy the same
way, and they record the same fitted attributes (nothing generated, an empty lineage). Two of
them carry an instruction for the protocol about the model instead:
:class:`ClassWeightBaseline` (``model_class_weight``) and :class:`DecisionThreshold`
(``tune_threshold``).
"""

from __future__ import annotations

import numpy as np
from imblearn.base import BaseSampler

from harness.resample.arrays import read_rows
from harness.resample.base import set_feature_attributes
from harness.resample.lineage import concat_lineage
from harness.resample.parameters import ValidatedParameters


class NoResampling(ValidatedParameters, BaseSampler):
    """No treatment: ``fit_resample`` returns ``X`` and ``y`` unchanged (the same objects).

    Any ``X`` is accepted (text, missing values, sparse matrices), as the rows are not touched;
    ``y`` is checked like every sampler's (at least two classes, class labels).

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
    n_features_in_, feature_names_in_
        scikit-learn's input attributes (:func:`harness.resample.base.set_feature_attributes`).
    """

    _sampling_type = "bypass"
    _parameter_constraints: dict = {}
    _note = "no resampling: the training data are used as they are"

    def __init__(self):
        pass

    def fit_resample(self, X, y, **params):
        """Record the fitted attributes and return ``X, y`` unchanged.

        Parameters
        ----------
        X : array-like, sparse matrix or pandas.DataFrame of shape (n_samples, n_features)
        y : array-like, pandas.Series or pandas.DataFrame
        **params : dict
            Accepted for pipeline compatibility; unused.

        Returns
        -------
        X, y : the inputs themselves
        """
        self._validate_params()
        data = read_rows(X, y)
        self.sampling_strategy_ = {label: 0 for label in np.unique(data.y).tolist()}
        self.n_original_ = data.X.shape[0]
        self.n_synthetic_ = 0
        self.lineage_ = concat_lineage([], data.y.dtype)
        self.notes_ = [self._note]
        set_feature_attributes(self, data)
        return X, y

    def fit(self, X, y, **params):
        """Record the fitted attributes; return ``self``."""
        self.fit_resample(X, y)
        return self

    def _fit_resample(self, X, y, **params):
        return self.fit_resample(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags


class ClassWeightBaseline(NoResampling):
    """Class weights instead of resampling: the data pass unchanged, the model is reweighted.

    ``model_class_weight = "balanced"`` is read by the evaluation protocol, which passes it to
    the model as ``class_weight``.
    """

    model_class_weight = "balanced"
    _note = 'no resampling: the model is trained with class_weight="balanced"'


class DecisionThreshold(NoResampling):
    """Move the decision threshold instead of resampling (the baseline users try first).

    The data pass unchanged; ``tune_threshold = True`` tells the evaluation protocol to wrap the
    model in scikit-learn's ``TunedThresholdClassifierCV`` (:meth:`wrap_model`), which picks
    the threshold by an internal cross-validation on the training fold only, maximising
    ``scoring`` for the positive (minority, label 1) class. scikit-learn's own default,
    balanced accuracy, is not what these users optimise, hence ``scoring="f1"``.

    Parameters
    ----------
    scoring : str or callable, default="f1"
        What the threshold maximises (any scikit-learn scorer name, e.g. ``"recall"``,
        ``"balanced_accuracy"``, or a scorer).
    cv : int, cross-validation splitter or iterable, default=5
        The internal cross-validation on the training fold.
    """

    tune_threshold = True
    _parameter_constraints: dict = {"scoring": [str, callable], "cv": ["cv_object"]}

    def __init__(self, *, scoring="f1", cv=5):
        self.scoring = scoring
        self.cv = cv

    @property
    def _note(self) -> str:
        return (
            "no resampling: the model's decision threshold is tuned on the training fold "
            f"(TunedThresholdClassifierCV, scoring={self.scoring!r}, cv={self.cv!r})"
        )

    @property
    def threshold_scoring(self) -> object:
        """The scoring the threshold is tuned for (``scoring``)."""
        return self.scoring

    def wrap_model(self, estimator: object, random_state: int | None = None) -> object:
        """The model the protocol fits instead of ``estimator``.

        Parameters
        ----------
        estimator : classifier
            The unfitted model of the job (with ``predict_proba`` or ``decision_function``).
        random_state : int or None
            Seed of the internal cross-validation's shuffling, when it shuffles.

        Returns
        -------
        harness.resample.threshold_tuning.ThresholdTunedClassifier
            scikit-learn's ``TunedThresholdClassifierCV`` with fast scorers and a rule for
            constant scores; unfitted, ``fit(X_train, y_train)`` tunes the threshold on the
            training fold only.
        """
        from harness.resample.threshold_tuning import ThresholdTunedClassifier

        return ThresholdTunedClassifier(
            estimator, scoring=self.scoring, cv=self.cv, random_state=random_state
        )
