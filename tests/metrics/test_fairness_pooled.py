"""Pooled fairness: fairlearn's point values, bootstrap statistics equal fairlearn's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

from harness.metrics.fairness_pooled import gaps_from_counts, pooled_group_fairness


@pytest.fixture
def predictions():
    rng = np.random.default_rng(0)
    n = 900
    groups = rng.choice(["A/B", "c", "d"], size=n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < 0.3).astype(int)
    pred = np.where(rng.random(n) < 0.75, y, 1 - y)
    return y, pred, groups


def test_point_values_are_fairlearns(predictions):
    y, pred, groups = predictions
    result = pooled_group_fairness(y, pred, groups, n_boot=50)
    assert result["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y, pred, sensitive_features=groups), abs=1e-12
    )
    assert result["group/A/B/n"] == float((groups == "A/B").sum())
    assert result["equalized_odds_difference_ci_low"] <= result["equalized_odds_difference"]
    assert result["equalized_odds_difference"] <= result["equalized_odds_difference_ci_high"]


def test_bootstrap_statistic_equals_fairlearn_on_the_same_resample(predictions):
    y, pred, groups = predictions
    rng = np.random.default_rng(5)
    rows = rng.integers(0, y.size, y.size)
    labels = np.unique(groups)
    counts = {
        name: np.array([np.sum(mask[rows] & (groups[rows] == g)) for g in labels])
        for name, mask in {
            "tp": (y == 1) & (pred == 1),
            "fn": (y == 1) & (pred == 0),
            "fp": (y == 0) & (pred == 1),
            "tn": (y == 0) & (pred == 0),
        }.items()
    }
    gaps = gaps_from_counts(counts["tp"], counts["fn"], counts["fp"], counts["tn"])
    expected_eod = equalized_odds_difference(y[rows], pred[rows], sensitive_features=groups[rows])
    expected_dpd = demographic_parity_difference(
        y[rows], pred[rows], sensitive_features=groups[rows]
    )
    assert float(gaps["equalized_odds_difference"]) == pytest.approx(expected_eod, abs=1e-12)
    assert float(gaps["demographic_parity_difference"]) == pytest.approx(expected_dpd, abs=1e-12)


def test_small_groups_are_flagged_and_left_out_of_the_gap(predictions):
    y, pred, groups = predictions
    groups = groups.astype(object)
    groups[:5] = "tiny"
    pred = pred.copy()
    pred[:5] = 1 - y[:5]  # the tiny group is always wrong
    result = pooled_group_fairness(y, pred, groups, n_boot=20)
    kept = groups != "tiny"
    assert result["n_small_groups"] == 1.0
    assert result["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y[kept], pred[kept], sensitive_features=groups[kept])
    )
    assert result["group/tiny/n"] == 5.0


def test_same_seed_same_interval(predictions):
    y, pred, groups = predictions
    first = pooled_group_fairness(y, pred, groups, n_boot=100, random_state=3)
    again = pooled_group_fairness(y, pred, groups, n_boot=100, random_state=3)
    assert first == again


def test_one_group_only_gives_nan_gaps():
    result = pooled_group_fairness([0, 1] * 20, [0, 1] * 20, ["a"] * 40, n_boot=10)
    assert math.isnan(result["equalized_odds_difference"])


def test_every_group_gets_wilson_intervals_of_recall_and_selection_rate(predictions):
    from statsmodels.stats.proportion import proportion_confint

    y, pred, groups = predictions
    groups = groups.astype(object)
    groups[:5] = "tiny"
    y = y.copy()
    y[:5] = 0  # the tiny group has no minority row: its recall is undefined
    result = pooled_group_fairness(y, pred, groups, n_boot=10)
    rows = groups == "c"
    hits, positives = np.sum((y == 1) & (pred == 1) & rows), np.sum((y == 1) & rows)
    low, high = proportion_confint(hits, positives, 0.05, method="wilson")
    assert result["group/c/recall_ci_low"] == pytest.approx(low, abs=1e-12)
    assert result["group/c/recall_ci_high"] == pytest.approx(high, abs=1e-12)
    assert low < result["group/c/recall"] < high
    for group in ("A/B", "c", "d", "tiny"):
        low, high = (
            result[f"group/{group}/selection_rate_ci_low"],
            result[f"group/{group}/selection_rate_ci_high"],
        )
        assert 0.0 <= low <= result[f"group/{group}/selection_rate"] <= high <= 1.0
    tiny = result["group/tiny/selection_rate_ci_high"] - result["group/tiny/selection_rate_ci_low"]
    assert tiny > 0.3  # five rows tell little
    assert math.isnan(result["group/tiny/recall_ci_low"])
