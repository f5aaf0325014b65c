"""Four `harness run` processes started at once on a fresh SQLite store lose nothing.

Before the store lock, two processes migrating the same new database lost parent runs and
runs, and once left it half-migrated (``_alembic_tmp_latest_metrics``) for good.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from harness.tracking.mlflow_tracker import COMPLETE_TAG, PARENT_TAG, RUN_KEY_TAG
from tests.support.cli import run_harness, start_harness

N_PROCESSES = 4


def _run_args(root: Path, index: int) -> list[str]:
    return [
        "run",
        "evaluation=fast",
        "evaluation.progress=false",
        "evaluation.n_jobs=1",
        "resampler=none",
        "export=none",
        f"seed={index}",
        # Started in the same second, the processes would share the default timestamped folder.
        f"hydra.run.dir={root}/outputs/runs/adhoc/process{index}",
    ]


@pytest.mark.slow
def test_four_runs_at_once_on_a_fresh_store_keep_every_parent_and_run(tmp_path):
    processes = [
        start_harness(*_run_args(tmp_path, index), root=tmp_path) for index in range(N_PROCESSES)
    ]
    outputs = [process.communicate(timeout=900)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output[-3000:]
        assert "MLflow tracking" not in output, output[-3000:]  # no upload warned and failed

    database = tmp_path / "mlflow.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{database}")
    experiment = client.get_experiment_by_name("adhoc")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if r.data.tags.get("harness.parent") == "true"]
    children = [r for r in runs if r.data.tags.get("harness.parent") != "true"]
    assert len(parents) == N_PROCESSES
    assert len(children) == N_PROCESSES
    assert len({r.data.tags[RUN_KEY_TAG] for r in children}) == N_PROCESSES
    parent_ids = {r.info.run_id for r in parents}
    for child in children:
        assert child.data.tags[COMPLETE_TAG] == "true"
        assert child.data.tags[PARENT_TAG] in parent_ids
    import sqlite3

    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("select name from sqlite_master")]
    assert not [t for t in tables if t.startswith("_alembic_tmp")]

    synced = run_harness(
        "sync", str(tmp_path / "outputs"), "--uri", f"sqlite:///{database}", root=tmp_path
    )
    assert synced.returncode == 0, synced.stderr[-3000:]
    assert f"0 uploaded, {N_PROCESSES} already in the store, 0 failed" in synced.stdout
