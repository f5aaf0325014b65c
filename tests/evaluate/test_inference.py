"""Corrected intervals and tests, recomputed with independent code (scipy.stats.t formulas)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from harness.errors import InputDataError
from harness.evaluate.inference import (
    bayesian_correlated_ttest,
    compare_paired,
    corrected_interval,
    corrected_ttest,
    holm,
    rank_test,
    smallest_wilcoxon_p,
)


def _independent_interval(values, n_train, n_test, level=0.95):
    values = np.asarray(values, dtype=float)
    J = len(values)
    mean = sum(values) / J
    var = sum((v - mean) ** 2 for v in values) / (J - 1)
    half = stats.t.ppf(0.5 + level / 2, J - 1) * math.sqrt(var * (1 / J + n_test / n_train))
    return mean - half, mean + half


@pytest.mark.parametrize("seed", range(5))
def test_corrected_interval_matches_the_formula(seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.3, 0.9, size=10)
    got = corrected_interval(values, n_train=384, n_test=384)
    low, high = _independent_interval(values, 384, 384)
    assert got["ci_low"] == pytest.approx(low, abs=1e-12)
    assert got["ci_high"] == pytest.approx(high, abs=1e-12)
    assert got["n"] == 10


def test_corrected_interval_is_wider_than_plain_t_by_the_correction():
    values = np.array([0.56, 0.60, 0.58, 0.61, 0.57, 0.59, 0.62, 0.55, 0.58, 0.60])
    corrected = corrected_interval(values, 384, 384)
    plain = stats.t.interval(0.95, 9, loc=values.mean(), scale=stats.sem(values))
    ratio = (corrected["ci_high"] - corrected["ci_low"]) / (plain[1] - plain[0])
    assert ratio == pytest.approx(math.sqrt((1 / 10 + 1) / (1 / 10)), rel=1e-12)


def test_corrected_ttest_matches_the_formula_both_alternatives():
    rng = np.random.default_rng(3)
    d = rng.normal(0.02, 0.03, size=10)
    factor = 1 / 10 + 154 / 614
    t_ref = d.mean() / math.sqrt(factor * d.var(ddof=1))
    t, p = corrected_ttest(d, 614, 154)
    assert t == pytest.approx(t_ref, abs=1e-12)
    assert p == pytest.approx(2 * stats.t.sf(abs(t_ref), 9), abs=1e-12)
    _, p_one = corrected_ttest(d, 614, 154, alternative="greater")
    assert p_one == pytest.approx(stats.t.sf(t_ref, 9), abs=1e-12)


def test_bayesian_probabilities_sum_to_one_and_point_the_right_way():
    rng = np.random.default_rng(1)
    d = rng.normal(0.05, 0.01, size=10)  # A clearly better
    p_a, p_eq, p_b = bayesian_correlated_ttest(d, 384, 384, rope=0.01)
    assert p_a + p_eq + p_b == pytest.approx(1.0, abs=1e-9)
    assert p_a > 0.9 > p_b
    p_a, p_eq, p_b = bayesian_correlated_ttest(-d, 384, 384, rope=0.01)
    assert p_b > 0.9 > p_a


def test_bayesian_posterior_is_the_corrected_student_t():
    """P(A better) equals the Student-t tail of the corrected variance (Benavoli et al. 2017)."""
    rng = np.random.default_rng(4)
    d = rng.normal(0.01, 0.02, size=10)
    rope = 0.005
    scale = math.sqrt(d.var(ddof=1) * (1 / 10 + 1.0))  # 5x2: n_test/n_train = 1
    p_a, p_eq, p_b = bayesian_correlated_ttest(d, 384, 384, rope=rope)
    assert p_a == pytest.approx(stats.t.sf(rope, 9, loc=d.mean(), scale=scale), abs=1e-9)
    assert p_b == pytest.approx(stats.t.cdf(-rope, 9, loc=d.mean(), scale=scale), abs=1e-9)


def test_compare_paired_reports_effect_with_interval():
    a = np.array([0.60, 0.62, 0.58, 0.61, 0.63, 0.59, 0.60, 0.62, 0.61, 0.60])
    b = a - np.array([0.02, 0.01, 0.03, 0.02, 0.02, 0.01, 0.02, 0.03, 0.02, 0.02])
    result = compare_paired(a, b, 384, 384)
    low, high = _independent_interval(a - b, 384, 384)
    assert result.mean_difference == pytest.approx((a - b).mean(), abs=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-12)


def test_holm_matches_the_step_down_rule():
    p = [0.01, 0.04, 0.03, 0.5]
    order = np.argsort(p)
    m = len(p)
    expected = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        expected[index] = running
    assert holm(p) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_holm_equals_statsmodels_with_ties_and_missing_values(seed):
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(seed)
    p = rng.choice([0.001, 0.01, 0.02, 0.04, 0.2, 0.5, 1.0], size=rng.integers(1, 12))
    p = np.where(rng.random(p.size) < 0.2, np.nan, p * rng.random(p.size) ** (seed % 2))
    finite = np.isfinite(p)
    expected = np.full(p.size, np.nan)
    if finite.any():
        expected[finite] = multipletests(p[finite], method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, rtol=0, atol=1e-15)


def test_rank_test_iman_davenport_and_critical_difference():
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.random((6, 4)), columns=["adasyn", "smote", "ros", "none"])
    result = rank_test(table)
    ranks = table.rank(axis=1, ascending=False).mean()
    N, k = table.shape
    chi2 = 12 * N / (k * (k + 1)) * (sum(ranks**2) - k * (k + 1) ** 2 / 4)
    f = (N - 1) * chi2 / (N * (k - 1) - chi2)
    assert result.friedman_chi2 == pytest.approx(chi2, abs=1e-12)
    assert result.iman_davenport_f == pytest.approx(f, abs=1e-12)
    assert result.iman_davenport_p == pytest.approx(
        stats.f.sf(f, k - 1, (k - 1) * (N - 1)), abs=1e-12
    )
    # Demšar (2006), Table 5: q_0.05 = 2.569 for k = 4.
    assert result.critical_difference == pytest.approx(2.569 * math.sqrt(20 / 36), abs=1e-3)
    assert "data set" in result.caveat


def test_rank_test_lower_is_better_reverses_ranks():
    table = pd.DataFrame({"a": [0.1, 0.2, 0.1], "b": [0.3, 0.4, 0.5], "c": [0.2, 0.3, 0.3]})
    assert list(rank_test(table, greater_is_better=False).ranks.index) == ["a", "c", "b"]


def test_errors_name_the_fix():
    with pytest.raises(InputDataError, match="positive"):
        corrected_interval([0.1, 0.2], 0, 10)
    with pytest.raises(InputDataError, match="rope"):
        bayesian_correlated_ttest([0.1, 0.2], 10, 10, rope=math.nan)


def test_smallest_wilcoxon_p_with_five_folds_cannot_reach_five_percent():
    assert smallest_wilcoxon_p(5) == 0.0625
