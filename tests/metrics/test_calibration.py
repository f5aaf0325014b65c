"""Calibration metrics against scikit-learn and hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, precision_score

from harness.errors import InputDataError
from harness.metrics.calibration import (
    brier_score,
    expected_calibration_error,
    threshold_for_precision,
)


def test_brier_equals_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    score = rng.random(200)
    assert brier_score(y, score) == pytest.approx(brier_score_loss(y, score), abs=1e-15)


def test_ece_is_zero_when_calibrated_and_worked_example():
    y = np.array([0, 0, 1, 1])
    assert expected_calibration_error(y, np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    # bins: 0.25 -> [0, 1] (mean truth .5, score .25); 0.85 -> [1, 1] (truth 1, score .85)
    value = expected_calibration_error([0, 1, 1, 1], np.array([0.25, 0.25, 0.85, 0.85]))
    assert value == pytest.approx(0.5 * 0.25 + 0.5 * 0.15)


def test_threshold_reaches_target_and_is_the_lowest():
    rng = np.random.default_rng(1)
    y = (rng.random(500) < 0.2).astype(int)
    score = np.clip(0.3 * y + rng.random(500) * 0.7, 0, 1)
    threshold = threshold_for_precision(y, score, 0.7)
    assert precision_score(y, score >= threshold) >= 0.7
    lower = score[score < threshold]
    if lower.size:
        assert precision_score(y, score >= lower.max()) < 0.7


def test_unreachable_target_is_nan_and_bad_input_is_refused():
    assert math.isnan(threshold_for_precision([0, 1], [0.9, 0.1], 1.0))
    with pytest.raises(InputDataError, match="probabilities"):
        brier_score([0, 1], [-2.0, 3.0])
    with pytest.raises(InputDataError, match="precision"):
        threshold_for_precision([0, 1], [0.1, 0.9], 0.0)
