"""The gate judges every model, passes nothing on nothing, and believes no record it cannot tie
to its folder (each test here reproduces a false PASS an adversary found)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from harness.runs import RunFolder, config_key
from tests.gate.conftest import (
    PASSING_METRICS,
    harness_gate,
    job_name,
    make_record,
    with_key,
    write_experiment,
    write_run_dir,
)
from tests.gate.test_fuzz import _gate

#: What an untreated decision tree on pima measures: far below the default SLO set.
UNTREATED = {
    **PASSING_METRICS,
    "test/minority_recall": 0.578,
    "test/minority_precision": 0.58,
    "test/minority_f1": 0.579,
    "resample/synthetic_ratio": 0.0,
    "resample/n_synthetic": 0.0,
}


def _one_objective(name: str, metric: str, applies_to: list[str]) -> dict:
    """An SLO set of one objective ``metric >= 0.1`` limited to ``applies_to``."""
    objective = {"name": name, "metric": metric, "op": ">=", "threshold": 0.1}
    return {"name": name, "objectives": [{**objective, "applies_to": applies_to}]}


def _slo(folder: Path, document: dict) -> list[str]:
    path = folder / "slo.yaml"
    path.write_text(yaml.safe_dump(document))
    return ["--slo", str(path)]


# -- 1. an untreated model is gated ----------------------------------------------------------


def test_an_untreated_model_that_misses_every_slo_fails(tmp_path):
    run = write_run_dir(tmp_path, make_record(UNTREATED, resampler="none"))
    code, summary, _ = _gate(tmp_path, "--run-dir", str(run))
    assert code == 1
    failed = {c["name"] for c in summary["checks"] if c["verdict"] == "FAIL"}
    assert {"minority_recall", "minority_precision", "minority_f1"} <= failed


def test_selecting_the_untreated_job_of_a_study_gates_it(tmp_path):
    records = [make_record(resampler="adasyn"), make_record(UNTREATED, resampler="none")]
    write_experiment(tmp_path / "study", records)
    code, summary, _ = _gate(tmp_path, "--run-dir", str(tmp_path / "study"), "--resampler", "none")
    assert code == 1
    assert summary["candidates"] == ["pima/none/decision_tree s0"]


def test_an_objective_narrowed_by_applies_to_still_skips_the_reference(tmp_path):
    run = write_run_dir(tmp_path, make_record(UNTREATED, resampler="none"))
    _, summary, _ = _gate(tmp_path, "--run-dir", str(run))
    by_name = {c["name"]: c for c in summary["checks"]}
    assert by_name["synthetic_ratio_min"]["verdict"] == "NOT APPLICABLE"
    assert "oversampler" in by_name["synthetic_ratio_min"]["detail"]


def test_a_family_covers_the_categorical_oversamplers(tmp_path):
    record = make_record({**PASSING_METRICS, "resample/synthetic_ratio": 0.9}, resampler="smote_nc")
    record["strategy"] = "smote_nc"
    run = write_run_dir(tmp_path, with_key(record))
    code, summary, _ = _gate(tmp_path, "--run-dir", str(run))
    assert code == 1
    ratio = next(c for c in summary["checks"] if c["name"] == "synthetic_ratio_max")
    assert ratio["verdict"] == "FAIL"


# -- 1. nothing judged is no verdict ---------------------------------------------------------


def test_an_slo_set_that_applies_to_nothing_is_exit_2_naming_why(tmp_path, capsys):
    run = write_run_dir(tmp_path, make_record(resampler="adasyn"))
    only_smote = _one_objective("recall", "test/minority_recall", ["smote"])
    code, _, err = _gate(tmp_path, "--run-dir", str(run), *_slo(tmp_path, only_smote))
    assert code == 2
    assert "nothing to judge" in err and "recall: applies only to the strategies smote" in err


def test_a_fairness_only_slo_on_a_run_without_sensitive_column_is_exit_2(tmp_path):
    record = make_record(
        {k: v for k, v in PASSING_METRICS.items() if not k.startswith("fairness/")},
        sensitive_columns=(),
    )
    run = write_run_dir(tmp_path, record)
    fairness_only = {
        "name": "fair",
        "fairness": [
            {"name": "eo", "metric": "equalized_odds_difference", "op": "<=", "threshold": 0.2}
        ],
    }
    code, _, err = _gate(tmp_path, "--run-dir", str(run), *_slo(tmp_path, fairness_only))
    assert code == 2
    assert "eo: the run has no sensitive column" in err


def test_the_run_status_alone_never_passes(tmp_path):
    run = write_run_dir(tmp_path, make_record(resampler="class_weight"))
    synthetic_only = _one_objective("ratio", "resample/synthetic_ratio", ["oversampler"])
    code, summary, _ = _gate(tmp_path, "--run-dir", str(run), *_slo(tmp_path, synthetic_only))
    assert code == 2
    assert summary["passed"] is False  # the outputs are written, and say it


# -- 2. duplicate keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "name: x\nobjectives:\n  - name: r\n    metric: test/minority_recall\n    op: '>='\n"
        "    threshold: 0.99\n    threshold: 0.1\n",
        "name: x\nobjectives:\n  - name: r\n    metric: test/minority_recall\n    op: '>='\n"
        "    op: '<='\n    threshold: 0.9\n",
        "name: x\nobjectives: []\nobjectives:\n  - {name: r, metric: test/minority_recall, "
        "op: '>=', threshold: 0.1}\n",
    ],
)
def test_an_slo_file_with_a_key_twice_is_exit_2_naming_key_and_line(tmp_path, text):
    run = write_run_dir(tmp_path, make_record())
    (tmp_path / "slo.yaml").write_text(text)
    code, _, err = _gate(tmp_path, "--run-dir", str(run), "--slo", str(tmp_path / "slo.yaml"))
    assert code == 2
    assert "appears twice" in err and "line" in err


def test_a_record_with_a_metric_twice_is_exit_2(tmp_path):
    run = write_run_dir(tmp_path, make_record())
    text = RunFolder(run).result.read_text()
    # The low value second: a reader that keeps the last one would see a failing recall.
    twice = '"test/minority_recall": 0.85,\n    "test/minority_recall": 0.01'
    text = text.replace('"test/minority_recall": 0.85', twice, 1)
    RunFolder(run).result.write_text(text)
    code, _, err = _gate(tmp_path, "--run-dir", str(run))
    assert code == 2
    assert "'test/minority_recall' appears twice" in err


# -- 2. records that contradict their folder -------------------------------------------------


@pytest.fixture
def study(tmp_path: Path) -> Path:
    records = [
        make_record(resampler="adasyn"),
        make_record({**PASSING_METRICS, "test/minority_recall": 0.01}, resampler="smote"),
    ]
    return write_experiment(tmp_path / "study", records)


def _job(study: Path, resampler: str) -> RunFolder:
    return RunFolder(study / "jobs" / f"pima__{resampler}__decision_tree__seed0")


def test_a_record_copied_into_another_jobs_folder_is_exit_2(study, tmp_path):
    shutil.copy(_job(study, "smote").result, _job(study, "adasyn").result)
    code, _, err = _gate(tmp_path, "--run-dir", str(study), "--resampler", "adasyn")
    assert code == 2
    assert "is the record of job 'pima__smote__decision_tree__seed0'" in err


def test_a_record_linked_from_another_jobs_folder_is_exit_2(study, tmp_path):
    adasyn = _job(study, "adasyn")
    adasyn.result.unlink()
    adasyn.result.symlink_to(_job(study, "smote").result)
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2
    assert "outside its run folder" in err


def test_a_record_relabelled_none_with_a_terrible_recall_is_exit_2(study, tmp_path):
    job = _job(study, "adasyn")
    record = json.loads(job.result.read_text())
    record.update(strategy="none", metrics={**record["metrics"], "test/minority_recall": 0.01})
    job.result.write_text(json.dumps(record))
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2
    assert "strategy = 'none'" in err and "of kind 'adasyn'" in err


def test_a_record_of_other_data_is_exit_2(study, tmp_path):
    job = _job(study, "adasyn")
    summary = json.loads(job.dataset.read_text())
    job.dataset.write_text(json.dumps({**summary, "digest": "0" * 64}))
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2 and "digest" in err


def test_a_record_the_manifest_disowns_is_exit_2(study, tmp_path):
    manifest = json.loads((study / "manifest.json").read_text())
    manifest["jobs"][0]["strategy"] = "ros"
    (study / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2 and "manifest.json lists 'ros'" in err


def test_a_folder_without_its_config_is_exit_2(study, tmp_path):
    _job(study, "adasyn").config.unlink()
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2 and "config.yaml does not exist" in err


@pytest.mark.parametrize("resampler", ["adasyn", "smote"])
def test_a_successful_job_without_its_folds_is_exit_2(study, tmp_path, resampler):
    # A candidate's or a reference's fold scores are the evidence of every paired test and of
    # the hard-score mark: without them the record is not believed, whichever side it is on.
    _job(study, resampler).folds.unlink()
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2 and "folds.csv does not exist for a successful job" in err


def test_a_config_pointing_at_code_outside_the_allow_set_is_exit_2(study, tmp_path):
    job = _job(study, "adasyn")
    config = yaml.safe_load(job.config.read_text())
    config["resampler"]["sampler"]["_target_"] = "os.system"
    job.config.write_text(yaml.safe_dump(config))
    # Even with the record's key made to match, the sampler is checked, never called.
    record = json.loads(job.result.read_text())
    record["run_key"] = config_key(config)
    job.result.write_text(json.dumps(record))
    manifest = json.loads((study / "manifest.json").read_text())
    manifest["jobs"][0]["run_key"] = record["run_key"]
    (study / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = _gate(tmp_path, "--run-dir", str(study))
    assert code == 2 and "not an allowed sampler" in err


def test_the_command_refuses_a_swapped_record_too(study):
    shutil.copy(_job(study, "smote").result, _job(study, "adasyn").result)
    result = harness_gate("--run-dir", study)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error:" in result.stderr and job_name(make_record(resampler="smote")) in result.stderr
