"""Meta-features on data whose values are known by hand or by an independent formula."""

import math

import numpy as np
import pytest
from scipy.spatial.distance import mahalanobis

from harness.errors import InputDataError
from harness.metrics.meta_features import (
    DEFINITIONS,
    META_FEATURES,
    class_counts,
    f1v,
    meta_features,
    nearest_neighbour_errors,
)


def _blobs(seed=0, n_majority=120, n_minority=30, gap=8.0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0.0, 1.0, (n_majority, 3)), rng.normal(gap, 1.0, (n_minority, 3))])
    y = np.r_[np.zeros(n_majority, dtype=int), np.ones(n_minority, dtype=int)]
    return X, y


def test_class_counts():
    assert class_counts([0, 0, 0, 1, 0, 1]) == {
        "rows": 6.0,
        "minority": 2.0,
        "imbalance_ratio": 2.0,
    }


def test_f1v_by_hand_in_one_dimension():
    # Class means 0 and 3, both variances 1 (n - 1 divisor), equal shares: W = 1, dF = 9.
    X = np.array([[-1.0], [0.0], [1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    assert f1v(X, y) == pytest.approx(1 / (1 + 9))


def test_f1v_is_one_over_one_plus_the_squared_mahalanobis_distance_of_the_means():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 3))
    y = (rng.random(200) < 0.3).astype(int)
    X[y == 1] += [0.5, -1.0, 0.2]
    shares = np.bincount(y) / len(y)
    within = sum(shares[c] * np.cov(X[y == c], rowvar=False) for c in (0, 1))
    distance = mahalanobis(X[y == 1].mean(0), X[y == 0].mean(0), np.linalg.inv(within))
    assert f1v(X, y) == pytest.approx(1 / (1 + distance**2))


def test_f1v_ignores_invertible_affine_maps_and_reads_one_when_the_means_coincide():
    X, y = _blobs(gap=1.0)
    mapped = X @ np.array([[2.0, 0.5, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 3.0]]) + 7.0
    assert f1v(mapped, y) == pytest.approx(f1v(X, y))
    same_means = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    assert f1v(same_means, [0, 0, 1, 1]) == pytest.approx(1.0)


def test_f1v_takes_constant_and_collinear_columns():
    X, y = _blobs(gap=2.0)
    padded = np.c_[X, np.zeros(len(X)), X[:, 0] * 2.0]
    assert f1v(padded, y) == pytest.approx(f1v(X, y))


def test_nearest_neighbour_errors_by_hand():
    # Nearest neighbours: 0 <-> 0.9 (other class, both wrong), 5 <-> 6, 20 <-> 21, 40 <-> 41.
    X = np.array([0.0, 0.9, 5.0, 6.0, 20.0, 21.0, 40.0, 41.0])[:, None]
    y = np.array([0, 1, 0, 0, 1, 1, 0, 0])
    assert nearest_neighbour_errors(X, y) == {"n3": 2 / 8, "n3_minority": 1 / 3}


def test_separated_classes_have_no_overlap_and_all_features_in_order():
    X, y = _blobs()
    found = meta_features(X, y)
    assert list(found) == list(META_FEATURES) == list(DEFINITIONS)
    assert (found["rows"], found["features"], found["minority"]) == (150, 3, 30)
    assert found["imbalance_ratio"] == 4.0
    assert found["n3"] == found["n3_minority"] == found["minority_overlap"] == 0.0
    assert found["f1v"] < 0.05
    assert found["label_issues"] == pytest.approx(0.0, abs=0.05)


def test_overlapping_classes_read_high_and_same_seed_gives_same_numbers():
    X, y = _blobs(gap=0.0)
    found = meta_features(X, y, random_state=3)
    assert found == meta_features(X, y, random_state=3)
    assert found["f1v"] > 0.8  # sampling noise alone: E[dF] ~ d (1/n0 + 1/n1) = 0.125
    assert found["n3_minority"] > 0.5
    assert math.isnan(meta_features(X, y, label_issues=False)["label_issues"])


@pytest.mark.parametrize(
    ("X", "y", "named"),
    [
        ([[0.0], [np.nan], [1.0], [2.0]], [0, 0, 1, 1], "NaN"),
        ([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 2], "labels"),
        ([[0.0], [1.0], [2.0], [3.0]], [0, 0, 0, 1], "at least 2 rows"),
    ],
)
def test_bad_input_is_refused_with_the_fix(X, y, named):
    with pytest.raises(InputDataError, match=named):
        meta_features(np.array(X), np.array(y))
