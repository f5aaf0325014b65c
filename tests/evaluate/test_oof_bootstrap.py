"""The pooled out-of-fold bootstrap interval brackets the pooled value and is seeded."""

from __future__ import annotations

import numpy as np

from harness.evaluate.oof_bootstrap import bootstrap_intervals
from harness.metrics.classification import minority_slis


def _predictions():
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.25).astype(int)
    score = np.clip(0.35 * y + 0.65 * rng.random(600), 0, 1)
    return y, (score >= 0.5).astype(int), score


def test_interval_brackets_the_pooled_value():
    y, pred, score = _predictions()
    intervals = bootstrap_intervals(y, pred, score, n_boot=100)
    point = minority_slis(y, pred, score)
    for name, value in point.items():
        low, high = intervals[f"test/{name}"]
        assert low <= value <= high, name


def test_same_seed_same_interval():
    y, pred, score = _predictions()
    assert bootstrap_intervals(y, pred, score, n_boot=30, random_state=4) == bootstrap_intervals(
        y, pred, score, n_boot=30, random_state=4
    )
