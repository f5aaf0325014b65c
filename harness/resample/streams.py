"""Counter-based random streams: the same synthetic rows however the work is split.

Every random draw of a sampler comes from a stream keyed by ``(seed, purpose, class, block)``:
``numpy.random.Philox`` seeded by ``SeedSequence(entropy=seed, spawn_key=(purpose, class, block))``.
A block is a fixed run of :data:`BLOCK_ROWS` parent rows of one class (in input order), or of
output rows for random duplication. A block's draws do not depend on any other block, so
generating the blocks one after the other, in chunks or in parallel gives the same rows, and
``chunk_size`` never changes the output.

``seed`` is the sampler's ``random_state`` when it is an int; for ``None`` or a
``numpy.random.RandomState`` one 63-bit seed is drawn from that generator first (so a
``RandomState`` still makes repeated calls differ, as in imbalanced-learn).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.resample.validation import make_random_state

#: Parent rows (or output rows, for duplication) that share one stream.
BLOCK_ROWS = 4096

#: What a stream is used for: the first entry of its spawn key.
ALLOCATION, INTERPOLATION, DUPLICATION, NOMINAL_TIES, SMOOTHING = range(5)


def seed_from_random_state(random_state: object) -> int:
    """The integer seed the streams are keyed by.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        The sampler's parameter (already validated).

    Returns
    -------
    int
        ``random_state`` itself for an int, else one draw from the generator it stands for.
    """
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        return int(random_state)
    generator = make_random_state(random_state)
    return int(generator.randint(0, np.iinfo(np.int64).max, dtype=np.int64))


@dataclass(frozen=True)
class RandomStreams:
    """The family of counter-based streams of one ``fit_resample`` call."""

    seed: int

    def generator(self, purpose: int, class_index: int, block: int = 0) -> np.random.Generator:
        """The stream for one purpose, class and block.

        Parameters
        ----------
        purpose : int
            One of :data:`ALLOCATION`, :data:`INTERPOLATION`, :data:`DUPLICATION`,
            :data:`NOMINAL_TIES`, :data:`SMOOTHING`.
        class_index : int
            Position of the class among the sorted class labels of ``y``.
        block : int, default=0
            Block of :data:`BLOCK_ROWS` rows.

        Returns
        -------
        numpy.random.Generator
        """
        sequence = np.random.SeedSequence(
            entropy=self.seed, spawn_key=(int(purpose), int(class_index), int(block))
        )
        return np.random.Generator(np.random.Philox(sequence))


def block_bounds(n_rows: int) -> list[tuple[int, int, int]]:
    """``(block, start, stop)`` for each block of :data:`BLOCK_ROWS` rows out of ``n_rows``."""
    return [
        (block, start, min(start + BLOCK_ROWS, n_rows))
        for block, start in enumerate(range(0, n_rows, BLOCK_ROWS))
    ]
