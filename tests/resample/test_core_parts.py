"""Neighbour backends, interpolation, lineage and the strategy registry."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from harness.errors import SamplerParameterError
from harness.resample import STRATEGIES, ClassWeightBaseline, NoResampling, make_sampler
from harness.resample.interpolation import copy_rows_into, interpolate_into
from harness.resample.lineage import LINEAGE_COLUMNS, build_lineage
from harness.resample.neighbors import (
    ExactBackend,
    NeighborBackend,
    backend_names,
    get_backend,
    register_backend,
)
from tests.resample.conftest import make_data


def test_exact_backend_matches_scikit_learn():
    X, _ = make_data()
    distances, indices = get_backend("exact").fit(X).kneighbors(X[:20], 4)
    ref_distances, ref_indices = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(X[:20])
    np.testing.assert_array_equal(indices, ref_indices)
    np.testing.assert_allclose(distances, ref_distances, atol=1e-7)
    assert isinstance(get_backend("auto"), ExactBackend)


def test_backend_registry_is_extensible_and_refuses_unknown_names():
    class FirstRows(NeighborBackend):
        name = "first-rows"

        def fit(self, X):
            return self

        def kneighbors(self, Q, n_neighbors):
            shape = (len(Q), n_neighbors)
            return np.zeros(shape), np.tile(np.arange(n_neighbors), (len(Q), 1))

    register_backend("first-rows-test", FirstRows)
    assert "first-rows-test" in backend_names()
    assert isinstance(get_backend("first-rows-test"), FirstRows)
    with pytest.raises(SamplerParameterError, match="use one of"):
        get_backend("annoy")


def test_exact_backend_refuses_more_neighbours_than_rows():
    with pytest.raises(SamplerParameterError, match="smaller n_neighbors"):
        get_backend("exact").fit(np.zeros((3, 2))).kneighbors(np.zeros((1, 2)), 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolation_is_chunked_and_keeps_dtype(dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)).astype(dtype)
    parents, neighbors = rng.randint(0, 50, 103), rng.randint(0, 50, 103)
    lam = rng.uniform(size=103)
    chunked, whole = np.empty((103, 3), dtype), np.empty((103, 3), dtype)
    interpolate_into(chunked, X, parents, neighbors, lam, chunk_size=10)
    interpolate_into(whole, X, parents, neighbors, lam, chunk_size=1_000)
    np.testing.assert_array_equal(chunked, whole)
    expected = X[parents].astype(float) + lam[:, None] * (X[neighbors] - X[parents]).astype(float)
    np.testing.assert_allclose(chunked, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    copies = np.empty((103, 3), dtype)
    copy_rows_into(copies, X, parents, chunk_size=10)
    np.testing.assert_array_equal(copies, X[parents])


def test_lineage_defaults_for_duplication():
    table = build_lineage(10, np.array([4, 2]), None, None, None, np.array([1, 1]))
    assert tuple(table.columns) == LINEAGE_COLUMNS
    assert table["row"].tolist() == [10, 11]
    assert table["neighbor"].tolist() == [-1, -1] and table["lam"].tolist() == [0.0, 0.0]
    assert table["difficulty"].isna().all()


def test_registry_names_and_factory():
    assert set(STRATEGIES) == {
        "adasyn",
        "smote",
        "ros",
        "class_weight",
        "none",
        "adasyn_nc",
        "smote_nc",
        "borderline_smote",
        "smote_enn",
        "smote_tomek",
        "decision_threshold",
    }
    sampler = make_sampler("adasyn", n_neighbors=3, beta=0.5)
    assert sampler.get_params()["n_neighbors"] == 3 and sampler.get_params()["beta"] == 0.5
    assert make_sampler("class_weight").model_class_weight == "balanced"
    assert not hasattr(make_sampler("none"), "model_class_weight")


@pytest.mark.parametrize("baseline", [ClassWeightBaseline, NoResampling])
def test_baselines_return_the_input_unchanged(baseline):
    X, y = make_data()
    sampler = baseline()
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res is X and y_res is y
    assert sampler.n_synthetic_ == 0 and sampler.lineage_.empty
    assert sampler.sampling_strategy_ == {0: 0, 1: 0}
