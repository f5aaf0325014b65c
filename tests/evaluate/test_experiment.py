"""Experiments: grid expansion, run folders, determinism, failed jobs recorded."""

import json
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from harness.evaluate.experiment import grid_overrides, run_experiment
from harness.evaluate.job import execute_job

CONF = Path(__file__).resolve().parents[2] / "conf"
FAST = [
    "evaluation=fast",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "tracking=none",
    "export=none",
]


def make_cfg(tmp_path, *overrides):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose(
            config_name="config", overrides=[f"paths.root_dir={tmp_path}", *FAST, *overrides]
        )


def test_grid_expands_every_combination_and_drops_command_line_keys(tmp_path):
    cfg = make_cfg(tmp_path, "experiment=paper_replication")
    assert len(grid_overrides(cfg, [])) == 15
    only_smote = grid_overrides(cfg, ["resampler=smote"])
    assert len(only_smote) == 5
    assert all(not any(o.startswith("resampler=") for o in combo) for combo in only_smote)


def test_same_config_and_seed_give_identical_metrics(tmp_path):
    cfg = make_cfg(tmp_path, "resampler=adasyn", "dataset=pima")
    first = execute_job(cfg, tmp_path / "a")
    second = execute_job(cfg, tmp_path / "b")
    assert first["status"] == second["status"] == "success"
    volatile = ("time/", "memory/")
    stable = {k: v for k, v in first["metrics"].items() if not k.startswith(volatile)}
    assert stable == {k: second["metrics"][k] for k in stable}
    assert first["run_key"] == second["run_key"]
    a = pd.read_csv(tmp_path / "a" / "lineage.csv.gz")
    b = pd.read_csv(tmp_path / "b" / "lineage.csv.gz")
    pd.testing.assert_frame_equal(a, b)


def test_a_different_seed_changes_the_numbers(tmp_path):
    first = execute_job(make_cfg(tmp_path, "seed=0"), tmp_path / "a")
    second = execute_job(make_cfg(tmp_path, "seed=1"), tmp_path / "b")
    assert first["metrics"]["test/minority_f1"] != second["metrics"]["test/minority_f1"]


def test_run_folder_holds_every_output(tmp_path):
    cfg = make_cfg(
        tmp_path, "resampler=smote", "evaluation.save_model=true", "evaluation.track_memory=true"
    )
    record = execute_job(cfg, tmp_path / "run")
    run_dir = tmp_path / "run"
    for name in (
        "result.json",
        "config.yaml",
        "folds.csv",
        "lineage.csv.gz",
        "dataset.json",
        "report.md",
        "report.html",
        "fold0_train_minority.csv.gz",
        "fold0_synthetic.csv.gz",
        "model/MLmodel",
        "plots/pr_curve.png",
    ):
        assert (run_dir / name).exists(), name
    stored = json.loads((run_dir / "result.json").read_text())
    assert stored["metrics"] == pytest.approx(record["metrics"], nan_ok=True)
    for key in (
        "test/minority_recall",
        "test/g_mean",
        "test/pr_auc",
        "gap/minority_f1",
        "resample/synthetic_ratio",
        "neighbors/synthetic_nn_p95",
        "noise/minority_label_noise",
        "time/resample_seconds",
        "memory/peak_bytes",
    ):
        assert key in stored["metrics"], key
        low, high = stored["ci95"][key]
        assert low <= stored["metrics"][key] <= high
    folds = pd.read_csv(run_dir / "folds.csv")
    assert len(folds) == stored["n_folds"] == 3
    for key, (low, high) in stored["ci95"].items():
        if key.startswith(("test/", "train/")) and low is not None:
            assert 0.0 <= low <= high <= 1.0, key


def test_confidence_intervals_stay_inside_the_metric_range():
    from harness.evaluate.job import clip_to_range

    assert clip_to_range("test/minority_recall", [0.9, 1.014]) == [0.9, 1.0]
    assert clip_to_range("gap/minority_f1", [-1.2, 0.1]) == [-1.0, 0.1]
    assert clip_to_range("time/fit_seconds", [-0.1, 0.3]) == [-0.1, 0.3]
    assert clip_to_range("test/pr_auc", [None, None]) == [None, None]


def test_a_failing_job_is_recorded_and_the_experiment_completes(tmp_path):
    # Three minority rows: ADASYN with K=5 cannot run on a training fold and says so; random
    # oversampling can. The failed job is recorded and the comparison still completes.
    rows = 60
    data = pd.DataFrame(
        {
            "x1": [float(i % 7) for i in range(rows)],
            "x2": [float((i * 3) % 11) for i in range(rows)],
            "label": ["pos" if i in (5, 25, 45) else "neg" for i in range(rows)],
        }
    )
    path = tmp_path / "tiny_minority.csv"
    data.to_csv(path, index=False)
    overrides = [
        f"paths.root_dir={tmp_path}",
        *FAST,
        "dataset=table",
        f"dataset.loader.path={path}",
        "dataset.loader.target=label",
        "dataset.loader.positive_label=pos",
        "dataset.loader.min_minority=3",
        "experiment.grid={resampler: [adasyn, ros]}",
    ]
    cfg = make_cfg(tmp_path, *overrides)
    outcome = run_experiment(cfg, output_dir=tmp_path / "exp", overrides=overrides)
    statuses = {r["resampler"]: r["status"] for r in outcome.records}
    assert statuses == {"adasyn": "failed", "ros": "success"}
    failed = outcome.failed[0]
    assert "n_neighbors" in failed["error"]
    assert (tmp_path / "exp" / "jobs").is_dir()
    assert (tmp_path / "exp" / "comparison.csv").is_file()
    assert "Failed jobs" in (tmp_path / "exp" / "report.md").read_text()
