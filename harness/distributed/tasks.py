"""The Ray tasks: scan a partition, count one partition, write one block of synthetic rows.

Each task runs its work under tracemalloc (:func:`harness.distributed.memory.traced_peak`) and
returns its peak with its result. The functions are plain; :func:`remote_tasks` wraps them for
Ray so that importing this module does not import Ray.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from harness.distributed.counting import count_closer
from harness.distributed.dataset import Partition, filesystem_and_path, read_partition
from harness.distributed.memory import traced_peak
from harness.distributed.synthesis import ParentBlock, SynthesisPlan, synthesize_block
from harness.resample.streams import RandomStreams


def scan_partition(
    partition: Partition, features: tuple[str, ...], target: str, label: object
) -> tuple[dict, np.ndarray, np.ndarray, dict[str, Any]]:
    """Class counts of one partition and its minority rows with their global indices."""

    def work():
        X, y = read_partition(partition, features, target)
        labels, counts = np.unique(y, return_counts=True)
        is_minority = y == label
        rows = partition.first_row + np.flatnonzero(is_minority)
        return dict(zip(labels.tolist(), counts.tolist(), strict=True)), X[is_minority], rows

    (counts, minority, rows), peak = traced_peak(work)
    return counts, minority, rows, {"peak_bytes": peak}


def count_partition(
    partition: Partition,
    features: tuple[str, ...],
    target: str,
    label: object,
    minority: np.ndarray,
    radii_squared: np.ndarray,
    neighbor_rows: np.ndarray,
    prior: np.ndarray,
) -> tuple[np.ndarray, dict[str, Any]]:
    """c_j of one partition's majority rows (another class than ``label``), and its memory.

    ``minority``, ``radii_squared``, ``neighbor_rows`` and ``prior`` hold the minority rows not
    yet settled and their counts over the partitions of earlier waves; the counts are made as
    far as Δ_i needs them (:func:`~harness.distributed.counting.count_closer`).
    """
    import time

    started = time.perf_counter()

    def work():
        X, y = read_partition(partition, features, target)
        partition_bytes = X.nbytes + y.nbytes
        majority = y != label
        counts = count_closer(
            minority,
            radii_squared,
            neighbor_rows,
            X[majority],
            partition.first_row + np.flatnonzero(majority),
            prior,
        )
        return counts, partition_bytes

    (counts, partition_bytes), peak = traced_peak(work)
    report = {
        "n_rows": partition.n_rows,
        "n_minority": minority.shape[0],
        "partition_bytes": partition_bytes,
        "peak_bytes": peak,
        "seconds": time.perf_counter() - started,
    }
    return counts, report


def write_block(
    destination: str,
    feature_columns: tuple[str, ...],
    target: str,
    plan: SynthesisPlan,
    parents: ParentBlock,
    seed: int,
) -> dict[str, Any]:
    """Make one block's synthetic rows and write them (and their lineage) as Parquet parts."""

    def work():
        rows, lineage = synthesize_block(plan, parents, RandomStreams(seed))
        data = pa.table(
            {
                **{name: rows[:, j] for j, name in enumerate(feature_columns)},
                target: np.full(rows.shape[0], plan.label),
            }
        )
        filesystem, root = filesystem_and_path(destination)
        name = f"part-{parents.block:06d}.parquet"
        for folder, table_ in (("synthetic", data), ("lineage", pa.Table.from_pandas(lineage))):
            filesystem.create_dir(f"{root}/{folder}", recursive=True)
            with filesystem.open_output_stream(f"{root}/{folder}/{name}") as handle:
                pq.write_table(table_, handle)
        return rows.shape[0]

    n_new, peak = traced_peak(work)
    return {"n_rows": n_new, "peak_bytes": peak}


def remote_tasks():
    """The three functions as Ray remote functions (imports Ray)."""
    import ray

    return (
        ray.remote(num_returns=4)(scan_partition),
        ray.remote(num_returns=2)(count_partition),
        ray.remote(write_block),
    )
