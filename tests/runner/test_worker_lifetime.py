"""The joblib workers of a killed `harness run` end with it, within seconds.

Loky workers only look at their parent between tasks: busy with a long job, they (and the
resource trackers whose pipes they hold) outlived a SIGKILLed run by more than ten minutes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import psutil
import pytest

from harness.runner.worker_lifetime import exit_with_parent
from tests.support.cli import start_harness


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    try:
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if "loky" in " ".join(_cmdline(c))]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_workers_exit_when_the_run_is_killed(tmp_path):
    run = start_harness(
        "run",
        "evaluation=fast",
        "evaluation.n_jobs=2",
        "evaluation.n_repeats=50",  # long jobs: the workers are busy when the run dies
        "evaluation.progress=false",
        "experiment.grid={resampler: [none, ros, class_weight]}",
        "tracking=none",
        "export=none",
        root=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so the test can clean up after itself
    )
    parent = psutil.Process(run.pid)
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(_workers(parent)) < 2:
            assert run.poll() is None, "the run ended before its workers started"
            time.sleep(0.2)
        workers = _workers(parent)
        assert len(workers) >= 2, "no joblib workers appeared"
        time.sleep(2)  # let them take a job each
        started = parent.children(recursive=True)
        os.kill(run.pid, signal.SIGKILL)  # the parent only, as the OOM killer would
        run.wait(timeout=30)
        gone_by = time.monotonic() + 15
        while time.monotonic() < gone_by and any(_alive(p) for p in started):
            time.sleep(0.2)
        survivors = [(p.pid, " ".join(_cmdline(p))[:80]) for p in started if _alive(p)]
        assert survivors == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        for process in started:
            if _alive(process):
                process.kill()


def test_the_main_process_is_never_watched():
    # A user's shell that exits must not end a run started with nohup.
    assert exit_with_parent() is False
