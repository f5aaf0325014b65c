"""The settle rule on hand-made counts: which ranks still matter, and exact capping at K."""

import numpy as np

from harness.distributed.settling import add_counts, ranks_needed
from harness.resample.difficulty import counts_from_closer


def test_ranks_needed_is_the_last_rank_still_among_the_k_nearest():
    closer = np.array(
        [
            [5, 5, 6, 7, 9],  # c_1 = K: settled, Δ = K whatever comes next
            [4, 4, 4, 4, 4],  # 1 + 4 ≤ 5 only for rank 1
            [0, 1, 1, 2, 2],  # j + c_j = 1, 3, 4, 6, 7: ranks 1-3
            [0, 0, 0, 0, 0],  # nothing counted yet: every rank
            [9, 9, 9, 9, 9],
        ]
    )
    np.testing.assert_array_equal(ranks_needed(closer), [0, 1, 3, 5, 0])
    np.testing.assert_array_equal(ranks_needed(closer), 5 - counts_from_closer(closer))


def test_a_settled_row_stays_settled_and_keeps_delta_k_whatever_is_added():
    partial = np.array([[5, 6, 6, 8, 8]])
    for more in ([[0, 0, 0, 0, 0]], [[3, 3, 7, 9, 12]]):
        total = partial + np.array(more)
        assert ranks_needed(total)[0] == 0
        assert counts_from_closer(total)[0] == 5


def test_counts_stopped_at_a_failing_rank_give_the_same_delta_as_full_counts():
    # Full counts of two partitions; on the second, ranks 4-5 were stopped once the first
    # partition's counts already made them fail (4 + 2 > 5, 5 + 3 > 5).
    first = np.array([[0, 1, 1, 2, 3]])
    second_full = np.array([[0, 0, 1, 4, 6]])
    second_short = np.array([[0, 0, 1, 0, 0]])
    assert ranks_needed(first)[0] == 3
    np.testing.assert_array_equal(
        counts_from_closer(first + second_short), counts_from_closer(first + second_full)
    )


def test_capping_at_k_is_exact_and_adds_like_the_sum():
    total = np.array([[4, 4, 6, 9, 9], [0, 0, 1, 1, 3]])
    counts = np.array([[3, 5, 5, 5, 7], [0, 2, 2, 2, 2]])
    capped = add_counts(total, counts)
    np.testing.assert_array_equal(capped, [[5, 5, 5, 5, 5], [0, 2, 3, 3, 5]])
    np.testing.assert_array_equal(counts_from_closer(capped), counts_from_closer(total + counts))
    np.testing.assert_array_equal(ranks_needed(capped), ranks_needed(total + counts))
