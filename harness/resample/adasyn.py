"""ADASYN (He, Bai, Garcia, Li, IJCNN 2008) with exact totals, lineage and explicit policies."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions

from harness.resample.allocation import (
    NO_HARD_SAMPLES_POLICIES,
    adasyn_allocation,
    majority_counts,
)
from harness.resample.base import ClassRequest, backend_for
from harness.resample.difficulty import split_difficulty, supports_split
from harness.resample.interpolating import InterpolatingOverSampler
from harness.resample.neighbors import get_backend, neighbors_excluding_self
from harness.resample.parameters import NEIGHBORS, StrictInterval, extended_init
from harness.resample.streams import ALLOCATION


class ADASYN(InterpolatingOverSampler):
    """Adaptive Synthetic sampling: more synthetic rows where the minority is harder to learn.

    For each class to oversample (one-vs-rest: every other class counts as majority):

    1. d = m_s / m_l; if ``d_th`` is set and d >= d_th, nothing is generated (noted in
       ``notes_``).
    2. G = round((m_l − m_s)·β) when ``sampling_strategy="auto"``; any other
       ``sampling_strategy``, or ``synthetic_percent``, gives G directly and ``beta`` is
       ignored.
    3. r_i = Δ_i / K, Δ_i the rows of another class among x_i's K nearest neighbours in the
       whole training set (the row itself excluded by index; ties by the rule of
       :mod:`harness.resample.ties`).
    4. g_i ∝ r_i, rounded by the largest-remainder method so that Σ g_i == G exactly.
    5. Each new row is x_i + λ(x_zi − x_i), x_zi one of x_i's K nearest minority neighbours,
       λ ~ U(0, 1).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn (see :class:`harness.resample.SMOTE`). Only ``"auto"`` (without
        ``synthetic_percent``) is scaled by ``beta``; an explicit value wins.
    synthetic_percent : float or None, default=None
        N of the SMOTE and ADASYN papers, as in :class:`harness.resample.SMOTE`: new rows as a
        percentage of each chosen class's own rows (200: twice as many).
    random_state : int, RandomState or None, default=None
        Seed of the counter-based streams that draw the neighbour choice, λ and the uniform
        fallback (:mod:`harness.resample.streams`).
    n_neighbors : int or neighbours estimator, default=5
        K, for both the difficulty ratio and the minority neighbours. An object with
        ``kneighbors`` (e.g. ``NearestNeighbors(n_neighbors=6)``) is used for the searches
        instead of ``backend``, with K = its ``n_neighbors`` - 1, as in imbalanced-learn.
    beta : float, default=1.0
        Balance level wanted with ``sampling_strategy="auto"`` (1.0 = full balance); >= 0.
        Ignored when ``synthetic_percent`` is set.
    d_th : float or None, default=None
        Skip a class whose size ratio d = m_s/m_l is at least ``d_th``; in (0, 1].
    no_hard_samples : {"smote", "raise"}, default="smote"
        When no row of a class has a neighbour from another class (Σ r_i = 0): spread the rows
        uniformly as SMOTE does (with a ``UserWarning`` and a note), or raise
        :class:`~harness.errors.NoHardSamplesError`.
    backend : str, default="auto"
        Neighbour search backend: ``"exact"``, ``"brute"``, ``"blocked"``, ``"auto"`` (exact,
        chosen by size; all exact ones give the same neighbours), ``"ivf"`` or ``"auto-approx"``
        (approximate on large data; Δ_i then comes from an own-class search and an other-class
        count, see :mod:`harness.resample.difficulty`).
    chunk_size : int, default=65536
        Rows interpolated per step (bounds temporary memory).
    max_synthetic : int or None, default=None
        Refuse (``MemoryQuotaError``) to create more rows than this, before allocating.
    integer_features : None, "auto" or array-like, default=None
        Whole-number columns (positions, names, a boolean mask, or ``"auto"`` for a
        DataFrame's integer columns): rounded after interpolation and given back with their
        dtype.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows generated per class.
    difficulty_ : dict
        Class -> r_i for each of the class's rows, in input order (classes oversampled only).
    allocation_ : dict
        Class -> g_i, rows created from each of the class's rows.
    n_original_, n_synthetic_ : int
        Input rows; rows appended.
    lineage_ : pandas.DataFrame
        One row per appended row: ``row, parent, neighbor, lam, difficulty, class``.
    notes_ : list of str
        What the sampler decided and why (d >= d_th, no-hard-sample fallback, ...).
    n_features_in_, feature_names_in_
        scikit-learn's input attributes (:func:`harness.resample.base.set_feature_attributes`).
    """

    _neighbors_parameter = "n_neighbors"
    _parameter_constraints: dict = {
        **InterpolatingOverSampler._parameter_constraints,
        "n_neighbors": NEIGHBORS,
        "beta": [StrictInterval(numbers.Real, 0, None, closed="left")],
        "d_th": [StrictInterval(numbers.Real, 0, 1, closed="right"), None],
        "no_hard_samples": [StrOptions(set(NO_HARD_SAMPLES_POLICIES))],
    }
    __init__ = extended_init(
        InterpolatingOverSampler, n_neighbors=5, beta=1.0, d_th=None, no_hard_samples="smote"
    )

    def _adjust_strategy(self, strategy: dict, y: np.ndarray) -> dict:
        labels, counts = np.unique(y, return_counts=True)
        sizes = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        m_l = max(sizes.values())
        adjusted = {}
        for label, total in strategy.items():
            if self._beta_applies():
                total = int(np.floor((m_l - sizes[label]) * self.beta + 0.5))
            d = sizes[label] / m_l
            if total > 0 and self.d_th is not None and d >= self.d_th:
                self.notes_.append(
                    f"class {label!r}: d = m_s/m_l = {sizes[label]}/{m_l} = {d:.4f} >= "
                    f"d_th = {self.d_th}, so no row was generated"
                )
                total = 0
            adjusted[label] = total
        return adjusted

    def _beta_applies(self) -> bool:
        """beta scales G only when nothing else states the counts: ``sampling_strategy="auto"``
        and no ``synthetic_percent``."""
        auto = isinstance(self.sampling_strategy, str) and self.sampling_strategy == "auto"
        return auto and self.synthetic_percent is None

    def _start(self, X: np.ndarray, y: np.ndarray) -> None:
        self.difficulty_, self.allocation_ = {}, {}

    def _generate_class(
        self, X: np.ndarray, y: np.ndarray, request: ClassRequest, out: np.ndarray
    ) -> pd.DataFrame:
        k, search = self._neighbors()
        space = self._search_space(X, request)
        delta, table = self._majority_counts(space, y, request, k, search)
        allocation_stream = request.streams.generator(ALLOCATION, request.class_index)
        shares, fell_back = adasyn_allocation(
            delta, request.total, self.no_hard_samples, allocation_stream, request.label
        )
        if fell_back:
            self._note_fallback(request.label)
        difficulty = delta / k
        self.difficulty_[request.label] = difficulty
        self.allocation_[request.label] = shares
        if table is None:
            table = self._own_class_neighbors(space, request, k, search)
        return self._interpolate_class(X, y, request, shares, table, out, difficulty)

    def _majority_counts(
        self, X: np.ndarray, y: np.ndarray, request: ClassRequest, k: int, search: object
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Δ_i for the class's rows, and their own-class neighbours when found on the way.

        The costly step. Exact backends search the class's rows against the whole training
        set; a backend that can count rows within radii splits it into an own-class search and
        an other-class count (:mod:`harness.resample.difficulty`), whose own-class neighbours
        synthesis reuses.
        """
        n_rows, n_features = X.shape
        backend = backend_for(search, n_rows, request.rows.size, n_features)
        if not supports_split(backend):
            whole_set = neighbors_excluding_self(X, request.rows, k, backend)
            return majority_counts(y[whole_set], request.label), None
        split = split_difficulty(
            X,
            request.rows,
            np.flatnonzero(y != request.label),
            k,
            own_index=get_backend(type(backend).name),
            other_index=backend,
        )
        return split.majority_counts, split.own_neighbors

    def _note_fallback(self, label: object) -> None:
        message = (
            f"class {label!r}: no row has a neighbour from another class (every r_i = 0), so "
            "ADASYN's weights are undefined; rows were spread uniformly as SMOTE does "
            '(no_hard_samples="smote")'
        )
        self.notes_.append(message)
        warnings.warn(
            f"{message}. Set no_hard_samples='raise' to fail instead.", UserWarning, stacklevel=4
        )
