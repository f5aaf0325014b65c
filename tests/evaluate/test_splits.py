"""Fold schemes: no group spans train and test; no test row precedes a training row."""

from __future__ import annotations

import numpy as np
import pytest

from harness.errors import ConfigError
from harness.evaluate.splits import fold_splits


@pytest.fixture
def labels():
    rng = np.random.default_rng(0)
    return (rng.random(600) < 0.2).astype(int)


def test_stratified_is_repeated_k_fold(labels):
    splits = fold_splits(labels, n_splits=5, n_repeats=2, seed=0)
    assert [(r, f) for r, f, _, _ in splits] == [(r, f) for r in range(2) for f in range(5)]
    for _, _, train, test in splits:
        assert not set(train) & set(test)


def test_group_folds_keep_each_group_on_one_side(labels):
    groups = np.repeat(np.arange(120), 5)
    splits = fold_splits(labels, n_splits=4, n_repeats=3, seed=1, scheme="group", groups=groups)
    assert len(splits) == 12
    for _, _, train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    assert not all(np.array_equal(splits[0][3], other[3]) for other in splits[4:8]), (
        "repeats must differ"
    )


def test_time_folds_test_after_train(labels):
    rng = np.random.default_rng(2)
    order = rng.permutation(len(labels)).astype(float)
    splits = fold_splits(labels, n_splits=4, n_repeats=1, seed=0, scheme="time", order=order)
    for _, _, train, test in splits:
        assert order[train].max() < order[test].min()


def test_holdout_is_repeated_half_split(labels):
    splits = fold_splits(labels, n_splits=5, n_repeats=10, seed=0, scheme="holdout")
    assert len(splits) == 10
    for _, fold, train, test in splits:
        assert fold == 0 and abs(len(test) - len(train)) <= 1
        assert labels[test].mean() == pytest.approx(labels.mean(), abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "group"}, "dataset.loader.group"),
        ({"scheme": "time"}, "dataset.loader.time"),
        ({"scheme": "time", "order": np.arange(600), "n_repeats": 2}, "n_repeats=1"),
        ({"scheme": "bogus"}, "fold scheme"),
        ({"scheme": "holdout", "test_size": 1.5}, "test_size"),
    ],
)
def test_misconfigured_schemes_name_the_fix(labels, kwargs, message):
    options = {"n_splits": 4, "n_repeats": 1, "seed": 0, **kwargs}
    with pytest.raises(ConfigError, match=message):
        fold_splits(labels, **options)


# The class counts of the ADASYN paper's five data sets (minority, majority).
PAPER_CLASSES = {
    "vehicle0": (199, 647),
    "pima": (268, 500),
    "vowel0": (90, 898),
    "ionosphere": (126, 225),
    "abalone9_18": (42, 689),
}


@pytest.mark.parametrize("name", sorted(PAPER_CLASSES))
def test_the_paper_protocol_halves_every_class_in_100_distinct_splits(name):
    minority, majority = PAPER_CLASSES[name]
    y = np.array([1] * minority + [0] * majority)
    splits = fold_splits(y, n_splits=2, n_repeats=100, seed=0, scheme="holdout", test_size=0.5)
    assert [(r, f) for r, f, _, _ in splits] == [(r, 0) for r in range(100)]
    for _, _, train, test in splits:
        assert sorted([*train, *test]) == list(range(len(y)))
        for label in (0, 1):
            assert abs(int(np.sum(y[train] == label)) - int(np.sum(y[test] == label))) <= 1
    assert len({tuple(sorted(test)) for _, _, _, test in splits}) == 100


def test_the_paper_protocol_is_deterministic_given_the_seed():
    y = np.array([1] * 42 + [0] * 689)
    first, again, other = (
        fold_splits(y, n_splits=2, n_repeats=100, seed=s, scheme="holdout") for s in (0, 0, 1)
    )
    assert all(np.array_equal(a[3], b[3]) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a[3], b[3]) for a, b in zip(first, other, strict=True))
