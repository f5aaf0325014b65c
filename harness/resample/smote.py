"""SMOTE (Chawla et al., 2002) on the harness core: every minority row gets the same share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.resample.allocation import uniform_allocation
from harness.resample.base import ClassRequest, HarnessOverSampler
from harness.resample.interpolation import DEFAULT_CHUNK_SIZE
from harness.resample.lineage import build_lineage
from harness.resample.neighbors import neighbors_excluding_self
from harness.resample.parameters import INTEGER_FEATURES, NEIGHBORS, BackendName, positive_int
from harness.resample.streams import ALLOCATION
from harness.resample.synthesis import synthesize_class


class SMOTE(HarnessOverSampler):
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
    n_features_in_ : int
        Columns of ``X``.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    """

    _interpolates = True
    _parameter_constraints: dict = {
        **HarnessOverSampler._parameter_constraints,
        "k_neighbors": NEIGHBORS,
        "backend": [BackendName()],
        "chunk_size": [positive_int()],
        "integer_features": INTEGER_FEATURES,
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        backend="auto",
        chunk_size=DEFAULT_CHUNK_SIZE,
        max_synthetic=None,
        integer_features=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.backend = backend
        self.chunk_size = chunk_size
        self.max_synthetic = max_synthetic
        self.integer_features = integer_features

    def _check_class_sizes(self, strategy: dict, y: np.ndarray) -> None:
        k, _ = self._neighbor_search(self.k_neighbors, self.backend, "k_neighbors")
        self._too_small(strategy, y, k, "k_neighbors")

    def _generate_class(
        self, X: np.ndarray, y: np.ndarray, request: ClassRequest, out: np.ndarray
    ) -> pd.DataFrame:
        k, search = self._neighbor_search(self.k_neighbors, self.backend, "k_neighbors")
        allocation_stream = request.streams.generator(ALLOCATION, request.class_index)
        shares = uniform_allocation(request.rows.shape[0], request.total, allocation_stream)
        space = self._search_space(X, request)
        table = neighbors_excluding_self(
            space[request.rows], np.arange(request.rows.shape[0]), k, search
        )
        block = synthesize_class(
            X,
            request.rows,
            shares,
            table,
            request.streams,
            request.class_index,
            out,
            self.chunk_size,
        )
        extra = self._finish_rows(X, request, block, table, out)
        lineage = build_lineage(
            request.first_row,
            block.parents,
            block.neighbors,
            block.lam,
            None,
            np.full(request.total, request.label, dtype=y.dtype),
        )
        return lineage.assign(**extra) if extra else lineage
