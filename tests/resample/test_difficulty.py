"""Δ_i from an own-class search and an other-class count equals the whole-set search."""

import numpy as np
import pytest

from harness.resample import ADASYN
from harness.resample.allocation import majority_counts
from harness.resample.backends.ivf import IVFBackend
from harness.resample.difficulty import counts_from_closer, split_difficulty, supports_split
from harness.resample.neighbors import ExactBackend, neighbors_excluding_self
from tests.resample.conftest import make_data


@pytest.mark.parametrize(
    ("closer", "expected"),
    [
        ([0, 0, 0, 0, 0], 0),  # no other-class row before the 5th own neighbour
        ([5, 5, 5, 5, 5], 5),  # five other-class rows before the 1st
        ([1, 1, 2, 3, 3], 2),  # order M m1 m2 M m3 | M m4 m5: two among the nearest five
        ([0, 0, 0, 0, 1], 1),  # one before m5 pushes m5 out
        ([0, 0, 0, 0, 9], 1),  # however many lie between m4 and m5
    ],
)
def test_counts_from_closer_on_hand_made_orders(closer, expected):
    assert counts_from_closer(np.array([closer])).tolist() == [expected]


@pytest.mark.parametrize("weights", [(0.85, 0.15), (0.6, 0.3, 0.1)])
def test_split_search_with_every_cell_probed_equals_the_whole_set_search(weights):
    X, y = make_data(n_samples=2500, n_features=6, weights=weights, seed=3)
    for label in np.unique(y)[1:]:
        whole = neighbors_excluding_self(X, np.flatnonzero(y == label), 5, "exact")
        expected = majority_counts(y[whole], label)
        exhaustive = {"n_cells": 10, "n_probe": 10}
        split = split_difficulty(
            X,
            np.flatnonzero(y == label),
            np.flatnonzero(y != label),
            5,
            IVFBackend(**exhaustive),
            IVFBackend(**exhaustive),
        )
        np.testing.assert_array_equal(split.majority_counts, expected)
        own = neighbors_excluding_self(
            X[y == label], np.arange(np.count_nonzero(y == label)), 5, "exact"
        )
        assert np.mean(np.all(split.own_neighbors == own, axis=1)) >= 0.99


def test_only_counting_backends_take_the_split_path():
    assert supports_split(IVFBackend())
    assert not supports_split(ExactBackend())


def test_approximate_adasyn_stays_close_to_exact_and_is_deterministic():
    X, y = make_data(n_samples=8000, n_features=8, weights=(0.92, 0.08), seed=5)
    exact = ADASYN(random_state=0, backend="exact").fit(X, y)
    approx = ADASYN(random_state=0, backend="ivf")
    X_out, y_out = approx.fit_resample(X, y)
    assert np.mean(np.abs(exact.difficulty_[1] - approx.difficulty_[1])) <= 0.02
    assert approx.n_synthetic_ == exact.n_synthetic_
    # Synthetic rows interpolate between two rows of the class.
    lineage = approx.lineage_
    assert (y[lineage["parent"]] == 1).all() and (y[lineage["neighbor"]] == 1).all()
    again, _ = ADASYN(random_state=0, backend="ivf").fit_resample(X, y)
    np.testing.assert_array_equal(X_out, again)
