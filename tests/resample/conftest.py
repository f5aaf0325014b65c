"""Small seeded data sets shared by the resampling tests."""

import numpy as np
import pytest
from sklearn.datasets import make_classification


def make_data(
    n_samples: int = 300,
    weights: tuple[float, ...] = (0.8, 0.2),
    seed: int = 0,
    n_features: int = 5,
    dtype: type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded imbalanced data set (binary by default)."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        n_classes=len(weights),
        n_clusters_per_class=1,
        weights=list(weights),
        flip_y=0.02,
        random_state=seed,
    )
    return X.astype(dtype), y


@pytest.fixture
def binary_data() -> tuple[np.ndarray, np.ndarray]:
    return make_data()


@pytest.fixture
def three_class_data() -> tuple[np.ndarray, np.ndarray]:
    return make_data(weights=(0.6, 0.25, 0.15), seed=1)
