"""Reading a results folder into params, metrics, fold history, tags and tracking.json."""

import json

import pytest

from harness.errors import InputDataError, RunNotFoundError
from harness.tracking import run_folder as rf
from tests.tracking.conftest import DATASET_DIGEST, N_FOLDS, N_REPEATS


def test_params_are_flattened_and_cut_to_mlflows_limit(run_folder):
    params = rf.params_of(rf.load_result(run_folder))
    assert params["resampler.n_neighbors"] == "5"
    assert params["model.C"] == "1.0"
    assert params["dataset.sensitive"] == '["sex"]'
    assert len(params["evaluation.note"]) == rf.MAX_PARAM_VALUE_LENGTH


def test_metrics_keep_numbers_and_add_std_and_ci(run_folder):
    metrics = rf.metrics_of(rf.load_result(run_folder))
    assert metrics["test/minority_recall"] == pytest.approx(0.71)
    assert metrics["std/test/minority_recall"] == pytest.approx(0.05)
    assert metrics["ci95_low/test/minority_recall"] == pytest.approx(0.66)
    assert metrics["ci95_high/test/minority_recall"] == pytest.approx(0.76)
    assert "data/minority_overlap" not in metrics  # None is not a metric


def test_fold_steps_follow_repeat_and_fold_not_file_order(run_folder):
    rows = rf.fold_metrics_of(run_folder)
    assert [r.step for r in rows] == list(range(N_REPEATS * N_FOLDS))
    assert {r.key for r in rows} == {"fold/test/minority_recall"}
    assert [r.value for r in rows] == pytest.approx([0.6 + 0.01 * s for s in range(6)])


def test_tags_identify_the_run(run_folder):
    tags = rf.tags_of(rf.load_result(run_folder))
    assert tags["harness.version"] == "0.1.0"
    assert tags["git.commit"] == "0123abcd"
    assert tags["dataset.digest"] == DATASET_DIGEST
    assert (tags["dataset"], tags["resampler"], tags["model"]) == (
        "pima",
        "adasyn",
        "logistic_regression",
    )


def test_keys_mlflow_refuses_are_made_safe():
    assert rf.mlflow_key("fairness/race/group/<25>/recall") == "fairness/race/group/_25_/recall"
    assert len(rf.mlflow_key("k" * 400)) == rf.MAX_KEY_LENGTH


def test_missing_and_broken_result_json_name_the_fix(tmp_path):
    with pytest.raises(RunNotFoundError, match="harness run"):
        rf.load_result(tmp_path)
    (tmp_path / "result.json").write_text("{not json")
    with pytest.raises(InputDataError, match="rerun"):
        rf.load_result(tmp_path)


def test_tracking_file_keeps_one_entry_per_store(run_folder):
    rf.write_tracking_file(run_folder, "sqlite:///a.db", "quick", "r1")
    rf.write_tracking_file(run_folder, "http://x", "quick", "r2")
    rf.write_tracking_file(run_folder, "sqlite:///a.db", "quick", "r3")
    data = json.loads((run_folder / "tracking.json").read_text())
    assert data["mlflow_run_id"] == "r3"
    assert len(data["uploads"]) == 2
    assert rf.recorded_run_id(run_folder, "sqlite:///a.db", "quick") == "r3"
    assert rf.recorded_run_id(run_folder, "http://x", "other") is None


def test_a_logged_model_is_named_by_its_job_as_its_folder():
    record = {"dataset": "pima", "resampler": "adasyn", "model": "tree", "seed": 3, "run_key": "k"}
    assert rf.logged_model_name(record) == "pima__adasyn__tree__seed3"


@pytest.mark.parametrize("dataset", ["my.csv", "a/b", "x:y", "50%", "it's", 'say"'])
def test_a_logged_model_name_has_no_character_mlflow_refuses(dataset):
    from mlflow.utils.validation import _validate_logged_model_name

    record = {"dataset": dataset, "resampler": "ros", "model": "lr", "seed": 0, "run_key": "k"}
    name = rf.logged_model_name(record)
    _validate_logged_model_name(name)  # raises on a refused character
    assert name.endswith("__ros__lr__seed0")


def test_a_record_without_its_identity_names_its_model_by_run_key():
    record = {"dataset": "pima", "resampler": None, "model": "lr", "seed": 0, "run_key": "ab" * 20}
    assert rf.logged_model_name(record) == "job-" + "ab" * 6
