"""The fast neighbour backends: the blocked exact search and the "auto" choices."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from harness.errors import SamplerParameterError
from harness.resample import ADASYN, SMOTE
from harness.resample.backends.blocked import BlockedExactBackend
from harness.resample.backends.ivf import IVFBackend
from harness.resample.neighbors import (
    APPROX_MAX_FEATURES,
    ExactBackend,
    backend_names,
    get_backend,
    resolve_backend_name,
)
from tests.resample.conftest import make_data


def small_blocks() -> BlockedExactBackend:
    """Blocks much smaller than the data, so that every block boundary is crossed."""
    return BlockedExactBackend(query_block=64, reference_block=300, subsample_factor=8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blocked_backend_finds_the_same_neighbours_as_scikit_learn(dtype):
    X, y = make_data(n_samples=2500, n_features=12, weights=(0.9, 0.1), dtype=dtype)
    queries = X[y == 1]
    distances, indices = small_blocks().fit(X).kneighbors(queries, 6)
    ref_distances, ref_indices = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(queries)
    np.testing.assert_array_equal(indices, ref_indices)
    np.testing.assert_allclose(distances, ref_distances, rtol=1e-5, atol=1e-5)
    assert np.all(np.diff(distances, axis=1) >= 0)


def test_blocked_backend_handles_duplicate_rows_and_far_away_data():
    rng = np.random.RandomState(3)
    X = np.repeat(rng.normal(loc=1e3, size=(400, 4)), 3, axis=0)  # every row three times
    distances, indices = small_blocks().fit(X).kneighbors(X[:50], 5)
    ref_distances, _ = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X[:50])
    np.testing.assert_allclose(distances, ref_distances, atol=1e-6)
    # Ties are broken by the lower row index: a row's two copies come first, in order.
    np.testing.assert_array_equal(indices[:, :3], (np.arange(50)[:, None] // 3) * 3 + [0, 1, 2])


def test_blocked_backend_refuses_more_neighbours_than_rows():
    with pytest.raises(SamplerParameterError, match="smaller n_neighbors"):
        get_backend("blocked").fit(np.zeros((3, 2))).kneighbors(np.zeros((1, 2)), 4)


def test_adasyn_and_smote_give_identical_results_on_the_blocked_and_exact_backends():
    X, y = make_data(n_samples=1500, n_features=6, weights=(0.85, 0.15), seed=4)
    exact = ADASYN(random_state=0, backend="exact")
    blocked = ADASYN(random_state=0, backend="blocked")
    X_exact, _ = exact.fit_resample(X, y)
    X_blocked, _ = blocked.fit_resample(X, y)
    np.testing.assert_array_equal(exact.difficulty_[1], blocked.difficulty_[1])
    np.testing.assert_array_equal(exact.allocation_[1], blocked.allocation_[1])
    np.testing.assert_array_equal(X_exact, X_blocked)
    X_smote, _ = SMOTE(random_state=0, backend="exact").fit_resample(X, y)
    np.testing.assert_array_equal(
        X_smote, SMOTE(random_state=0, backend="blocked").fit_resample(X, y)[0]
    )


def test_float32_input_stays_float32_with_the_fast_backends():
    X, y = make_data(n_samples=800, weights=(0.9, 0.1), dtype=np.float32)
    for backend in ("blocked", "ivf"):
        X_out, _ = ADASYN(random_state=0, backend=backend).fit_resample(X, y)
        assert X_out.dtype == np.float32


def test_auto_is_exact_and_picks_by_size():
    assert {"exact", "blocked", "ivf", "auto", "auto-approx"} <= set(backend_names())
    assert isinstance(get_backend("auto"), ExactBackend)
    assert isinstance(get_backend("auto-approx"), ExactBackend)  # no size: the safe choice
    assert resolve_backend_name("auto", 10_000, 500, 20) == "exact"
    assert resolve_backend_name("auto", 1_000_000, 50_000, 20) == "blocked"
    assert resolve_backend_name("auto", 1_000_000, 50_000, 500) == "blocked"
    assert resolve_backend_name("exact", 1_000_000, 50_000, 20) == "exact"


def test_auto_approx_needs_a_large_low_dimensional_search():
    assert resolve_backend_name("auto-approx", 1_000_000, 50_000, 20) == "ivf"
    wide = APPROX_MAX_FEATURES + 1
    assert resolve_backend_name("auto-approx", 1_000_000, 50_000, wide) == "blocked"
    assert resolve_backend_name("auto-approx", 10_000, 500, 20) == "exact"
    assert isinstance(
        get_backend("auto-approx", n_reference=1_000_000, n_queries=50_000, n_features=20),
        IVFBackend,
    )
