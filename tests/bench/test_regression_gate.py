"""The regression-gate study: its pairs, its bound, and a tiny run of the real study."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from harness.bench.regression_gate import (
    THRESHOLD_GRID,
    Arm,
    _pairs,
    render_regression_gate,
    run_regression_gate,
    upper_bound,
)


def test_the_upper_bound_is_clopper_pearson():
    assert upper_bound(0, 300) == pytest.approx(1 - 0.05 ** (1 / 300))
    assert upper_bound(7, 300) == pytest.approx(stats.beta.ppf(0.95, 8, 293))
    assert upper_bound(300, 300) == 1.0


def test_unpaired_pairs_use_every_evaluation_once_and_never_one_fold_seed_twice():
    arms = [
        (Arm(np.full((10, 1), 2 * seed), 1, 1), Arm(np.full((10, 1), 2 * seed + 1), 1, 1))
        for seed in range(6)
    ]
    unpaired = _pairs(arms, paired=False)
    used = [int(arm.recall[0, 0]) for pair in unpaired for arm in pair]
    assert len(unpaired) == 6 and sorted(used) == list(range(12))
    assert all(c.recall[0, 0] // 2 != b.recall[0, 0] // 2 for c, b in unpaired)
    paired = _pairs(arms, paired=True)
    assert all(c.recall[0, 0] // 2 == b.recall[0, 0] // 2 for c, b in paired)


def test_a_small_study_holds_the_false_fail_rule_and_measures_growing_drops():
    """20 fold seeds on abalone9_18: no A/A pair fails on either path (the full study: 0 of
    300, docs/statistics.md), and raising the threshold lowers recall by known amounts."""
    data = run_regression_gate(["abalone9_18"], pairs=20, log=lambda _: None)
    (study,) = data["studies"]
    for path in ("paired", "unpaired"):
        for margin, rates in study["aa"][path].items():
            assert rates["fail_rate"] <= 0.05, (path, margin)
    power = study["power"]
    assert power[0]["threshold"] == THRESHOLD_GRID[0] and power[0]["true_drop"] == 0.0
    drops = [row["true_drop"] for row in power]
    assert drops == sorted(drops) and drops[-1] > 0.05
    for path in ("paired", "unpaired"):
        rates = study["aa"][path]["0"]
        assert rates["pairs"] == 20
        assert rates["pass"] + rates["fail"] + rates["inconclusive"] == 20
    assert "| paired | 0 |" in render_regression_gate(data)
