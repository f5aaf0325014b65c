"""Properties of the per-row allocations (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from harness.errors import NoHardSamplesError
from harness.resample.allocation import (
    adasyn_allocation,
    difficulty_ratios,
    largest_remainder,
    majority_counts,
    uniform_allocation,
)

totals = st.integers(min_value=0, max_value=50_000)
int_weights = arrays(np.int64, st.integers(1, 300), elements=st.integers(0, 10)).filter(
    lambda w: w.sum() > 0
)
float_weights = arrays(
    np.float64, st.integers(1, 300), elements=st.floats(0, 1e6, allow_subnormal=False)
).filter(lambda w: w.sum() > 0)


def _assert_largest_remainder_properties(weights: np.ndarray, total: int) -> None:
    shares = largest_remainder(weights, total)
    assert shares.dtype == np.int64
    assert shares.sum() == total
    assert (shares >= 0).all()
    # Monotone: no row gets fewer rows than any row with a strictly smaller weight.
    order = np.argsort(weights, kind="stable")
    sorted_weights, sorted_shares = weights[order], shares[order]
    best_below = np.concatenate([[-1], np.maximum.accumulate(sorted_shares)])
    first_of_group = np.searchsorted(sorted_weights, sorted_weights, side="left")
    assert np.all(best_below[first_of_group] <= sorted_shares)
    relative = weights.astype(np.float64) / weights.max()  # no overflow for huge weights
    quota = relative / relative.sum() * total
    assert np.all(np.abs(shares - quota) < 1 + 1e-9)


@settings(max_examples=150, deadline=None)
@given(weights=int_weights, total=totals)
def test_largest_remainder_with_integer_weights(weights, total):
    _assert_largest_remainder_properties(weights, total)


@settings(max_examples=150, deadline=None)
@given(weights=float_weights, total=totals)
def test_largest_remainder_with_float_weights(weights, total):
    _assert_largest_remainder_properties(weights, total)


@pytest.mark.parametrize("weights", [[2.2250738585072014e-308], [5e-324, 1e-323], [1e308, 1e308]])
def test_largest_remainder_with_extreme_float_weights(weights):
    # Found by the property test above: total / Σw overflowed for subnormal weights.
    _assert_largest_remainder_properties(np.array(weights), 4)


@settings(max_examples=50, deadline=None)
@given(weights=int_weights, total=totals)
def test_largest_remainder_is_deterministic(weights, total):
    np.testing.assert_array_equal(
        largest_remainder(weights, total), largest_remainder(weights.copy(), total)
    )


def test_largest_remainder_breaks_ties_by_position():
    np.testing.assert_array_equal(largest_remainder(np.array([1, 1, 1, 1]), 2), [1, 1, 0, 0])


@settings(max_examples=50, deadline=None)
@given(n_rows=st.integers(1, 200), total=totals)
def test_all_zero_weights_follow_the_policy(n_rows, total):
    zeros = np.zeros(n_rows, dtype=np.int64)
    shares, fell_back = adasyn_allocation(zeros, total, "smote", np.random.default_rng(0))
    assert shares.sum() == total
    assert shares.max() - shares.min() <= 1
    assert fell_back == (total > 0)
    if total > 0:
        with pytest.raises(NoHardSamplesError, match="no_hard_samples"):
            adasyn_allocation(zeros, total, "raise", np.random.default_rng(0), target_class=1)


def test_largest_remainder_refuses_all_zero_weights():
    with pytest.raises(ValueError, match="uniform_allocation"):
        largest_remainder(np.zeros(3), 5)


@settings(max_examples=50, deadline=None)
@given(n_rows=st.integers(1, 200), total=totals, seed=st.integers(0, 2**31 - 1))
def test_uniform_allocation_sums_to_the_total(n_rows, total, seed):
    even = uniform_allocation(n_rows, total, np.random.default_rng(seed))
    assert even.sum() == total and even.max() - even.min() <= 1


def test_difficulty_ratio_counts_every_other_class_as_majority():
    neighbor_labels = np.array([[0, 1, 2, 2], [2, 2, 2, 2], [0, 0, 1, 1]])
    np.testing.assert_array_equal(majority_counts(neighbor_labels, 2), [2, 0, 4])
    np.testing.assert_allclose(difficulty_ratios(neighbor_labels, 2), [0.5, 0.0, 1.0])
