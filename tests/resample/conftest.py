"""Small seeded data sets shared by the resampling tests."""

import inspect

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


#: Parameters a registered strategy needs on the numpy arrays of these tests (the
#: nominal–continuous samplers cannot find nominal columns in an array by themselves).
NEEDED_PARAMS = {
    "adasyn_nc": {"categorical_features": [0]},
    "smote_nc": {"categorical_features": [0]},
}


def sampler_of(name: str, **params: object) -> object:
    """An instance of the registered strategy ``name`` (``random_state=0`` when it takes one)."""
    from harness.resample.registry import STRATEGIES

    cls = STRATEGIES[name]
    given = {**NEEDED_PARAMS.get(name, {}), **params}
    if "random_state" in inspect.signature(cls.__init__).parameters:
        given.setdefault("random_state", 0)
    return cls(**given)
