"""The one read path (``harness.tracking.query``) against a real SQLite store: what "latest"
means for job runs and experiment runs, and the reads the gate relies on."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from harness.errors import RunNotFoundError
from harness.tracking import latest_experiment_run, latest_job_run, query
from harness.tracking.tags import COMPLETE_TAG, EXPERIMENT_RUN_TAG, RUN_KEY_TAG


@pytest.fixture()
def experiment(sqlite_uri, experiment_name):
    """A new experiment and a function that adds a run to it at a chosen start time."""
    client = MlflowClient(tracking_uri=sqlite_uri)
    experiment_id = client.create_experiment(experiment_name)

    def add(start_time: int, **tags: str) -> str:
        run = client.create_run(experiment_id, start_time=start_time, tags=tags)
        return run.info.run_id

    return experiment_name, add


def _job(key: str = "k1", **tags: str) -> dict[str, str]:
    return {RUN_KEY_TAG: key, COMPLETE_TAG: "true", **tags}


def test_the_latest_job_run_is_the_one_started_last(sqlite_uri, experiment):
    name, add = experiment
    add(1000, **_job("k1", resampler="adasyn"))
    newer = add(2000, **_job("k2", resampler="smote"))
    add(9000, **{EXPERIMENT_RUN_TAG: "true"})  # an experiment run is not a job run
    assert latest_job_run(name, sqlite_uri)["run_id"] == newer
    assert latest_job_run(name, sqlite_uri, tags={"resampler": "adasyn"})["run_key"] == "k1"


def test_a_tie_in_start_time_goes_to_the_smaller_run_id(sqlite_uri, experiment):
    name, add = experiment
    ids = [add(5000, **_job(f"k{i}")) for i in range(4)]
    assert latest_job_run(name, sqlite_uri)["run_id"] == min(ids)
    parents = [add(5000, **{EXPERIMENT_RUN_TAG: "true"}) for _ in range(3)]
    assert latest_experiment_run(name, sqlite_uri)["run_id"] == min(parents)


def test_an_unfinished_latest_upload_is_refused_not_replaced_by_an_older_run(
    sqlite_uri, experiment
):
    name, add = experiment
    add(1000, **_job("k1"))
    unfinished = add(2000, **{RUN_KEY_TAG: "k1"})  # interrupted before the harness.logged tag
    with pytest.raises(RunNotFoundError, match=f"{unfinished} is an unfinished upload.*sync"):
        latest_job_run(name, sqlite_uri, tags={RUN_KEY_TAG: "k1"})
    MlflowClient(tracking_uri=sqlite_uri).set_tag(unfinished, COMPLETE_TAG, "true")
    assert latest_job_run(name, sqlite_uri, tags={RUN_KEY_TAG: "k1"})["run_id"] == unfinished


def test_an_experiment_without_experiment_runs_names_the_fix(sqlite_uri, experiment):
    name, add = experiment
    add(1000, **_job())
    with pytest.raises(RunNotFoundError, match="no experiment run.*harness run"):
        latest_experiment_run(name, sqlite_uri)


def test_split_metrics_leaves_out_fold_values_and_half_intervals():
    values = query.split_metrics(
        {
            "test/minority_recall": 0.7,
            "std/test/minority_recall": 0.05,
            "ci95_low/test/minority_recall": 0.66,
            "ci95_high/test/minority_recall": 0.76,
            "ci95_low/test/pr_auc": 0.5,
            "fold/test/minority_recall": 0.64,
        }
    )
    assert values.means == {"test/minority_recall": 0.7}
    assert values.std == {"test/minority_recall": 0.05}
    assert values.ci95 == {"test/minority_recall": [0.66, 0.76]}


def test_a_reader_never_creates_a_store(tmp_path):
    missing = tmp_path / "nothing.db"
    with pytest.raises(RunNotFoundError, match="does not exist"):
        query.open_reader(f"sqlite:///{missing}")
    assert not missing.exists()
