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


def test_a_tiny_study_measures_drops_that_grow_with_the_threshold(capsys):
    data = run_regression_gate(["abalone9_18"], pairs=2, log=lambda _: None)
    (study,) = data["studies"]
    power = study["power"]
    assert power[0]["threshold"] == THRESHOLD_GRID[0] and power[0]["true_drop"] == 0.0
    drops = [row["true_drop"] for row in power]
    assert drops == sorted(drops) and drops[-1] > 0.05
    for path in ("paired", "unpaired"):
        rates = study["aa"][path]["0"]
        assert rates["pairs"] == 2 and rates["pass"] + rates["fail"] + rates["inconclusive"] == 2
    assert "| paired | 0 |" in render_regression_gate(data)
