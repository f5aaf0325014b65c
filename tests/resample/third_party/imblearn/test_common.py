# Vendored from imbalanced-learn 0.14.2 (as shipped in its wheel):
# imblearn/over_sampling/tests/test_common.py.
# MIT licence, copyright the imbalanced-learn developers: see LICENSE in this folder.
# Changes: the imports of ADASYN, SMOTE, SMOTENC and BorderlineSMOTE switched to
#   harness.resample; the cases of samplers the harness does not have (SMOTEN, SVMSMOTE,
#   KMeansSMOTE) removed, with test_categorical_smote_k_custom_nn and its categorical_data
#   fixture (SMOTEN only); test_heterogeneous_smote_k_custom_nn marked
#   by_design(KEYWORD_ONLY).
from collections import Counter

import numpy as np
import pytest
from imblearn.utils.testing import _CustomNearestNeighbors

from harness.resample import ADASYN, SMOTE, SMOTENC, BorderlineSMOTE
from tests.resample.imblearn_by_design import KEYWORD_ONLY, by_design


@pytest.fixture
def numerical_data():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 2)
    y = np.repeat([0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0], 5)

    return X, y


@pytest.fixture
def heterogeneous_data():
    rng = np.random.RandomState(42)
    X = np.empty((30, 4), dtype=object)
    X[:, :2] = rng.randn(30, 2)
    X[:, 2] = rng.choice(["a", "b", "c"], size=30).astype(object)
    X[:, 3] = rng.randint(3, size=30)
    y = np.array([0] * 10 + [1] * 20)
    return X, y, [2, 3]


@pytest.mark.parametrize("smote", [BorderlineSMOTE()], ids=["borderline"])
def test_smote_m_neighbors(numerical_data, smote):
    # check that m_neighbors is properly set. Regression test for:
    # https://github.com/scikit-learn-contrib/imbalanced-learn/issues/568
    X, y = numerical_data
    _ = smote.fit_resample(X, y)
    assert smote.nn_k_.n_neighbors == 6
    assert smote.nn_m_.n_neighbors == 11


@pytest.mark.parametrize(
    "smote, neighbor_estimator_name",
    [
        (ADASYN(random_state=0), "n_neighbors"),
        (BorderlineSMOTE(random_state=0), "k_neighbors"),
        (SMOTE(random_state=0), "k_neighbors"),
    ],
    ids=["adasyn", "borderline", "smote"],
)
def test_numerical_smote_custom_nn(numerical_data, smote, neighbor_estimator_name):
    X, y = numerical_data
    params = {
        neighbor_estimator_name: _CustomNearestNeighbors(n_neighbors=5),
    }
    smote.set_params(**params)
    X_res, _ = smote.fit_resample(X, y)

    assert X_res.shape[0] >= 120


@by_design(KEYWORD_ONLY)
def test_heterogeneous_smote_k_custom_nn(heterogeneous_data):
    X, y, categorical_features = heterogeneous_data
    smote = SMOTENC(categorical_features, k_neighbors=_CustomNearestNeighbors(n_neighbors=5))
    X_res, y_res = smote.fit_resample(X, y)

    assert X_res.shape == (40, 4)
    assert Counter(y_res) == {0: 20, 1: 20}


@pytest.mark.parametrize("smote", [BorderlineSMOTE(random_state=0)], ids=["borderline"])
def test_numerical_smote_extra_custom_nn(numerical_data, smote):
    X, y = numerical_data
    smote.set_params(m_neighbors=_CustomNearestNeighbors(n_neighbors=5))
    X_res, y_res = smote.fit_resample(X, y)

    assert X_res.shape == (120, 2)
    assert Counter(y_res) == {0: 60, 1: 60}
