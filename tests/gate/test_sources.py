"""Candidates from results folders."""

from __future__ import annotations

import json

import pytest

from harness.errors import InputDataError, RunNotFoundError
from harness.gate.sources import load_results, load_run_dir
from tests.gate.conftest import make_record, write_run_dir


def test_run_folder_fields(run_dir):
    candidate = load_run_dir(run_dir(seed=3, resampler="adasyn_b2", strategy="adasyn"))
    assert candidate.name == "pima/adasyn_b2/decision_tree s3"
    assert (candidate.resampler, candidate.strategy) == ("adasyn_b2", "adasyn")
    assert candidate.ci95["test/minority_recall"] == pytest.approx((0.83, 0.87))
    assert candidate.run_dir is not None and candidate.mlflow_run_id is None
    assert candidate.source == str(candidate.run_dir)
    assert candidate.sensitive_columns == ("sex",)


def test_the_mlflow_run_recorded_by_an_upload_is_known(run_dir):
    folder = run_dir()
    uploads = [{"uri": "sqlite:///x.db", "experiment": "quick", "mlflow_run_id": "abc"}]
    (folder / "tracking.json").write_text(json.dumps({"uploads": uploads}))
    candidate = load_run_dir(folder)
    assert (candidate.mlflow_run_id, candidate.tracking_uri) == ("abc", "sqlite:///x.db")


def test_null_metrics_stay_null(tmp_path):
    record = make_record({"test/minority_f1": 0.8, "test/minority_recall": None}, ci95={})
    candidate = load_run_dir(write_run_dir(tmp_path / "r", record))
    assert candidate.metrics == {"test/minority_f1": 0.8, "test/minority_recall": None}


def test_sensitive_columns_come_from_dataset_json_without_the_record_field(tmp_path):
    folder = write_run_dir(tmp_path / "r", make_record(sensitive_columns=None))
    assert load_run_dir(folder).sensitive_columns is None
    summary = json.loads((folder / "dataset.json").read_text())
    (folder / "dataset.json").write_text(json.dumps({**summary, "sensitive": ["race/ethnicity"]}))
    assert load_run_dir(folder).sensitive_columns == ("race/ethnicity",)


def test_sweep_folder_and_filters(tmp_path):
    write_run_dir(tmp_path / "s" / "0", make_record(resampler="adasyn"))
    write_run_dir(tmp_path / "s" / "1", make_record(resampler="smote"))
    assert [c.resampler for c in load_results(tmp_path / "s")] == ["adasyn", "smote"]
    assert len(load_results(tmp_path / "s", {"resampler": "smote", "model": None})) == 1
    with pytest.raises(RunNotFoundError, match="matches"):
        load_results(tmp_path / "s", {"dataset": "other"})


def test_broken_result_file(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "result.json").write_text("{not json")
    with pytest.raises(InputDataError, match="not valid JSON"):
        load_run_dir(tmp_path / "r")


def test_a_file_is_not_a_folder(tmp_path):
    folder = write_run_dir(tmp_path / "r", make_record())
    with pytest.raises(RunNotFoundError, match="is a file, not a folder") as error:
        load_results(folder / "result.json")
    assert str(folder) in str(error.value)
    with pytest.raises(RunNotFoundError, match="does not exist"):
        load_results(tmp_path / "nowhere")
