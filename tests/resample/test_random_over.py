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
    with pytest.raises(SamplerParameterError, match="The missing classes are: \\[2\\]"):
        RandomOverSampler(shrinkage={1: 0.5}).fit_resample(X, y)
    sampler = RandomOverSampler(shrinkage={1: 0.5, 2: 0.0}, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.shrinkage_ == {1: 0.5, 2: 0.0}


@pytest.mark.parametrize(
    ("make_text", "detail"),
    [
        (lambda X: pd.DataFrame({"x": X[:, 0], "city": "Lyon"}), "non-numeric columns 'city'"),
        (
            lambda X: np.column_stack([X[:, :2], np.full(len(X), "Lyon", dtype=object)]),
            "non-numeric values in column(s) 2",
        ),
    ],
    ids=["frame", "object array"],
)
def test_shrinkage_needs_numbers_and_says_so_as_imbalanced_learn(make_text, detail):
    X, y = make_data()
    with pytest.raises(InputDataError) as caught:
        RandomOverSampler(shrinkage=0.5).fit_resample(make_text(X), y)
    message = str(caught.value)
    assert message.startswith(
        "When shrinkage is not None, X needs to contain only numerical data to later generate "
        "a smoothed bootstrap sample."
    )
    assert detail in message
    assert message.endswith("Or pass shrinkage=None: plain copies take any values.")


@pytest.mark.parametrize(
    ("shrinkage", "fragment"),
    [
        ({}, "`shrinkage` should contain a shrinkage factor for each class that will be "),
        ({0: 0.5}, "resampled. The missing classes are: [1]. Add them, e.g. shrinkage={1: 0.5}"),
        ({1: -1}, "The shrinkage factor needs to be >= 0 (a finite number). Got -1 for class 1"),
        ({1: float("nan")}, "Got nan for class 1: pass e.g. 0.5"),
        ({1: "a", 0: -2}, "Got 'a' for class 1, -2 for class 0"),
    ],
)
def test_a_bad_shrinkage_per_class_gets_imbalanced_learns_message_and_the_fix(shrinkage, fragment):
    X, y = make_data()
    with pytest.raises(SamplerParameterError) as caught:
        RandomOverSampler(shrinkage=shrinkage).fit_resample(X, y)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_a_smoothed_bootstrap_of_sparse_rows_is_sparse_and_equals_the_dense_one(fmt):
    X, y = make_data(n_samples=400)
    X[np.abs(X) < 0.8] = 0.0  # about half the values are zeros
    matrix = sparse.csr_matrix(X).asformat(fmt)
    sampler = RandomOverSampler(shrinkage=1.5, random_state=0)
    X_sparse, y_sparse = sampler.fit_resample(matrix, y)
    dense, y_dense = RandomOverSampler(shrinkage=1.5, random_state=0).fit_resample(X, y)
    assert sparse.issparse(X_sparse) and X_sparse.format == ("csr" if fmt == "coo" else fmt)
    np.testing.assert_array_equal(y_sparse, y_dense)
    np.testing.assert_array_equal(X_sparse[: len(y)].toarray(), X)
    np.testing.assert_allclose(X_sparse.toarray(), dense, rtol=1e-12, atol=1e-12)
    assert not np.allclose(dense[len(y) :], X[sampler.lineage_["parent"]])  # noise was added


def test_a_smoothed_bootstrap_of_sparse_float32_stays_float32_and_integers_become_floats():
    X, y = make_data()
    as_float32 = sparse.csr_matrix(X.astype(np.float32))
    X_res, _ = RandomOverSampler(shrinkage=1.0, random_state=0).fit_resample(as_float32, y)
    assert X_res.dtype == np.float32
    sampler = RandomOverSampler(shrinkage=1.0, random_state=0)
    X_res, _ = sampler.fit_resample(sparse.csr_matrix(np.rint(X * 3).astype(np.int64)), y)
    assert X_res.dtype == np.float64
    assert any("sparse int64 features were converted to float64" in n for n in sampler.notes_)


def test_a_smoothed_bootstrap_refuses_non_finite_sparse_values_naming_columns():
    X, y = make_data()
    X[[2, 5], 3] = np.nan
    X[7, 1] = np.inf
    with pytest.raises(InputDataError, match="in 3 row\\(s\\), in column\\(s\\) 1, 3: impute"):
        RandomOverSampler(shrinkage=1.0).fit_resample(sparse.csc_matrix(X), y)
    X_res, _ = RandomOverSampler(random_state=0).fit_resample(sparse.csc_matrix(X), y)
    assert np.isnan(X_res.toarray()).any()  # plain copies keep them
