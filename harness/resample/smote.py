"""SMOTE (Chawla et al., 2002) on the harness core: every minority row gets the same share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.resample.allocation import uniform_allocation
from harness.resample.base import ClassRequest
from harness.resample.interpolating import InterpolatingOverSampler
from harness.resample.parameters import NEIGHBORS, extended_init
from harness.resample.streams import ALLOCATION


class SMOTE(InterpolatingOverSampler):
    """Synthetic Minority Over-sampling Technique with exact totals and lineage.

    Rows are spread as evenly as possible over the minority rows (the remainder goes to rows
    chosen at random); each new row lies on the segment between a minority row and one of its
    ``k_neighbors`` nearest minority neighbours (the row itself excluded by index; ties by the
    rule of :mod:`harness.resample.ties`).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn: a float is the minority/majority ratio wanted (binary only);
        ``"auto"``/``"not majority"``, ``"minority"``, ``"not minority"``, ``"all"`` bring the
        chosen classes to the majority's size; a dict (or a callable returning one) gives the
        wanted number of rows per class.
    synthetic_percent : float or None, default=None
        N of the SMOTE and ADASYN papers: each class ``sampling_strategy`` chooses (a string:
        ``"auto"`` is every class but the majority) gets round(N/100 × its own rows) new rows,
        e.g. 268 for 134 rows at N = 200, even past the majority's size. Relative to each
        fold's own class counts, unlike a dict. Any finite number > 0; with a float, dict or
        callable ``sampling_strategy`` it is refused (both would set the counts).
    random_state : int, RandomState or None, default=None
        Seed of the counter-based streams that draw the allocation remainder, the neighbour
        choice and λ (:mod:`harness.resample.streams`).
    k_neighbors : int or neighbours estimator, default=5
        Minority neighbours to interpolate towards. An object with ``kneighbors`` (e.g.
        ``NearestNeighbors(n_neighbors=6)``) is used for the search instead of ``backend``,
        with K = its ``n_neighbors`` - 1, as in imbalanced-learn.
    backend : str, default="auto"
        Neighbour search backend (``"exact"``, ``"brute"``, ``"blocked"``, ``"auto"``, ...).
    chunk_size : int, default=65536
        Rows interpolated per step (bounds temporary memory; never changes the result).
    max_synthetic : int or None, default=None
        Refuse (``MemoryQuotaError``) to create more rows than this.
    integer_features : None, "auto" or array-like, default=None
        Whole-number columns: rounded after interpolation and given back with their dtype.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows generated per class.
    n_original_, n_synthetic_ : int
        Input rows; rows appended.
    lineage_ : pandas.DataFrame
        One row per appended row: ``row, parent, neighbor, lam, difficulty (NaN), class``.
    notes_ : list of str
        What the sampler decided and why.
    n_features_in_, feature_names_in_
        scikit-learn's input attributes (:func:`harness.resample.base.set_feature_attributes`).
    """

    _neighbors_parameter = "k_neighbors"
    _parameter_constraints: dict = {
        **InterpolatingOverSampler._parameter_constraints,
        "k_neighbors": NEIGHBORS,
    }
    __init__ = extended_init(InterpolatingOverSampler, k_neighbors=5)

    def _generate_class(
        self, X: np.ndarray, y: np.ndarray, request: ClassRequest, out: np.ndarray
    ) -> pd.DataFrame:
        k, search = self._neighbors()
        allocation_stream = request.streams.generator(ALLOCATION, request.class_index)
        shares = uniform_allocation(request.rows.shape[0], request.total, allocation_stream)
        space = self._search_space(X, request)
        table = self._own_class_neighbors(space, request, k, search)
        return self._interpolate_class(X, y, request, shares, table, out)
