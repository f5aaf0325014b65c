"""`harness replay --port` on a port in use: one line naming the port, exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_replay_on_a_port_in_use_names_the_port(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "harness.cli", "replay", "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"port {port}" in result.stderr and "Traceback" not in result.stderr
