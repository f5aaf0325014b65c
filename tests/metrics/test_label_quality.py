"""The label-issue estimate reads what it should on data with known label noise, and its
bootstrap interval measures the row-sampling uncertainty it claims."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification

from harness.errors import InputDataError
from harness.metrics.label_quality import (
    bootstrap_shares,
    label_issue_estimate,
    label_issue_shares,
    shares_of,
)


@pytest.fixture(scope="module")
def separated():
    return make_classification(
        3000, 8, n_informative=5, weights=[0.9], flip_y=0, class_sep=2.0, random_state=0
    )


def test_no_noise_reads_low(separated):
    X, y = separated
    assert label_issue_shares(X, y)["label_issues"] < 0.03


@pytest.mark.parametrize(
    ("flipped_class", "signal", "other"),
    [
        (1, "majority_mislabelled", "minority_mislabelled"),
        (0, "minority_mislabelled", "majority_mislabelled"),
    ],
    ids=["minority-to-majority", "majority-to-minority"],
)
def test_flipped_labels_are_seen_in_their_direction(separated, flipped_class, signal, other):
    X, y = separated
    rng = np.random.default_rng(1)
    n_flipped = int(0.1 * (y == 1).sum())
    flipped = rng.choice(np.flatnonzero(y == flipped_class), n_flipped, replace=False)
    noisy = y.copy()
    noisy[flipped] = 1 - flipped_class
    shares = label_issue_shares(X, noisy)
    assert shares["label_issues"] == pytest.approx(0.10, abs=0.04)
    # The flipped rows now carry the other class's label: that direction must carry the signal.
    assert shares[signal] > shares[other]


def test_same_seed_same_estimate(separated):
    X, y = separated
    assert label_issue_shares(X[:600], y[:600], random_state=3) == label_issue_shares(
        X[:600], y[:600], random_state=3
    )


def test_missing_minority_label_is_refused():
    with pytest.raises(InputDataError, match="minority label"):
        label_issue_shares(np.zeros((10, 2)), np.zeros(10), pos_label=1)


def test_the_estimate_carries_intervals_around_it(separated):
    X, y = separated
    estimate = label_issue_estimate(X, y, random_state=0)
    assert estimate.shares == label_issue_shares(X, y, random_state=0)
    for name, (low, high) in estimate.intervals.items():
        assert low <= estimate.shares[name] <= high
    assert estimate.flagged.dtype == bool and estimate.flagged.size == y.size


def test_the_multinomial_bootstrap_is_the_row_bootstrap():
    """Resampling rows and counting equals one multinomial draw of the four row kinds."""
    rng = np.random.default_rng(0)
    y = (rng.random(800) < 0.1).astype(int)
    flagged = rng.random(800) < np.where(y == 1, 0.3, 0.02)
    fast = bootstrap_shares(flagged, y, n_boot=4000, random_state=1)
    slow = []
    for _ in range(4000):
        rows = rng.integers(0, y.size, y.size)
        slow.append(shares_of(flagged[rows], y[rows])["label_issues"])
    assert fast["label_issues"] == pytest.approx(np.quantile(slow, [0.025, 0.975]), abs=0.02)


def test_the_interval_covers_the_share_the_rows_are_drawn_from():
    """Rows drawn from known rates: the 95 % interval holds the population share about 95 %
    of the time (it measures row sampling, not the flagging's own error)."""
    rng = np.random.default_rng(3)
    minority, flag_minority, flag_majority = 0.1, 0.2, 0.01
    truth = flag_minority + flag_majority * (1 - minority) / minority
    covered = 0
    for seed in range(300):
        y = (rng.random(2000) < minority).astype(int)
        flagged = rng.random(2000) < np.where(y == 1, flag_minority, flag_majority)
        low, high = bootstrap_shares(flagged, y, n_boot=500, random_state=seed)["label_issues"]
        covered += low <= truth <= high
    assert 0.91 <= covered / 300 <= 0.98
