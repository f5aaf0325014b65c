"""The gate and ``harness promote`` against a real MLflow store (SQLite in a temporary folder),
and ``--experiment``: every job of the experiment's latest run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.commands.gate import gate_main, promote_main
from harness.errors import InputDataError
from harness.gate.sources import HARD_SCORES_TAG, SCHEMA_TAG, STRATEGY_TAG, load_mlflow_run
from harness.runs import ExperimentFolder
from tests.gate.conftest import KINDS, PASSING_METRICS, make_record, write_experiment

EXPERIMENT = "gate-tests"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A migrated SQLite tracking store and its experiment; artifacts stay in the folder."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment_id = client.create_experiment(
        EXPERIMENT, artifact_location=(folder / "artifacts").as_uri()
    )
    return {"uri": uri, "client": client, "experiment_id": experiment_id, "folder": folder}


def log_run(
    store, record, *, model: Path | None = None, artifact: bool = True, tags: bool = True
) -> str:
    """Log ``record`` the way the tracking layer does: metrics, result.json, model/; ``tags``
    adds the schema and strategy tags a run without its result.json is read by."""
    client = store["client"]
    labels = {k: str(record[k]) for k in ("dataset", "resampler", "model", "experiment", "seed")}
    if tags:
        labels.update(
            {
                SCHEMA_TAG: str(record["schema"]),
                STRATEGY_TAG: record["strategy"],
                HARD_SCORES_TAG: str(record["hard_scores"]).lower(),
            }
        )
    run_id = client.create_run(store["experiment_id"], tags=labels).info.run_id
    for key, value in record["metrics"].items():
        client.log_metric(run_id, key, value)
    for key, (low, high) in record["ci95"].items():
        client.log_metric(run_id, f"ci95_low/{key}", low)
        client.log_metric(run_id, f"ci95_high/{key}", high)
    if artifact:
        path = store["folder"] / run_id / "result.json"
        path.parent.mkdir()
        path.write_text(json.dumps(record))
        client.log_artifact(run_id, str(path))
    if model is not None:
        client.log_artifacts(run_id, str(model), "model")
    client.set_terminated(run_id, "FINISHED")
    return run_id


def test_read_a_run_from_its_result_artifact(store):
    run_id = log_run(store, make_record())
    candidate = load_mlflow_run(run_id, store["uri"])
    assert candidate.mlflow_run_id == run_id
    assert candidate.record["run_key"]  # read from the artifact, not rebuilt from metrics
    assert candidate.metrics["test/minority_recall"] == pytest.approx(0.85)
    assert candidate.ci95["test/minority_recall"] == pytest.approx((0.83, 0.87))
    assert candidate.resampler == "adasyn"


def test_read_a_run_from_metrics_when_no_result_artifact(store):
    run_id = log_run(store, make_record(seed=7), artifact=False)
    candidate = load_mlflow_run(run_id, store["uri"])
    assert candidate.metrics["test/minority_recall"] == pytest.approx(0.85)
    assert "ci95_low/test/minority_recall" not in candidate.metrics
    assert candidate.ci95["test/minority_recall"] == pytest.approx((0.83, 0.87))
    assert candidate.resampler == "adasyn" and candidate.name.endswith("s7")


def test_a_run_read_from_metrics_must_say_whether_its_scores_are_hard(store):
    run_id = log_run(store, make_record(seed=10), artifact=False)
    store["client"].delete_tag(run_id, HARD_SCORES_TAG)
    with pytest.raises(InputDataError, match="'hard_scores' must be true or false"):
        load_mlflow_run(run_id, store["uri"])


def test_a_run_without_result_artifact_or_schema_tags_is_refused(store, capsys):
    run_id = log_run(store, make_record(seed=8), artifact=False, tags=False)
    with pytest.raises(InputDataError, match="older harness"):
        load_mlflow_run(run_id, store["uri"])
    assert gate_main(["--run-id", run_id, "--tracking-uri", store["uri"]]) == 2
    assert "rerun" in capsys.readouterr().err


def test_a_damaged_result_artifact_is_refused_not_replaced_by_metrics(store, tmp_path):
    client = store["client"]
    run_id = log_run(store, make_record(seed=9), artifact=False)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(make_record()).replace("0.85", "NaN"))
    client.log_artifact(run_id, str(path))
    with pytest.raises(InputDataError, match="cannot be read"):
        load_mlflow_run(run_id, store["uri"])


def test_gate_a_run_id_against_a_baseline_run_id(store):
    baseline = log_run(store, make_record({**PASSING_METRICS, "test/minority_recall": 0.90}))
    candidate = log_run(store, make_record())
    common = ["--run-id", candidate, "--baseline-run-id", baseline, "--tracking-uri", store["uri"]]
    assert gate_main(common) == 1
    assert gate_main([*common, "--min-absolute-change", "-0.08"]) == 0


def test_exit_2_for_unknown_runs_and_experiments(store, capsys):
    assert gate_main(["--run-id", "0" * 32, "--tracking-uri", store["uri"]]) == 2
    assert "not in" in capsys.readouterr().err
    assert gate_main(["--experiment", "nope", "--tracking-uri", store["uri"]]) == 2
    # An experiment whose runs were logged one by one has no experiment run to gate.
    assert gate_main(["--experiment", EXPERIMENT, "--tracking-uri", store["uri"]]) == 2
    assert "no experiment run" in capsys.readouterr().err


def test_promote_moves_champion_only_after_a_passing_gate(store, saved_model, tmp_path):
    from mlflow.exceptions import MlflowException

    client, name = store["client"], "pima-classifier"
    common = ["--model-name", name, "--tracking-uri", store["uri"]]

    failing = log_run(
        store, make_record({**PASSING_METRICS, "test/minority_recall": 0.7999}), model=saved_model
    )
    assert promote_main(["--run-id", failing, *common]) == 1
    with pytest.raises(MlflowException):
        client.get_model_version_by_alias(name, "champion")

    first = log_run(store, make_record(), model=saved_model)
    assert promote_main(["--run-id", first, *common, "--out", str(tmp_path / "gate")]) == 0
    champion = client.get_model_version_by_alias(name, "champion")
    assert champion.run_id == first
    assert champion.tags["harness.resampler"] == "adasyn"
    assert champion.tags["harness.slo_set"] == "default"
    assert champion.tags["harness.resample.n_synthetic"] == "120"
    assert json.loads(champion.tags["harness.resampler.params"]) == {
        "resampler.beta": 1.0,
        "resampler.n_neighbors": 5,
    }
    assert "harness.lineage.digest" in champion.tags
    assert (tmp_path / "gate" / "junit.xml").is_file()

    # Meets every SLO but recalls less than the champion: the gate fails, the alias stays.
    worse = log_run(
        store, make_record({**PASSING_METRICS, "test/minority_recall": 0.82}), model=saved_model
    )
    assert promote_main(["--run-id", worse, *common]) == 1
    assert client.get_model_version_by_alias(name, "champion").version == champion.version

    # The champion is also a baseline for a plain gate.
    gate = ["--run-id", worse, "--baseline-alias", "champion", *common]
    assert gate_main(gate) == 1

    better = log_run(
        store, make_record({**PASSING_METRICS, "test/minority_recall": 0.88}), model=saved_model
    )
    # Better recall, equal F1 and PR-AUC: equal values pass against the champion with a margin.
    assert promote_main(["--run-id", better, *common, "--min-absolute-change", "-0.02"]) == 0
    assert client.get_model_version_by_alias(name, "champion").run_id == better


def test_promote_needs_a_model(store):
    run_id = log_run(store, make_record())
    common = ["--model-name", "no-model", "--tracking-uri", store["uri"]]
    assert promote_main(["--run-id", run_id, *common]) == 2


def test_promote_a_run_folder_uploaded_by_the_tracker(store, saved_model, tmp_path):
    import shutil

    import pandas as pd

    from harness.tracking import MlflowTracker
    from tests.gate.conftest import write_run_dir

    folder = write_run_dir(tmp_path / "run", make_record(seed=11))
    shutil.copytree(saved_model, folder / "model")
    pd.DataFrame({"row": [10], "parent": [1], "neighbor": [2], "lam": [0.5]}).to_csv(
        folder / "lineage.csv.gz", index=False
    )
    run_id = MlflowTracker(store["uri"], "tracked").log_run_dir(folder)
    name = "tracked-classifier"
    argv = ["--run-dir", str(folder), "--model-name", name, "--tracking-uri", store["uri"]]
    assert promote_main(argv) == 0
    champion = store["client"].get_model_version_by_alias(name, "champion")
    assert champion.run_id == run_id
    assert len(champion.tags["harness.lineage.digest"]) == 64


def test_data_check_reports_are_logged_to_the_candidate_run(store, tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"]).to_csv(reference, index=False)
    pd.DataFrame(rng.normal(size=(100, 2)) + 3, columns=["a", "b"]).to_csv(current, index=False)
    run_id = log_run(store, make_record(seed=21))
    argv = ["--run-id", run_id, "--tracking-uri", store["uri"], "--out", str(tmp_path / "gate")]
    assert gate_main([*argv, "--reference", str(reference), "--current", str(current)]) == 1
    logged = [a.path for a in store["client"].list_artifacts(run_id, "gate")]
    assert logged == ["gate/data_drift.html"]


def test_promote_refuses_a_run_folder_never_uploaded(run_dir, tmp_path, capsys):
    uri = f"sqlite:///{tmp_path / 'never.db'}"
    argv = ["--run-dir", str(run_dir()), "--model-name", "m", "--tracking-uri", uri]
    assert promote_main(argv) == 2
    assert "harness sync" in capsys.readouterr().err
    assert not (tmp_path / "never.db").exists()


# -- --experiment: every job of the latest run ------------------------------------------------


def _track(uri: str, experiment: str, folder: Path) -> str:
    """Log an experiment folder as `harness run` does: a parent keyed by the folder, then every
    finished job linked to it (a job already in the store is not logged again)."""
    from harness.tracking import MlflowTracker

    tracker = MlflowTracker(uri, experiment, log_model=False)
    parent = tracker.start_parent(experiment, tags={"harness.output_dir": str(folder)})
    experiment_folder = ExperimentFolder(folder)
    for name in experiment_folder.expected_jobs():
        job = experiment_folder.job(name)
        if job.is_finished():
            tracker.log_run_dir(job.path, parent_run_id=parent)
    return parent


def _records(recall_of_smote: float = 0.85) -> list[dict]:
    smote = {**PASSING_METRICS, "test/minority_recall": recall_of_smote}
    return [make_record(smote if k == "smote" else None, resampler=k) for k in KINDS]


def _experiment_gate(name: str, store, *extra: str) -> int:
    return gate_main(["--experiment", name, "--tracking-uri", store["uri"], *extra])


def test_experiment_gates_every_job_of_the_latest_run(store, tmp_path, capsys):
    name = "every-job"
    first = write_experiment(tmp_path / "t1", _records(recall_of_smote=0.5))
    _track(store["uri"], name, first)
    assert _experiment_gate(name, store) == 1
    out = capsys.readouterr().out
    assert "FAIL pima/smote/decision_tree s0 minority_recall" in out
    for kind in KINDS:
        assert f"pima/{kind}/decision_tree s0: {first / 'jobs'}" in out
    # A rerun of the identical config: its jobs are de-duplicated in the store (linked to the
    # first parent only), yet the latest run is the one gated, from its folder.
    second = write_experiment(tmp_path / "t2", _records())
    parent = _track(store["uri"], name, second)
    children = store["client"].search_runs(
        [store["client"].get_experiment_by_name(name).experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent}'",
    )
    assert children == []
    assert _experiment_gate(name, store, "--out", str(tmp_path / "gate")) == 0
    summary = json.loads((tmp_path / "gate" / "gate.json").read_text())
    assert parent in summary["scope"] and str(second) in summary["scope"]
    assert len(summary["covers"]) == len(KINDS)
    assert all(str(second) in line for line in summary["covers"])


def test_experiment_refuses_an_incomplete_latest_run(store, tmp_path, capsys):
    name = "incomplete"
    _track(store["uri"], name, write_experiment(tmp_path / "t1", _records()))
    latest = write_experiment(tmp_path / "t2", _records(), unfinished=[2])
    _track(store["uri"], name, latest)
    assert _experiment_gate(name, store) == 2
    assert "pima__ros__decision_tree__seed0: no result.json" in capsys.readouterr().err
    assert _experiment_gate(name, store, "--allow-incomplete") == 0
    out = capsys.readouterr().out
    assert "Left out (1 job(s)" in out and "pima__ros__decision_tree__seed0" in out


def test_experiment_without_its_folder_gates_the_jobs_in_the_store(store, tmp_path, capsys):
    import shutil

    name = "elsewhere"
    folder = write_experiment(tmp_path / "t1", _records(recall_of_smote=0.5))
    parent = _track(store["uri"], name, folder)
    shutil.rmtree(folder)
    # Without the manifest the store cannot prove that every job was logged.
    assert _experiment_gate(name, store) == 2
    assert "no manifest.json artifact" in capsys.readouterr().err
    assert _experiment_gate(name, store, "--allow-incomplete") == 1
    out = capsys.readouterr().out
    assert "FAIL pima/smote/decision_tree s0 minority_recall" in out
    assert "MLflow run" in out and "no manifest.json artifact" in out
    # With the manifest logged to the parent, every listed job is found by its run key.
    manifest = tmp_path / "manifest" / "manifest.json"
    ExperimentFolder(manifest.parent).write_manifest(
        [{"name": f"job{i}", "run_key": r["run_key"]} for i, r in enumerate(_records())]
    )
    store["client"].log_artifact(parent, str(manifest))
    assert _experiment_gate(name, store) == 1
    out = capsys.readouterr().out
    assert parent in out and "jobs read from the store" in out
