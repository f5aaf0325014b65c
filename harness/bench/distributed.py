"""``harness bench --distributed``: distributed exact ADASYN on data generated on disk.

The data set is written partition by partition (never held whole in memory), then resampled by
:func:`harness.distributed.distributed_adasyn` on a local Ray cluster started here. The result
reports rows/s, the time and the tracemalloc peak of every counting task, and the per-partition
cost the cluster estimates in docs/benchmarks.md are made from.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

#: The issue's shape: 10M rows × 20 features, 1 % minority.
DEFAULT_ROWS, DEFAULT_FEATURES, DEFAULT_MINORITY = 10_000_000, 20, 0.01
DEFAULT_PARTITION_ROWS = 250_000
#: Cluster sizes the estimate is given for: 10, 100 and 1 000 nodes of 16 cores.
ESTIMATE_CORES = (160, 1_600, 16_000)


def write_partitioned_data(
    folder: Path,
    n_rows: int,
    n_features: int,
    minority_share: float,
    partition_rows: int,
    seed: int = 0,
) -> int:
    """Write a two-class Gaussian data set as Parquet partitions; return the partition count.

    Each partition is drawn from its own generator (``seed``, partition number), so memory
    holds one partition at a time. Minority rows are shifted by 1 along the first five features,
    so the classes overlap and Δ_i varies.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"f{j:02d}" for j in range(n_features)]
    starts = range(0, n_rows, partition_rows)
    for index, start in enumerate(starts):
        size = min(partition_rows, n_rows - start)
        rng = np.random.default_rng([seed, index])
        X = rng.standard_normal((size, n_features))
        y = (rng.random(size) < minority_share).astype(np.int8)
        X[y == 1, : min(5, n_features)] += 1.0
        columns = {name: X[:, j] for j, name in enumerate(names)}
        pq.write_table(pa.table({**columns, "y": y}), folder / f"part-{index:05d}.parquet")
    return len(starts)


def run_distributed_bench(
    work: Path,
    n_rows: int = DEFAULT_ROWS,
    n_features: int = DEFAULT_FEATURES,
    minority_share: float = DEFAULT_MINORITY,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    num_cpus: int | None = None,
    log=print,
) -> dict[str, Any]:
    """Generate the data, resample it on a local Ray cluster, return the measurements.

    Parameters
    ----------
    work : Path
        Scratch folder (input and output partitions); removed afterwards.
    n_rows, n_features, minority_share, partition_rows : int, int, float, int
        Shape of the generated data set and rows per partition.
    num_cpus : int or None
        CPUs of the local cluster (default: all).
    log : callable
        Progress sink.

    Returns
    -------
    dict
        ``shape``, ``seconds`` per phase, ``rows_per_second``, per-task peaks and times, and
        ``count_seconds_per_partition`` (median) with the partition's minority × majority pairs.
    """
    import ray

    from harness.distributed import distributed_adasyn

    source, output = work / "distributed-in", work / "distributed-out"
    clock = time.perf_counter()
    n_partitions = write_partitioned_data(
        source, n_rows, n_features, minority_share, partition_rows
    )
    generate_seconds = time.perf_counter() - clock
    log(
        f"distributed: wrote {n_rows:,} rows in {n_partitions} partitions "
        f"({generate_seconds:.1f} s)"
    )
    cpus = num_cpus or os.cpu_count() or 1
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        clock = time.perf_counter()
        result = distributed_adasyn(str(source), str(output), "y", 1, seed=0, progress=log)
        total_seconds = time.perf_counter() - clock
    finally:
        ray.shutdown()
        shutil.rmtree(source, ignore_errors=True)
        shutil.rmtree(output, ignore_errors=True)
    count_tasks = result.count_tasks
    per_partition = float(np.median([task["seconds"] for task in count_tasks]))
    majority_per_partition = (result.n_rows - result.n_minority) / result.n_partitions
    return {
        "shape": {
            "rows": n_rows,
            "features": n_features,
            "minority_share": minority_share,
            "partition_rows": partition_rows,
            "partitions": n_partitions,
        },
        "cpus": cpus,
        "minority_rows": result.n_minority,
        "synthetic_rows": result.n_synthetic,
        "generate_seconds": generate_seconds,
        "seconds": {**result.seconds, "total": total_seconds},
        "rows_per_second": n_rows / total_seconds,
        "count_seconds_per_partition": per_partition,
        "pairs_per_second_per_task": result.n_minority * majority_per_partition / per_partition,
        "max_task_peak_bytes": max(task["peak_bytes"] for task in count_tasks),
        "max_task_bound_bytes": max(task["bound_bytes"] for task in count_tasks),
        "peaks_within_bound": all(t["peak_bytes"] <= t["bound_bytes"] for t in count_tasks),
        "max_write_peak_bytes": max((t["peak_bytes"] for t in result.write_tasks), default=0),
        "count_tasks": count_tasks,
        "estimated_count_hours": {
            f"{rows:.0e} rows on {cores} cores": estimate_cluster_seconds(
                result.n_minority * majority_per_partition / per_partition,
                int(rows),
                minority_share,
                cores,
            )
            / 3600
            for rows in (1e8, 1e9)
            for cores in ESTIMATE_CORES
        },
    }


def estimate_cluster_seconds(
    pairs_per_second_per_core: float, n_rows: int, minority_share: float, n_cores: int
) -> float:
    """Counting time of exact distributed ADASYN on ``n_cores`` cores, from the measured rate.

    The counting cost is m_min × m_maj distance evaluations (× d, folded into the measured
    rate at the same d), spread evenly over the cores; scan, synthesis and scheduling are
    left out (they grow linearly with the rows and were a small share when measured).
    """
    minority = n_rows * minority_share
    return minority * (n_rows - minority) / (pairs_per_second_per_core * n_cores)
