"""One tie rule for every exact backend: lower row index first at equal distance, never self.

The reference is a brute force written here from the rule: float64 squared distances to every
row, ranked by (distance, row index), the query's own index removed.
"""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from harness.resample import ADASYN, SMOTE
from harness.resample.backends.blocked import BlockedExactBackend
from harness.resample.neighbors import (
    BLOCKED_MIN_PAIRS,
    get_backend,
    neighbors_excluding_self,
    resolve_backend_name,
)
from harness.resample.ties import drop_self, rank_candidates, squared_distances
from tests.resample.conftest import make_data

EXACT_BACKENDS = ("exact", "brute", "blocked")


def reference_neighbors(X: np.ndarray, query_rows: np.ndarray, k: int) -> np.ndarray:
    """The rule by brute force, for integer-valued X (exact squared distances)."""
    n = X.shape[0]
    found = np.empty((query_rows.shape[0], k), dtype=np.int64)
    for start in range(0, query_rows.shape[0], 256):
        rows = query_rows[start : start + 256]
        diff = X[rows][:, None, :] - X[None, :, :]
        squared = np.einsum("qnd,qnd->qn", diff, diff)
        squared[np.arange(rows.shape[0]), rows] = np.inf  # never the row itself
        key = squared * n + np.arange(n)  # distance first, then the lower index (exact)
        nearest = np.argpartition(key, k, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(key, nearest, axis=1), axis=1)
        found[start : start + 256] = np.take_along_axis(nearest, order, axis=1)
    return found


def tied_grid(n_rows: int, n_minority_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rounded normal features on a coarse integer grid: most distances are tied."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n_rows, 4)) * 2.0)
    y = (rng.random(n_rows) < n_minority_share).astype(int)
    return X, y


@pytest.mark.parametrize("backend", EXACT_BACKENDS)
def test_every_exact_backend_follows_the_rule_on_tied_data_with_duplicates(backend):
    X, _ = tied_grid(3000, 0.2, seed=1)
    X = np.vstack([X, X[:400]])  # exact copies with higher indices
    queries = np.arange(0, X.shape[0], 7)
    found = neighbors_excluding_self(X, queries, 6, backend)
    np.testing.assert_array_equal(found, reference_neighbors(X, queries, 6))
    assert not (found == queries[:, None]).any()


def test_a_duplicated_row_keeps_its_copy_as_neighbour_but_never_itself():
    rng = np.random.default_rng(3)
    X = np.repeat(rng.normal(size=(50, 3)), 2, axis=0)  # rows 2i and 2i + 1 are equal
    rows = np.arange(X.shape[0])
    for backend in EXACT_BACKENDS:
        found = neighbors_excluding_self(X, rows, 3, backend)
        np.testing.assert_array_equal(found[:, 0], rows ^ 1)  # the other copy comes first
        assert not (found == rows[:, None]).any()


def test_no_synthetic_row_interpolates_a_duplicated_parent_with_itself():
    # Before the rule, the first neighbour column (a copy) was dropped as "self" and the row
    # itself kept: 8 of 40 lineage rows had neighbour == parent on this data.
    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(60, 2)), 2, axis=0)
    y = np.r_[np.zeros(80), np.ones(40)].astype(int)
    for sampler in (ADASYN(n_neighbors=3, random_state=0), SMOTE(k_neighbors=3, random_state=0)):
        sampler.fit_resample(X, y)
        assert (sampler.lineage_["parent"] != sampler.lineage_["neighbor"]).all()


def test_adasyn_difficulty_equals_the_rule_where_auto_switches_backend():
    X, y = tied_grid(30_000, 0.15, seed=0)
    minority = np.flatnonzero(y == 1)
    assert resolve_backend_name("auto", X.shape[0], minority.size, X.shape[1]) == "blocked"
    assert X.shape[0] * minority.size >= BLOCKED_MIN_PAIRS
    expected = (y[reference_neighbors(X, minority, 5)] != 1).sum(axis=1) / 5
    for backend in ("auto", "exact", "blocked"):
        sampler = ADASYN(random_state=0, backend=backend).fit(X, y)
        np.testing.assert_array_equal(sampler.difficulty_[1], expected, err_msg=backend)


def test_adasyn_difficulty_equals_the_rule_on_a_tied_set_where_auto_is_the_exact_backend():
    X, y = tied_grid(6000, 0.15, seed=2)
    minority = np.flatnonzero(y == 1)
    assert resolve_backend_name("auto", X.shape[0], minority.size, X.shape[1]) == "exact"
    expected = (y[reference_neighbors(X, minority, 5)] != 1).sum(axis=1) / 5
    for backend in ("auto", "brute"):
        sampler = ADASYN(random_state=0, backend=backend).fit(X, y)
        np.testing.assert_array_equal(sampler.difficulty_[1], expected, err_msg=backend)


@pytest.mark.parametrize("backend", EXACT_BACKENDS)
def test_on_data_without_ties_every_exact_backend_returns_scikit_learns_neighbours(backend):
    X, y = make_data(n_samples=1500, n_features=6, weights=(0.85, 0.15), seed=4)
    queries = X[y == 1]
    distances, indices = get_backend(backend).fit(X).kneighbors(queries, 6)
    ref_distances, ref_indices = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(queries)
    np.testing.assert_array_equal(indices, ref_indices)
    np.testing.assert_allclose(distances, ref_distances, rtol=1e-9, atol=1e-12)


def test_blocked_backend_with_small_blocks_follows_the_rule():
    X, _ = tied_grid(2500, 0.2, seed=5)
    queries = np.arange(0, X.shape[0], 5)
    backend = BlockedExactBackend(query_block=64, reference_block=300, subsample_factor=8)
    found = neighbors_excluding_self(X, queries, 4, backend)
    np.testing.assert_array_equal(found, reference_neighbors(X, queries, 4))


def test_rule_parts_rank_by_distance_then_index_and_drop_the_row_by_index():
    queries = np.array([0, 0, 0, 1, 1])
    rows = np.array([9, 3, 5, 2, 7])
    squared = np.array([1.0, 1.0, 0.5, 2.0, 2.0])
    distances, indices = rank_candidates(queries, rows, squared, 2, 2)
    np.testing.assert_array_equal(indices, [[5, 3], [2, 7]])
    np.testing.assert_allclose(distances, np.sqrt([[0.5, 1.0], [2.0, 2.0]]))
    kept_d, kept_i = drop_self(np.zeros((2, 3)), np.array([[4, 1, 2], [0, 3, 8]]), np.array([1, 5]))
    np.testing.assert_array_equal(kept_i, [[4, 2], [0, 3]])  # row 1 removed; row 5 absent
    assert kept_d.shape == (2, 2)
    np.testing.assert_array_equal(
        squared_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])), [25.0]
    )
