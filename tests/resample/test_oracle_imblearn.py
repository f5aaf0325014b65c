"""ADASYN against the reference, imbalanced-learn 0.14.2's ``imblearn.over_sampling.ADASYN``."""

from collections import Counter

import numpy as np
import pytest
from imblearn import over_sampling as imblearn_over

from harness.resample import ADASYN
from tests.resample.conftest import make_data

CASES = [(seed, weight) for seed in (0, 1, 3) for weight in (0.1, 0.2, 0.3)]


def _reference_ratio(
    fitted: imblearn_over.ADASYN, X: np.ndarray, y: np.ndarray, label
) -> np.ndarray:
    """imblearn's r_i, computed as imblearn/over_sampling/_adasyn.py does, with its own ``nn_``."""
    nns = fitted.nn_.fit(X).kneighbors(X[y == label], return_distance=False)[:, 1:]
    n_neighbors = fitted.nn_.n_neighbors - 1
    return np.sum(y[nns] != label, axis=1) / n_neighbors


@pytest.mark.parametrize(("seed", "weight"), CASES)
def test_difficulty_ratio_equals_imblearns(seed, weight):
    X, y = make_data(n_samples=400, weights=(1 - weight, weight), seed=seed, n_features=6)
    fitted = imblearn_over.ADASYN(random_state=0)
    fitted.fit_resample(X, y)
    ours = ADASYN(random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.difficulty_[1], _reference_ratio(fitted, X, y, 1), atol=1e-12)


@pytest.mark.parametrize(("seed", "weight"), CASES)
def test_total_is_exact_where_imblearns_is_not(seed, weight):
    X, y = make_data(n_samples=400, weights=(1 - weight, weight), seed=seed, n_features=6)
    counts = Counter(y.tolist())
    requested = counts[0] - counts[1]
    ours = ADASYN(random_state=0)
    _, y_ours = ours.fit_resample(X, y)
    assert Counter(y_ours.tolist())[1] - counts[1] == requested == ours.n_synthetic_
    assert ours.allocation_[1].sum() == requested


def test_a_seeded_case_where_imblearn_misses_the_request():
    X, y = make_data(n_samples=400, weights=(0.8, 0.2), seed=0, n_features=6)
    counts = Counter(y.tolist())
    requested = counts[0] - counts[1]
    _, y_reference = imblearn_over.ADASYN(random_state=0).fit_resample(X, y)
    _, y_ours = ADASYN(random_state=0).fit_resample(X, y)
    assert Counter(y_reference.tolist())[1] - counts[1] != requested
    assert Counter(y_ours.tolist())[1] - counts[1] == requested


def test_allocation_is_within_one_row_of_the_proportional_share():
    X, y = make_data(n_samples=400, weights=(0.8, 0.2), seed=1, n_features=6)
    ours = ADASYN(random_state=0).fit(X, y)
    ratio = ours.difficulty_[1] / ours.difficulty_[1].sum()
    exact_share = ratio * ours.sampling_strategy_[1]
    assert np.all(np.abs(ours.allocation_[1] - exact_share) < 1)
