"""A real Prometheus and a real Pushgateway for tests, on free 127.0.0.1 ports.

Both come from the Debian packages ``prometheus`` and ``prometheus-pushgateway`` (an
Alertmanager, from ``prometheus-alertmanager``, is in :mod:`tests.support.alertmanager`).
Without them a test is skipped, or fails when ``CI=true`` (CI installs them)::

    def test_scrape(tmp_path):
        with running_pushgateway(tmp_path / "pgw") as gateway:
            with running_prometheus(tmp_path / "prom", pushgateway=gateway) as prom:
                ...
                prom.wait_for('up{job="pushgateway"}')
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

READY_TIMEOUT_S = 30.0
PORT_ATTEMPTS = 3
SCRAPE_INTERVAL = "1s"
INSTALL_HINT = "apt-get install prometheus prometheus-pushgateway prometheus-alertmanager"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(name: str, package: str | None = None) -> str:
    """Return the path of ``name``; skip the test (fail on CI) when it is not installed.

    ``package`` is the Debian package that installs ``name``; the message names every
    package the tests use when it is omitted.
    """
    path = shutil.which(name)
    if path is None:
        install = f"apt-get install {package}" if package else INSTALL_HINT
        reason = f"{name} is not installed; install it with `{install}`."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _get(url: str, timeout_s: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return response.read()


def wait_ready(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            _get(url)
            # Another test's server may have taken the port between free_port() and our bind:
            # then it answered, and our process is about to exit. Make sure ours is the one.
            time.sleep(0.5)
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited early:\n{log_path.read_text()[-3000:]}")
            return
        time.sleep(0.1)
    log = log_path.read_text()[-3000:]
    raise RuntimeError(f"{url} not ready after {READY_TIMEOUT_S} s:\n{log}")


@contextlib.contextmanager
def server_process(args: list[str], ready_url: str, log_path: Path) -> Iterator[None]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(ready_url, process, log_path)
    except RuntimeError:
        process.kill()
        process.wait()
        raise
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def on_a_free_port(make_args: Callable[[int, int], list[str]], log_path: Path) -> Iterator[str]:
    """Start a server on a free port, trying another port if one is taken meanwhile."""
    for attempt in range(PORT_ATTEMPTS):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = server_process(make_args(port, attempt), f"{url}/-/ready", log_path)
        try:
            server.__enter__()
        except RuntimeError:
            if attempt == PORT_ATTEMPTS - 1:
                raise
            continue
        try:
            yield url
        finally:
            server.__exit__(None, None, None)
        return


@contextlib.contextmanager
def running_pushgateway(workdir: Path) -> Iterator[str]:
    """Start ``prometheus-pushgateway``; yield its URL (``http://127.0.0.1:<port>``)."""
    binary = require_binary("prometheus-pushgateway")
    workdir.mkdir(parents=True, exist_ok=True)

    def args(port: int, attempt: int) -> list[str]:
        # Debian's build persists to one shared file by default; keep each gateway to itself.
        return [
            binary,
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={workdir / 'pushgateway.data'}",
        ]

    with on_a_free_port(args, workdir / "pushgateway.log") as url:
        yield url


@dataclass
class PrometheusServer:
    """A running Prometheus: its URL and queries through its HTTP API."""

    url: str

    def query(self, promql: str) -> list[dict]:
        """Evaluate ``promql`` now; return the ``result`` list of the HTTP API answer."""
        query = urllib.parse.urlencode({"query": promql})
        answer = json.loads(_get(f"{self.url}/api/v1/query?{query}"))
        if answer.get("status") != "success":
            raise AssertionError(f"query {promql!r} failed: {answer}")
        return answer["data"]["result"]

    def wait_for(
        self,
        promql: str,
        predicate: Callable[[list[dict]], bool] = bool,
        timeout_s: float = 30.0,
    ) -> list[dict]:
        """Query until ``predicate(result)`` holds (non-empty by default) or fail the test."""
        deadline = time.monotonic() + timeout_s
        result: list[dict] = []
        while time.monotonic() < deadline:
            result = self.query(promql)
            if predicate(result):
                return result
            time.sleep(0.25)
        pytest.fail(f"{promql!r} did not match within {timeout_s} s; last result: {result}")

    def targets(self) -> list[dict]:
        """The active scrape targets with their health and last error."""
        return json.loads(_get(f"{self.url}/api/v1/targets"))["data"]["activeTargets"]

    def wait_for_targets(self, count: int, timeout_s: float = 30.0) -> None:
        """Wait until ``count`` scrape targets are known (service discovery takes ~5 s)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.targets()) >= count:
                return
            time.sleep(0.25)
        pytest.fail(f"Prometheus did not discover {count} targets within {timeout_s} s.")


def prometheus_config(
    *,
    targets: Sequence[str] = (),
    pushgateway: str | None = None,
    rule_files: Sequence[Path] = (),
    alertmanager: str | None = None,
) -> dict:
    """A Prometheus configuration scraping and evaluating every second.

    ``alertmanager`` (a URL) receives the alerts of ``rule_files``.
    """
    scrape_configs = []
    if pushgateway is not None:
        scrape_configs.append(
            {
                "job_name": "pushgateway",
                "honor_labels": True,
                "static_configs": [{"targets": [urllib.parse.urlparse(pushgateway).netloc]}],
            }
        )
    if targets:
        static = [{"targets": list(targets)}]
        scrape_configs.append({"job_name": "harness", "static_configs": static})
    config = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": scrape_configs,
    }
    if rule_files:
        config["rule_files"] = [str(path) for path in rule_files]
    if alertmanager is not None:
        target = urllib.parse.urlparse(alertmanager).netloc
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [target]}]}]}
    return config


@contextlib.contextmanager
def running_prometheus(
    workdir: Path,
    *,
    targets: Sequence[str] = (),
    pushgateway: str | None = None,
    rule_files: Sequence[Path] = (),
    alertmanager: str | None = None,
    resend_delay: str | None = None,
) -> Iterator[PrometheusServer]:
    """Start ``prometheus`` with a generated config and a fresh storage folder.

    Parameters
    ----------
    workdir : Path
        Holds ``prometheus.yml``, ``data/`` and ``prometheus.log``.
    targets : sequence of str
        ``host:port`` endpoints scraped under job ``harness``.
    pushgateway : str, optional
        URL of a Pushgateway, scraped with ``honor_labels: true``.
    rule_files : sequence of Path
        Rule files to load.
    alertmanager : str, optional
        URL of an Alertmanager to send the alerts to.
    resend_delay : str, optional
        How often a firing alert is sent again (``--rules.alert.resend-delay``, 1m by default).
    """
    binary = require_binary("prometheus")
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "prometheus.yml"
    config = prometheus_config(
        targets=targets, pushgateway=pushgateway, rule_files=rule_files, alertmanager=alertmanager
    )
    config_path.write_text(yaml.safe_dump(config))

    def args(port: int, attempt: int) -> list[str]:
        extra = [f"--rules.alert.resend-delay={resend_delay}"] if resend_delay else []
        return [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / f'data-{attempt}'}",
            f"--web.listen-address=127.0.0.1:{port}",
            *extra,
        ]

    with on_a_free_port(args, workdir / "prometheus.log") as url:
        yield PrometheusServer(url)


def fetch_metrics(url: str) -> str:
    """The text of ``GET <url>`` (an exposition endpoint)."""
    with contextlib.suppress(urllib.error.URLError):
        return _get(url).decode()
    return ""
