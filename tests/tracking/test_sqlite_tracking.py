"""Logging results folders to a real SQLite MLflow store and reading them back."""

import json

import pandas as pd
import pytest
from mlflow import MlflowClient

from harness.errors import ConfigError, RunNotFoundError
from harness.tracking import (
    MlflowTracker,
    NullTracker,
    ensure_sqlite_db,
    make_tracker,
    read_run,
    sync,
)
from harness.tracking import latest_job_run as latest_run
from tests.tracking.conftest import DATASET_DIGEST, METRICS, N_FOLDS, N_REPEATS


def _runs(uri, experiment):
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    return [] if exp is None else client.search_runs([exp.experiment_id])


def test_a_run_folder_is_logged_with_everything(sqlite_uri, experiment_name, run_folder):
    tracker = MlflowTracker(sqlite_uri, experiment_name, log_lineage="sample")
    parent = tracker.start_parent("sweep", params={"jobs": 1}, tags={"harness.output_dir": "s1"})
    run_id = tracker.log_run_dir(run_folder, parent_run_id=parent)

    run = read_run(run_id, sqlite_uri)
    assert run["experiment"] == experiment_name
    assert run["status"] == "FINISHED"
    for key, value in METRICS.items():
        assert run["metrics"][key] == pytest.approx(value)
    assert run["std"]["test/minority_recall"] == pytest.approx(0.05)
    assert run["ci95"]["test/minority_recall"] == pytest.approx([0.66, 0.76])
    assert run["params"]["resampler.n_neighbors"] == "5"
    tags = run["tags"]
    assert tags["mlflow.parentRunId"] == parent
    assert tags["harness.run_key"] == run["run_key"]
    assert (tags["dataset"], tags["resampler"], tags["model"], tags["experiment"]) == (
        "pima",
        "adasyn",
        "logistic_regression",
        "quick",
    )
    assert run["start_time"] < run["end_time"]

    client = MlflowClient(tracking_uri=sqlite_uri)
    history = client.get_metric_history(run_id, "fold/test/minority_recall")
    assert sorted(m.step for m in history) == list(range(N_REPEATS * N_FOLDS))
    assert {m.step: m.value for m in history}[4] == pytest.approx(0.64)

    inputs = client.get_run(run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "pima"
    assert inputs[0].dataset.digest == DATASET_DIGEST[:32]
    assert {t.key: t.value for t in inputs[0].tags}["digest.sha256"] == DATASET_DIGEST

    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"config.yaml", "folds.csv", "result.json", "report.md", "report.html"} <= artifacts
    assert {"plots", "checks", "lineage", "model"} <= artifacts
    lineage = [a.path for a in client.list_artifacts(run_id, "lineage")]
    assert lineage == ["lineage/lineage_sample.csv"]
    local = client.download_artifacts(run_id, "lineage/lineage_sample.csv", str(run_folder.parent))
    assert len(pd.read_csv(local)) == 1000

    recorded = json.loads((run_folder / "tracking.json").read_text())
    assert recorded["mlflow_run_id"] == run_id
    assert json.loads((run_folder / "result.json").read_text())["tracking"]["mlflow_run_id"] is None


def test_the_logged_model_can_be_registered_and_loaded(sqlite_uri, experiment_name, run_folder):
    import mlflow

    run_id = MlflowTracker(sqlite_uri, experiment_name).log_run_dir(run_folder)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(sqlite_uri)
    try:
        version = mlflow.register_model(f"runs:/{run_id}/model", f"model-{experiment_name}")
        model = mlflow.sklearn.load_model(f"models:/model-{experiment_name}/{version.version}")
    finally:
        mlflow.set_tracking_uri(previous)
    assert model.predict([[0.9, 0.1, 0.1]]).shape == (1,)


def test_logging_twice_creates_one_run(sqlite_uri, experiment_name, run_folder):
    tracker = MlflowTracker(sqlite_uri, experiment_name)
    first = tracker.log_run_dir(run_folder)
    (run_folder / "tracking.json").unlink()  # found again by its run_key tag alone
    second = MlflowTracker(sqlite_uri, experiment_name).log_run_dir(run_folder)
    assert first == second
    assert len(_runs(sqlite_uri, experiment_name)) == 1


def test_a_partial_upload_is_replaced(sqlite_uri, experiment_name, run_folder, tmp_path):
    tracker = MlflowTracker(sqlite_uri, experiment_name)
    run_key = json.loads((run_folder / "result.json").read_text())["run_key"]
    client = MlflowClient(tracking_uri=sqlite_uri)
    artifacts = (tmp_path / "artifacts").as_uri()
    experiment_id = client.create_experiment(experiment_name, artifact_location=artifacts)
    partial = client.create_run(experiment_id, tags={"harness.run_key": run_key}).info.run_id

    run_id = tracker.log_run_dir(run_folder)
    assert run_id != partial
    assert [r.info.run_id for r in _runs(sqlite_uri, experiment_name)] == [run_id]


def test_the_parent_of_a_sweep_is_reused(sqlite_uri, experiment_name):
    tracker = MlflowTracker(sqlite_uri, experiment_name)
    first = tracker.start_parent("quick", tags={"harness.output_dir": "outputs/sweeps/q"})
    again = tracker.start_parent("quick", tags={"harness.output_dir": "outputs/sweeps/q"})
    other = tracker.start_parent("quick", tags={"harness.output_dir": "outputs/sweeps/r"})
    assert first == again != other


def test_sweep_files_go_to_the_parent(sqlite_uri, experiment_name, tmp_path):
    (tmp_path / "comparison.csv").write_text("resampler,test/minority_recall\nadasyn,0.7\n")
    (tmp_path / "report.md").write_text("# sweep\n")
    tracker = MlflowTracker(sqlite_uri, experiment_name)
    parent = tracker.start_parent("sweep")
    assert tracker.log_sweep_dir(tmp_path, parent) == ["comparison.csv", "report.md"]
    paths = {a.path for a in MlflowClient(tracking_uri=sqlite_uri).list_artifacts(parent)}
    assert paths == {"comparison.csv", "report.md"}


@pytest.mark.parametrize(("mode", "expected"), [("full", 1500), ("none", None)])
def test_lineage_option(sqlite_uri, experiment_name, run_folder, mode, expected):
    run_id = MlflowTracker(sqlite_uri, experiment_name, log_lineage=mode).log_run_dir(run_folder)
    client = MlflowClient(tracking_uri=sqlite_uri)
    paths = [a.path for a in client.list_artifacts(run_id, "lineage")]
    if expected is None:
        assert paths == []
    else:
        assert paths == ["lineage/lineage.csv.gz"]
        local = client.download_artifacts(run_id, paths[0], str(run_folder.parent))
        assert len(pd.read_csv(local)) == expected


def test_sync_twice_creates_no_duplicate(sqlite_uri, experiment_name, make_run_folder):
    first = make_run_folder("sweep/0")
    second = make_run_folder("sweep/1", run_key="another-key", seed=1)
    root = first.parents[1]

    report = sync(root, sqlite_uri, experiment_name)
    assert set(report.logged) == {first, second} and not report.skipped and report.ok
    again = sync(root, sqlite_uri, experiment_name)
    assert not again.logged and again.skipped == report.logged
    assert len(_runs(sqlite_uri, experiment_name)) == 2
    assert "2 already in the store" in again.summary()


def test_sync_puts_sweep_runs_under_the_sweeps_parent(
    sqlite_uri, experiment_name, tmp_path, make_run_folder
):
    first = make_run_folder("sweeps/quick/0")
    second = make_run_folder("sweeps/quick/1", run_key="another-key", seed=1)
    sweep_dir = first.parent
    (sweep_dir / "comparison.csv").write_text("resampler\nadasyn\n")
    # The sweep created its parent while the store was up; its jobs could not be logged.
    parent = MlflowTracker(sqlite_uri, experiment_name).start_parent(
        "quick", tags={"harness.output_dir": str(sweep_dir)}
    )

    report = sync(sweep_dir, sqlite_uri, experiment_name)
    runs = [read_run(report.logged[d], sqlite_uri) for d in (first, second)]
    assert {r["tags"]["mlflow.parentRunId"] for r in runs} == {parent}
    paths = {a.path for a in MlflowClient(tracking_uri=sqlite_uri).list_artifacts(parent)}
    assert "comparison.csv" in paths


def test_sync_of_an_empty_folder_names_the_fix(sqlite_uri, tmp_path):
    with pytest.raises(RunNotFoundError, match="pass the outputs folder"):
        sync(tmp_path, sqlite_uri)


def test_latest_run_of_an_experiment(sqlite_uri, experiment_name, make_run_folder):
    tracker = MlflowTracker(sqlite_uri, experiment_name)
    tracker.start_parent("sweep")  # parents are not job runs
    tracker.log_run_dir(make_run_folder("a"))
    newer = tracker.log_run_dir(
        make_run_folder("b", run_key="k2", resampler="smote", started_at="2026-11-27T11:00:00")
    )
    assert latest_run(experiment_name, sqlite_uri)["run_id"] == newer
    adasyn = latest_run(experiment_name, sqlite_uri, tags={"resampler": "adasyn"})
    assert adasyn["tags"]["resampler"] == "adasyn"
    with pytest.raises(RunNotFoundError, match="harness sync"):
        latest_run(experiment_name, sqlite_uri, tags={"resampler": "ros"})
    with pytest.raises(RunNotFoundError, match="does not exist"):
        latest_run("no-such-experiment", sqlite_uri)


def test_unknown_run_id_names_the_fix(sqlite_uri):
    with pytest.raises(RunNotFoundError, match="check the run id"):
        read_run("0" * 32, sqlite_uri)


def test_ensure_sqlite_db_creates_the_store_and_ignores_servers(sqlite_uri):
    # sqlite_uri was created by ensure_sqlite_db; a second call finds it ready.
    path = ensure_sqlite_db(sqlite_uri)
    assert f"sqlite:///{path}" == sqlite_uri and path.stat().st_size > 0
    client = MlflowClient(tracking_uri=sqlite_uri)
    assert client.search_experiments(max_results=1)
    assert ensure_sqlite_db("http://127.0.0.1:5000") is None


def test_fold_metrics_can_be_left_in_the_folder(sqlite_uri, experiment_name, run_folder):
    tracker = make_tracker(
        {"enabled": True, "uri": sqlite_uri, "log_fold_metrics": False}, experiment_name
    )
    assert tracker.log_fold_metrics is False
    run_id = tracker.log_run_dir(run_folder)
    client = MlflowClient(tracking_uri=sqlite_uri)
    metrics = client.get_run(run_id).data.metrics
    assert metrics["test/minority_recall"] == pytest.approx(METRICS["test/minority_recall"])
    assert not [key for key in metrics if key.startswith("fold/")]
    artifacts = [a.path for a in client.list_artifacts(run_id)]
    assert "folds.csv" in artifacts  # the fold values are still there, as a table


def test_make_tracker_follows_the_config():
    off = make_tracker({"enabled": False, "uri": None}, "quick")
    assert isinstance(off, NullTracker) and off.safe_log_run_dir("anywhere") is None
    on = make_tracker(
        {"enabled": True, "uri": "sqlite:///x.db", "experiment_name": None, "retries": 1},
        "quick",
    )
    assert isinstance(on, MlflowTracker) and on.experiment_name == "quick"
    assert on.uri.startswith("sqlite:////")  # made absolute
    with pytest.raises(ConfigError, match="use only"):
        make_tracker({"enabled": True, "uri": "sqlite:///x.db", "urll": 1}, "quick")
    with pytest.raises(ConfigError, match="log_lineage"):
        make_tracker({"uri": "sqlite:///x.db", "log_lineage": "some"}, "quick")
    with pytest.raises(ConfigError, match="tracking=none"):
        make_tracker({"enabled": True, "uri": None}, "quick")


def test_a_job_run_again_on_new_data_is_logged_as_a_new_run(
    sqlite_uri, experiment_name, make_run_folder
):
    # Same run key (same config), new data and a new start: a new result, not a duplicate of
    # the old upload, which would leave MLflow showing the stale numbers.
    tracker = MlflowTracker(sqlite_uri, experiment_name)
    first, created = tracker.upload_run_dir(make_run_folder("old"))
    assert created
    rerun = make_run_folder("new", dataset_digest="f" * 64, started_at="2026-11-28T09:00:00+00:00")
    second, created = tracker.upload_run_dir(rerun)
    assert created and second != first
    # Each upload is recognised again as itself: nothing is logged twice.
    assert tracker.upload_run_dir(rerun) == (second, False)
    latest = latest_run(experiment_name, sqlite_uri)
    assert latest["run_id"] == second
    assert latest["tags"]["dataset.digest"] == "f" * 64
