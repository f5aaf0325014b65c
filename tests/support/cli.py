"""Run ``harness <command>`` in a subprocess, as a user does, with its own root folder.

:func:`run_harness` runs a command to its end; :func:`start_harness` starts one that keeps
running while the test goes on (``serve-metrics``, ``replay``, a sweep the test stops)::

    def test_datasets(tmp_path):
        result = run_harness("datasets", root=tmp_path)
        assert result.returncode == 0, result.stderr

    replay = start_harness("replay", "--port", str(port), root=tmp_path)
    ...
    replay.terminate()
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _command(args: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-m", "harness.cli", *args]


def _environment(root: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with the harness root at ``root`` and no telemetry."""
    environment = dict(
        os.environ, HARNESS_ROOT=str(root), MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1"
    )
    environment.update(env or {})
    return environment


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
    return subprocess.run(
        _command(args),
        cwd=REPO,
        env=_environment(root, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_harness(*args: str, root: Path, **popen: Any) -> subprocess.Popen:
    """Start ``python -m harness.cli ARGS`` from the checkout, its outputs under ``root``.

    Parameters
    ----------
    *args : str
        The command line after ``harness``.
    root : Path
        ``HARNESS_ROOT`` of the command: its outputs and tracking store go there.
    **popen
        Options of :class:`subprocess.Popen`; by default stdout and stderr go, merged, to one
        text pipe (``process.stdout``).

    Returns
    -------
    subprocess.Popen
        The running process; the caller waits for it or stops it.
    """
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, **popen}
    return subprocess.Popen(_command(args), cwd=REPO, env=_environment(root), **options)
