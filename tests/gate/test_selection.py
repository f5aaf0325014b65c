"""``--experiment`` selects the latest run by the rule of ``harness.tracking.query``: the gate
and the query name the same experiment run and the same job runs, on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from harness.errors import InputDataError, RunNotFoundError
from harness.gate.selection import select_experiment
from harness.tracking import latest_experiment_run, latest_job_run
from harness.tracking.store import ensure_sqlite_db
from harness.tracking.tags import (
    COMPLETE_TAG,
    EXPERIMENT_RUN_TAG,
    OUTPUT_DIR_TAG,
    PARENT_TAG,
    RUN_KEY_TAG,
)
from tests.gate.conftest import make_record, write_experiment


@pytest.fixture()
def store(tmp_path):
    """A SQLite store with one experiment, and a function that adds a run at a start time."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ensure_sqlite_db(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.create_experiment(
        "latest", artifact_location=(tmp_path / "artifacts").as_uri()
    )

    def add(start_time: int, *, artifacts: dict[str, dict] | None = None, **tags: str) -> str:
        run_id = client.create_run(experiment_id, start_time=start_time, tags=tags).info.run_id
        for name, content in (artifacts or {}).items():
            path = tmp_path / "upload" / run_id / name
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(content))
            client.log_artifact(run_id, str(path))
        return run_id

    return {"uri": uri, "client": client, "add": add, "folder": tmp_path}


def _parent(store, start_time: int, output_dir: Path, jobs: list[dict] | None = None) -> str:
    manifest = {"manifest.json": {"jobs": jobs}} if jobs is not None else None
    tags = {EXPERIMENT_RUN_TAG: "true", OUTPUT_DIR_TAG: str(output_dir)}
    return store["add"](start_time, artifacts=manifest, **tags)


def test_the_gate_gates_the_experiment_run_the_query_calls_latest(store):
    records = [make_record(resampler="adasyn")]
    older = write_experiment(store["folder"] / "t1", records)
    newer = write_experiment(store["folder"] / "t2", records)
    _parent(store, 1000, older)
    latest = _parent(store, 2000, newer)
    tied = _parent(store, 2000, newer)  # same start: the smaller run id is the latest
    expected = min(latest, tied)

    selection = select_experiment("latest", store["uri"])
    assert f"latest run {expected}" in selection.scope and str(newer) in selection.scope
    assert latest_experiment_run("latest", store["uri"])["run_id"] == expected


def test_an_unfinished_upload_of_a_job_is_refused_by_the_gate_and_the_query(store):
    records = [make_record(seed=3), make_record(seed=5)]
    keys = [r["run_key"] for r in records]
    manifest = [{"name": f"job{i}", "run_key": key} for i, key in enumerate(keys)]
    parent = _parent(store, 1000, store["folder"] / "gone", manifest)
    for record in records:
        store["add"](
            1100,
            artifacts={"result.json": record},
            **{RUN_KEY_TAG: record["run_key"], PARENT_TAG: parent, COMPLETE_TAG: "true"},
        )
    # job0 is being uploaded again (a rerun on new data): not finished yet.
    job0 = {RUN_KEY_TAG: keys[0], PARENT_TAG: parent}
    unfinished = store["add"](1200, artifacts={"result.json": records[0]}, **job0)
    says = f"job0: upload of MLflow run {unfinished} unfinished"

    with pytest.raises(InputDataError, match=says):
        select_experiment("latest", store["uri"])
    partial = select_experiment("latest", store["uri"], allow_incomplete=True)
    assert partial.left_out == (says,) and len(partial.candidates) == 1
    with pytest.raises(RunNotFoundError, match="unfinished upload"):
        latest_job_run("latest", store["uri"], tags={RUN_KEY_TAG: keys[0]})

    store["client"].set_tag(unfinished, COMPLETE_TAG, "true")
    gated = {c.mlflow_run_id for c in select_experiment("latest", store["uri"]).candidates}
    assert unfinished in gated and len(gated) == 2
    assert (
        latest_job_run("latest", store["uri"], tags={RUN_KEY_TAG: keys[0]})["run_id"] == unfinished
    )


def test_a_job_logged_under_an_earlier_experiment_run_is_found_by_its_run_key(store):
    record = make_record(seed=4)
    key = record["run_key"]
    first = _parent(store, 1000, store["folder"] / "gone")
    logged = store["add"](
        1100,
        artifacts={"result.json": record},
        **{RUN_KEY_TAG: key, PARENT_TAG: first, COMPLETE_TAG: "true"},
    )
    # The rerun found the job unchanged: nothing new was logged under the second parent.
    _parent(store, 2000, store["folder"] / "gone", [{"name": "job0", "run_key": key}])
    (candidate,) = select_experiment("latest", store["uri"]).candidates
    assert candidate.mlflow_run_id == logged
