"""Run ``harness <command>`` in a subprocess, as a user does, with its own root folder.

::

    def test_datasets(tmp_path):
        result = run_harness("datasets", root=tmp_path)
        assert result.returncode == 0, result.stderr
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_harness(
    *args: str, root: Path, env: Mapping[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run ``python -m harness.cli ARGS`` from the checkout, its outputs under ``root``.

    Parameters
    ----------
    *args : str
        The command line after ``harness``.
    root : Path
        ``HARNESS_ROOT`` of the command: its outputs and tracking store go there.
    env : Mapping of str to str, optional
        More environment variables (e.g. ``HARNESS_CONFIG_PATH``).
    timeout : int
        Seconds before the command is stopped and the test fails.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text; the exit code is not checked.
    """
    environment = dict(os.environ, HARNESS_ROOT=str(root), MLFLOW_DISABLE_TELEMETRY="true")
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
