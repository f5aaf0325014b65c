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
