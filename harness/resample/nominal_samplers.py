"""ADASYN-NC and SMOTE-NC: the nominal–continuous variants, on the same core as ADASYN and SMOTE.

Nominal columns are never interpolated: distances are SMOTE-NC's mixed distance and a new row's
categories are the most frequent among its parent's K nearest neighbours of the class
(:mod:`harness.resample.nominal`); continuous columns are interpolated as usual, and declared
``integer_features`` rounded. The variants are classes of their own (``ADASYNNC``, ``SMOTENC``)
so each is a strategy of its own (``adasyn_nc``, ``smote_nc``) and the plain samplers keep
refusing text.
"""

from __future__ import annotations

import numpy as np

from harness.resample.adasyn import ADASYN
from harness.resample.arrays import InputArrays, read_input
from harness.resample.base import ClassRequest
from harness.resample.nominal import median_std, mixed_space, vote_nominals
from harness.resample.parameters import CATEGORICAL_FEATURES, extended_init
from harness.resample.smote import SMOTE
from harness.resample.synthesis import SyntheticBlock


def _nominal_doc(summary: str, base: str, inherited: str) -> str:
    """The docstring of the nominal–continuous variant of ``base`` (``"ADASYN"``, ``"SMOTE"``):
    ``summary``, then what the variant adds; ``inherited`` names ``base``'s other attributes."""
    return f"""{summary}

    Parameters
    ----------
    categorical_features : "auto" or array-like, default="auto"
        The nominal columns: positions, names or a boolean mask; an item that is itself a list
        names the indicator columns of one one-hot encoded feature (decoded to a category,
        resampled, encoded again). ``"auto"``: a DataFrame's category, object, string and
        boolean columns. Nominal columns may hold any values; a missing value is a category.
    The other parameters are :class:`harness.resample.{base}`'s.

    Attributes
    ----------
    categorical_features_, continuous_features_ : ndarray of int
        Input positions of the nominal (one-hot group columns included) and continuous columns.
    median_std_ : dict
        Class -> m, the nominal mismatch penalty's square root.
    minority_neighbors_ : dict
        Class -> (m, K) input rows of each class row's K neighbours (the nominal voters).
    lineage_ : pandas.DataFrame
        {base}'s columns, plus ``nominal_ties``: the nominal features of the row whose value
        was drawn among tied modes.
    {inherited}
        As :class:`harness.resample.{base}`.
    """


class NominalContinuous:
    """What ADASYN-NC and SMOTE-NC add to ADASYN and SMOTE (a mixin placed before them)."""

    _interpolates = True

    def _read(self, X: object, y: object) -> InputArrays:
        data = read_input(
            X,
            y,
            float_only=True,
            categorical=self.categorical_features,
            integer=self.integer_features,
        )
        layout = data.layout
        self.categorical_features_ = np.array(
            sorted(j for nominal in layout.nominals for j in nominal.columns), dtype=np.intp
        )
        self.continuous_features_ = np.array(layout.continuous, dtype=np.intp)
        return data

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # nominal columns hold any values
        return tags

    def _start(self, X: np.ndarray, y: np.ndarray) -> None:
        super()._start(X, y)
        self.median_std_, self.minority_neighbors_ = {}, {}

    def _search_space(self, X: np.ndarray, request: ClassRequest) -> np.ndarray:
        layout = self._layout
        scale = median_std(X[request.rows, : layout.n_continuous])
        self.median_std_[request.label] = scale
        return mixed_space(X, layout, scale)

    def _finish_rows(
        self,
        X: np.ndarray,
        request: ClassRequest,
        block: SyntheticBlock,
        table: np.ndarray,
        out: np.ndarray,
    ) -> dict[str, np.ndarray]:
        first_code = self._layout.n_continuous
        codes = X[request.rows, first_code:].astype(np.intp)
        new_codes, ties = vote_nominals(
            codes, table, block.parent_positions, request.streams, request.class_index
        )
        out[:, first_code:] = new_codes
        self.minority_neighbors_[request.label] = request.rows[table]
        return {"nominal_ties": ties}


class ADASYNNC(NominalContinuous, ADASYN):
    __doc__ = _nominal_doc(
        """ADASYN for nominal and continuous features (ADASYN-NC).

    As :class:`harness.resample.ADASYN`, with SMOTE-NC's mixed distance for Δ_i (so the
    difficulty counts nominal mismatches) and for the minority neighbours, and nominal values
    taken as the most frequent among the parent's K minority neighbours (ties broken by the
    seeded stream) instead of interpolated (:mod:`harness.resample.nominal`).""",
        "ADASYN",
        "difficulty_, allocation_, sampling_strategy_, n_original_, n_synthetic_, notes_",
    )

    _parameter_constraints: dict = {
        **ADASYN._parameter_constraints,
        "categorical_features": CATEGORICAL_FEATURES,
    }

    __init__ = extended_init(ADASYN, categorical_features="auto")


class SMOTENC(NominalContinuous, SMOTE):
    __doc__ = _nominal_doc(
        """SMOTE for nominal and continuous features (SMOTE-NC, Chawla et al. 2002).

    As imbalanced-learn's ``SMOTENC``: neighbours within the class by the mixed distance,
    continuous values interpolated, nominal values the most frequent among the parent's K
    neighbours (ties broken by the seeded stream); with the harness's exact totals, lineage and
    tie rule.""",
        "SMOTE",
        "sampling_strategy_, n_original_, n_synthetic_, notes_",
    )

    _parameter_constraints: dict = {
        **SMOTE._parameter_constraints,
        "categorical_features": CATEGORICAL_FEATURES,
    }

    __init__ = extended_init(SMOTE, categorical_features="auto")
