"""Distributed exact ADASYN on a local Ray cluster equals the single-machine exact ADASYN."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.distributed import distributed_adasyn
from harness.resample import ADASYN
from tests.distributed.conftest import run_resample

N_ROWS, N_FEATURES, SEED = 3000, 4, 7
FEATURES = [f"f{j}" for j in range(N_FEATURES)]


def make_data(with_ties: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11 if with_ties else 5)
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    y = (rng.random(N_ROWS) < 0.05).astype(np.int64)
    if with_ties:
        # A coarse grid gives many equal distances; copied rows give zero distances, with the
        # copies (of both classes) before and after their originals in row order.
        X = np.round(X * 2) / 2
        X[2000:2100] = X[0:100]
        X[50:60] = X[2500:2510]
    return X, y


def write_partitions(folder: Path, X: np.ndarray, y: np.ndarray, n_partitions: int) -> Path:
    frame = pd.DataFrame(X, columns=FEATURES).assign(label=y)
    folder.mkdir(parents=True)
    # Uneven sizes, and names whose order is the row order.
    cuts = np.sort(np.random.default_rng(n_partitions).choice(N_ROWS - 1, n_partitions - 1, False))
    for index, rows in enumerate(np.split(np.arange(N_ROWS), cuts + 1)):
        frame.iloc[rows].to_parquet(folder / f"part-{index:03d}.parquet", index=False)
    return folder


def read_parts(folder: Path) -> pd.DataFrame:
    files = sorted(folder.glob("*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def assert_identical(output: Path, X: np.ndarray, y: np.ndarray) -> None:
    sampler = ADASYN(backend="exact", random_state=SEED)
    X_res, _ = sampler.fit_resample(X, y)
    synthetic = read_parts(output / "synthetic")
    np.testing.assert_array_equal(synthetic[FEATURES].to_numpy(), X_res[N_ROWS:])
    assert (synthetic["label"] == 1).all()
    pd.testing.assert_frame_equal(
        read_parts(output / "lineage"), sampler.lineage_.reset_index(drop=True), check_dtype=False
    )


def resample_partitions(
    folder: Path, X: np.ndarray, y: np.ndarray, n_partitions: int, progress=None, **options
):
    """Write ``X, y`` as partitions under ``folder/in`` and resample them into ``folder/out``."""
    return distributed_adasyn(
        str(write_partitions(folder / "in", X, y, n_partitions)),
        str(folder / "out"),
        "label",
        1,
        seed=SEED,
        progress=progress or (lambda message: None),
        **options,
    )


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.serial  # alone: another test's `ray stop --force` would end this cluster
@pytest.mark.parametrize("with_ties", [False, True], ids=["no-ties", "ties"])
@pytest.mark.parametrize("n_partitions", [1, 3, 7])
def test_distributed_equals_single_machine(tmp_path, ray_address, n_partitions, with_ties):
    X, y = make_data(with_ties)
    source = write_partitions(tmp_path / "in", X, y, n_partitions)
    messages = []
    result = distributed_adasyn(
        str(source), str(tmp_path / "out"), "label", 1, seed=SEED, progress=messages.append
    )
    assert result.n_partitions == n_partitions
    assert_identical(tmp_path / "out", X, y)
    assert any(message.startswith("count: ") for message in messages)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.serial  # alone: another test's `ray stop --force` would end this cluster
def test_several_parent_blocks_are_written_by_separate_tasks(tmp_path, ray_address, monkeypatch):
    # Blocks of 16 parents: the streams of many blocks, each written by its own task.
    monkeypatch.setattr("harness.resample.streams.BLOCK_ROWS", 16)
    X, y = make_data(with_ties=True)
    result = resample_partitions(tmp_path, X, y, 3)
    assert len(result.write_tasks) > 5
    assert len(list((tmp_path / "out" / "synthetic").glob("*.parquet"))) == len(result.write_tasks)
    assert_identical(tmp_path / "out", X, y)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.serial  # alone: another test's `ray stop --force` would end this cluster
def test_task_peak_memory_is_bounded_by_partition_and_minority(tmp_path, ray_address):
    X, y = make_data(with_ties=False)
    result = resample_partitions(tmp_path, X, y, 7)
    for task in result.count_tasks:
        # bound = 4 × (partition + minority set + one float32 screening block), see
        # harness.distributed.memory.memory_bound; the peak is measured with tracemalloc.
        assert 0 < task["peak_bytes"] <= task["bound_bytes"], task
    one_partition = resample_partitions(tmp_path / "one", X, y, 1)
    # Smaller partitions, smaller peaks: the memory follows the partition, not the data set.
    assert (
        max(t["peak_bytes"] for t in result.count_tasks)
        < one_partition.count_tasks[0]["peak_bytes"]
    )


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.serial  # alone: another test's `ray stop --force` would end this cluster
def test_cli_resamples_on_the_cluster_with_progress(tmp_path, ray_address):
    X, y = make_data(with_ties=True)
    source = write_partitions(tmp_path / "in", X, y, 3)
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", MLFLOW_DISABLE_TELEMETRY="true")
    completed = run_resample(
        source,
        tmp_path / "out",
        "label",
        "--engine",
        "ray",
        "--seed",
        str(SEED),
        "--address",
        ray_address,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "count: 3/3 done" in completed.stderr
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    assert summary["partitions"] == 3 and summary["rows"] == N_ROWS
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["n_synthetic"] > 0
    assert_identical(tmp_path / "out", X, y)


def make_far_cluster_data() -> tuple[np.ndarray, np.ndarray]:
    """Half the minority in a tight cluster far from the majority, a few majority rows beside
    it: those rows never collect K majority rows inside their radii, so they stay unsettled."""
    X, y = make_data(with_ties=False)
    rng = np.random.default_rng(23)
    minority = np.flatnonzero(y == 1)
    far = minority[: minority.size // 2]
    X[far] = 6 + 0.05 * rng.normal(size=(far.size, N_FEATURES))
    beside = rng.choice(np.flatnonzero(y == 0), 6, replace=False)
    X[beside] = 6 + 0.08 * rng.normal(size=(beside.size, N_FEATURES))
    return X, y


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.serial  # alone: another test's `ray stop --force` would end this cluster
@pytest.mark.parametrize("partitions_per_wave", [1, 3])
def test_rows_unsettled_across_waves_give_identical_output(
    tmp_path, ray_address, partitions_per_wave
):
    X, y = make_far_cluster_data()
    messages = []
    result = resample_partitions(
        tmp_path, X, y, 7, messages.append, partitions_per_wave=partitions_per_wave
    )
    n_waves = -(-7 // partitions_per_wave)
    assert [wave["partitions"] for wave in result.count_waves] == [
        min(partitions_per_wave, 7 - first) for first in range(0, 7, partitions_per_wave)
    ]
    # The far half of the minority is still sent to the last wave, and settled rows are not.
    far_half = int((y == 1).sum()) // 2
    last = result.count_waves[-1]
    assert far_half <= last["unsettled_rows"] < result.n_minority
    assert last["settled_share_after"] <= 1 - far_half / result.n_minority
    assert any(m.startswith(f"count wave {n_waves}: ") for m in messages), messages
    assert "count: 7/7 done" in messages
    assert_identical(tmp_path / "out", X, y)
