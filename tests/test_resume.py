"""An interrupted sweep, killed for real, resumes where it stopped."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SWEEP = [
    "run",
    "-m",
    "resampler=none,class_weight,ros,smote,adasyn",
    "evaluation=fast",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "hydra.launcher.n_jobs=1",
    "tracking=none",
    "export=none",
]


def _env(root: Path) -> dict:
    return dict(os.environ, HARNESS_ROOT=str(root), MLFLOW_DISABLE_TELEMETRY="true")


def _finished(root: Path) -> dict[str, float]:
    done = {}
    for path in (root / "outputs" / "sweeps").rglob("result.json"):
        record = json.loads(path.read_text())
        if record["status"] == "success":
            done[str(path)] = path.stat().st_mtime
    return done


@pytest.mark.slow
def test_killed_sweep_resumes_and_skips_finished_jobs(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", *SWEEP],
        cwd=REPO,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and len(_finished(tmp_path)) < 2:
            assert process.poll() is None, "the sweep ended before it could be interrupted"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    before = _finished(tmp_path)
    assert 2 <= len(before) < 5, "the sweep must be interrupted part-way"

    resumed = subprocess.run(
        [sys.executable, "-m", "harness.cli", *SWEEP, "resume=true"],
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    after = _finished(tmp_path)
    assert len(after) == 5
    # The jobs that had finished were skipped, not run again.
    for path, mtime in before.items():
        assert after[path] == mtime
    sweep_dirs = list((tmp_path / "outputs" / "sweeps").iterdir())
    assert len(sweep_dirs) == 1
    assert (sweep_dirs[0] / "comparison.csv").read_text().count("success") == 5
