"""Counter-based random streams: a block's rows do not depend on how the work is split."""

import numpy as np
import pytest

from harness.resample import ADASYN, SMOTE, RandomOverSampler
from harness.resample.streams import (
    BLOCK_ROWS,
    INTERPOLATION,
    RandomStreams,
    block_bounds,
    seed_from_random_state,
)
from harness.resample.synthesis import draw_segments
from tests.resample.conftest import make_data


def test_a_stream_is_philox_keyed_by_seed_purpose_class_and_block():
    drawn = RandomStreams(7).generator(INTERPOLATION, 2, 3).random(5)
    sequence = np.random.SeedSequence(entropy=7, spawn_key=(INTERPOLATION, 2, 3))
    np.testing.assert_array_equal(drawn, np.random.Generator(np.random.Philox(sequence)).random(5))


def test_an_int_seed_is_the_key_and_a_random_state_gives_one_draw():
    assert seed_from_random_state(12) == 12
    state = np.random.RandomState(0)
    first, second = seed_from_random_state(state), seed_from_random_state(state)
    assert first != second  # a RandomState makes repeated calls differ, as in imbalanced-learn


def test_one_blocks_draws_do_not_depend_on_the_other_blocks():
    n_parents = 3 * BLOCK_ROWS + 17
    shares = np.ones(n_parents, dtype=np.int64)
    changed = shares.copy()
    changed[: BLOCK_ROWS // 2] = 5  # more rows from some parents of block 0 only
    streams = RandomStreams(0)
    _, columns, lam = draw_segments(shares, 5, streams, class_index=1)
    _, columns_2, lam_2 = draw_segments(changed, 5, streams, class_index=1)
    tail = slice(BLOCK_ROWS, None)  # parents of blocks 1.. (one row each, in both)
    offset = int(changed[:BLOCK_ROWS].sum()) - BLOCK_ROWS
    np.testing.assert_array_equal(columns[tail], columns_2[BLOCK_ROWS + offset :])
    np.testing.assert_array_equal(lam[tail], lam_2[BLOCK_ROWS + offset :])


def test_generating_blocks_separately_gives_the_same_rows():
    shares = np.random.default_rng(1).integers(0, 4, size=2 * BLOCK_ROWS + 5)
    streams = RandomStreams(3)
    whole = draw_segments(shares, 4, streams, class_index=0)
    offsets = np.concatenate([[0], np.cumsum(shares)])
    for block, start, stop in block_bounds(shares.shape[0]):
        alone = np.zeros_like(shares)
        alone[start:stop] = shares[start:stop]  # as a worker handling only this block would
        _, columns, lam = draw_segments(alone, 4, streams, class_index=0)
        rows = slice(offsets[start], offsets[stop])
        np.testing.assert_array_equal(columns, whole[1][rows], err_msg=f"block {block}")
        np.testing.assert_array_equal(lam, whole[2][rows], err_msg=f"block {block}")


@pytest.mark.parametrize("sampler", [ADASYN, SMOTE, RandomOverSampler])
def test_a_class_rows_do_not_depend_on_another_class_request(sampler):
    # With one sequential generator, asking for more rows of class 1 shifted every draw made
    # for class 2 afterwards.
    X, y = make_data(weights=(0.6, 0.25, 0.15), seed=1)
    counts = np.bincount(y)
    few = sampler(sampling_strategy={1: counts[1] + 10, 2: counts[2] + 40}, random_state=0)
    many = sampler(sampling_strategy={1: counts[1] + 90, 2: counts[2] + 40}, random_state=0)
    X_few, y_few = few.fit_resample(X, y)
    X_many, y_many = many.fit_resample(X, y)
    np.testing.assert_array_equal(X_few[y_few == 2], X_many[y_many == 2])


def test_chunk_size_never_changes_the_rows():
    X, y = make_data(n_samples=600)
    rows = {
        chunk: ADASYN(random_state=5, chunk_size=chunk).fit_resample(X, y)[0]
        for chunk in (1, 13, 10_000)
    }
    np.testing.assert_array_equal(rows[1], rows[13])
    np.testing.assert_array_equal(rows[13], rows[10_000])
