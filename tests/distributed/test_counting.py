"""The per-partition counts equal a brute-force count under the tie rule, and add up."""

import numpy as np

from harness.distributed.counting import count_closer
from harness.resample.ties import squared_distances


def brute_force(minority, radii, neighbor_rows, majority, majority_rows):
    closer = np.zeros(radii.shape, dtype=np.int64)
    for i in range(minority.shape[0]):
        squared = squared_distances(np.repeat(minority[i : i + 1], len(majority), 0), majority)
        for j in range(radii.shape[1]):
            before = (squared < radii[i, j]) | (
                (squared == radii[i, j]) & (majority_rows < neighbor_rows[i, j])
            )
            closer[i, j] = before.sum()
    return closer


def test_counts_follow_the_tie_rule_and_add_across_partitions():
    rng = np.random.default_rng(0)
    minority = np.round(rng.normal(size=(40, 3)))
    majority = np.round(rng.normal(size=(900, 3)))
    majority[:40] = minority  # zero distances
    majority_rows = rng.permutation(2000)[:900]
    neighbor_rows = rng.integers(0, 2000, size=(40, 4))
    radii = np.sort(
        squared_distances(np.repeat(minority, 4, 0), minority[rng.integers(0, 40, 160)]).reshape(
            40, 4
        ),
        axis=1,
    )
    expected = brute_force(minority, radii, neighbor_rows, majority, majority_rows)
    assert (expected[:, 0] > 0).any() and (expected[:, -1] < 900).all()
    np.testing.assert_array_equal(
        count_closer(minority, radii, neighbor_rows, majority, majority_rows), expected
    )
    halves = [slice(0, 333), slice(333, 900)]
    added = sum(
        count_closer(minority, radii, neighbor_rows, majority[h], majority_rows[h]) for h in halves
    )
    np.testing.assert_array_equal(added, expected)
