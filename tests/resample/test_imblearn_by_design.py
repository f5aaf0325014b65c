"""What the harness does where a vendored imbalanced-learn test fails by design
(:mod:`tests.resample.imblearn_by_design`), on the same data: the same counts, labels
and original rows, new rows made the same way from other draws."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.utils.testing import _CustomNearestNeighbors
from sklearn.neighbors import NearestNeighbors

from harness.resample import ADASYN, SMOTENC, RandomOverSampler
from tests.resample.third_party.imblearn.test_adasyn import RND_SEED, Y
from tests.resample.third_party.imblearn.test_adasyn import X as ADASYN_X

#: The rows of test_random_over_sampler.py's ``data`` fixture.
ROS_X = np.array(
    [
        [0.04352327, -0.20515826],
        [0.92923648, 0.76103773],
        [0.20792588, 1.49407907],
        [0.47104475, 0.44386323],
        [0.22950086, 0.33367433],
        [0.15490546, 0.3130677],
        [0.09125309, -0.85409574],
        [0.12372842, 0.6536186],
        [0.13347175, 0.12167502],
        [0.094035, -2.55298982],
    ]
)
ROS_Y = np.array([1, 0, 1, 0, 1, 1, 1, 1, 0, 1])


@pytest.mark.parametrize("n_neighbors", [5, NearestNeighbors(n_neighbors=6)], ids=["int", "nn"])
def test_adasyn_makes_imbalanced_learns_rows_on_class_segments(n_neighbors):
    sampler = ADASYN(random_state=RND_SEED, n_neighbors=n_neighbors)
    X_res, y_res = sampler.fit_resample(ADASYN_X, Y)
    y_gt = [0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    assert X_res.shape == (24, 2) and y_res.tolist() == y_gt
    np.testing.assert_array_equal(X_res[:20], ADASYN_X)
    lineage = sampler.lineage_
    parents, neighbors = lineage["parent"].to_numpy(), lineage["neighbor"].to_numpy()
    assert (Y[parents] == 0).all() and (Y[neighbors] == 0).all()
    segment = ADASYN_X[neighbors] - ADASYN_X[parents]
    expected = ADASYN_X[parents] + lineage["lam"].to_numpy()[:, None] * segment
    np.testing.assert_allclose(X_res[20:], expected)


@pytest.mark.parametrize("params", [{"shrinkage": None}, {"shrinkage": 0}, {"shrinkage": {0: 0}}])
@pytest.mark.parametrize("X_type", ["array", "dataframe"])
def test_random_oversampling_copies_minority_rows_as_imbalanced_learn(X_type, params):
    X = ROS_X if X_type == "array" else pd.DataFrame(ROS_X)
    sampler = RandomOverSampler(**params, random_state=RND_SEED)
    X_res, y_res = sampler.fit_resample(X, ROS_Y)
    X_res = np.asarray(X_res)
    assert y_res.tolist() == [1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    np.testing.assert_array_equal(X_res[:10], ROS_X)
    minority_rows = {tuple(row) for row in ROS_X[ROS_Y == 0]}
    assert all(tuple(row) in minority_rows for row in X_res[10:])
    assert sampler.shrinkage_ == (None if params["shrinkage"] is None else {0: 0})


def test_shrinkage_lists_the_classes_that_grow():
    sampler = RandomOverSampler(shrinkage=0, sampling_strategy={0: 3, 1: 7}, random_state=0)
    X_res, _ = sampler.fit_resample(ROS_X, ROS_Y)
    np.testing.assert_array_equal(X_res, ROS_X)
    assert sampler.shrinkage_ == {}
    sampler.set_params(sampling_strategy={0: 4, 1: 7}).fit_resample(ROS_X, ROS_Y)
    assert sampler.shrinkage_ == {0: 0.0}


def test_smote_nc_with_a_custom_estimator_when_categorical_features_is_named():
    rng = np.random.RandomState(42)
    X = np.empty((30, 4), dtype=object)
    X[:, :2] = rng.randn(30, 2)
    X[:, 2] = rng.choice(["a", "b", "c"], size=30).astype(object)
    X[:, 3] = rng.randint(3, size=30)
    y = np.array([0] * 10 + [1] * 20)
    smote = SMOTENC(categorical_features=[2, 3], k_neighbors=_CustomNearestNeighbors(n_neighbors=5))
    X_res, y_res = smote.fit_resample(X, y)
    assert X_res.shape == (40, 4)
    assert Counter(y_res) == {0: 20, 1: 20}
