"""The change of a metric between two evaluated runs, with its interval: paired or unpaired.

- **Paired**: both runs were evaluated on the same data and the same folds, so their fold scores
  pair by ``(repeat, fold)``; the change is the mean paired difference with the Nadeau–Bengio
  corrected interval (:func:`harness.evaluate.inference.corrected_interval`), whose variance
  ``s²·(1/J + n_test/n_train)`` accounts for the overlap of the training sets.
- **Unpaired**: otherwise (other fold seeds, other data). Each run's mean has its corrected
  standard error ``s·sqrt(1/J + n_test/n_train)``; the change is the difference of the means
  with a Welch interval (Satterthwaite's degrees of freedom from ``J − 1`` per run). Two runs on
  the same data set with different folds are positively correlated, which this interval ignores:
  it errs on the wide side (fewer false alarms, less power), as ``harness bench --part
  regression-gate`` measures.

Both give the change in the metric's units; the caller orients the values so that larger is
better before calling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from harness.errors import InputDataError
from harness.evaluate.inference import corrected_interval, corrected_variance_factor

PAIRED, UNPAIRED = "paired", "unpaired"


@dataclass(frozen=True)
class ChangeEstimate:
    """The change of a metric from a reference run to a candidate run.

    Attributes
    ----------
    effect : float
        Candidate minus reference (mean paired difference, or difference of the means).
    ci_low, ci_high : float
        Two-sided ``confidence`` interval of the change.
    confidence : float
        Level of the interval.
    method : {"paired", "unpaired"}
        How the interval was formed.
    se : float
        Standard error of the change (corrected); 0 when nothing varies.
    df : float
        Degrees of freedom of the t quantile (``inf`` when ``se`` is 0).
    n_folds : int
        Paired folds, or the smaller fold count of the two runs (unpaired).
    """

    effect: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    se: float
    df: float
    n_folds: int

    def detectable(self, alpha: float, power: float = 0.8) -> float:
        """The smallest true change beyond a bound that a one-sided test at ``alpha`` detects
        with probability ``power`` (normal approximation of the noncentral t, Cohen 1988)."""
        if not math.isfinite(self.se) or self.n_folds < 2:
            return math.nan
        return float((stats.t.ppf(1 - alpha, self.df) + stats.t.ppf(power, self.df)) * self.se)


@dataclass(frozen=True)
class RunSpread:
    """What one run records of a metric: its mean over folds, their spread and the fold sizes.

    Attributes
    ----------
    mean, std : float
        Mean and standard deviation (ddof=1) of the fold scores.
    n_folds : int
        Folds the mean is over.
    n_train, n_test : float
        Rows of one training fold and one test fold.
    """

    mean: float
    std: float
    n_folds: int
    n_train: float
    n_test: float

    def __post_init__(self) -> None:
        finite = all(math.isfinite(v) for v in (self.mean, self.std, self.n_train, self.n_test))
        if not finite or self.std < 0 or self.n_folds < 2 or self.n_train <= 0 or self.n_test <= 0:
            raise InputDataError(
                f"a run's spread needs a finite mean, std >= 0, at least 2 folds and positive "
                f"fold sizes; got {self}: the record is damaged or incomplete, rerun the job"
            )

    @property
    def se(self) -> float:
        """Corrected standard error of the mean, ``std·sqrt(1/J + n_test/n_train)``."""
        return self.std * math.sqrt(
            corrected_variance_factor(self.n_folds, self.n_train, self.n_test)
        )


def paired_change(
    candidate, reference, n_train: float, n_test: float, confidence: float = 0.95
) -> ChangeEstimate:
    """The mean paired change ``candidate - reference`` over folds, corrected interval.

    Parameters
    ----------
    candidate, reference : array-like of shape (J,)
        Fold scores aligned by ``(repeat, fold)``; every value must be finite.
    n_train, n_test : float
        Rows of one training fold and one test fold.
    confidence : float, default=0.95
        Level of the two-sided interval.

    Returns
    -------
    ChangeEstimate

    Raises
    ------
    InputDataError
        When the arrays differ in length, hold a non-finite value, or pair fewer than 2 folds.
    """
    a = np.asarray(candidate, dtype=float).ravel()
    b = np.asarray(reference, dtype=float).ravel()
    if a.shape != b.shape or a.size < 2 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise InputDataError(
            f"paired fold scores must be finite, of equal length and at least 2 (got {a.size} "
            f"and {b.size}): pass both runs' fold scores aligned by (repeat, fold)"
        )
    interval = corrected_interval(a - b, n_train, n_test, confidence)
    se = interval["std"] * math.sqrt(corrected_variance_factor(a.size, n_train, n_test))
    return ChangeEstimate(
        effect=interval["mean"],
        ci_low=interval["ci_low"],
        ci_high=interval["ci_high"],
        confidence=confidence,
        method=PAIRED,
        se=float(se),
        df=float(a.size - 1) if se > 0 else math.inf,
        n_folds=int(a.size),
    )


def unpaired_change(
    candidate: RunSpread, reference: RunSpread, confidence: float = 0.95
) -> ChangeEstimate:
    """The change of the means ``candidate - reference`` with a Welch interval of corrected
    standard errors (Satterthwaite degrees of freedom).

    Parameters
    ----------
    candidate, reference : RunSpread
        Each run's mean, fold spread and fold sizes.
    confidence : float, default=0.95
        Level of the two-sided interval.

    Returns
    -------
    ChangeEstimate
    """
    se_c, se_r = candidate.se, reference.se
    se = math.hypot(se_c, se_r)
    effect = candidate.mean - reference.mean
    if se == 0.0:
        df = math.inf
        half = 0.0
    else:
        df_c, df_r = candidate.n_folds - 1, reference.n_folds - 1
        df = se**4 / (se_c**4 / df_c + se_r**4 / df_r)
        half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return ChangeEstimate(
        effect=effect,
        ci_low=effect - half,
        ci_high=effect + half,
        confidence=confidence,
        method=UNPAIRED,
        se=se,
        df=float(df),
        n_folds=min(candidate.n_folds, reference.n_folds),
    )
