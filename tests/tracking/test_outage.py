"""A tracking server that is down, or dies half-way: the experiment loses nothing, sync catches up.

Everything is real: the experiment runs through ``run_experiment`` on the composed config, the
server is a real ``mlflow server`` process, and the runs are read back with ``MlflowClient``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from mlflow import MlflowClient

from harness.pipeline.experiment import ExperimentOutcome, run_experiment
from harness.tracking import TrackingUnavailableWarning, make_tracker, sync
from harness.tracking.mlflow_tracker import COMPLETE_TAG, PARENT_TAG, RUN_KEY_TAG
from tests.support.mlflow_server import closed_port_uri, free_port, running_mlflow_server

pytestmark = pytest.mark.integration

CONF = Path(__file__).resolve().parents[2] / "conf"
#: Metrics every successful job reports, compared with what MLflow stores.
CHECKED_METRICS = ("test/minority_recall", "test/minority_f1", "gap/minority_recall")
#: Upper bound of a two-job experiment whose tracking server is down (the jobs take seconds).
OUTAGE_BOUND_S = 120


def _overrides(root: Path, uri: str, name: str, resamplers: list[str]) -> list[str]:
    return [
        f"paths.root_dir={root}",
        "evaluation=fast",
        "evaluation.progress=false",
        "evaluation.n_jobs=1",
        "export=none",
        "tracking=server",
        f"tracking.uri={uri}",
        "tracking.timeout_s=2",
        "tracking.retries=0",
        "tracking.log_model=false",
        f"experiment.name={name}",
        f"experiment.grid={{resampler: [{', '.join(resamplers)}]}}",
    ]


def _run(overrides: list[str], output_dir: Path) -> ExperimentOutcome:
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        return run_experiment(cfg, output_dir=output_dir, overrides=overrides)


def _records(output_dir: Path) -> dict[str, dict]:
    paths = sorted((output_dir / "jobs").glob("*/result.json"))
    return {p.parent.name: json.loads(p.read_text()) for p in paths}


def _active_runs(uri: str, experiment_name: str) -> list:
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(experiment_name)
    return list(client.search_runs([experiment.experiment_id])) if experiment else []


def _check_store(uri: str, name: str, records: dict[str, dict]) -> str:
    """Every record is one complete child run of one parent, with its metrics; return the parent."""
    runs = _active_runs(uri, name)
    children = [r for r in runs if RUN_KEY_TAG in r.data.tags]
    assert sorted(r.data.tags[RUN_KEY_TAG] for r in children) == sorted(
        r["run_key"] for r in records.values()
    ), "a run is missing or was logged twice"
    assert all(r.data.tags.get(COMPLETE_TAG) == "true" for r in children)
    parents = {r.data.tags.get(PARENT_TAG) for r in children}
    assert len(parents) == 1 and None not in parents
    (parent,) = parents
    assert {r.info.run_id for r in runs} == {parent, *(r.info.run_id for r in children)}
    by_key = {r["run_key"]: r for r in records.values()}
    for run in children:
        expected = by_key[run.data.tags[RUN_KEY_TAG]]["metrics"]
        for key in CHECKED_METRICS:
            assert run.data.metrics[key] == pytest.approx(expected[key]), key
    return parent


def test_a_server_that_is_down_loses_nothing_and_sync_uploads_later(tmp_path):
    name = "outage-down"
    output_dir = tmp_path / "outputs" / "down"
    overrides = _overrides(tmp_path, closed_port_uri(), name, ["none", "smote"])
    outcomes, caught = [], []

    def run_while_tracking_is_down() -> None:
        started = time.monotonic()
        with pytest.warns(TrackingUnavailableWarning) as warned:
            outcomes.append(_run(overrides, output_dir))
        assert time.monotonic() - started < OUTAGE_BOUND_S
        caught.extend(str(w.message) for w in warned if w.category is TrackingUnavailableWarning)

    # The server that sync uploads to boots (slowly) while the experiment runs without it.
    with running_mlflow_server(
        tmp_path / "mlflow", while_starting=run_while_tracking_is_down
    ) as uri:
        assert any("safe in the run folder" in m and "harness sync" in m for m in caught), caught
        (outcome,) = outcomes
        assert outcome.parent_run_id is None and not outcome.failed
        records = _records(output_dir)
        assert sorted(r["resampler"] for r in records.values()) == ["none", "smote"]
        assert all(r["status"] == "success" for r in records.values())
        assert (output_dir / "comparison.csv").is_file()
        assert not list(output_dir.rglob("tracking.json"))  # nothing claims to be uploaded

        report = sync(output_dir, uri)
        assert report.ok and len(report.logged) == 2, report.summary()
        parent = _check_store(uri, name, records)
        artifacts = {a.path for a in MlflowClient(tracking_uri=uri).list_artifacts(parent)}
        assert "comparison.csv" in artifacts

        again = sync(output_dir, uri)
        assert not again.logged and again.skipped == report.logged
        assert _check_store(uri, name, records) == parent


def test_a_server_that_dies_half_way_is_completed_by_sync_without_duplicates(tmp_path):
    name = "outage-dies"
    output_dir = tmp_path / "outputs" / "dies"
    store = tmp_path / "mlflow"
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    overrides = _overrides(tmp_path, uri, name, ["none", "smote", "ros"])
    # The jobs run with tracking off; the tracking step is then replayed by hand so that the
    # server stops at a known point: after the parent run and the first job.
    untracked = [o for o in overrides if not o.startswith("tracking")] + ["tracking=none"]
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    tracker = make_tracker(cfg.tracking, name)

    with running_mlflow_server(
        store, port=port, while_starting=lambda: _run(untracked, output_dir)
    ):
        records = _records(output_dir)
        assert len(records) == 3 and all(r["status"] == "success" for r in records.values())
        first, *rest = sorted(records)
        parent = tracker.safe_start_parent(name, tags={"harness.output_dir": str(output_dir)})
        assert parent is not None
        assert tracker.safe_log_run_dir(output_dir / "jobs" / first, parent) is not None
    with pytest.warns(TrackingUnavailableWarning, match="safe in the run folder"):
        for job in rest:
            assert tracker.safe_log_run_dir(output_dir / "jobs" / job, parent) is None
    assert _records(output_dir) == records  # the failed uploads changed no result

    with running_mlflow_server(store, port=port):  # restarted on the same backend store
        report = sync(output_dir, uri)
        assert sorted(p.name for p in report.logged) == rest, report.summary()
        assert [p.name for p in report.skipped] == [first]
        assert _check_store(uri, name, records) == parent

        again = sync(output_dir, uri)
        assert not again.logged and len(again.skipped) == 3
        assert _check_store(uri, name, records) == parent
