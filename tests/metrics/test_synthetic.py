import math

import numpy as np
import pytest

from harness.errors import InputDataError
from harness.metrics import neighbor_distance_stats, synthetic_distance_stats, synthetic_ratio


def test_synthetic_ratio():
    assert synthetic_ratio(25, 100) == 0.25
    assert synthetic_ratio(0, 10) == 0.0


@pytest.mark.parametrize(("n_synthetic", "n_after"), [(5, 0), (11, 10), (-1, 10)])
def test_synthetic_ratio_rejects_impossible_counts(n_synthetic, n_after):
    with pytest.raises(InputDataError, match="n_train_after"):
        synthetic_ratio(n_synthetic, n_after)


def test_neighbor_stats_on_points_of_a_line():
    # points at 0, 1, 2, 4: nearest-neighbour distances 1, 1, 1, 2 (self excluded)
    X = np.array([[0.0], [1.0], [2.0], [4.0]])
    stats = neighbor_distance_stats(X, k=1)
    assert stats == pytest.approx(
        {"minority_knn_mean": 1.25, "minority_knn_median": 1.0, "minority_knn_p95": 1.85}
    )


def test_neighbor_stats_average_over_k_neighbours():
    # k=2: 0 -> (1, 2) mean 1.5; 1 -> (1, 1) 1; 2 -> (1, 2) 1.5; 4 -> (2, 3) 2.5
    X = np.array([[0.0], [1.0], [2.0], [4.0]])
    assert neighbor_distance_stats(X, k=2)["minority_knn_mean"] == pytest.approx(6.5 / 4)


def test_neighbor_stats_square_in_two_dimensions_and_k_clipped():
    square = np.array([[0.0, 0.0], [0.0, 3.0], [4.0, 0.0], [4.0, 3.0]])
    # k is clipped to 3: each corner sees 3, 4 and 5
    stats = neighbor_distance_stats(square, k=10)
    assert stats["minority_knn_mean"] == pytest.approx(4.0)
    assert stats["minority_knn_p95"] == pytest.approx(4.0)


def test_duplicates_are_not_their_own_neighbour_but_each_other():
    X = np.array([[1.0, 1.0], [1.0, 1.0], [5.0, 1.0]])
    stats = neighbor_distance_stats(X, k=1)
    assert stats["minority_knn_median"] == 0.0
    assert stats["minority_knn_mean"] == pytest.approx(4.0 / 3)


def test_neighbor_stats_nan_with_one_row():
    assert all(math.isnan(v) for v in neighbor_distance_stats(np.ones((1, 3))).values())


def test_synthetic_distance_to_nearest_real_row():
    real = np.array([[0.0, 0.0], [10.0, 0.0]])
    synthetic = np.array([[1.0, 0.0], [7.0, 0.0], [10.0, 4.0]])
    stats = synthetic_distance_stats(real, synthetic)
    assert stats["synthetic_nn_mean"] == pytest.approx((1 + 3 + 4) / 3)
    assert stats["synthetic_nn_median"] == pytest.approx(3.0)


def test_no_synthetic_rows_is_nan_not_zero():
    stats = synthetic_distance_stats(np.ones((4, 2)), np.empty((0, 2)))
    assert set(stats) == {"synthetic_nn_mean", "synthetic_nn_median", "synthetic_nn_p95"}
    assert all(math.isnan(v) for v in stats.values())


def test_feature_mismatch_and_nan_rejected():
    with pytest.raises(InputDataError, match="same"):
        synthetic_distance_stats(np.ones((4, 2)), np.ones((2, 3)))
    with pytest.raises(InputDataError, match="impute"):
        neighbor_distance_stats(np.array([[0.0], [np.nan]]))
