"""Peak Python-heap memory of a task, measured with tracemalloc, and the bound it must keep.

Ray's ``memory=`` only reserves capacity for scheduling; nothing stops a task from using more.
So each task measures its own peak (numpy arrays are traced; Arrow's buffers, freed once the
partition is converted, are not) and the run reports it next to the bound below.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

from harness.distributed.counting import screening_block_bytes

T = TypeVar("T")

#: Peak ≤ FACTOR × (partition bytes + minority bytes + screening block bytes). The partition
#: is held as float64 features plus labels and its majority rows are copied out once; the
#: float32 screening block (at most QUERY_BLOCK minority × REFERENCE_BLOCK partition rows) comes
#: with its mask and the candidates it lets through. Measured peaks stay under 3×; 4 is the bound.
MEMORY_FACTOR = 4


def memory_bound(
    partition_rows: int, partition_bytes: int, n_minority: int, minority_bytes: int
) -> int:
    """The peak a counting task may reach: bounded by its partition and the minority set.

    Parameters
    ----------
    partition_rows, partition_bytes : int
        Rows of the partition, and bytes of its features (float64) and labels.
    n_minority, minority_bytes : int
        Minority rows, and bytes of them with their radii and neighbour indices.

    Returns
    -------
    int
        ``MEMORY_FACTOR × (partition_bytes + minority_bytes + screening)``, the screening
        block being ``min(QUERY_BLOCK, n_minority) × min(REFERENCE_BLOCK, partition_rows)``
        float32 values: it grows with neither the data set nor the partition beyond its cap.
    """
    screening = screening_block_bytes(n_minority, partition_rows)
    return MEMORY_FACTOR * (partition_bytes + minority_bytes + screening)


def traced_peak(work: Callable[[], T]) -> tuple[T, int]:
    """Run ``work()`` under tracemalloc; return its result and the peak traced bytes."""
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
