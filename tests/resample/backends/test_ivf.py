"""The approximate inverted-file backend: exact when every cell is probed, close otherwise."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from harness.errors import SamplerParameterError
from harness.resample.backends.ivf import IVFBackend
from tests.resample.conftest import make_data


def test_probing_every_cell_finds_scikit_learns_neighbours():
    X, y = make_data(n_samples=4000, n_features=8, weights=(0.9, 0.1), seed=2)
    queries = X[y == 1]
    ref_distances, ref_indices = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(queries)
    distances, indices = IVFBackend(n_cells=16, n_probe=16).fit(X).kneighbors(queries, 6)
    np.testing.assert_allclose(distances, ref_distances, rtol=1e-4, atol=1e-4)
    # float32 scores may swap two neighbours at (almost) the same distance, nothing more.
    assert np.mean(np.all(indices == ref_indices, axis=1)) >= 0.99
    assert np.all(np.diff(distances, axis=1) >= 0)


def test_probing_few_cells_keeps_most_neighbours():
    X, y = make_data(n_samples=4000, n_features=8, weights=(0.9, 0.1), seed=2)
    queries = X[y == 1]
    _, ref_indices = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(queries)
    _, few = IVFBackend(n_cells=64, n_probe=8).fit(X).kneighbors(queries, 6)
    recall = np.mean([len(set(a) & set(b)) / 6 for a, b in zip(few, ref_indices, strict=True)])
    assert 0.8 <= recall < 1.0  # close, and really approximate at these settings
    assert few.min() >= 0


def test_a_query_finds_itself_first():
    X, _ = make_data(n_samples=3000, n_features=6, seed=7)
    distances, indices = IVFBackend(n_probe=2).fit(X).kneighbors(X[:500], 3)
    np.testing.assert_array_equal(indices[:, 0], np.arange(500))
    np.testing.assert_allclose(distances[:, 0], 0.0, atol=1e-3)


def test_cells_too_small_for_k_fall_back_to_every_cell():
    X, _ = make_data(n_samples=2000, n_features=4, seed=1)
    k = 120  # more than any single cell holds
    distances, indices = IVFBackend(n_cells=50, n_probe=1).fit(X).kneighbors(X[:20], k)
    ref_distances, _ = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X[:20])
    np.testing.assert_allclose(distances, ref_distances, rtol=1e-4, atol=1e-4)
    assert len({tuple(row) for row in np.sort(indices, axis=1)}) == 20


def test_data_far_from_the_origin_keeps_its_precision():
    rng = np.random.RandomState(3)
    X = rng.normal(loc=1e4, scale=1.0, size=(3000, 5))
    ref_distances, ref_indices = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(X[:200])
    distances, indices = IVFBackend(n_cells=8, n_probe=8).fit(X).kneighbors(X[:200], 4)
    np.testing.assert_allclose(distances, ref_distances, rtol=1e-3, atol=1e-3)
    assert np.mean(indices == ref_indices) >= 0.99


def test_count_closer_probing_every_cell_is_exact():
    X, _ = make_data(n_samples=3000, n_features=6, seed=4)
    queries = X[:300] + 0.01
    true = np.sort(np.linalg.norm(queries[:, None, :] - X[None, :, :], axis=2), axis=1)
    # Radii halfway between the 2nd/3rd, 10th/11th and 40th/41st distances: no ties at float32.
    radii = np.stack([(true[:, i] + true[:, i + 1]) / 2 for i in (1, 9, 39)], axis=1)
    counts = IVFBackend(n_cells=12, n_probe=12).fit(X).count_closer(queries, radii)
    np.testing.assert_array_equal(counts, np.tile([2, 10, 40], (300, 1)))


def test_count_closer_misses_only_rows_in_unprobed_cells():
    X, _ = make_data(n_samples=3000, n_features=6, seed=4)
    queries = X[:300]
    radii = np.tile([0.5, 1.0, 2.0], (300, 1))
    exact = IVFBackend(n_cells=30, n_probe=30).fit(X).count_closer(queries, radii)
    few = IVFBackend(n_cells=30, n_probe=3).fit(X).count_closer(queries, radii)
    assert np.all(few <= exact)
    assert np.all(np.diff(few, axis=1) >= 0)
    assert few.sum() < exact.sum()


def test_results_do_not_depend_on_the_number_of_threads():
    X, y = make_data(n_samples=6000, n_features=8, weights=(0.9, 0.1), seed=6)
    queries = X[y == 1]
    one = IVFBackend(n_probe=4, n_jobs=1).fit(X)
    two = IVFBackend(n_probe=4, n_jobs=2).fit(X)
    for a, b in zip(one.kneighbors(queries, 6), two.kneighbors(queries, 6), strict=True):
        np.testing.assert_array_equal(a, b)
    radii = np.tile([0.5, 1.0], (len(queries), 1))
    np.testing.assert_array_equal(
        one.count_closer(queries, radii), two.count_closer(queries, radii)
    )


def test_refuses_bad_use_with_a_clear_message():
    with pytest.raises(SamplerParameterError, match="smaller n_neighbors"):
        IVFBackend().fit(np.zeros((3, 2))).kneighbors(np.zeros((1, 2)), 4)
    with pytest.raises(SamplerParameterError, match="empty"):
        IVFBackend().fit(np.zeros((0, 2)))
    with pytest.raises(RuntimeError, match="fit"):
        IVFBackend().kneighbors(np.zeros((1, 2)), 1)


def test_indexing_a_subset_in_place_equals_indexing_a_copy():
    X, _ = make_data(n_samples=3000, n_features=6, seed=8)
    rows = np.flatnonzero(np.arange(3000) % 3 != 0)
    queries = X[:100]
    in_place = IVFBackend(n_probe=4).fit(X, rows)
    copied = IVFBackend(n_probe=4).fit(X[rows])
    for a, b in zip(in_place.kneighbors(queries, 5), copied.kneighbors(queries, 5), strict=True):
        np.testing.assert_array_equal(a, b)
    radii = np.tile([0.5, 1.5], (100, 1))
    np.testing.assert_array_equal(
        in_place.count_closer(queries, radii), copied.count_closer(queries, radii)
    )


def _hard_data(n_rows=6000, n_features=40, seed=0):
    # Many informative dimensions: k-means cells are poor neighbourhoods, few probes miss a lot.
    return np.random.default_rng(seed).normal(size=(n_rows, n_features))


def test_checked_depth_goes_deeper_until_the_sample_agrees():
    X = _hard_data()
    queries = X[:400]
    exhaustive = IVFBackend(n_cells=60, n_probe=60).fit(X)
    _, exact = exhaustive.kneighbors(queries, 6)
    fixed = IVFBackend(n_cells=60, n_probe=2).fit(X)
    _, few = fixed.kneighbors(queries, 6)
    checked = IVFBackend(n_cells=60, n_probe=2, target_agreement=0.985).fit(X)
    _, deep = checked.kneighbors(queries, 6)
    same = lambda a: (np.sort(a, axis=1) == np.sort(exact, axis=1)).all(axis=1).mean()  # noqa: E731
    assert same(few) < 0.9  # the fixed depth is not enough on this data
    assert checked.probe_depths_[-1] > 2
    assert same(deep) >= 0.95


def test_checked_counts_reach_the_exact_counts_and_record_their_depth():
    X = _hard_data(seed=1)
    queries = _hard_data(300, seed=2)
    radii = np.sort(np.random.default_rng(3).uniform(7.0, 9.0, size=(300, 5)), axis=1)
    exact = IVFBackend(n_cells=60, n_probe=60).fit(X).count_closer(queries, radii)
    checked = IVFBackend(n_cells=60, n_probe=2, target_agreement=1.0).fit(X)
    np.testing.assert_array_equal(checked.count_closer(queries, radii), exact)
    assert checked.probe_depths_ == [60]  # nothing short of every cell agreed on all
    unchecked = IVFBackend(n_cells=60, n_probe=2).fit(X)
    unchecked.count_closer(queries, radii)
    assert unchecked.probe_depths_ == [2]


def test_the_registered_ivf_backend_checks_its_depth():
    from harness.resample.neighbors import APPROX_TARGET_AGREEMENT, get_backend

    backend = get_backend("ivf")
    assert backend.target_agreement == APPROX_TARGET_AGREEMENT >= 0.95


@pytest.mark.slow
def test_auto_approx_keeps_delta_exact_at_fifty_features():
    # 50 000 rows × 50 features, 4 % minority: large enough for auto-approx to use ivf.
    from sklearn.datasets import make_classification

    from harness.resample import ADASYN
    from harness.resample.neighbors import resolve_backend_name

    X, y = make_classification(
        n_samples=50_000,
        n_features=50,
        n_informative=25,
        n_redundant=0,
        weights=[0.96],
        flip_y=0.01,
        random_state=0,
    )
    n_minority = int((y == 1).sum())
    assert resolve_backend_name("auto-approx", 50_000, n_minority, 50) == "ivf"
    exact = ADASYN(backend="exact", random_state=0).fit(X, y)
    approx = ADASYN(backend="auto-approx", random_state=0).fit(X, y)
    same_delta = np.mean(approx.difficulty_[1] == exact.difficulty_[1])
    g, g_exact = approx.allocation_[1], exact.allocation_[1]
    assert same_delta >= 0.95
    assert np.abs(g - g_exact).sum() / g_exact.sum() <= 0.02
