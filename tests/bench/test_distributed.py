"""The cluster estimate of distributed exact ADASYN: the cost model and its settled shares."""

import pytest

from harness.bench.distributed import (
    estimate_cluster_seconds,
    pairs_per_task_second,
    unsettled_at_wave_starts,
)


def test_worst_case_is_every_pair_spread_over_the_cores():
    # 1e6 rows at 1 %: 1e4 × 9.9e5 pairs; 1e8 pairs/s per core on 10 cores.
    assert estimate_cluster_seconds(1e8, 1_000_000, 0.01, 10) == pytest.approx(9.9)


def test_settled_rows_cut_the_estimate_by_the_mean_unsettled_share():
    shares = [1.0, 0.5, 0.25, 0.25]
    assert estimate_cluster_seconds(1e8, 1_000_000, 0.01, 10, shares) == pytest.approx(9.9 * 0.5)


def test_unsettled_shares_start_at_one_and_follow_the_waves():
    waves = [
        {"settled_share_after": 0.4},
        {"settled_share_after": 0.7},
        {"settled_share_after": 0.9},
    ]
    assert unsettled_at_wave_starts(waves) == pytest.approx([1.0, 0.6, 0.3])


def test_task_rate_counts_the_rows_each_task_was_sent():
    tasks = [
        {"n_minority": 100, "n_rows": 1000, "seconds": 2.0},
        {"n_minority": 10, "n_rows": 1000, "seconds": 0.5},
    ]
    # (100 + 10) × 990 majority rows in 2.5 s.
    assert pairs_per_task_second(tasks, 0.01) == pytest.approx(110 * 990 / 2.5)
