"""The change between two runs: the paired corrected interval and the unpaired Welch interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from harness.errors import InputDataError
from harness.evaluate.change import PAIRED, UNPAIRED, RunSpread, paired_change, unpaired_change


def _scores(mean: float, spread: float, seed: int) -> np.ndarray:
    return mean + np.random.default_rng(seed).normal(0.0, spread, 10)


def test_the_unpaired_interval_is_welch_of_corrected_standard_errors():
    a, b = RunSpread(0.80, 0.03, 10, 614, 154), RunSpread(0.70, 0.05, 20, 614, 154)
    estimate = unpaired_change(a, b)
    factor_a, factor_b = 1 / 10 + 154 / 614, 1 / 20 + 154 / 614
    se_a, se_b = 0.03 * math.sqrt(factor_a), 0.05 * math.sqrt(factor_b)
    se = math.hypot(se_a, se_b)
    df = se**4 / (se_a**4 / 9 + se_b**4 / 19)
    half = stats.t.ppf(0.975, df) * se
    assert estimate.method == UNPAIRED and estimate.effect == pytest.approx(0.10)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((0.10 - half, 0.10 + half))


def test_the_paired_interval_is_the_corrected_interval_of_fold_differences():
    a = _scores(0.80, 0.03, seed=1)
    b = a - _scores(0.02, 0.01, seed=2)
    estimate = paired_change(a, b, 614, 154)
    d = a - b
    half = stats.t.ppf(0.975, 9) * d.std(ddof=1) * math.sqrt(1 / 10 + 154 / 614)
    assert estimate.method == PAIRED
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))


def test_bad_inputs_are_refused_with_the_fix():
    with pytest.raises(InputDataError, match="aligned by"):
        paired_change([0.5, math.nan, 0.6], [0.5, 0.5, 0.5], 614, 154)
    with pytest.raises(InputDataError, match="aligned by"):
        paired_change([0.5, 0.6], [0.5, 0.5, 0.5], 614, 154)
    with pytest.raises(InputDataError, match="rerun the job"):
        RunSpread(0.8, math.nan, 10, 614, 154)
    with pytest.raises(InputDataError, match="rerun the job"):
        RunSpread(0.8, 0.01, 1, 614, 154)


def test_no_spread_gives_a_point_interval():
    same = unpaired_change(RunSpread(0.8, 0.0, 10, 614, 154), RunSpread(0.7, 0.0, 10, 614, 154))
    assert same.se == 0.0 and same.ci_low == same.ci_high == pytest.approx(0.1)
    assert math.isinf(same.df)


def test_the_paired_interval_holds_its_level_on_independent_folds():
    """With independent fold differences (no overlap: n_test/n_train -> 0) the corrected
    interval is the plain t interval, which covers the true mean 95 % of the time."""
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(2000):
        d = rng.normal(0.03, 0.05, 10)
        estimate = paired_change(d, np.zeros(10), 1e12, 1.0)
        covered += estimate.ci_low <= 0.03 <= estimate.ci_high
    assert 0.935 <= covered / 2000 <= 0.965
