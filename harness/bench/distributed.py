"""``harness bench --distributed``: distributed exact ADASYN on data generated on disk.

The data set is written partition by partition (never held whole in memory), then resampled by
:func:`harness.distributed.distributed_adasyn` on a local Ray cluster started here. The result
reports rows/s, the time and the tracemalloc peak of every counting task, the share of minority
rows settled after each counting wave, and the per-task rate and settled shares the cluster
estimates in docs/benchmarks.md are made from.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
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
        ``shape``, ``seconds`` per phase, ``rows_per_second``, per-task peaks and times,
        ``count_seconds_per_partition`` (median), ``pairs_per_second_per_task``, the counting
        waves with their settled shares, and the cluster estimates (as measured, worst case).
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
    rate = pairs_per_task_second(count_tasks, minority_share)
    unsettled = unsettled_at_wave_starts(result.count_waves)
    log(
        "distributed: minority share settled after each counting wave: "
        + ", ".join(f"{wave['settled_share_after']:.1%}" for wave in result.count_waves)
    )
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
        "pairs_per_second_per_task": rate,
        "count_waves": result.count_waves,
        "unsettled_at_wave_starts": unsettled,
        "max_task_peak_bytes": max(task["peak_bytes"] for task in count_tasks),
        "max_task_bound_bytes": max(task["bound_bytes"] for task in count_tasks),
        "peaks_within_bound": all(t["peak_bytes"] <= t["bound_bytes"] for t in count_tasks),
        "max_write_peak_bytes": max((t["peak_bytes"] for t in result.write_tasks), default=0),
        "count_tasks": count_tasks,
        "estimated_count_hours": {
            f"{rows:.0e} rows on {cores} cores, {case}": estimate_cluster_seconds(
                rate, int(rows), minority_share, cores, shares
            )
            / 3600
            for case, shares in (("as measured", unsettled), ("worst case", (1.0,)))
            for rows in (1e8, 1e9)
            for cores in ESTIMATE_CORES
        },
    }


def pairs_per_task_second(count_tasks: list[dict[str, Any]], minority_share: float) -> float:
    """Minority × majority pairs a counting task goes through per second, over all tasks.

    Each task is sent the minority rows not yet settled (``n_minority``) and pairs them with
    its partition's majority rows (estimated as ``n_rows × (1 − minority_share)``); rows that
    settle inside the task are dropped early, which this rate includes.
    """
    pairs = sum(t["n_minority"] * t["n_rows"] * (1 - minority_share) for t in count_tasks)
    return pairs / sum(task["seconds"] for task in count_tasks)


def unsettled_at_wave_starts(waves: list[dict[str, Any]]) -> list[float]:
    """Share of the minority rows still unsettled when each wave starts (1.0 for the first)."""
    return [1.0] + [1.0 - wave["settled_share_after"] for wave in waves[:-1]]


def estimate_cluster_seconds(
    pairs_per_second_per_core: float,
    n_rows: int,
    minority_share: float,
    n_cores: int,
    unsettled_at_waves: Sequence[float] = (1.0,),
) -> float:
    """Counting time of exact distributed ADASYN on ``n_cores`` cores, from the measured rate.

    The counting cost is m_min × m_maj distance evaluations (× d, folded into the measured
    rate at the same d), spread evenly over the cores, times the mean share of minority rows
    still unsettled at the start of each wave, the waves splitting the rows evenly (as in the
    run the shares come from: with as many waves, each of ``n_cores`` partitions). The shares
    depend on the data; ``(1.0,)``, nothing ever settling, is the worst case. Scan, synthesis
    and scheduling are left out (they grow linearly with the rows and were a small share when
    measured).

    Parameters
    ----------
    pairs_per_second_per_core : float
        Measured pairs per task-second (:func:`pairs_per_task_second`).
    n_rows : int
    minority_share : float
    n_cores : int
    unsettled_at_waves : sequence of float, default=(1.0,)
        Share of the minority unsettled at the start of each wave
        (:func:`unsettled_at_wave_starts`).

    Returns
    -------
    float
        Seconds.
    """
    minority = n_rows * minority_share
    full = minority * (n_rows - minority) / (pairs_per_second_per_core * n_cores)
    return full * float(np.mean(unsettled_at_waves))
