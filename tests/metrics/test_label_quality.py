"""The label-issue estimate reads what it should on data with known label noise."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification

from harness.errors import InputDataError
from harness.metrics.label_quality import label_issue_shares


@pytest.fixture(scope="module")
def separated():
    return make_classification(
        3000, 8, n_informative=5, weights=[0.9], flip_y=0, class_sep=2.0, random_state=0
    )


def test_no_noise_reads_low(separated):
    X, y = separated
    assert label_issue_shares(X, y)["label_issues"] < 0.03


def test_minority_flipped_to_majority_is_seen(separated):
    X, y = separated
    rng = np.random.default_rng(1)
    minority = np.flatnonzero(y == 1)
    flipped = rng.choice(minority, int(0.1 * minority.size), replace=False)
    noisy = y.copy()
    noisy[flipped] = 0
    shares = label_issue_shares(X, noisy)
    assert shares["label_issues"] == pytest.approx(0.10, abs=0.04)
    # The flipped rows now carry the majority label: that direction must carry the signal.
    assert shares["majority_mislabelled"] > shares["minority_mislabelled"]


def test_majority_relabelled_minority_is_seen(separated):
    X, y = separated
    rng = np.random.default_rng(1)
    n_minority = int((y == 1).sum())
    flipped = rng.choice(np.flatnonzero(y == 0), int(0.1 * n_minority), replace=False)
    noisy = y.copy()
    noisy[flipped] = 1
    shares = label_issue_shares(X, noisy)
    assert shares["label_issues"] == pytest.approx(0.10, abs=0.04)
    assert shares["minority_mislabelled"] > shares["majority_mislabelled"]


def test_same_seed_same_estimate(separated):
    X, y = separated
    assert label_issue_shares(X[:600], y[:600], random_state=3) == label_issue_shares(
        X[:600], y[:600], random_state=3
    )


def test_missing_minority_label_is_refused():
    with pytest.raises(InputDataError, match="minority label"):
        label_issue_shares(np.zeros((10, 2)), np.zeros(10), pos_label=1)
