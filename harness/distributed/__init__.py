"""Exact ADASYN on a partitioned Parquet data set, distributed with Ray tasks.

The minority class is small: its rows and their K own-class neighbours are found once. Each
majority partition is then asked only how many of its rows lie closer than each of those K
neighbour radii (:mod:`harness.distributed.counting`), in waves that send later partitions
only the rows whose Δ_i can still change (:mod:`harness.distributed.waves`); the counts add
across partitions, give Δ_i exactly (:func:`harness.resample.difficulty.counts_from_closer`),
and the synthetic rows
are made per block of parent rows from the same counter-based streams as the single-machine
sampler, so the output equals ``harness.resample.ADASYN(backend="exact")`` bit for bit.
"""

from harness.distributed.pipeline import DistributedResult, distributed_adasyn

__all__ = ["DistributedResult", "distributed_adasyn"]
