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
