"""A job's run folder is never half-written: result.json is the commit marker, written last.

A full disk or an output path that is not a folder ends the run with one clear error and
leaves no truncated file behind. Tests run as root, where ``chmod 0555`` does not stop a write,
so a read-only folder is stood in for by a file where the folder should be, and a full disk by
a 64 KiB tmpfs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import DictConfig

import harness.report.pages as report_module
import harness.runner.job as job_module
from harness.runner.job import execute_job
from harness.runs import RunFolder, RunFolderWriteError, incomplete_jobs
from tests.runner.conftest import FAST, compose_config, fast_config
from tests.support.cli import run_harness

#: Every job here resamples with SMOTE.
SMOTE = "resampler=smote"
DISK_BYTES = 64 * 1024
PAGE = 4096


def make_cfg(root: Path, *overrides: str) -> DictConfig:
    """A fast SMOTE job's config (see :func:`fast_config`), then ``overrides``."""
    return fast_config(root, SMOTE, *overrides)


def harness_run(*args: str, root: Path) -> subprocess.CompletedProcess:
    """``harness run`` of a fast SMOTE job in a subprocess, then ``args``."""
    return run_harness("run", *FAST, SMOTE, *args, root=root)


def assert_nothing_half_written(folder: Path, cfg=None) -> None:
    """Every file left is complete; no temporary file is left behind."""
    leftovers = [p for p in folder.rglob(".*.tmp")]
    assert not leftovers, leftovers
    run = RunFolder(folder)
    if run.config.exists() and cfg is not None:
        from omegaconf import OmegaConf

        assert run.config.read_text() == OmegaConf.to_yaml(cfg, resolve=True)
    if run.folds.exists():
        assert len(pd.read_csv(run.folds)) == 3
    for path in (run.lineage, run.fold0_train_minority, run.fold0_synthetic):
        if path.exists():
            pd.read_csv(path)  # a truncated gzip stream raises
    if run.error.exists():
        assert run.error.read_text().strip(), "empty error.txt"
    if run.result.exists():
        run.load_record()


def test_result_json_is_written_after_every_other_file(tmp_path):
    execute_job(make_cfg(tmp_path), tmp_path / "run")
    files = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    result = RunFolder(tmp_path / "run").result
    assert result in files and len(files) > 5
    assert all(p.stat().st_mtime_ns <= result.stat().st_mtime_ns for p in files)


EVALUATION_PLOTS = ("confusion_matrix", "calibration", "threshold")


def test_the_job_report_shows_its_evaluation_plots(tmp_path):
    execute_job(make_cfg(tmp_path, "model=logistic_regression"), tmp_path / "run")
    folder = RunFolder(tmp_path / "run")
    page, markdown = folder.report_html.read_text(), folder.report_md.read_text()
    for name in EVALUATION_PLOTS:
        png = folder.plot(name).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5000, name
        assert f"<img alt='{name}' src='data:image/png;base64," in page
        assert f"![{name}](plots/{name}.png)" in markdown


def test_the_sweep_profile_makes_no_job_plots(tmp_path):
    cfg = compose_config(
        f"paths.root_dir={tmp_path}",
        *(o for o in FAST if not o.startswith("evaluation=")),
        SMOTE,
        "evaluation=sweep",
        "evaluation.n_splits=3",
        "evaluation.n_repeats=1",
        "model=logistic_regression",
    )
    record = execute_job(cfg, tmp_path / "run")
    folder = RunFolder(tmp_path / "run")
    assert record["status"] == "success" and folder.is_finished()
    assert not folder.plots.exists() and not folder.report_html.exists()


def test_a_kill_between_the_report_and_the_result_leaves_an_unfinished_folder(
    tmp_path, monkeypatch
):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # what SIGINT does; SIGKILL stops even earlier

    monkeypatch.setattr(report_module, "write_run_report", killed)
    with pytest.raises(KeyboardInterrupt):
        execute_job(make_cfg(tmp_path), tmp_path / "exp" / "jobs" / "run")
    folder = RunFolder(tmp_path / "exp" / "jobs" / "run")
    assert folder.folds.is_file()
    assert not folder.is_finished()
    from harness.runs import ExperimentFolder

    ExperimentFolder(tmp_path / "exp").write_manifest([{"name": "run", "run_key": "k"}])
    assert incomplete_jobs(tmp_path / "exp") == [f"{folder.path}: no result.json"]


def test_a_rerun_removes_the_old_result_before_it_writes_anything(tmp_path, monkeypatch):
    cfg = make_cfg(tmp_path)
    execute_job(cfg, tmp_path / "run")
    folder = RunFolder(tmp_path / "run")
    assert folder.is_finished()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(job_module, "evaluate_folds", killed)
    with pytest.raises(KeyboardInterrupt):
        execute_job(cfg, folder.path)
    # The old result (and the old outputs beside it) are gone: the folder is not "finished"
    # with numbers that the interrupted rerun did not produce.
    assert not folder.is_finished()
    assert not folder.folds.exists() and not folder.report_md.exists()


def test_a_file_where_the_run_folder_should_be_is_one_clear_error(tmp_path):
    blocker = tmp_path / "outputs"
    blocker.write_text("not a folder\n")
    with pytest.raises(RunFolderWriteError, match="cannot write the run folder") as caught:
        execute_job(make_cfg(tmp_path), blocker / "run")
    assert str(blocker) in str(caught.value)
    assert "paths.output_dir" in str(caught.value)
    assert blocker.read_text() == "not a folder\n"


@pytest.mark.slow
def test_cli_run_into_a_folder_it_cannot_write_exits_2_naming_it(tmp_path):
    run_dir = tmp_path / "exp"
    run_dir.mkdir()
    (run_dir / "jobs").write_text("a file where the jobs folder should be\n")
    result = harness_run(f"hydra.run.dir={run_dir}", root=tmp_path)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "cannot write the run folder" in result.stderr
    assert str(run_dir / "jobs") in result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_half_written(run_dir)


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs mounted for the test (root only), unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES // 1024}k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs in CI: {mounted.stderr.strip()}")
        pytest.skip(f"mounting a tmpfs is not permitted here ({mounted.stderr.strip()})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path, free_pages: int) -> None:
    """Leave about ``free_pages`` pages free on the tmpfs."""
    size = max(0, DISK_BYTES - free_pages * PAGE)
    with open(disk / "filler", "wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * size)


@pytest.mark.parametrize("free_pages", [0, 1, 3, 6, 16])
def test_a_full_disk_is_one_clear_error_and_leaves_no_truncated_file(
    small_disk, tmp_path, free_pages
):
    # 0 free pages: even config.yaml fails; 16: the whole disk, the report overflows it.
    fill(small_disk, free_pages)
    cfg = make_cfg(tmp_path)
    with pytest.raises(RunFolderWriteError) as caught:
        execute_job(cfg, small_disk / "run")
    message = str(caught.value)
    assert str(small_disk / "run") in message
    assert "Free disk space" in message
    folder = RunFolder(small_disk / "run")
    assert not folder.is_finished()
    assert not folder.error.exists()  # a full disk is not a failed job
    assert_nothing_half_written(folder.path, cfg)


@pytest.mark.slow
def test_cli_run_on_a_full_disk_exits_2_and_leaves_no_truncated_file(small_disk, tmp_path):
    run_dir = small_disk / "exp"
    result = harness_run(f"hydra.run.dir={run_dir}", root=tmp_path)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "cannot write the run folder" in result.stderr
    assert "Free disk space" in result.stderr
    for job in (run_dir / "jobs").iterdir() if (run_dir / "jobs").is_dir() else []:
        assert not RunFolder(job).is_finished()
        assert_nothing_half_written(job)
    leftovers = [p for p in run_dir.rglob(".*.tmp")]
    assert not leftovers
    if (run_dir / "manifest.json").exists():
        yaml.safe_load((run_dir / "manifest.json").read_text())
    shutil.rmtree(run_dir, ignore_errors=True)
