"""The per-fold statistics cache: identical values, keyed by the fold's content, K and seed."""

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from harness.data import load_builtin
from harness.evaluate.fold_cache import (
    FoldStatisticsCache,
    compute_fold_statistics,
    fold_digest,
)
from harness.evaluate.protocol import evaluate_folds
from harness.evaluate.settings import EvaluationSettings
from harness.metrics import minority_label_noise, neighbor_distance_stats
from harness.resample import SMOTE, NoResampling


@pytest.fixture
def fold():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (rng.random(120) < 0.25).astype(int)
    return X, y


def test_the_statistics_are_the_metric_functions_values(fold):
    X, y = fold
    stats = compute_fold_statistics(X, y, k=5, random_state=7)
    expected = {f"neighbors/{k}": v for k, v in neighbor_distance_stats(X[y == 1], k=5).items()}
    expected["data/minority_overlap"] = minority_label_noise(X, y, pos_label=1, k=5, random_state=7)
    assert stats == expected
    assert list(stats) == list(expected)


def test_a_hit_returns_identical_values_without_computing_again(fold, monkeypatch):
    X, y = fold
    cache = FoldStatisticsCache()
    first = cache.get(X, y, k=5, random_state=3)
    calls = []
    monkeypatch.setattr(
        "harness.evaluate.fold_cache.compute_fold_statistics",
        lambda *args, **kwargs: calls.append(1),
    )
    second = cache.get(X.copy(), y.copy(), k=5, random_state=3)
    assert second == first
    assert calls == []
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)


def test_the_caller_cannot_alter_the_cached_values(fold):
    X, y = fold
    cache = FoldStatisticsCache()
    cache.get(X, y, k=5, random_state=0)["data/minority_overlap"] = -1.0
    assert cache.get(X, y, k=5, random_state=0)["data/minority_overlap"] >= 0.0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda X, y, k, s: (X[1:], y[1:], k, s), id="another fold"),
        pytest.param(lambda X, y, k, s: (X + 1e-9, y, k, s), id="other data"),
        pytest.param(lambda X, y, k, s: (X, 1 - y, k, s), id="other labels"),
        pytest.param(lambda X, y, k, s: (X, y, k + 1, s), id="other K"),
        pytest.param(lambda X, y, k, s: (X, y, k, s + 1), id="other seed"),
        pytest.param(lambda X, y, k, s: (X.astype(np.float32), y, k, s), id="other dtype"),
    ],
)
def test_any_other_input_is_a_miss(fold, change):
    X, y = fold
    cache = FoldStatisticsCache()
    cache.get(X, y, k=5, random_state=0)
    X2, y2, k2, seed2 = change(X, y, 5, 0)
    assert cache.get(X2, y2, k=k2, random_state=seed2) == compute_fold_statistics(
        X2, y2, k=k2, random_state=seed2
    )
    assert (cache.hits, cache.misses) == (0, 2)


def test_the_digest_sees_the_shape_not_only_the_bytes():
    values = np.arange(6.0)
    assert fold_digest(values.reshape(2, 3), np.zeros(2)) != fold_digest(
        values.reshape(3, 2), np.zeros(2)
    )


def test_the_cache_is_bounded_least_recently_used_first(fold):
    X, y = fold
    cache = FoldStatisticsCache(max_entries=2)
    for seed in (0, 1):
        cache.get(X, y, k=3, random_state=seed)
    cache.get(X, y, k=3, random_state=0)  # seed 0 is now the most recent
    cache.get(X, y, k=3, random_state=2)  # drops seed 1
    assert len(cache) == 2
    cache.get(X, y, k=3, random_state=0)
    cache.get(X, y, k=3, random_state=1)
    assert (cache.hits, cache.misses) == (2, 4)


def test_an_ablation_computes_the_statistics_once_per_fold_with_the_same_numbers():
    pima = load_builtin("pima")
    shared = FoldStatisticsCache()
    settings = EvaluationSettings.defaults(n_splits=3, n_repeats=2, track_memory=False)
    strategies = (lambda seed: NoResampling(), lambda seed: SMOTE(random_state=seed))
    keys = [
        "neighbors/minority_knn_mean",
        "neighbors/minority_knn_median",
        "neighbors/minority_knn_p95",
        "data/minority_overlap",
    ]

    def folds(strategy, cache):
        tree = lambda seed: DecisionTreeClassifier(random_state=seed)  # noqa: E731
        return evaluate_folds(pima, strategy, tree, settings, seed=5, statistics_cache=cache).folds

    for strategy in strategies:
        with_shared = folds(strategy, shared)
        alone = folds(strategy, FoldStatisticsCache())
        assert list(with_shared.columns) == list(alone.columns)
        assert with_shared[keys].equals(alone[keys])
    assert (shared.misses, shared.hits) == (6, 6)
