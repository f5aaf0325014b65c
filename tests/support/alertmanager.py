"""A real Alertmanager and a webhook receiver for tests, on free 127.0.0.1 ports.

The Alertmanager comes from the Debian package ``prometheus-alertmanager``; without it a test
is skipped, or fails when ``CI=true`` (CI installs it). It runs with an empty
``--cluster.listen-address`` (no gossip) and its own ``--storage.path``::

    with WebhookReceiver() as receiver:
        config = alertmanager_config_with(receivers={"oncall": receiver.url("oncall")})
        with running_alertmanager(tmp_path / "am", config) as alertmanager:
            ...
            receiver.wait_for(lambda n: n["receiver"] == "oncall")
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.prometheus import on_a_free_port, require_binary


@dataclass
class Notification:
    """One webhook call: the path it was posted to, when, and Alertmanager's payload."""

    path: str
    received_at: float
    payload: dict[str, Any]

    @property
    def status(self) -> str:
        """``firing`` or ``resolved``."""
        return self.payload["status"]

    def alert_names(self, status: str | None = None) -> list[str]:
        """The ``alertname`` of every alert in the notification (of ``status`` if given)."""
        return [
            alert["labels"]["alertname"]
            for alert in self.payload["alerts"]
            if status is None or alert["status"] == status
        ]


@dataclass
class WebhookReceiver:
    """An HTTP server recording every webhook notification it receives."""

    notifications: list[Notification] = field(default_factory=list)
    _server: http.server.ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        """The webhook URL for ``path`` (one path per receiver)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{path}"

    def received(self, path: str | None = None) -> list[Notification]:
        """The notifications so far (posted to ``path`` if given), oldest first."""
        with self._lock:
            return [n for n in self.notifications if path is None or n.path == path]

    def wait_for(
        self,
        predicate: Callable[[Notification], bool],
        timeout_s: float,
        what: str,
    ) -> Notification:
        """The first notification ``predicate`` accepts; fail the test after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for notification in self.received():
                if predicate(notification):
                    return notification
            time.sleep(0.2)
        seen = [(n.path, n.status, n.alert_names()) for n in self.received()]
        pytest.fail(f"no notification {what} within {timeout_s:.0f} s; received: {seen}")

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                notification = Notification(
                    self.path.strip("/"), time.monotonic(), json.loads(body or b"{}")
                )
                with receiver._lock:
                    receiver.notifications.append(notification)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class AlertmanagerServer:
    """A running Alertmanager: its URL and its alerts through the v2 API."""

    url: str

    def alerts(self, **filters: str) -> list[dict[str, Any]]:
        """Alerts Alertmanager holds, active, silenced and inhibited ones alike.

        ``filters`` are label matchers, e.g. ``alertname="HarnessRunsFailing"``.
        """
        query = [("active", "true"), ("silenced", "true"), ("inhibited", "true")]
        query += [("filter", f'{key}="{value}"') for key, value in filters.items()]
        url = f"{self.url}/api/v2/alerts?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())


@contextlib.contextmanager
def running_alertmanager(workdir: Path, config: dict[str, Any]) -> Iterator[AlertmanagerServer]:
    """Start ``prometheus-alertmanager`` with ``config`` on a free 127.0.0.1 port.

    Parameters
    ----------
    workdir : Path
        Holds ``alertmanager.yml``, the storage folder and ``alertmanager.log``.
    config : dict
        The configuration (e.g. :func:`harness.export.alertmanager.alertmanager_config`).
    """
    binary = require_binary("prometheus-alertmanager")
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "alertmanager.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def args(port: int, attempt: int) -> list[str]:
        return [
            binary,
            f"--config.file={config_path}",
            f"--storage.path={workdir / f'data-{attempt}'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ]

    with on_a_free_port(args, workdir / "alertmanager.log") as url:
        yield AlertmanagerServer(url)
