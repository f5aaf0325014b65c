"""Statistics of the evaluation protocol: fold aggregation, paired tests, ranks across data sets.

References
----------
- Nadeau, C. & Bengio, Y. (2003). Inference for the generalization error. Machine Learning 52.
- Bouckaert, R. R. & Frank, E. (2004). Evaluating the replicability of significance tests for
  comparing learning algorithms. PAKDD.
- Demšar, J. (2006). Statistical comparisons of classifiers over multiple data sets. JMLR 7.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy
from scipy import stats

from harness.errors import InputDataError


def _finite_pairs(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise InputDataError(
            f"paired samples have different lengths ({a.size} and {b.size}): pass the scores of "
            "both strategies on the same folds, aligned by (repeat, fold)"
        )
    differences = a - b
    return differences[~np.isnan(differences)]


def summarize(values: Iterable[float], confidence: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation and Student-t confidence interval of the non-NaN values.

    Parameters
    ----------
    values : iterable of float
        One value per fold; NaN values are ignored.
    confidence : float, default=0.95
        Confidence level of the interval.

    Returns
    -------
    dict
        ``mean``, ``std`` (sample, ddof=1), ``ci_low``, ``ci_high``, ``n`` (the number of non-NaN
        values). ``mean`` is NaN when ``n == 0``; ``std`` and the interval are NaN when
        ``n < 2``; with zero spread the interval collapses to the mean.
    """
    array = np.asarray(values if hasattr(values, "__len__") else list(values), dtype=float).ravel()
    array = array[~np.isnan(array)]
    n = int(array.size)
    mean = float(array.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    std = float(array.std(ddof=1))
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * std / math.sqrt(n)
    return {
        "mean": mean,
        "std": std,
        "ci_low": mean - half_width,
        "ci_high": mean + half_width,
        "n": n,
    }


def aggregate_folds(
    df: pd.DataFrame, columns: Iterable[str]
) -> tuple[dict[str, float], dict[str, float], dict[str, list[float]]]:
    """Mean, standard deviation and 95 % CI over folds of each metric column.

    Parameters
    ----------
    df : DataFrame
        One row per (repeat, fold), one column per metric key.
    columns : iterable of str
        The metric columns to aggregate.

    Returns
    -------
    mean : dict
        ``{column: mean}``.
    std : dict
        ``{column: std}``.
    ci95 : dict
        ``{column: [low, high]}``, as in ``result.json``.

    Notes
    -----
    NaN values are ignored per column (see :func:`summarize`).
    """
    mean, std, ci95 = {}, {}, {}
    for column in columns:
        if column not in df.columns:
            raise InputDataError(
                f"metric column {column!r} is not in the fold table: aggregate only columns of "
                f"the table ({', '.join(map(str, df.columns))})"
            )
        summary = summarize(pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float))
        mean[column] = summary["mean"]
        std[column] = summary["std"]
        ci95[column] = [summary["ci_low"], summary["ci_high"]]
    return mean, std, ci95


def corrected_resampled_ttest(a, b, n_train: int, n_test: int) -> tuple[float, float]:
    """Corrected resampled t-test of Nadeau & Bengio (2003) for paired fold scores.

    Repeated k-fold scores are not independent (training sets overlap), so the plain paired
    t-test is far too liberal. The correction replaces the variance term ``1/J`` by
    ``1/J + n_test/n_train``; Bouckaert & Frank (2004) recommend it for repeated k-fold
    cross-validation.

    Parameters
    ----------
    a, b : array-like of shape (J,)
        Scores of two strategies on the same J folds (pairs with a NaN are dropped).
    n_train, n_test : int
        Training and test rows of one fold.

    Returns
    -------
    t : float
        ``mean(d) / sqrt((1/J + n_test/n_train) * var(d))``, ``d = a - b``, var with ddof=1.
    p : float
        Two-sided p-value from Student t with J - 1 degrees of freedom. With zero variance:
        ``(0.0, 1.0)`` when the mean difference is 0, ``(±inf, 0.0)`` otherwise. ``(nan, nan)``
        with fewer than two pairs.
    """
    if n_train <= 0 or n_test <= 0:
        raise InputDataError(
            f"n_train={n_train} and n_test={n_test} must be positive: pass the row counts of "
            "one training fold and one test fold"
        )
    differences = _finite_pairs(a, b)
    J = differences.size
    if J < 2:
        return math.nan, math.nan
    mean = float(differences.mean())
    variance = float(differences.var(ddof=1))
    if variance == 0.0:
        if mean == 0.0:
            return 0.0, 1.0
        return math.copysign(math.inf, mean), 0.0
    t = mean / math.sqrt((1.0 / J + n_test / n_train) * variance)
    p = 2.0 * float(stats.t.sf(abs(t), df=J - 1))
    return float(t), p


def wilcoxon_signed_rank(a, b) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test on paired scores (scipy).

    Parameters
    ----------
    a, b : array-like of shape (J,)
        Paired scores; pairs with a NaN are dropped.

    Returns
    -------
    float
        The p-value; 1.0 when every difference is zero (no evidence of a difference, where
        scipy would fail), NaN when no pair is left.
    """
    differences = _finite_pairs(a, b)
    if differences.size == 0:
        return math.nan
    if np.all(differences == 0):
        return 1.0
    if (
        _SCIPY_ENUMERATES_TIES
        and differences.size <= MAX_ENUMERATED_PAIRS
        and _has_ties_or_zeros(differences)
    ):
        return _sign_flip_pvalue(differences)
    return float(stats.wilcoxon(differences, zero_method="wilcox").pvalue)


# From scipy 1.15, wilcoxon (method "auto") answers samples of up to 13 pairs with ties or zeros
# by an exact permutation test over all 2**n sign flips, calling its statistic once per flip
# (about 0.1 s per test); _sign_flip_pvalue gives the same p-value in one matrix product. Older
# scipy uses the normal approximation there, and is left to do so.
MAX_ENUMERATED_PAIRS = 13
_SCIPY_ENUMERATES_TIES = tuple(int(p) for p in scipy.__version__.split(".")[:2]) >= (1, 15)
# permutation_test's relative tolerance for null values equal to the observed one.
_TIE_TOLERANCE = np.finfo(float).eps * 100


def _has_ties_or_zeros(differences: np.ndarray) -> bool:
    nonzero = np.abs(differences[differences != 0])
    return nonzero.size < differences.size or np.unique(nonzero).size < nonzero.size


def _sign_flip_pvalue(differences: np.ndarray) -> float:
    """Two-sided exact p-value of the signed-rank sum over every sign flip of the differences.

    The same computation as ``scipy.stats.wilcoxon(d, zero_method="wilcox")`` for at most
    :data:`MAX_ENUMERATED_PAIRS` pairs with ties or zeros: zeros are dropped from the ranking
    (flipping a zero changes nothing, so each count and the number of flips scale by the same
    power of two), the other absolute differences get average ranks, and each tail counts the
    flips whose positive rank sum is at least as extreme as the observed one.
    """
    nonzero = differences[differences != 0]
    ranks = stats.rankdata(np.abs(nonzero), method="average")
    observed = float(ranks[nonzero > 0].sum())
    n = nonzero.size
    flips = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    null = flips @ ranks
    tolerance = abs(_TIE_TOLERANCE * observed)
    less = np.count_nonzero(null <= observed + tolerance) / 2**n
    greater = np.count_nonzero(null >= observed - tolerance) / 2**n
    return float(np.clip(min(less, greater) * 2, 0.0, 1.0))


def rank_strategies(table: pd.DataFrame) -> pd.DataFrame:
    """Average rank of each strategy across data sets, with the Friedman test (Demšar 2006).

    Parameters
    ----------
    table : DataFrame
        One row per data set, one column per strategy, values a metric where higher is better.
        Data sets with a missing value are dropped.

    Returns
    -------
    DataFrame
        Index ``strategy`` sorted best first; columns ``average_rank`` (1 = best, ties get the
        average of their ranks), ``n_datasets`` and ``friedman_p`` (the same p-value on every
        row; NaN unless there are at least 2 data sets and 3 strategies, or when every data
        set ranks all strategies equal).
    """
    complete = table.dropna(axis=0, how="any")
    if complete.empty:
        raise InputDataError(
            "no data set has a score for every strategy: rank only strategies run on the same "
            "data sets, or drop the incomplete strategies first"
        )
    ranks = complete.rank(axis=1, ascending=False, method="average")
    n_datasets, n_strategies = complete.shape
    friedman_p = math.nan
    if n_datasets >= 2 and n_strategies >= 3:
        values = complete.to_numpy(dtype=float)
        if not all(np.all(row == row[0]) for row in values):
            friedman_p = float(stats.friedmanchisquare(*values.T).pvalue)
    result = pd.DataFrame(
        {
            "average_rank": ranks.mean(axis=0).astype(float),
            "n_datasets": n_datasets,
            "friedman_p": friedman_p,
        }
    )
    result.index = result.index.astype(str)
    result.index.name = "strategy"
    return result.sort_values("average_rank", kind="stable")
