"""Counting in waves: later partitions see only the minority rows not yet settled.

A wave sends the rows not yet settled (:mod:`harness.distributed.settling`), with their counts
so far, to the next few partitions, one Ray task each; the driver adds the counts the tasks
return (capped at K) and drops the rows that settled before the next wave. Why the result is
exact: every partition is still counted, independently, for every row whose Δ_i could still
change, and a row leaves only when no count can change its Δ_i any more. Counts of disjoint
partitions add, in any order, so neither the number of waves nor the partitions per wave change
Δ_i. Only the work changes: on data whose minority overlaps the majority, most rows settle
after a fraction of the partitions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.distributed.dataset import PartitionedDataset
from harness.distributed.progress import Progress, wait_all
from harness.distributed.settling import add_counts, ranks_needed


@dataclass(frozen=True)
class MinoritySet:
    """The minority rows with their K own-class neighbour radii and global neighbour indices."""

    rows: np.ndarray
    radii_squared: np.ndarray
    neighbor_rows: np.ndarray


@dataclass
class WaveCounts:
    """Counts after every wave, and what each wave and each task did."""

    closer: np.ndarray
    waves: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)


def count_in_waves(
    count_task,
    dataset: PartitionedDataset,
    label: object,
    minority: MinoritySet,
    partitions_per_wave: int,
    progress: Progress,
) -> WaveCounts:
    """Counts c_j (capped at K, short for ranks already known to fail) over every partition.

    Parameters
    ----------
    count_task : ray.remote_function.RemoteFunction
        :func:`harness.distributed.tasks.count_partition` as a Ray remote function.
    dataset : PartitionedDataset
    label : object
        The minority label.
    minority : MinoritySet
    partitions_per_wave : int
        Partitions counted in one wave (e.g. the cluster's CPUs); at least 1.
    progress : callable
        Receives ``count wave N: …`` before each wave and ``count: done/total done`` per task.

    Returns
    -------
    WaveCounts
        ``counts_from_closer(result.closer)`` is Δ_i exactly.
    """
    import ray

    parts = dataset.partitions
    n_rows = minority.rows.shape[0]
    state = WaveCounts(np.zeros(minority.radii_squared.shape, dtype=np.int64))
    rows_counted = 0
    for wave, first in enumerate(range(0, len(parts), partitions_per_wave), start=1):
        active = np.flatnonzero(ranks_needed(state.closer) > 0)
        if active.size == 0:
            progress(
                f"count: {first}/{len(parts)} done; every minority row settled, so the other "
                f"{len(parts) - first} partitions are not read"
            )
            break
        clock = time.perf_counter()
        wave_parts = parts[first : first + partitions_per_wave]
        progress(
            f"count wave {wave}: {active.size:,} unsettled minority rows against "
            f"{len(wave_parts)} partitions"
        )
        shared = [
            ray.put(array[active])
            for array in (minority.rows, minority.radii_squared, minority.neighbor_rows)
        ]
        prior = ray.put(state.closer[active])
        counted = [
            count_task.remote(part, dataset.feature_columns, dataset.target, label, *shared, prior)
            for part in wave_parts
        ]
        reports = wait_all([refs[1] for refs in counted], "count", progress, first, len(parts))
        wave_total = np.zeros((active.size, state.closer.shape[1]), dtype=np.int64)
        for refs in counted:
            wave_total += ray.get(refs[0])
        state.closer[active] = add_counts(state.closer[active], wave_total)
        for offset, report in enumerate(reports):
            report["partition"] = first + offset
            report["wave"] = wave
        state.tasks += reports
        rows_counted += sum(part.n_rows for part in wave_parts)
        settled = int(np.count_nonzero(ranks_needed(state.closer) == 0))
        state.waves.append(
            {
                "wave": wave,
                "partitions": len(wave_parts),
                "unsettled_rows": int(active.size),
                "data_share_counted": rows_counted / dataset.n_rows,
                "settled_share_after": settled / n_rows if n_rows else 1.0,
                "seconds": time.perf_counter() - clock,
            }
        )
    return state
