"""The smallest effect a design can detect: what an INCONCLUSIVE verdict could have shown.

For the corrected resampled t-test (Nadeau & Bengio 2003) on ``J`` paired folds, the standard
error of the mean difference is ``s · sqrt(1/J + n_test/n_train)``. A one-sided test at level
``alpha`` detects a true effect ``delta`` (beyond its bound) with probability ``power`` when

    delta >= (t_{1-alpha, J-1} + t_{power, J-1}) · s · sqrt(1/J + n_test/n_train),

the usual normal-approximation of the noncentral t (Cohen 1988, ch. 2), exact for large J and
slightly optimistic for a handful of folds. Two levers change it:

- **more rows** shrink ``s`` (a fold metric's spread falls roughly as ``1/sqrt(n_test)``), so
  four times the rows roughly halve the detectable difference;
- **more repeats** only shrink the ``1/J`` term: the floor ``n_test/n_train`` stays, set by the
  fold scheme, so past a point more repeats cannot help. :func:`detectable_difference` says
  where this design stands against that floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from harness.errors import InputDataError

#: The power an INCONCLUSIVE verdict's detectable difference is stated at.
POWER = 0.8
#: Within this ratio of the floor, more repeats are said not to help.
FLOOR_RATIO = 1.1


@dataclass(frozen=True)
class DetectableDifference:
    """What a design can detect with a one-sided corrected t-test.

    Attributes
    ----------
    now : float
        The smallest true effect (beyond the tested bound, in metric units) detected with
        probability :data:`POWER` with this many folds; NaN when it cannot be computed.
    floor : float
        The same with infinitely many repeats of the same fold scheme.
    doubled_repeats : float
        The same with twice the folds (twice the repeats).
    n_folds : int
        Paired folds of the design.
    alpha : float
        The one-sided level used (the family-wise level divided by the family's size, as
        Holm's first step does).
    power : float
        The power the difference is stated at.
    """

    now: float
    floor: float
    doubled_repeats: float
    n_folds: int
    alpha: float
    power: float = POWER

    @property
    def repeats_help(self) -> bool:
        """Whether more repeats would lower the detectable difference by more than 10 %."""
        return math.isfinite(self.now) and self.now > FLOOR_RATIO * self.floor

    def advice(self) -> str:
        """What would change it, in words (more rows; more repeats only above the floor)."""
        if not math.isfinite(self.now):
            return "more folds are needed before a difference can be detected at all"
        if self.now == 0.0:
            return "the metric is the same on every fold, so any true difference would show"
        rows = "four times the rows would roughly halve it"
        if self.repeats_help:
            return (
                f"{rows}; twice the repeats would bring it to {self.doubled_repeats:.3g} (no "
                f"fewer than {self.floor:.3g} however many repeats)"
            )
        return (
            f"{rows}; more repeats cannot help: it is within {FLOOR_RATIO - 1:.0%} of the floor "
            f"{self.floor:.3g} set by n_test/n_train"
        )

    def line(self) -> str:
        """``smallest detectable difference 0.09 at 80 % power``, with what would change it."""
        if not math.isfinite(self.now):
            return f"no difference is detectable with {self.n_folds} folds"
        return (
            f"smallest difference this run could detect at {self.power:.0%} power: "
            f"{self.now:.3g} ({self.advice()})"
        )


def _detectable(std: float, n_folds: float, n_train: float, n_test: float, alpha: float) -> float:
    if std != std or n_folds < 2:  # NaN spread or too few folds
        return math.nan
    df = n_folds - 1 if math.isfinite(n_folds) else math.inf
    factor = (0.0 if math.isinf(n_folds) else 1.0 / n_folds) + n_test / n_train
    quantiles = stats.t.ppf(1 - alpha, df) + stats.t.ppf(POWER, df)
    return float(quantiles * std * math.sqrt(factor))


def detectable_difference(
    std: float, n_folds: int, n_train: float, n_test: float, alpha: float, family_size: int = 1
) -> DetectableDifference:
    """The smallest effect a one-sided corrected t-test detects with :data:`POWER`.

    Parameters
    ----------
    std : float
        Standard deviation (ddof=1) of the paired fold differences (or of the fold scores, for
        a bound on one run's metric).
    n_folds : int
        Paired folds (``n_splits × n_repeats``).
    n_train, n_test : float
        Rows of one training fold and one test fold.
    alpha : float
        One-sided family-wise level of the test.
    family_size : int
        Comparisons sharing ``alpha`` (Holm's first step tests at ``alpha / family_size``).

    Returns
    -------
    DetectableDifference
    """
    if not (0 < alpha < 1) or family_size < 1:
        raise InputDataError(
            f"alpha={alpha!r} must be in (0, 1) and family_size={family_size!r} at least 1"
        )
    if not (n_train > 0 and n_test > 0):
        raise InputDataError(f"n_train={n_train} and n_test={n_test} must be positive")
    level = alpha / family_size
    return DetectableDifference(
        now=_detectable(std, n_folds, n_train, n_test, level),
        floor=_detectable(std, math.inf, n_train, n_test, level),
        doubled_repeats=_detectable(std, 2 * n_folds, n_train, n_test, level),
        n_folds=int(n_folds),
        alpha=level,
    )
