"""The driver of distributed exact ADASYN: four rounds of Ray tasks, nothing big on the driver.

1. scan every partition (class counts, minority rows with their global indices);
2. find the minority rows' K own-class neighbours once (the minority is small), with the same
   exact search as the single-machine sampler;
3. count, per partition, the majority rows closer than each neighbour radius, in waves that
   send later partitions only the rows not yet settled (:mod:`harness.distributed.waves`); add
   the counts; Δ_i = K − max{j : j + c_j ≤ K}; allocate G by the largest remainder;
4. make the synthetic rows per block of parent rows and write them, with their lineage, as
   Parquet parts from the tasks themselves.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from harness.distributed.dataset import discover, filesystem_and_path
from harness.distributed.memory import memory_bound
from harness.distributed.progress import Progress, print_progress, wait_all
from harness.distributed.synthesis import ParentBlock, SynthesisPlan
from harness.distributed.tasks import remote_tasks
from harness.distributed.waves import MinoritySet, count_in_waves
from harness.errors import InputDataError
from harness.resample.allocation import adasyn_allocation
from harness.resample.difficulty import counts_from_closer
from harness.resample.neighbors import neighbors_excluding_self
from harness.resample.streams import ALLOCATION, RandomStreams, block_bounds
from harness.resample.ties import squared_distances


@dataclass
class DistributedResult:
    """Summary of a distributed run (also written as ``summary.json`` in the output)."""

    n_rows: int
    n_minority: int
    n_synthetic: int
    n_partitions: int
    n_neighbors: int
    seconds: dict[str, float] = field(default_factory=dict)
    count_tasks: list[dict[str, Any]] = field(default_factory=list)
    count_waves: list[dict[str, Any]] = field(default_factory=list)
    write_tasks: list[dict[str, Any]] = field(default_factory=list)
    minority_bytes: int = 0
    notes: list[str] = field(default_factory=list)


def _class_index(class_sizes: dict, label: object) -> int:
    """Where the single-machine loop puts ``label``: its position among the sorted labels."""
    return sorted(class_sizes).index(label)


def distributed_adasyn(
    input_location: str,
    output_location: str,
    target: str,
    minority_label: object,
    *,
    n_neighbors: int = 5,
    seed: int = 0,
    beta: float = 1.0,
    no_hard_samples: str = "smote",
    partitions_per_wave: int | None = None,
    progress: Progress = print_progress,
) -> DistributedResult:
    """Exact ADASYN over a partitioned Parquet data set on the connected Ray cluster.

    The result equals ``ADASYN(backend="exact", n_neighbors=n_neighbors, random_state=seed,
    beta=beta)`` on the concatenated partitions (files sorted by name) for the minority class:
    the same synthetic rows in the same order, and the same lineage. Only the minority rows,
    their neighbour table and the m × K counts reach the driver. Call ``ray.init`` first.

    Parameters
    ----------
    input_location : str
        Folder (local or any filesystem pyarrow reads) of ``.parquet`` partitions.
    output_location : str
        Folder for ``synthetic/part-*.parquet``, ``lineage/part-*.parquet`` and
        ``summary.json``.
    target : str
        Class column.
    minority_label : object
        The class to oversample; every other class is majority (one-vs-rest).
    n_neighbors : int, default=5
        K.
    seed : int, default=0
        Seed of the counter-based streams (the single-machine ``random_state``).
    beta : float, default=1.0
        G = round((m_l − m_s)·β), m_l the largest class.
    no_hard_samples : {"smote", "raise"}, default="smote"
        As :class:`harness.resample.ADASYN`.
    partitions_per_wave : int, optional
        Partitions counted per wave (:mod:`harness.distributed.waves`); default: the CPUs of
        the cluster. Any value gives the same result; smaller waves settle rows sooner but
        leave CPUs idle.
    progress : callable, default=print_progress
        Receives one line per wave and per finished task.

    Returns
    -------
    DistributedResult

    Raises
    ------
    InputDataError
        If the minority class is missing, too small for K, or the largest class.
    """
    import ray

    scan, count, write = remote_tasks()
    clock = time.perf_counter()
    dataset = discover(input_location, target)
    parts = dataset.partitions
    progress(
        f"{len(parts)} partitions, {dataset.n_rows:,} rows, {len(dataset.feature_columns)} features"
    )
    result = DistributedResult(dataset.n_rows, 0, 0, len(parts), n_neighbors)

    # 1. scan
    scanned = [scan.remote(part, dataset.feature_columns, target, minority_label) for part in parts]
    sizes: dict = {}
    for counts in wait_all([refs[0] for refs in scanned], "scan", progress):
        for key, value in counts.items():
            sizes[key] = sizes.get(key, 0) + value
    minority = np.concatenate(ray.get([refs[1] for refs in scanned]))
    minority_rows = np.concatenate(ray.get([refs[2] for refs in scanned]))
    _check_minority(sizes, minority_label, n_neighbors)
    result.n_minority = minority.shape[0]
    result.seconds["scan"] = time.perf_counter() - clock

    # 2. the minority's own neighbours, once
    clock = time.perf_counter()
    table = neighbors_excluding_self(minority, np.arange(minority.shape[0]), n_neighbors, "exact")
    radii_squared = squared_distances(
        np.repeat(minority, n_neighbors, axis=0), minority[table.ravel()]
    ).reshape(table.shape)
    neighbor_rows = minority_rows[table]
    # The minority set a counting task receives: rows, radii, neighbour indices, counts so far.
    result.minority_bytes = minority.nbytes + radii_squared.nbytes + 2 * neighbor_rows.nbytes
    result.seconds["minority_neighbors"] = time.perf_counter() - clock
    progress(f"minority: {minority.shape[0]:,} rows, neighbours found")

    # 3. count per partition, in waves
    clock = time.perf_counter()
    wave_size = partitions_per_wave or max(1, int(ray.cluster_resources().get("CPU", 1)))
    counted = count_in_waves(
        count,
        dataset,
        minority_label,
        MinoritySet(minority, radii_squared, neighbor_rows),
        wave_size,
        progress,
    )
    for report in counted.tasks:
        report["bound_bytes"] = memory_bound(
            report["n_rows"], report["partition_bytes"], result.n_minority, result.minority_bytes
        )
    result.count_tasks = counted.tasks
    result.count_waves = counted.waves
    delta = counts_from_closer(counted.closer)
    result.seconds["count"] = time.perf_counter() - clock

    # 4. allocate and write
    clock = time.perf_counter()
    streams = RandomStreams(int(seed))
    class_index = _class_index(sizes, minority_label)
    total = int(np.floor((max(sizes.values()) - sizes[minority_label]) * beta + 0.5))
    shares, fell_back = adasyn_allocation(
        delta, total, no_hard_samples, streams.generator(ALLOCATION, class_index), minority_label
    )
    if fell_back:
        result.notes.append(
            f"class {minority_label!r}: no row has a neighbour from another class, so rows were "
            'spread uniformly as SMOTE does (no_hard_samples="smote")'
        )
    difficulty = delta / n_neighbors
    offsets = np.concatenate([[0], np.cumsum(shares)])
    plan = SynthesisPlan(
        minority,
        minority_rows,
        shares,
        table,
        difficulty,
        class_index,
        minority_label,
        dataset.n_rows,
    )
    plan_ref = ray.put(plan)
    written = [
        write.remote(
            output_location,
            dataset.feature_columns,
            target,
            plan_ref,
            ParentBlock(block, start, stop, int(offsets[start])),
            int(seed),
        )
        for block, start, stop in block_bounds(minority.shape[0])
        if offsets[stop] > offsets[start]
    ]
    result.write_tasks = wait_all(written, "write", progress)
    result.n_synthetic = total
    result.seconds["write"] = time.perf_counter() - clock
    _write_summary(output_location, result)
    progress(f"wrote {total:,} synthetic rows to {output_location}")
    return result


def _check_minority(sizes: dict, label: object, n_neighbors: int) -> None:
    if label not in sizes:
        raise InputDataError(
            f"No row has the minority label {label!r} (labels found: {sorted(sizes)}): pass "
            "one of those with --minority-label."
        )
    if sizes[label] < n_neighbors + 1:
        raise InputDataError(
            f"Class {label!r} has {sizes[label]} row(s), fewer than n_neighbors + 1 = "
            f"{n_neighbors + 1}: use a smaller --n-neighbors."
        )
    if sizes[label] == max(sizes.values()) and len(sizes) > 1:
        raise InputDataError(
            f"Class {label!r} is the largest class ({sizes[label]:,} rows), so ADASYN would "
            "create no row: pass the smaller class with --minority-label."
        )


def _write_summary(location: str, result: DistributedResult) -> None:
    filesystem, root = filesystem_and_path(location)
    filesystem.create_dir(root, recursive=True)
    with filesystem.open_output_stream(f"{root}/summary.json") as handle:
        handle.write(json.dumps(asdict(result), indent=2, default=float).encode())
