"""The small-minority rule: every part a sampler resamples holds K + 1 minority rows, checked
on the folds the protocol really makes."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from harness.errors import InputDataError
from harness.evaluate.protocol import INNER_FOLDS
from harness.evaluate.small_minority import small_minority_rule
from harness.evaluate.splits import fold_splits


def _smallest_parts(n_minority: int, n_splits: int, seed: int) -> tuple[int, int, int]:
    """Smallest minority count of a test fold, a training fold and an inner fitting part."""
    y = np.r_[np.ones(n_minority, dtype=int), np.zeros(10 * n_minority + 7, dtype=int)]
    test_min = train_min = inner_min = 10**9
    for _, _, train, test in fold_splits(y, n_splits=n_splits, n_repeats=2, seed=seed):
        test_min = min(test_min, int(y[test].sum()))
        train_min = min(train_min, int(y[train].sum()))
        inner = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed)
        for fit, _ in inner.split(np.zeros(len(train)), y[train]):
            inner_min = min(inner_min, int(y[train][fit].sum()))
    return test_min, train_min, inner_min


@pytest.mark.parametrize("n_minority", range(4, 31))
def test_every_resampled_part_holds_k_plus_one_minority_rows(n_minority):
    rule = small_minority_rule(n_minority)
    test_min, train_min, inner_min = _smallest_parts(n_minority, rule.n_splits, seed=0)
    assert test_min >= 2
    assert rule.k_neighbors >= 1
    assert train_min >= rule.k_neighbors + 1
    if rule.operating_point:
        assert inner_min >= rule.k_neighbors + 1
    else:
        assert inner_min < 2


@pytest.mark.parametrize("n_minority", [12, 32, 1029])
def test_enough_minority_rows_change_nothing(n_minority):
    rule = small_minority_rule(n_minority)
    assert (rule.n_splits, rule.k_neighbors, rule.operating_point) == (5, 5, True)
    assert not rule.changes_anything and rule.note == ""


def test_k_is_as_large_as_the_smallest_part_allows():
    for n_minority in range(4, 12):
        rule = small_minority_rule(n_minority)
        _, train_min, inner_min = _smallest_parts(n_minority, rule.n_splits, seed=0)
        binding = inner_min if rule.operating_point else train_min
        assert rule.k_neighbors == min(5, binding - 1)


def test_the_note_says_what_changed():
    assert "2-fold" in small_minority_rule(4).note
    assert "no operating point" in small_minority_rule(5).note
    assert "K = 4" in small_minority_rule(10).note


def test_fewer_than_four_minority_rows_are_refused():
    with pytest.raises(InputDataError, match="too few"):
        small_minority_rule(3)
