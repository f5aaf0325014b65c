"""Start ``harness <command>`` as a process that keeps running while the test goes on.

For a command that serves (``serve-metrics``, ``replay``) or one a test watches or stops
part-way (a sweep); :func:`tests.support.cli.run_harness` runs one to its end::

    replay = start_harness("replay", "--port", str(port), root=tmp_path)
    ...
    replay.terminate()
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.cli import REPO


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
    environment = dict(os.environ, HARNESS_ROOT=str(root), MLFLOW_DISABLE_TELEMETRY="true")
    command = [sys.executable, "-m", "harness.cli", *args]
    return subprocess.Popen(command, cwd=REPO, env=environment, **options)
