"""Run folders (harness.runs): completeness of real runs and sweeps, atomic writers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.errors import InputDataError
from harness.runs import (
    ExperimentFolder,
    RunFolder,
    RunFolderWriteError,
    incomplete_jobs,
    read_record,
    write_dir_atomic,
    write_text_atomic,
    writing,
)
from tests.support.cli import run_harness

FAST = ["evaluation=fast", "evaluation.progress=false", "tracking=none", "export=none"]


def harness(*args: str, root: Path) -> subprocess.CompletedProcess:
    result = run_harness(*args, root=root, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_a_finished_quick_run_is_complete_and_a_lost_result_is_listed(tmp_path):
    harness("run", "experiment=quick", *FAST, root=tmp_path)
    (run_dir,) = (tmp_path / "outputs" / "runs" / "quick").iterdir()
    experiment = ExperimentFolder(run_dir)
    assert len(experiment.expected_jobs()) == 5
    assert incomplete_jobs(run_dir) == []

    lost = experiment.job("pima__smote__logistic_regression__seed0")
    lost.result.unlink()
    assert incomplete_jobs(run_dir) == [f"{lost.path}: no result.json"]


@pytest.mark.slow
def test_a_finished_sweep_is_complete_and_a_lost_sweep_job_is_listed(tmp_path):
    harness("run", "-m", "resampler=none,ros", "hydra.launcher.n_jobs=1", *FAST, root=tmp_path)
    (sweep,) = (tmp_path / "outputs" / "sweeps").iterdir()
    assert (sweep / "multirun.yaml").is_file()
    assert incomplete_jobs(sweep) == []

    shutil.rmtree(sweep / "1")  # a sweep job killed before it wrote its manifest
    assert incomplete_jobs(sweep) == [f"{sweep}: multirun.yaml asks for 2 sweep jobs, 1 started"]
    experiment = ExperimentFolder(sweep / "0")
    (name,) = experiment.expected_jobs()
    experiment.job(name).result.unlink()
    assert f"{experiment.job(name).path}: no result.json" in incomplete_jobs(sweep)


def test_an_unreadable_record_raises_instead_of_being_skipped(tmp_path):
    folder = RunFolder(tmp_path)
    assert read_record(tmp_path) is None
    folder.result.write_text("{")
    with pytest.raises(InputDataError, match="not valid JSON"):
        read_record(tmp_path)


def test_write_dir_atomic_replaces_a_folder_or_leaves_it_untouched(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old").write_text("old")

    def broken(tmp: Path) -> None:
        tmp.mkdir()
        (tmp / "half").write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_dir_atomic(target, broken)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert (target / "old").read_text() == "old"

    def complete(tmp: Path) -> None:
        tmp.mkdir()
        (tmp / "new").write_text("new")

    write_dir_atomic(target, complete)
    assert [p.name for p in target.iterdir()] == ["new"]


def test_writing_names_the_folder_and_the_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunFolderWriteError) as caught, writing(blocker):
        write_text_atomic(blocker / "config.yaml", "a: 1\n")
    message = str(caught.value)
    assert str(blocker) in message and "writable folder" in message
