import json
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from harness.errors import ConfigError, RunNotFoundError
from harness.export.http_server import start_metrics_server
from harness.slo import load_slo_set
from tests.export.records import make_record
from tests.support.cli import run_harness
from tests.support.prometheus import free_port


def write_run(root, name, record):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps(record))


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_every_scrape_rereads_the_results_folder(tmp_path):
    write_run(tmp_path, "run-a", make_record())
    port = free_port()
    server, _ = start_metrics_server(tmp_path, port, slo=load_slo_set("default"))
    try:
        first = scrape(port)
        assert 'harness_test_minority_recall{dataset="pima"' in first
        assert "harness_slo_met{" in first
        assert 'resampler="smote"' not in first
        write_run(tmp_path, "run-b", make_record(resampler="smote"))
        (tmp_path / "broken").mkdir()
        (tmp_path / "broken" / "result.json").write_text("{not json")
        second = scrape(port)
        assert 'resampler="smote"' in second
    finally:
        server.shutdown()
        server.server_close()


def test_missing_results_folder_names_the_fix(tmp_path):
    with pytest.raises(RunNotFoundError, match="run an experiment first"):
        start_metrics_server(tmp_path / "nowhere", free_port())


@pytest.fixture
def port_in_use():
    """A port on 127.0.0.1 that another socket listens on for the whole test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_port_in_use_is_a_config_error_naming_the_port(tmp_path, port_in_use):
    with pytest.raises(ConfigError) as caught:
        start_metrics_server(tmp_path, port_in_use)
    message = str(caught.value)
    assert f"port {port_in_use} on 127.0.0.1 is already in use" in message
    assert "pass another port" in message and "stop the process" in message


def test_an_out_of_range_port_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="port 70000.*pass a port from 1024 to 65535"):
        start_metrics_server(tmp_path, 70000)


def serve_metrics_cli(*args: str, root: Path) -> subprocess.CompletedProcess:
    return run_harness("serve-metrics", *args, root=root, timeout=120)


def test_serve_metrics_on_a_port_in_use_prints_one_line_and_exits_2(tmp_path, port_in_use):
    result = serve_metrics_cli("--root", str(tmp_path), "--port", str(port_in_use), root=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"port {port_in_use} on 127.0.0.1 is already in use" in lines[0]
    assert "pass another port" in lines[0] and "stop the process" in lines[0]
    assert "serving" not in result.stdout  # nothing claims to serve


def test_idle_connections_cannot_pile_up_threads(tmp_path, monkeypatch):
    import threading
    import time

    import harness.export.http_server as http_server

    monkeypatch.setattr(http_server._QuietHandler, "timeout", 1.0)
    (tmp_path / "run").mkdir()
    port = free_port()
    server, _ = start_metrics_server(tmp_path, port)
    before = threading.active_count()
    idle = []
    try:
        for _ in range(300):  # connect and send nothing
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        busy = threading.active_count() - before
        assert busy <= http_server.MAX_CONNECTIONS, busy
        deadline = time.monotonic() + 10
        while threading.active_count() > before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert threading.active_count() == before  # the silent ones timed out
        # Every connection was closed: those over the cap at once with a 503, the others when
        # they stayed silent too long.
        answers = [connection.recv(200) for connection in idle]
        assert all(a == b"" or a.startswith(b"HTTP/1.1 503") for a in answers)
        assert any(a.startswith(b"HTTP/1.1 503") for a in answers)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            assert response.status == 200  # and the server still answers
    finally:
        for connection in idle:
            connection.close()
        server.shutdown()
        server.server_close()
