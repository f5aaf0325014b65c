"""Random oversampling: duplicate rows of the classes to grow, drawn with replacement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.resample.allocation import random_allocation
from harness.resample.base import HarnessOverSampler
from harness.resample.interpolation import copy_rows_into
from harness.resample.lineage import build_lineage
from harness.resample.validation import make_random_state


class RandomOverSampler(HarnessOverSampler):
    """Duplicate randomly chosen rows (with replacement) until the wanted counts are reached.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn (see :class:`harness.resample.SMOTE`).
    random_state : int, RandomState or None, default=None
        Seed of the draws.
    max_synthetic : int or None, default=None
        Refuse (``MemoryQuotaError``) to append more rows than this.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows appended per class.
    n_original_, n_synthetic_ : int
        Input rows; rows appended.
    lineage_ : pandas.DataFrame
        One row per appended row; ``neighbor`` is -1, ``lam`` 0.0, ``difficulty`` NaN.
    notes_ : list of str
        What the sampler decided and why.
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, max_synthetic=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.max_synthetic = max_synthetic

    def _check_params(self) -> None:
        make_random_state(self.random_state)

    def _generate(
        self, X: np.ndarray, y: np.ndarray, strategy: dict, out: np.ndarray
    ) -> list[pd.DataFrame]:
        random_state = make_random_state(self.random_state)
        blocks, start = [], 0
        for label, total in strategy.items():
            if total == 0:
                continue
            class_rows = np.flatnonzero(y == label)
            shares = random_allocation(class_rows.shape[0], total, random_state)
            # Draw order, not parent order, so duplicates are not grouped by parent.
            parents = class_rows[
                random_state.permutation(np.repeat(np.arange(len(shares)), shares))
            ]
            copy_rows_into(out[start : start + total], X, parents)
            labels = np.full(total, label, dtype=y.dtype)
            blocks.append(build_lineage(X.shape[0] + start, parents, None, None, None, labels))
            start += total
        return blocks
