"""Inference for repeated cross-validation: corrected intervals and tests, and what they can say.

Fold scores of repeated k-fold cross-validation are not independent: the training sets overlap,
so the plain Student-t interval over J = k·r fold scores is too narrow and the plain paired
tests are too liberal. Everything here uses the correction of Nadeau & Bengio (2003), the
Bayesian correlated t-test of Benavoli et al. (2017) as implemented by ``baycomp``, Holm's
step-down control of the family-wise error (equal to ``statsmodels``), and, across data sets, the
Friedman test with the Iman–Davenport correction and the Nemenyi post-hoc test
(``scikit-posthocs``), as Demšar (2006) recommends.

References
----------
- Nadeau, C. & Bengio, Y. (2003). Inference for the generalization error. Machine Learning 52.
- Bouckaert, R. R. & Frank, E. (2004). Evaluating the replicability of significance tests for
  comparing learning algorithms. PAKDD.
- Benavoli, A., Corani, G., Demšar, J. & Zaffalon, M. (2017). Time for a change: a tutorial for
  comparing multiple classifiers through Bayesian analysis. JMLR 18.
- Demšar, J. (2006). Statistical comparisons of classifiers over multiple data sets. JMLR 7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from harness.errors import InputDataError

#: Name of the default interval method, as recorded in result.json and the reports.
CORRECTED_T = "nadeau-bengio corrected t"


def _finite(values) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def _check_sizes(n_train: float, n_test: float) -> None:
    if not (n_train > 0 and n_test > 0):
        raise InputDataError(
            f"n_train={n_train} and n_test={n_test} must be positive: pass the row counts of "
            "one training fold and one test fold"
        )


def corrected_variance_factor(n_folds: int, n_train: float, n_test: float) -> float:
    """``1/J + n_test/n_train``: the factor that replaces ``1/J`` in the variance of the mean."""
    _check_sizes(n_train, n_test)
    return 1.0 / n_folds + n_test / n_train


def corrected_interval(
    values, n_train: float, n_test: float, confidence: float = 0.95
) -> dict[str, float]:
    """Mean of fold scores with the Nadeau–Bengio corrected Student-t interval.

    Parameters
    ----------
    values : array-like of shape (J,)
        One score per fold of repeated k-fold cross-validation; NaN and infinite values are
        dropped.
    n_train, n_test : float
        Rows of one training fold and of one test fold.
    confidence : float, default=0.95
        Confidence level.

    Returns
    -------
    dict
        ``mean``, ``std`` (ddof=1), ``ci_low``, ``ci_high``, ``n``. The half-width is
        ``t_{J-1} · std · sqrt(1/J + n_test/n_train)``. The interval is NaN with fewer than two
        values and collapses to the mean with zero spread.
    """
    array = _finite(values)
    n = int(array.size)
    mean = float(array.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    std = float(array.std(ddof=1))
    scale = math.sqrt(corrected_variance_factor(n, n_train, n_test))
    half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * std * scale
    return {"mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half, "n": n}


@dataclass(frozen=True)
class PairedComparison:
    """Strategy A against strategy B on the same folds of one data set.

    Attributes
    ----------
    mean_difference : float
        Mean of ``a - b`` over folds (the effect size, in metric units).
    ci_low, ci_high : float
        Corrected confidence interval of the mean difference.
    t : float
        Corrected resampled t statistic.
    p_value : float
        Its p-value (two-sided, or one-sided for ``alternative="greater"``).
    p_a_better, p_equivalent, p_b_better : float
        Posterior probabilities of the Bayesian correlated t-test with the given ROPE.
    rope : float
        Half-width of the region of practical equivalence, in metric units.
    n : int
        Number of paired folds.
    """

    mean_difference: float
    ci_low: float
    ci_high: float
    t: float
    p_value: float
    p_a_better: float
    p_equivalent: float
    p_b_better: float
    rope: float
    n: int


def _paired_differences(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise InputDataError(
            f"paired samples have different lengths ({a.size} and {b.size}): pass the scores of "
            "both strategies on the same folds, aligned by (repeat, fold)"
        )
    d = a - b
    return d[np.isfinite(d)]


def corrected_ttest(
    differences, n_train: float, n_test: float, alternative: str = "two-sided"
) -> tuple[float, float]:
    """Corrected resampled t-test (Nadeau & Bengio 2003) on paired fold differences.

    Returns
    -------
    t, p : float
        With zero variance: ``(0, 1)`` for a zero mean, ``(±inf, 0 or 1)`` otherwise;
        ``(nan, nan)`` with fewer than two pairs.
    """
    if alternative not in ("two-sided", "greater"):
        raise InputDataError(f"alternative {alternative!r}: use 'two-sided' or 'greater'")
    d = _finite(differences)
    n = d.size
    if n < 2:
        return math.nan, math.nan
    mean = float(d.mean())
    variance = float(d.var(ddof=1))
    if variance == 0.0:
        if mean == 0.0:
            return 0.0, 1.0
        t = math.copysign(math.inf, mean)
    else:
        t = mean / math.sqrt(corrected_variance_factor(n, n_train, n_test) * variance)
    if alternative == "greater":
        return float(t), float(stats.t.sf(t, df=n - 1))
    return float(t), float(2.0 * stats.t.sf(abs(t), df=n - 1))


def bayesian_correlated_ttest(
    differences, n_train: float, n_test: float, rope: float
) -> tuple[float, float, float]:
    """Posterior P(A better), P(equivalent), P(B better) of the Bayesian correlated t-test.

    Uses ``baycomp.CorrelatedTTest`` (Benavoli et al. 2017) with the correlation
    ``rho = n_test / (n_train + n_test)``, the same correction as the frequentist test.

    Parameters
    ----------
    differences : array-like
        Paired fold differences ``a - b``.
    n_train, n_test : float
        Rows of one training and one test fold.
    rope : float
        Half-width of the region of practical equivalence (``>= 0``).
    """
    from baycomp import CorrelatedTTest

    if not (rope >= 0 and math.isfinite(rope)):
        raise InputDataError(f"rope={rope!r} must be a finite number >= 0, e.g. 0.01")
    _check_sizes(n_train, n_test)
    d = _finite(differences)
    if d.size < 2:
        return math.nan, math.nan, math.nan
    if float(d.var(ddof=1)) == 0.0:
        mean = float(d.mean())
        if abs(mean) <= rope:
            return 0.0, 1.0, 0.0
        return (1.0, 0.0, 0.0) if mean > 0 else (0.0, 0.0, 1.0)
    # baycomp applies the same correction, 1/J + 1/(k - 1) with k = J / runs folds per
    # repeat; 1/(k - 1) = n_test/n_train for k-fold cross-validation.
    k = max(2, round((n_train + n_test) / n_test))
    runs = d.size // k if d.size % k == 0 and d.size >= k else 1
    probs = CorrelatedTTest.probs(d, np.zeros_like(d), rope=rope, runs=runs)
    # baycomp works on y - x = -d: its "left" (y - x < -rope) is "A better".
    if rope == 0:
        p_left, p_right = probs
        return float(p_left), 0.0, float(p_right)
    p_left, p_rope, p_right = probs
    return float(p_left), float(p_rope), float(p_right)


def compare_paired(
    a,
    b,
    n_train: float,
    n_test: float,
    *,
    rope: float = 0.01,
    confidence: float = 0.95,
    alternative: str = "two-sided",
) -> PairedComparison:
    """Effect size, corrected interval and tests of strategy A against B on the same folds.

    Parameters
    ----------
    a, b : array-like of shape (J,)
        Fold scores of the two strategies, aligned by (repeat, fold).
    n_train, n_test : float
        Rows of one training and one test fold.
    rope : float, default=0.01
        Region of practical equivalence of the Bayesian test, in metric units.
    confidence : float, default=0.95
        Level of the interval of the mean difference.
    alternative : {"two-sided", "greater"}
        Of the corrected t-test; ``greater`` tests "A better than B".

    Returns
    -------
    PairedComparison
    """
    d = _paired_differences(a, b)
    interval = corrected_interval(d, n_train, n_test, confidence)
    t, p = corrected_ttest(d, n_train, n_test, alternative)
    p_a, p_eq, p_b = bayesian_correlated_ttest(d, n_train, n_test, rope)
    return PairedComparison(
        mean_difference=interval["mean"],
        ci_low=interval["ci_low"],
        ci_high=interval["ci_high"],
        t=t,
        p_value=p,
        p_a_better=p_a,
        p_equivalent=p_eq,
        p_b_better=p_b,
        rope=float(rope),
        n=interval["n"],
    )


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values of one family of tests; NaN stays NaN (out of the family).

    The step-down rule: the i-th smallest of m p-values is multiplied by m - i + 1, then a
    running maximum keeps the order, capped at 1. The values equal statsmodels'
    ``multipletests(method="holm")`` (tested); that function runs a full garbage collection on
    every call, which costs about 0.1 s in a process holding MLflow and matplotlib objects,
    and a sweep's comparison and gate adjust hundreds of families.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, math.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if finite.size:
        order = finite[np.argsort(p[finite], kind="stable")]
        factors = np.arange(finite.size, 0, -1)
        adjusted[order] = np.minimum(np.maximum.accumulate(p[order] * factors), 1.0)
    return adjusted


@dataclass(frozen=True)
class RankTest:
    """Strategies ranked across data sets, with the omnibus and post-hoc tests.

    Attributes
    ----------
    ranks : DataFrame
        Index ``strategy`` (best first), column ``average_rank``.
    n_datasets, n_strategies : int
        The complete blocks and the strategies compared.
    friedman_chi2, friedman_p : float
        Friedman's statistic and its χ² p-value.
    iman_davenport_f, iman_davenport_p : float
        The Iman–Davenport correction ``F = (N-1)χ²/(N(k-1)-χ²)`` with ``(k-1, (k-1)(N-1))``
        degrees of freedom, less conservative than χ² at small N.
    nemenyi : DataFrame
        Pairwise Nemenyi p-values (``scikit_posthocs.posthoc_nemenyi_friedman``).
    critical_difference : float
        The Nemenyi critical difference at α = 0.05: two average ranks further apart differ.
    caveat : str
        What the test cannot tell with this many data sets (empty when nothing to say).
    """

    ranks: pd.DataFrame
    n_datasets: int
    n_strategies: int
    friedman_chi2: float
    friedman_p: float
    iman_davenport_f: float
    iman_davenport_p: float
    nemenyi: pd.DataFrame
    critical_difference: float
    caveat: str = ""


def rank_test(table: pd.DataFrame, greater_is_better: bool = True) -> RankTest:
    """Friedman, Iman–Davenport and Nemenyi over data sets (Demšar 2006).

    Parameters
    ----------
    table : DataFrame
        One row per data set, one column per strategy; rows with a missing value are dropped.
    greater_is_better : bool, default=True
        Direction of the metric (rank 1 = best).

    Returns
    -------
    RankTest
    """
    import scikit_posthocs as sp

    complete = table.dropna(axis=0, how="any").astype(float)
    if complete.empty:
        raise InputDataError(
            "no data set has a score for every strategy: rank only strategies run on the same "
            "data sets, or drop the incomplete strategies first"
        )
    N, k = complete.shape
    ranks = complete.rank(axis=1, ascending=not greater_is_better, method="average")
    average = ranks.mean(axis=0).astype(float).sort_values(kind="stable")
    frame = pd.DataFrame({"average_rank": average})
    frame.index = frame.index.astype(str)
    frame.index.name = "strategy"
    chi2 = p_chi2 = f = p_f = cd = math.nan
    nemenyi = pd.DataFrame()
    caveat = ""
    values = complete.to_numpy()
    if N >= 2 and k >= 3 and not all(np.all(row == row[0]) for row in values):
        squared = float(np.sum(ranks.mean(axis=0) ** 2))
        chi2 = 12 * N / (k * (k + 1)) * (squared - k * (k + 1) ** 2 / 4)
        p_chi2 = float(stats.chi2.sf(chi2, k - 1))
        denominator = N * (k - 1) - chi2
        if denominator > 0:
            f = (N - 1) * chi2 / denominator
            p_f = float(stats.f.sf(f, k - 1, (k - 1) * (N - 1)))
        else:
            f, p_f = math.inf, 0.0
        data = complete if greater_is_better else -complete
        nemenyi = sp.posthoc_nemenyi_friedman(data.to_numpy())
        nemenyi.index = nemenyi.columns = [str(c) for c in complete.columns]
        q = stats.studentized_range.ppf(0.95, k, math.inf) / math.sqrt(2)
        cd = float(q * math.sqrt(k * (k + 1) / (6 * N)))
    if N < 10:
        caveat = (
            f"only {N} data set(s): Friedman's χ² approximation is poor below about 10; the "
            "Iman–Davenport F is reported for that reason, and a non-significant result here "
            "says little"
        )
    return RankTest(frame, N, k, chi2, p_chi2, f, p_f, nemenyi, cd, caveat)


def smallest_wilcoxon_p(n_pairs: int) -> float:
    """The smallest two-sided p-value an exact Wilcoxon signed-rank test can give on n pairs."""
    return 2.0 / 2**n_pairs if n_pairs > 0 else math.nan
