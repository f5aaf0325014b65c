"""The per-partition counts equal a brute-force count under the tie rule, and add up; counted
with the settle rule over several partitions, they give the same Δ_i."""

import numpy as np

from harness.distributed.counting import count_closer
from harness.distributed.settling import add_counts, ranks_needed
from harness.resample.difficulty import counts_from_closer
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


def test_counting_with_prior_counts_keeps_delta_exact_across_partitions(monkeypatch):
    # Small blocks: rows settle between reference blocks of one partition, and candidates are
    # checked in several batches.
    monkeypatch.setattr("harness.distributed.counting.REFERENCE_BLOCK", 50)
    monkeypatch.setattr("harness.distributed.counting.QUERY_BLOCK", 16)
    monkeypatch.setattr("harness.distributed.counting.CANDIDATE_BATCH", 40)
    rng = np.random.default_rng(3)
    K = 5
    # Minority rows inside the majority settle early; a tight cluster far from it never does,
    # with a few majority rows near it so its counts stay between 0 and K.
    minority = np.vstack([rng.normal(size=(30, 3)), 8 + 0.05 * rng.normal(size=(20, 3))])
    near_cluster = 8 + 0.06 * rng.normal(size=(6, 3))
    # A coarse grid in the bulk: ties at equal distances.
    majority = np.vstack([np.round(rng.normal(size=(1200, 3)) * 4) / 4, near_cluster])
    majority_rows = rng.permutation(5000)[: len(majority)]
    table = np.argsort(
        squared_distances(np.repeat(minority, 50, 0), np.tile(minority, (50, 1))).reshape(50, 50)
        + np.diag(np.full(50, np.inf)),
        axis=1,
    )[:, :K]
    radii = squared_distances(np.repeat(minority, K, 0), minority[table.ravel()]).reshape(50, K)
    neighbor_rows = 4000 + table
    full = brute_force(minority, radii, neighbor_rows, majority, majority_rows)

    accumulated = np.zeros_like(full)
    settled_before_last = None
    order = rng.permutation(len(majority))
    partitions = np.array_split(order, 6)
    for number, part in enumerate(partitions):
        active = np.flatnonzero(ranks_needed(accumulated) > 0)
        counts = count_closer(
            minority[active],
            radii[active],
            neighbor_rows[active],
            majority[part],
            majority_rows[part],
            prior=accumulated[active],
        )
        accumulated[active] = add_counts(accumulated[active], counts)
        if number == len(partitions) - 2:
            settled_before_last = int((ranks_needed(accumulated) == 0).sum())

    np.testing.assert_array_equal(counts_from_closer(accumulated), counts_from_closer(full))
    rank = np.arange(1, K + 1)
    assert (accumulated <= full).all()
    assert ((accumulated == full) | (rank + accumulated > K)).all()
    # The rule did skip work, and the far cluster stayed unsettled to the end.
    assert settled_before_last > 0
    assert (ranks_needed(accumulated)[30:] > 0).all()
    assert ((full[30:] > 0) & (full[30:] < K)).any()


def test_prior_counts_shrink_the_radius_to_the_last_rank_still_needed():
    # One query at 0 with own-class neighbours at distances 1 … 5. After the prior counts only
    # ranks 1 and 2 can still be among the K nearest (1 + 1 ≤ 5, 2 + 3 ≤ 5, 3 + 3 > 5).
    minority = np.zeros((1, 1))
    radii = np.array([[1.0, 4.0, 9.0, 16.0, 25.0]])
    neighbor_rows = np.array([[100, 101, 102, 103, 104]])
    prior = np.array([[1, 3, 3, 3, 3]])
    assert ranks_needed(prior)[0] == 2
    majority = np.array([[1.5], [10.0], [-7.0]])  # 1.5 lies between the 1st and 2nd radius
    majority_rows = np.array([0, 1, 2])
    full = count_closer(minority, radii, neighbor_rows, majority, majority_rows)
    np.testing.assert_array_equal(full, [[0, 1, 1, 1, 1]])
    needed_only = count_closer(minority, radii, neighbor_rows, majority, majority_rows, prior)
    np.testing.assert_array_equal(needed_only, [[0, 1, 0, 0, 0]])
    # The row at 1.5 pushes rank 2 out of the K nearest: Δ = K − 1, as with the full counts.
    assert counts_from_closer(prior + needed_only)[0] == 4
    assert counts_from_closer(prior + full)[0] == 4
