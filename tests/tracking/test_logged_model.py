"""A real job's model as MLflow users expect it: a logged model with signature, input example,
linked metrics and the data set (schema, target) as the run's input."""

import json

import mlflow
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from mlflow import MlflowClient

from harness.config_dir import config_dir
from harness.runner.job import execute_job
from harness.runs import RunFolder
from harness.tracking import MlflowTracker, ensure_sqlite_db
from harness.tracking.mlflow_tracker import TARGET_COLUMN

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """A pima/adasyn job with its model saved, logged to a fresh SQLite store."""
    root = tmp_path_factory.mktemp("logged_model")
    overrides = [
        "evaluation=fast",
        "evaluation.n_jobs=1",
        "evaluation.progress=false",
        "evaluation.save_model=true",
        "tracking=none",
        "export=none",
        f"paths.root_dir={root}",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    record = execute_job(cfg, root / "job")
    assert record["status"] == "success", record.get("error")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    ensure_sqlite_db(uri)
    run_id = MlflowTracker(uri, "models").log_run_dir(root / "job")
    return uri, run_id, RunFolder(root / "job")


def test_the_saved_model_has_a_signature_and_a_dataframe_input_example(logged):
    _, _, folder = logged
    model = mlflow.models.Model.load(str(folder.model))
    example = model.load_input_example(str(folder.model))
    assert isinstance(example, pd.DataFrame) and len(example) > 0
    assert model.signature.inputs.input_names() == list(example.columns)


def test_the_model_is_a_logged_model_linked_to_the_run_and_its_metrics(logged):
    uri, run_id, _ = logged
    mlflow.set_tracking_uri(uri)
    experiment = MlflowClient(uri).get_experiment_by_name("models")
    models = mlflow.search_logged_models(
        experiment_ids=[experiment.experiment_id], output_format="list"
    )
    assert len(models) == 1
    model = models[0]
    assert model.source_run_id == run_id
    metrics = {m.key: m for m in model.metrics}
    assert metrics["test/minority_recall"].run_id == run_id
    run = MlflowClient(uri).get_run(run_id)
    assert [o.model_id for o in run.outputs.model_outputs] == [model.model_id]
    assert run.data.metrics["test/minority_recall"] == pytest.approx(
        metrics["test/minority_recall"].value
    )


def test_mlflow_predicts_with_the_input_example(logged, tmp_path):
    uri, _, folder = logged
    mlflow.set_tracking_uri(uri)
    experiment = MlflowClient(uri).get_experiment_by_name("models")
    (model,) = mlflow.search_logged_models(
        experiment_ids=[experiment.experiment_id], output_format="list"
    )
    example = mlflow.models.Model.load(str(folder.model)).load_input_example(str(folder.model))
    loaded = mlflow.pyfunc.load_model(f"models:/{model.model_id}")
    predictions = loaded.predict(example)
    assert len(predictions) == len(example)
    assert set(pd.Series(predictions).unique()) <= {0, 1}
    output = tmp_path / "predictions.json"
    mlflow.models.predict(
        f"models:/{model.model_id}",
        input_data=example,
        env_manager="local",
        output_path=str(output),
    )
    assert len(json.loads(output.read_text())["predictions"]) == len(example)


def test_the_dataset_input_has_its_schema_and_target(logged):
    uri, run_id, _ = logged
    (dataset_input,) = MlflowClient(uri).get_run(run_id).inputs.dataset_inputs
    dataset = dataset_input.dataset
    assert dataset.name == "pima"
    schema = json.loads(dataset.schema)
    columns = [c["name"] for c in schema["mlflow_colspec"]]
    assert TARGET_COLUMN in columns and len(columns) > 2
    assert json.loads(dataset.profile)["num_rows"] > 0
    source = mlflow.data.get_source(dataset_input)
    assert source is not None


def test_params_are_flat_scalars(logged):
    uri, run_id, _ = logged
    params = MlflowClient(uri).get_run(run_id).data.params
    assert params["slo.objectives.minority_recall.threshold"] == "0.8"
    assert params["slo.objectives.minority_recall.op"] == ">="
    assert not [k for k, v in params.items() if v.startswith(("[{", "{"))]


def test_logging_the_data_set_adds_no_integer_schema_hint(logged, tmp_path):
    import warnings

    from harness.tracking.mlflow_tracker import INTEGER_SCHEMA_HINT

    _, _, folder = logged
    uri = f"sqlite:///{tmp_path / 'again.db'}"
    ensure_sqlite_db(uri)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MlflowTracker(uri, "again").log_run_dir(folder.path)
    hints = [w for w in caught if INTEGER_SCHEMA_HINT in str(w.message)]
    assert not hints, [str(w.message)[:80] for w in hints]


def test_jobs_on_one_data_set_build_its_dataset_entity_once(logged, tmp_path, monkeypatch):
    import shutil

    import harness.tracking.mlflow_tracker as tracker_module

    _, _, folder = logged
    built = []
    original = tracker_module._dataset_entity
    monkeypatch.setattr(
        tracker_module, "_dataset_entity", lambda *a: built.append(a) or original(*a)
    )
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ensure_sqlite_db(uri)
    tracker = MlflowTracker(uri, "cached", log_model=False)
    runs = []
    for copy in ("a", "b"):
        shutil.copytree(folder.path, tmp_path / copy, ignore=shutil.ignore_patterns("tracking*"))
        record = json.loads((tmp_path / copy / "result.json").read_text())
        record["run_key"] += copy  # two jobs of one sweep, on the same data
        (tmp_path / copy / "result.json").write_text(json.dumps(record))
        runs.append(tracker.log_run_dir(tmp_path / copy))
    assert len(built) == 1
    inputs = [MlflowClient(uri).get_run(r).inputs.dataset_inputs[0].dataset for r in runs]
    assert inputs[0].digest == inputs[1].digest and inputs[0].schema == inputs[1].schema


def test_the_logged_models_of_an_experiment_are_named_by_job(logged, tmp_path):
    import shutil

    from harness.runs import job_folder_name

    _, _, folder = logged
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ensure_sqlite_db(uri)
    tracker = MlflowTracker(uri, "named")
    strategy = json.loads(folder.result.read_text())["strategy"]
    expected = {}
    for resampler, seed in (("adasyn", 0), ("smote", 0), ("adasyn", 1)):
        job = tmp_path / f"{resampler}{seed}"
        shutil.copytree(folder.path, job, ignore=shutil.ignore_patterns("tracking*"))
        record = json.loads((job / "result.json").read_text())
        record.update(resampler=resampler, seed=seed, run_key=f"{record['run_key']}{job.name}")
        (job / "result.json").write_text(json.dumps(record))
        name = job_folder_name(record["dataset"], resampler, record["model"], seed)
        expected[name] = tracker.log_run_dir(job)
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("named")
    models = client.search_logged_models(experiment_ids=[experiment.experiment_id])
    assert {m.name: m.source_run_id for m in models} == expected
    for name, run_id in expected.items():
        (found,) = client.search_logged_models(
            experiment_ids=[experiment.experiment_id], filter_string=f"name = '{name}'"
        )
        assert found.source_run_id == run_id
        assert found.params["strategy"] == strategy


def test_promote_finds_the_model_named_by_job_and_a_legacy_one_named_model(logged, tmp_path):
    from mlflow.entities import LoggedModelOutput

    from harness.tracking.query import model_source

    uri, run_id, folder = logged
    client = MlflowClient(uri)
    run, source, model_id = model_source(client, run_id)
    (model,) = client.search_logged_models(experiment_ids=[run.info.experiment_id])
    assert (model_id, source) == (model.model_id, model.artifact_location)
    assert model.name != "model"
    # A run uploaded before models were named by job: its logged model is called "model".
    legacy = client.create_run(run.info.experiment_id).info.run_id
    old = client.create_logged_model(run.info.experiment_id, name="model", source_run_id=legacy)
    client.log_model_artifacts(old.model_id, str(folder.model))
    client.finalize_logged_model(old.model_id, "READY")
    client.log_outputs(legacy, [LoggedModelOutput(old.model_id, step=0)])
    assert model_source(client, legacy)[2] == old.model_id
