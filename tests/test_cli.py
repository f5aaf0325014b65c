"""The `harness` command end to end, in a subprocess, as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAST = ["evaluation=fast", "evaluation.progress=false"]


def harness(*args: str, root: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, HARNESS_ROOT=str(root), MLFLOW_DISABLE_TELEMETRY="true")
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_lists_the_commands(tmp_path):
    result = harness("--help", root=tmp_path)
    assert result.returncode == 0
    for command in ("run", "gate", "promote", "sync", "dashboards", "datasets"):
        assert command in result.stdout


def test_unknown_command_exits_2_with_usage(tmp_path):
    result = harness("frobnicate", root=tmp_path)
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr


def test_datasets_lists_the_builtin_sets(tmp_path):
    result = harness("datasets", root=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("pima", "vehicle0", "vowel0", "ionosphere", "abalone9_18", "arrests"):
        assert name in result.stdout


@pytest.mark.slow
def test_quick_experiment_runs_all_five_strategies_and_logs_to_sqlite(tmp_path):
    result = harness("run", "experiment=quick", *FAST, root=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for strategy in ("none", "class_weight", "ros", "smote", "adasyn"):
        assert strategy in result.stdout
    assert "mlflow ui --backend-store-uri" in result.stdout
    runs = list((tmp_path / "outputs" / "runs" / "quick").iterdir())
    assert len(runs) == 1
    assert (runs[0] / "comparison.csv").is_file()
    assert len(list((runs[0] / "jobs").iterdir())) == 5
    assert (tmp_path / "mlflow.db").is_file()


@pytest.mark.slow
def test_multirun_sweep_produces_a_sweep_table(tmp_path):
    result = harness(
        "run",
        "-m",
        "resampler=adasyn,smote",
        "dataset=pima,vowel0",
        "tracking=none",
        *FAST,
        root=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Sweep" in result.stdout
    sweeps = list((tmp_path / "outputs" / "sweeps").iterdir())
    assert len(sweeps) == 1
    table = (sweeps[0] / "comparison.csv").read_text()
    for name in ("adasyn", "smote", "pima", "vowel0"):
        assert name in table
    records = [json.loads(p.read_text()) for p in sweeps[0].rglob("result.json")]
    assert len(records) == 4
    assert {r["status"] for r in records} == {"success"}


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("evaluation.n_splits=1", "evaluation.n_splits must be an integer >= 2, got 1"),
        ("seed=-1", "seed must be an integer >= 0, got -1"),
        ("evaluation.lineage=some", "evaluation.lineage must be one of"),
        ("dataset.name=a/b", "dataset.name 'a/b' is not a safe name"),
        ("model.estimator._target_=os.system", "model.estimator._target_ 'os.system' is not"),
        ("+resampler.sampler.foo=1", "resampler.sampler: harness.resample.ADASYN cannot take"),
        ("resampler=adasin", "Could not find 'resampler/adasin'"),
        ("hydra.job.chdir=true", "override 'hydra.job.chdir=true' is not accepted"),
    ],
)
def test_a_config_error_is_one_line_exit_2_and_creates_nothing(tmp_path, override, message):
    result = harness("run", override, "tracking=none", *FAST, root=tmp_path)
    assert result.returncode == 2, result.stderr[-3000:]
    assert message in _one_error_line(result)
    assert not (tmp_path / "outputs").exists()


def test_a_config_error_inside_the_run_is_one_line_and_exit_2(tmp_path):
    # A grid value reaches the jobs only inside the run; the run still ends with one line.
    result = harness(
        "run", "experiment=quick", "+experiment.grid.seed=[-1]", "tracking=none", *FAST,
        root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "seed must be an integer >= 0, got -1" in _one_error_line(result)


@pytest.mark.slow
def test_a_config_error_inside_a_sweep_job_exits_2_without_a_traceback(tmp_path):
    result = harness(
        "run", "-m", "experiment=quick", "resampler=none,ros", "+experiment.grid.seed=[-1]",
        "tracking=none", "export=none", *FAST,
        root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: seed must be an integer >= 0, got -1; e.g. seed=2."
    )


def test_a_sweep_is_checked_job_by_job_before_it_starts(tmp_path):
    result = harness(
        "run", "-m", "resampler=none,ros", "experiment.name=ok,../escape", "tracking=none",
        *FAST, root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "experiment.name '../escape' is not a safe name" in _one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_the_allowed_hydra_settings_still_work(tmp_path):
    result = harness(
        "run", "--cfg", "hydra", "hydra/launcher=ray", "hydra.launcher.ray.remote.num_cpus=2",
        f"hydra.run.dir={tmp_path / 'here'}", "hydra.verbose=true",
        root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher" in result.stdout
    assert "num_cpus: 2" in result.stdout
