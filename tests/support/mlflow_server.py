"""A real ``mlflow server`` for tests: SQLite backend and artifacts under a temporary folder.

Use it from a module-scoped fixture (startup takes 5-15 s, a new database ~7 s more)::

    @pytest.fixture(scope="module")
    def server_uri(tmp_path_factory):
        with running_mlflow_server(tmp_path_factory.mktemp("mlflow")) as uri:
            yield uri
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

STARTUP_TIMEOUT_S = 90.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_uri() -> str:
    """Return an ``http://127.0.0.1:<port>`` URI where no server listens."""
    return f"http://127.0.0.1:{free_port()}"


def server_answers(uri: str, timeout_s: float = 1.0) -> bool:
    """Return whether an MLflow server answers ``GET <uri>/health``."""
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=timeout_s) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextlib.contextmanager
def running_mlflow_server(
    workdir: Path, *, port: int | None = None, while_starting: Callable[[], object] | None = None
) -> Iterator[str]:
    """Start ``mlflow server`` on 127.0.0.1, yield its URI once it answers, then stop it.

    Parameters
    ----------
    workdir : Path
        Holds the SQLite database (``mlflow.db``), the artifacts (``artifacts/``) and the
        server's log (``server.log``).
    port : int, optional
        Port to listen on; a free one by default.
    while_starting : callable, optional
        Called once the server process is launched, before waiting for it to answer, to do
        other set-up work in the meantime.

    Yields
    ------
    str
        ``http://127.0.0.1:<port>``.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    uri = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{workdir / 'mlflow.db'}",
        "--artifacts-destination",
        str(workdir / "artifacts"),
    ]
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        # A process group of its own, so that stopping it also stops the workers it spawns.
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            process_group=0,
        )  # fmt: skip
        try:
            if while_starting is not None:
                while_starting()
            _wait_until_up(process, uri, log_path)
            yield uri
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen, uri: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"mlflow server exited with {process.returncode}; its log:\n"
                + log_path.read_text(errors="replace")[-3000:]
            )
        if server_answers(uri):
            return
        time.sleep(0.3)
    raise RuntimeError(
        f"mlflow server did not answer at {uri} within {STARTUP_TIMEOUT_S:.0f} s; its log:\n"
        + log_path.read_text(errors="replace")[-3000:]
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
