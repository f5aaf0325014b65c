"""The smallest detectable difference: the formula, its levers, its words, and its power."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from harness.errors import InputDataError
from harness.evaluate.power import POWER, detectable_difference


def _by_hand(std: float, folds: float, n_train: float, n_test: float, alpha: float) -> float:
    df = folds - 1
    factor = (0.0 if math.isinf(folds) else 1 / folds) + n_test / n_train
    quantiles = (
        stats.norm.ppf(1 - alpha) + stats.norm.ppf(POWER)
        if math.isinf(df)
        else stats.t.ppf(1 - alpha, df) + stats.t.ppf(POWER, df)
    )
    return quantiles * std * math.sqrt(factor)


def test_the_figures_are_the_corrected_t_formula():
    found = detectable_difference(0.03, 10, 614, 154, 0.025, family_size=4)
    assert found.alpha == pytest.approx(0.025 / 4)  # Holm's first step
    assert found.now == pytest.approx(_by_hand(0.03, 10, 614, 154, 0.025 / 4))
    assert found.doubled_repeats == pytest.approx(_by_hand(0.03, 20, 614, 154, 0.025 / 4))
    assert found.floor == pytest.approx(_by_hand(0.03, math.inf, 614, 154, 0.025 / 4))
    assert found.floor < found.doubled_repeats < found.now


def test_more_repeats_help_only_above_the_floor():
    few = detectable_difference(0.03, 10, 614, 154, 0.025)
    assert few.repeats_help and "twice the repeats would bring it to" in few.advice()
    # A tiny training fold against its test fold: n_test/n_train dominates, repeats cannot help.
    floor_bound = detectable_difference(0.03, 200, 100, 100, 0.025)
    assert not floor_bound.repeats_help
    assert "more repeats cannot help" in floor_bound.advice()
    assert "four times the rows" in few.line() and "80% power" in few.line()


def test_a_metric_that_never_varies_says_so_instead_of_advising():
    constant = detectable_difference(0.0, 10, 614, 154, 0.025)
    assert constant.now == 0.0
    assert "same on every fold" in constant.advice()
    assert "four times" not in constant.line()


def test_too_few_folds_or_no_spread_give_no_figure():
    for std, folds in ((math.nan, 10), (0.03, 1)):
        found = detectable_difference(std, folds, 614, 154, 0.025)
        assert math.isnan(found.now)
        assert "no difference is detectable" in found.line()


@pytest.mark.parametrize(
    "args",
    [(0.03, 10, 614, 154, 0.0), (0.03, 10, 614, 154, 1.0), (0.03, 10, 0, 154, 0.025)],
)
def test_impossible_designs_are_refused(args):
    with pytest.raises(InputDataError):
        detectable_difference(*args)


def test_a_true_effect_of_that_size_is_found_about_80_percent_of_the_time():
    # Independent folds (n_test/n_train -> 0, so the correction vanishes): simulate the one-sided
    # t-test at the stated effect. The formula is the normal approximation of the noncentral t,
    # slightly optimistic with 10 folds: the exact power is a little under 80 %.
    folds, std, alpha = 10, 0.05, 0.025
    effect = detectable_difference(std, folds, 1e12, 1.0, alpha).now
    rng = np.random.default_rng(0)
    differences = rng.normal(effect, std, size=(20_000, folds))
    t = differences.mean(axis=1) / (differences.std(axis=1, ddof=1) / math.sqrt(folds))
    simulated = float(np.mean(t > stats.t.ppf(1 - alpha, folds - 1)))
    exact = 1 - stats.nct.cdf(
        stats.t.ppf(1 - alpha, folds - 1), folds - 1, effect / (std / math.sqrt(folds))
    )
    assert simulated == pytest.approx(exact, abs=0.01)
    assert 0.75 < exact < POWER
