import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from harness.errors import InputDataError
from harness.evaluate.statistics import (
    aggregate_folds,
    corrected_resampled_ttest,
    rank_strategies,
    summarize,
    wilcoxon_signed_rank,
)


def test_summarize_ci_matches_scipy_t_interval():
    values = [0.71, 0.65, 0.80, 0.74, 0.69, 0.77]
    summary = summarize(values)
    low, high = stats.t.interval(
        0.95, df=len(values) - 1, loc=np.mean(values), scale=stats.sem(values)
    )
    assert summary["ci_low"] == pytest.approx(low)
    assert summary["ci_high"] == pytest.approx(high)
    assert summary["std"] == pytest.approx(np.std(values, ddof=1))
    assert summary["n"] == 6


def test_summarize_ignores_nan_and_reports_n():
    summary = summarize([1.0, math.nan, 3.0])
    assert summary["n"] == 2
    assert summary["mean"] == 2.0
    assert summary["ci_low"] < 2.0 < summary["ci_high"]


def test_summarize_degenerate_cases():
    assert math.isnan(summarize([math.nan])["mean"])
    single = summarize([0.5])
    assert single["mean"] == 0.5 and math.isnan(single["std"]) and math.isnan(single["ci_low"])
    constant = summarize([0.3, 0.3, 0.3])
    assert constant["ci_low"] == constant["ci_high"] == pytest.approx(0.3)


def test_aggregate_folds_shapes_as_in_result_json():
    folds = pd.DataFrame(
        {"repeat": [0, 0, 1], "fold": [0, 1, 0], "test/minority_recall": [0.6, 0.7, 0.8]}
    )
    mean, std, ci95 = aggregate_folds(folds, ["test/minority_recall"])
    assert mean == {"test/minority_recall": pytest.approx(0.7)}
    assert std["test/minority_recall"] == pytest.approx(0.1)
    low, high = ci95["test/minority_recall"]
    assert low == pytest.approx(0.7 - stats.t.ppf(0.975, 2) * 0.1 / math.sqrt(3))
    assert high == pytest.approx(0.7 + stats.t.ppf(0.975, 2) * 0.1 / math.sqrt(3))
    with pytest.raises(InputDataError, match="not in the fold table"):
        aggregate_folds(folds, ["test/g_mean"])


def test_corrected_resampled_ttest_worked_example():
    # d = a - b = [0.02, 0.03, 0.01, 0.04, 0.00]: mean 0.02, var 0.00025, J = 5
    a = np.array([0.82, 0.83, 0.81, 0.84, 0.80])
    b = np.full(5, 0.80)
    t, p = corrected_resampled_ttest(a, b, n_train=90, n_test=10)
    expected_t = 0.02 / math.sqrt((1 / 5 + 10 / 90) * 0.00025)
    assert t == pytest.approx(expected_t)
    assert t == pytest.approx(2.2678, abs=1e-4)
    assert p == pytest.approx(2 * stats.t.sf(expected_t, df=4))
    # the correction only widens the plain paired t-test
    plain = stats.ttest_rel(a, b)
    assert t == pytest.approx(plain.statistic * math.sqrt(0.2 / (0.2 + 10 / 90)))
    assert p > plain.pvalue


def test_corrected_ttest_degenerate_cases():
    assert corrected_resampled_ttest([0.5, 0.5], [0.5, 0.5], 9, 1) == (0.0, 1.0)
    assert corrected_resampled_ttest([0.6, 0.6], [0.5, 0.5], 9, 1) == (math.inf, 0.0)
    assert all(math.isnan(v) for v in corrected_resampled_ttest([0.6], [0.5], 9, 1))
    with pytest.raises(InputDataError, match="same folds"):
        corrected_resampled_ttest([0.6, 0.7], [0.5], 9, 1)
    with pytest.raises(InputDataError, match="positive"):
        corrected_resampled_ttest([0.6, 0.7], [0.5, 0.5], 0, 1)


def test_wilcoxon_matches_scipy_and_is_one_without_differences():
    a = np.array([0.71, 0.74, 0.69, 0.80, 0.77, 0.73, 0.75, 0.70])
    b = np.array([0.70, 0.70, 0.70, 0.72, 0.70, 0.71, 0.70, 0.69])
    assert wilcoxon_signed_rank(a, b) == pytest.approx(stats.wilcoxon(a, b).pvalue)
    assert wilcoxon_signed_rank(a, a) == 1.0
    assert wilcoxon_signed_rank(np.r_[a, math.nan], np.r_[b, 0.5]) == pytest.approx(
        stats.wilcoxon(a, b).pvalue
    )


def test_rank_strategies_with_ties_and_friedman():
    table = pd.DataFrame(
        {"adasyn": [0.9, 0.7, 0.5], "smote": [0.8, 0.9, 0.5], "none": [0.8, 0.6, 0.5]},
        index=pd.Index(["pima", "vehicle0", "vowel0"], name="dataset"),
    )
    ranks = rank_strategies(table)
    assert list(ranks.index) == ["adasyn", "smote", "none"]
    assert ranks["average_rank"].to_dict() == pytest.approx(
        {"adasyn": 5 / 3, "smote": 5.5 / 3, "none": 7.5 / 3}
    )
    assert (ranks["n_datasets"] == 3).all()
    expected_p = stats.friedmanchisquare(table["adasyn"], table["smote"], table["none"]).pvalue
    assert ranks["friedman_p"].to_numpy() == pytest.approx([expected_p] * 3)


def test_rank_strategies_without_enough_for_friedman():
    two = pd.DataFrame({"adasyn": [0.9, 0.7], "none": [0.8, 0.8]}, index=["pima", "vowel0"])
    ranks = rank_strategies(two)
    assert ranks["average_rank"].to_dict() == {"adasyn": 1.5, "none": 1.5}
    assert ranks["friedman_p"].isna().all()
    with pytest.raises(InputDataError, match="every strategy"):
        rank_strategies(pd.DataFrame({"a": [math.nan], "b": [0.5]}))


@pytest.mark.parametrize("seed", range(6))
def test_wilcoxon_with_ties_or_zeros_equals_scipy_exactly(seed):
    # scipy answers these (at most 13 pairs, ties or zeros) with its exact permutation test.
    rng = np.random.default_rng(seed)
    for n in (1, 2, 5, 10, 13, 14):
        a = rng.integers(0, 8, size=n) / 8
        b = rng.integers(0, 8, size=n) / 8
        if np.all(a == b):
            continue
        assert wilcoxon_signed_rank(a, b) == stats.wilcoxon(a - b, zero_method="wilcox").pvalue


def test_wilcoxon_fold_differences_like_a_ten_fold_comparison_equal_scipy_exactly():
    a = np.array([0.61, 0.64, 0.58, 0.70, 0.64, 0.61, 0.66, 0.58, 0.64, 0.70])
    b = np.array([0.58, 0.64, 0.61, 0.64, 0.58, 0.61, 0.61, 0.58, 0.66, 0.64])
    assert wilcoxon_signed_rank(a, b) == stats.wilcoxon(a - b, zero_method="wilcox").pvalue
