"""SMOTE (Chawla et al., 2002) on the harness core: every minority row gets the same share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.resample.allocation import uniform_allocation
from harness.resample.base import HarnessOverSampler
from harness.resample.interpolation import DEFAULT_CHUNK_SIZE
from harness.resample.lineage import build_lineage
from harness.resample.neighbors import backend_names
from harness.resample.synthesis import synthesize_class
from harness.resample.validation import check_choice, check_positive_int, make_random_state


class SMOTE(HarnessOverSampler):
    """Synthetic Minority Over-sampling Technique with exact totals and lineage.

    Rows are spread as evenly as possible over the minority rows (the remainder goes to rows
    chosen at random); each new row lies on the segment between a minority row and one of its
    ``k_neighbors`` nearest minority neighbours.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn: a float is the minority/majority ratio wanted (binary only);
        ``"auto"``/``"not majority"``, ``"minority"``, ``"not minority"``, ``"all"`` bring the
        chosen classes to the majority's size; a dict (or a callable returning one) gives the
        wanted number of rows per class.
    random_state : int, RandomState or None, default=None
        Seed of the allocation remainder, the neighbour choice and λ.
    k_neighbors : int, default=5
        Minority neighbours to interpolate towards.
    backend : str, default="auto"
        Neighbour search backend (``"exact"``, ``"auto"``).
    chunk_size : int, default=65536
        Rows interpolated per step (bounds temporary memory).
    max_synthetic : int or None, default=None
        Refuse (``MemoryQuotaError``) to create more rows than this.

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
    """

    _interpolates = True

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        backend="auto",
        chunk_size=DEFAULT_CHUNK_SIZE,
        max_synthetic=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.backend = backend
        self.chunk_size = chunk_size
        self.max_synthetic = max_synthetic

    def _check_params(self) -> None:
        check_positive_int("k_neighbors", self.k_neighbors)
        check_positive_int("chunk_size", self.chunk_size)
        check_choice("backend", self.backend, backend_names())
        make_random_state(self.random_state)

    def _check_class_sizes(self, strategy: dict, y: np.ndarray) -> None:
        self._too_small(strategy, y, self.k_neighbors, "k_neighbors")

    def _generate(
        self, X: np.ndarray, y: np.ndarray, strategy: dict, out: np.ndarray
    ) -> list[pd.DataFrame]:
        random_state = make_random_state(self.random_state)
        blocks, start = [], 0
        for label, total in strategy.items():
            if total == 0:
                continue
            class_rows = np.flatnonzero(y == label)
            shares = uniform_allocation(class_rows.shape[0], total, random_state)
            block = synthesize_class(
                X,
                class_rows,
                shares,
                self.k_neighbors,
                self.backend,
                random_state,
                out[start : start + total],
                self.chunk_size,
            )
            labels = np.full(total, label, dtype=y.dtype)
            blocks.append(
                build_lineage(
                    X.shape[0] + start, block.parents, block.neighbors, block.lam, None, labels
                )
            )
            start += total
        return blocks
