"""Random oversampling: copies of any row, or imbalanced-learn's smoothed bootstrap."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from harness.errors import InputDataError, SamplerParameterError
from harness.resample import RandomOverSampler
from tests.resample.conftest import make_data


def test_non_numeric_missing_and_date_columns_are_copied_with_their_dtypes():
    X, y = make_data()
    frame = pd.DataFrame(
        {
            "x": X[:, 0],
            "city": np.where(X[:, 1] > 0, "Lyon", "Graz"),
            "when": pd.date_range("2024-01-01", periods=len(y), freq="h"),
            "level": pd.Categorical(np.where(X[:, 2] > 0, "hi", "lo")),
            "maybe": np.where(X[:, 3] > 1, np.nan, X[:, 3]),
        }
    )
    sampler = RandomOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(frame, y)
    assert X_res.dtypes.to_dict() == frame.dtypes.to_dict()
    copies = X_res.iloc[len(frame) :].reset_index(drop=True)
    parents = frame.iloc[sampler.lineage_["parent"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(copies, parents)
    np.testing.assert_array_equal(sampler.sample_indices_[len(y) :], sampler.lineage_["parent"])


def test_sparse_input_gives_sparse_output_equal_to_the_dense_one():
    X, y = make_data()
    X_sparse, _ = RandomOverSampler(random_state=0).fit_resample(sparse.coo_matrix(X), y)
    X_dense, _ = RandomOverSampler(random_state=0).fit_resample(X, y)
    assert sparse.issparse(X_sparse) and X_sparse.format == "csr"
    np.testing.assert_array_equal(X_sparse.toarray(), X_dense)


def test_shrinkage_zero_copies_and_shrinkage_adds_imbalanced_learns_noise():
    X, y = make_data(n_samples=4000, weights=(0.7, 0.3))
    plain, _ = RandomOverSampler(random_state=0).fit_resample(X, y)
    zero, _ = RandomOverSampler(random_state=0, shrinkage=0.0).fit_resample(X, y)
    np.testing.assert_array_equal(zero, plain)
    sampler = RandomOverSampler(random_state=0, shrinkage=2.0)
    smoothed, _ = sampler.fit_resample(X, y)
    noise = smoothed[len(y) :] - X[sampler.lineage_["parent"]]
    n, d = X.shape
    bandwidth = (4 / ((d + 2) * n)) ** (1 / (d + 4))
    expected = 2.0 * bandwidth * X[y == 1].std(axis=0)
    np.testing.assert_allclose(noise.std(axis=0), expected, rtol=0.1)
    assert sampler.shrinkage_ == {1: 2.0}


def test_shrinkage_per_class_must_cover_every_class_grown():
    X, y = make_data(weights=(0.6, 0.25, 0.15), seed=1)
    with pytest.raises(SamplerParameterError, match="no factor for class\\(es\\) \\[2\\]"):
        RandomOverSampler(shrinkage={1: 0.5}).fit_resample(X, y)
    sampler = RandomOverSampler(shrinkage={1: 0.5, 2: 0.0}, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.shrinkage_ == {1: 0.5, 2: 0.0}


def test_shrinkage_needs_numbers():
    X, y = make_data()
    frame = pd.DataFrame({"x": X[:, 0], "city": "Lyon"})
    with pytest.raises(InputDataError, match="non-numeric columns 'city'"):
        RandomOverSampler(shrinkage=0.5).fit_resample(frame, y)
