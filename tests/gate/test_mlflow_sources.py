"""The gate and ``harness promote`` against a real MLflow store (SQLite in a temporary folder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.gate.command import gate_main, promote_main
from harness.gate.sources import load_latest_run, load_mlflow_run
from tests.gate.conftest import PASSING_METRICS, make_record

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


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> Path:
    """A fitted scikit-learn model saved in the MLflow format, as a run folder's model/."""
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.r_[np.zeros(30), np.ones(10)]
    path = tmp_path_factory.mktemp("model") / "model"
    mlflow.sklearn.save_model(
        LogisticRegression().fit(X, y), path, pip_requirements=["scikit-learn"]
    )
    return path


def log_run(store, record, *, model: Path | None = None, artifact: bool = True) -> str:
    """Log ``record`` the way the tracking layer does: metrics, result.json, model/."""
    client = store["client"]
    labels = {k: str(record[k]) for k in ("dataset", "resampler", "model", "experiment", "seed")}
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


def test_latest_finished_run_of_an_experiment(store):
    last = log_run(store, make_record(seed=99))
    assert load_latest_run(EXPERIMENT, store["uri"]).mlflow_run_id == last
    assert gate_main(["--experiment", EXPERIMENT, "--tracking-uri", store["uri"]]) == 0


def test_gate_a_run_id_against_a_baseline_run_id(store):
    baseline = log_run(store, make_record({**PASSING_METRICS, "test/minority_recall": 0.90}))
    candidate = log_run(store, make_record())
    common = ["--run-id", candidate, "--baseline-run-id", baseline, "--tracking-uri", store["uri"]]
    assert gate_main(common) == 1
    assert gate_main([*common, "--min-absolute-change", "-0.06"]) == 0


def test_exit_2_for_unknown_runs_and_experiments(store, capsys):
    assert gate_main(["--run-id", "0" * 32, "--tracking-uri", store["uri"]]) == 2
    assert "not in" in capsys.readouterr().err
    assert gate_main(["--experiment", "nope", "--tracking-uri", store["uri"]]) == 2


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
    assert promote_main(["--run-id", better, *common]) == 0
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
    import numpy as np
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
