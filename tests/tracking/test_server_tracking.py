"""Logging to a real `mlflow server`, and what happens when the server is down or hangs."""

import json
import socket
import time

import pytest
from mlflow import MlflowClient

from harness.cli import main
from harness.commands.sync import sync_main
from harness.tracking import (
    MlflowTracker,
    TrackingUnavailable,
    TrackingUnavailableWarning,
    read_run,
    sync,
)
from harness.tracking import latest_job_run as latest_run
from tests.support.mlflow_server import closed_port_uri
from tests.tracking.conftest import DATASET_DIGEST, METRICS, N_FOLDS, N_REPEATS

pytestmark = pytest.mark.integration


def _folder_state(run_dir):
    return {p.relative_to(run_dir): p.stat().st_mtime_ns for p in run_dir.rglob("*")}


def test_a_run_folder_is_logged_to_the_server(server_uri, experiment_name, run_folder):
    import mlflow

    tracker = MlflowTracker(server_uri, experiment_name)
    parent = tracker.safe_start_parent("sweep", params={"jobs": 1})
    run_id = tracker.safe_log_run_dir(run_folder, parent_run_id=parent)
    assert run_id is not None

    run = read_run(run_id, server_uri)
    assert run["metrics"]["test/minority_recall"] == pytest.approx(METRICS["test/minority_recall"])
    assert run["params"]["model.penalty"] == "l2"
    assert run["tags"]["mlflow.parentRunId"] == parent
    assert latest_run(experiment_name, server_uri)["run_id"] == run_id

    client = MlflowClient(tracking_uri=server_uri)
    steps = [m.step for m in client.get_metric_history(run_id, "fold/test/minority_recall")]
    assert sorted(steps) == list(range(N_REPEATS * N_FOLDS))
    dataset = client.get_run(run_id).inputs.dataset_inputs[0].dataset
    assert dataset.digest == DATASET_DIGEST[:32]
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"config.yaml", "folds.csv", "plots", "lineage", "model"} <= artifacts
    assert [a.path for a in client.list_artifacts(run_id, "plots")] == ["plots/x.png"]

    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(server_uri)
    try:
        version = mlflow.register_model(f"runs:/{run_id}/model", f"model-{experiment_name}")
    finally:
        mlflow.set_tracking_uri(previous)
    assert int(version.version) == 1

    assert tracker.log_run_dir(run_folder) == run_id  # idempotent
    assert len(client.search_runs([run["experiment_id"]])) == 2  # the parent and the job


def test_unreachable_server_warns_quickly_then_sync_uploads(
    server_uri, experiment_name, run_folder, capsys
):
    down = MlflowTracker(closed_port_uri(), experiment_name, timeout_s=2, retries=1)
    before = _folder_state(run_folder)
    started = time.monotonic()
    with pytest.warns(TrackingUnavailableWarning, match="harness sync"):
        assert down.safe_start_parent("sweep") is None
    with pytest.warns(TrackingUnavailableWarning, match="safe in the run folder"):
        assert down.safe_log_run_dir(run_folder) is None
    assert time.monotonic() - started < 15
    assert _folder_state(run_folder) == before  # nothing lost, nothing written

    report = sync(run_folder.parent, server_uri, experiment_name)
    assert list(report.logged) == [run_folder]
    run_id = report.logged[run_folder]
    assert json.loads((run_folder / "tracking.json").read_text())["mlflow_run_id"] == run_id
    again = sync(run_folder.parent, server_uri, experiment_name)
    assert again.skipped == {run_folder: run_id} and not again.logged

    # The same through `harness sync`, into another experiment.
    folder = str(run_folder.parent)
    assert sync_main([folder, "--uri", server_uri, "--experiment", f"{experiment_name}-cli"]) == 0
    assert "1 uploaded" in capsys.readouterr().out
    assert sync_main([folder, "--uri", server_uri, "--experiment", f"{experiment_name}-cli"]) == 0
    assert "1 already in the store" in capsys.readouterr().out
    # A store that does not answer: one error line from the entry point, exit 2.
    assert main(["sync", folder, "--uri", closed_port_uri(), "--timeout", "1"]) == 2
    assert "harness sync" in capsys.readouterr().err


def test_a_server_that_hangs_times_out(experiment_name, run_folder):
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        uri = f"http://127.0.0.1:{listener.getsockname()[1]}"
        tracker = MlflowTracker(uri, experiment_name, timeout_s=1, retries=0)
        started = time.monotonic()
        with pytest.raises(TrackingUnavailable, match="does not answer"):
            tracker.log_run_dir(run_folder)
        assert time.monotonic() - started < 10
