"""`harness replay --port` on a port in use: one line naming the port, exit 2."""

from __future__ import annotations

import socket

import pytest

from tests.support.cli import run_harness


@pytest.mark.slow
def test_replay_on_a_port_in_use_names_the_port(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_harness("replay", "--port", str(port), root=tmp_path, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"port {port}" in result.stderr and "Traceback" not in result.stderr
