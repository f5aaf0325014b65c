"""The label-issue study: labels flipped as stated, the truth it is measured against."""

from __future__ import annotations

import numpy as np
import pytest

from harness.bench.label_issues import _flip, measure, render_label_issues


@pytest.mark.parametrize(
    ("direction", "from_minority", "from_majority"),
    [("minority_to_majority", 10, 0), ("majority_to_minority", 0, 10), ("both", 5, 5)],
)
def test_flips_take_level_times_the_minority_rows_from_the_named_class(
    direction, from_minority, from_majority
):
    y = np.r_[np.ones(100, int), np.zeros(900, int)]
    rows = _flip(y, 0.10, direction, np.random.default_rng(0))
    assert np.sum(y[rows] == 1) == from_minority and np.sum(y[rows] == 0) == from_majority
    assert np.unique(rows).size == rows.size
    assert _flip(y, 0.0, direction, np.random.default_rng(0)).size == 0


def test_one_measurement_against_its_truth():
    found = measure("separated", 0.2, "minority_to_majority", 0)
    # 20 % of the minority rows flipped away: the truth is 0.2 m / 0.8 m = 0.25.
    assert found["truth"] == pytest.approx(0.25, abs=0.01)
    assert 0.0 <= found["flag_precision"] <= 1.0 and found["covered"] in (0.0, 1.0)
    cell = {
        "overlap": "separated", "level": 0.2, "direction": "minority_to_majority",
        "truth": found["truth"], "estimate": found["estimate"], "mean_error": 0.0,
        "max_abs_error": 0.0, "coverage": found["covered"], "flag_precision": 0.9,
    }  # fmt: skip
    assert "| separated | 0.2 | minority_to_majority |" in render_label_issues({"cells": [cell]})
