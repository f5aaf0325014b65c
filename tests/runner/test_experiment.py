"""Experiments: grid expansion, run folders, determinism, failed jobs recorded."""

import json

import pandas as pd
import pytest

from harness.metrics.catalog import MetricKey, metric_range
from harness.pipeline.experiment import run_experiment
from harness.runner.grid import grid_overrides
from harness.runner.job import execute_job
from tests.runner.conftest import FAST, compose_config, fast_config


def test_grid_expands_every_combination_and_drops_command_line_keys(tmp_path):
    cfg = fast_config(tmp_path, "experiment=paper_replication")
    assert len(grid_overrides(cfg, [])) == 15
    only_smote = grid_overrides(cfg, ["resampler=smote"])
    assert len(only_smote) == 5
    assert all(not any(o.startswith("resampler=") for o in combo) for combo in only_smote)


#: Table I of the ADASYN paper: rows, attributes and minority rows of each data set as the
#: shipped experiment loads it (vowel0 keeps 988 of the paper's 990 rows: the KEEL file's).
TABLE_I = {
    "vehicle0": (846, 18, 199),
    "pima": (768, 8, 268),
    "vowel0": (988, 10, 90),
    "ionosphere": (351, 33, 126),
    "abalone9_18": (731, 7, 42),
}


def test_the_paper_replication_runs_the_papers_protocol_as_shipped(tmp_path):
    from harness.components.datasets import load_dataset
    from harness.evaluate.settings import EvaluationSettings
    from harness.runner.experiment import compose_jobs

    overrides = [f"paths.root_dir={tmp_path}", "experiment=paper_replication"]
    cfg = compose_config(*overrides)
    assert cfg.experiment.replicates == "he2008_table2"
    jobs = compose_jobs(cfg, overrides, tmp_path)
    assert len(jobs) == 15
    shapes = {}
    for job in jobs:
        settings = EvaluationSettings.from_config(job.cfg.evaluation)
        assert (settings.folds, settings.test_size, settings.n_folds) == ("holdout", 0.5, 100)
        assert job.cfg.model.name == "decision_tree"
        sampler = job.cfg.resampler.sampler
        if job.cfg.resampler.name == "smote_n200":
            assert (sampler.synthetic_percent, sampler.k_neighbors) == (200, 5)
        if job.cfg.resampler.name == "adasyn":
            assert (sampler.beta, sampler.d_th, sampler.n_neighbors) == (1.0, 0.75, 5)
        if job.cfg.dataset.name not in shapes:
            data = load_dataset(job.cfg.dataset)
            shapes[job.cfg.dataset.name] = (data.n_rows, data.n_features, data.n_minority)
    assert {job.cfg.resampler.name for job in jobs} == {"none", "smote_n200", "adasyn"}
    assert shapes == TABLE_I


def test_same_config_and_seed_give_identical_metrics(tmp_path):
    cfg = fast_config(tmp_path, "resampler=adasyn", "dataset=pima")
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
    first = execute_job(fast_config(tmp_path, "seed=0"), tmp_path / "a")
    second = execute_job(fast_config(tmp_path, "seed=1"), tmp_path / "b")
    assert first["metrics"]["test/minority_f1"] != second["metrics"]["test/minority_f1"]


def test_run_folder_holds_every_output(tmp_path):
    cfg = fast_config(
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
        "data/minority_overlap",
        "time/resample_seconds",
        "memory/peak_bytes",
    ):
        assert key in stored["metrics"], key
        low, high = stored["ci95"][key]
        assert low <= stored["metrics"][key] <= high
    folds = pd.read_csv(run_dir / "folds.csv")
    assert len(folds) == stored["n_folds"] == 3
    for key, (low, high) in stored["ci95"].items():
        bounds = metric_range(key)  # a rate's interval stays in [0, 1], a count's above 0
        if low is not None and bounds is not None:
            assert bounds[0] <= low <= high <= bounds[1], key
        elif low is not None and MetricKey.parse(key) is not None:
            assert MetricKey.parse(key).spec.low <= low <= high, key


def test_confidence_intervals_stay_inside_the_metric_range():
    from harness.evaluate.summaries import clip_to_range

    assert clip_to_range("test/minority_recall", [0.9, 1.014]) == [0.9, 1.0]
    assert clip_to_range("gap/minority_f1", [-1.2, 0.1]) == [-1.0, 0.1]
    # A time or a count cannot be negative: one-sided ranges are clipped on their bounded side.
    assert clip_to_range("time/fit_seconds", [-0.1, 0.3]) == [0.0, 0.3]
    assert clip_to_range("test/score_levels", [-3.0, 40.0]) == [0.0, 40.0]
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
    cfg = fast_config(tmp_path, *overrides)
    outcome = run_experiment(cfg, output_dir=tmp_path / "exp", overrides=overrides)
    statuses = {r["resampler"]: r["status"] for r in outcome.records}
    assert statuses == {"adasyn": "failed", "ros": "success"}
    failed = outcome.failed[0]
    assert "n_neighbors" in failed["error"]
    assert (tmp_path / "exp" / "jobs").is_dir()
    assert (tmp_path / "exp" / "comparison.csv").is_file()
    assert "Failed jobs" in (tmp_path / "exp" / "report.md").read_text()


def test_record_carries_schema_strategy_kind_and_sensitive_columns(tmp_path):
    from harness.runs import RESULT_SCHEMA_VERSION

    # The display name is free; the strategy is the kind of sampler that really ran.
    cfg = fast_config(tmp_path, "resampler=ros", "resampler.name=ros_custom_label")
    record = execute_job(cfg, tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "result.json").read_text())
    assert stored["schema"] == RESULT_SCHEMA_VERSION == 3
    assert stored["resampler"] == "ros_custom_label"
    assert stored["strategy"] == record["strategy"] == "ros"
    assert stored["sensitive_columns"] == []

    arrests_cfg = fast_config(tmp_path, "dataset=arrests", "resampler=none")
    arrests = execute_job(arrests_cfg, tmp_path / "a")
    assert arrests["status"] == "success"
    from harness.data import load_builtin

    expected = [str(c) for c in load_builtin("arrests").sensitive.columns]
    assert "race" in expected
    assert arrests["sensitive_columns"] == expected


def test_a_failed_job_is_labelled_with_the_strategy_it_ran(tmp_path):
    # ADASYN cannot run with K=5 on three minority rows: the job fails, as ADASYN.
    rows = 60
    data = pd.DataFrame(
        {
            "x1": [float(i % 7) for i in range(rows)],
            "label": ["pos" if i in (5, 25, 45) else "neg" for i in range(rows)],
        }
    )
    path = tmp_path / "tiny.csv"
    data.to_csv(path, index=False)
    cfg = fast_config(
        tmp_path,
        "dataset=table",
        f"dataset.loader.path={path}",
        "dataset.loader.target=label",
        "dataset.loader.positive_label=pos",
        "dataset.loader.min_minority=3",
        "resampler=adasyn",
        "resampler.name=renamed",
    )
    record = execute_job(cfg, tmp_path / "run")
    assert record["status"] == "failed"
    assert record["strategy"] == "adasyn"
    assert (tmp_path / "run" / "error.txt").read_text().strip()

    # A sampler that cannot even be built ran nothing: its strategy is unknown (null).
    broken = fast_config(tmp_path, "resampler=smote", "+resampler.sampler.no_such_parameter=1")
    record = execute_job(broken, tmp_path / "broken")
    assert record["status"] == "failed"
    assert record["strategy"] is None
    assert json.loads((tmp_path / "broken" / "result.json").read_text())["strategy"] is None


def test_the_manifest_lists_every_job_before_any_starts(tmp_path, monkeypatch):
    import harness.runner.experiment as experiment

    seen = []
    real = experiment.execute_job

    def spy(cfg, run_dir, **kwargs):
        manifest = json.loads((tmp_path / "exp" / "manifest.json").read_text())
        seen.append(sorted(job["name"] for job in manifest["jobs"]))
        return real(cfg, run_dir, **kwargs)

    monkeypatch.setattr(experiment, "execute_job", spy)
    overrides = [*FAST, "experiment.grid={resampler: [none, ros]}"]
    cfg = fast_config(tmp_path, *overrides)
    run_experiment(cfg, output_dir=tmp_path / "exp", overrides=overrides)
    names = ["pima__none__decision_tree__seed0", "pima__ros__decision_tree__seed0"]
    assert seen == [names, names]
    manifest = json.loads((tmp_path / "exp" / "manifest.json").read_text())
    entry = next(j for j in manifest["jobs"] if j["resampler"] == "ros")
    assert entry["strategy"] == "ros"
    assert entry["model"] == "decision_tree" and entry["seed"] == 0 and entry["dataset"] == "pima"
    stored = json.loads((tmp_path / "exp" / "jobs" / names[1] / "result.json").read_text())
    assert entry["run_key"] == stored["run_key"]


def test_a_folder_of_other_jobs_is_never_reused(tmp_path):
    from harness.errors import ConfigError

    cfg = fast_config(tmp_path, "seed=0", "resampler=none")
    run_experiment(cfg, output_dir=tmp_path / "exp", overrides=["seed=0"])
    other = fast_config(tmp_path, "seed=7", "resampler=none")
    with pytest.raises(ConfigError, match="already holds other jobs"):
        run_experiment(other, output_dir=tmp_path / "exp", overrides=["seed=7"])
    assert not (tmp_path / "exp" / "jobs" / "pima__none__decision_tree__seed7").exists()
