"""Serve the latest run results over HTTP for Prometheus to scrape (``harness serve-metrics``).

The server is prometheus-client's WSGI application on a server whose connections are bounded:
at most :data:`MAX_CONNECTIONS` are served at once (one more is answered ``503`` and closed),
and a client that sends nothing for :data:`READ_TIMEOUT_S` seconds is disconnected, so idle
sockets cannot pile up threads.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from harness.errors import ConfigError, RunNotFoundError
from harness.export.prometheus import results_registry
from harness.runs import readable_records
from harness.slo import SLOSet

log = logging.getLogger(__name__)

#: Connections served at once; Prometheus scrapes one at a time per target.
MAX_CONNECTIONS = 16
#: Seconds a connection may stay silent while its request is read.
READ_TIMEOUT_S = 5.0
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _QuietHandler(WSGIRequestHandler):
    """Reads each request under a timeout and logs nothing per request."""

    timeout = READ_TIMEOUT_S

    def log_message(self, format: str, *args: object) -> None:
        """Per-request access lines would flood the log of a scraped server."""


class BoundedWSGIServer(ThreadingMixIn, WSGIServer):
    """A threading WSGI server that serves at most :data:`MAX_CONNECTIONS` at once."""

    daemon_threads = True
    max_connections = MAX_CONNECTIONS
    # Connections the kernel queues before they are accepted (socketserver's default is 5).
    request_queue_size = 128

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._slots = threading.BoundedSemaphore(self.max_connections)
        super().__init__(*args, **kwargs)

    def process_request(self, request: socket.socket, client_address: object) -> None:
        """Serve ``request`` in a thread if a slot is free; else answer 503 and close it."""
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:
        """Serve one connection, then free its slot whatever happened."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that timed out or went away is not a server error."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


def _family(addr: str, port: int) -> tuple[socket.AddressFamily, str]:
    """The address family and address to bind ``addr`` with (IPv6 when it is one)."""
    infos = socket.getaddrinfo(addr or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, sockaddr = next(iter(infos))
    return family, sockaddr[0]


def _serve(
    registry: CollectorRegistry, port: int, addr: str
) -> tuple[WSGIServer, threading.Thread]:
    family, host = _family(addr, port)
    server_class = type("Server", (BoundedWSGIServer,), {"address_family": family})
    server = make_server(
        host, port, make_wsgi_app(registry), server_class, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _listen_error(port: int, addr: str, error: OSError | OverflowError) -> ConfigError:
    """Name why ``addr:port`` cannot be listened on, and what to change."""
    code = getattr(error, "errno", None)
    if code == errno.EADDRINUSE:
        return ConfigError(
            f"port {port} on {addr} is already in use: pass another port (e.g. --port "
            f"{port + 1 if port < 65535 else 9109}), or stop the process that listens on it "
            f"(`ss -ltnp 'sport = :{port}'` shows which one)."
        )
    if code == errno.EACCES:
        return ConfigError(
            f"not allowed to listen on port {port} of {addr} (ports below 1024 need extra "
            "privileges): pass a port from 1024 to 65535, e.g. --port 9109."
        )
    if code == errno.EADDRNOTAVAIL:
        return ConfigError(
            f"{addr} is not an address of this machine, so port {port} cannot be opened on it: "
            "pass --addr 127.0.0.1 (this machine only) or --addr 0.0.0.0 (every interface)."
        )
    reason = getattr(error, "strerror", None) or str(error)
    return ConfigError(
        f"cannot listen on {addr} port {port} ({reason}): pass a port from 1024 to 65535 with "
        "--port and an address of this machine with --addr (e.g. 127.0.0.1)."
    )


def start_registry_server(
    registry: CollectorRegistry, port: int, addr: str = "127.0.0.1"
) -> tuple[WSGIServer, threading.Thread]:
    """Serve ``registry`` on ``/metrics`` in a background thread, connections bounded (see the
    module), with one clear error when it cannot listen.

    Parameters
    ----------
    registry : CollectorRegistry
        What ``/metrics`` exposes.
    port : int
        TCP port to listen on.
    addr : str
        Address to bind; the loopback interface by default.

    Returns
    -------
    (server, thread)
        Call ``server.shutdown()`` then ``server.server_close()`` to stop.

    Raises
    ------
    ConfigError
        The port is in use, not allowed or out of range, or ``addr`` is not an address of this
        machine; the message names the port and what to change.
    """
    try:
        return _serve(registry, port, addr)
    except (OSError, OverflowError) as error:  # OverflowError: a port outside 0-65535
        raise _listen_error(port, addr, error) from error


def start_metrics_server(
    results_root: Path, port: int, addr: str = "127.0.0.1", *, slo: SLOSet | None = None
) -> tuple[WSGIServer, threading.Thread]:
    """Start serving, in a background thread, the results found under ``results_root``.

    Every scrape re-reads the ``result.json`` files, so new runs appear without a restart.

    Parameters
    ----------
    results_root : Path
        Folder searched recursively for ``result.json`` records.
    port, addr
        As :func:`start_registry_server`.
    slo : SLOSet, optional
        Adds the SLO threshold and met series.

    Returns
    -------
    (server, thread)
        As :func:`start_registry_server`.

    Raises
    ------
    RunNotFoundError
        ``results_root`` is not a folder.
    ConfigError
        The server cannot listen on ``addr:port`` (e.g. the port is in use).
    """
    root = Path(results_root)
    if not root.is_dir():
        raise RunNotFoundError(
            f"results folder {root} does not exist; run an experiment first or pass the folder "
            "that holds the run folders."
        )
    registry = results_registry(lambda: readable_records(root), slo)
    server, thread = start_registry_server(registry, port, addr)
    log.info("serving the results under %s on http://%s:%d/metrics", root, addr, port)
    return server, thread


def wait_until_interrupted(server: WSGIServer, thread: threading.Thread) -> None:
    """Block until Ctrl-C (or the server thread ends), then stop the server.

    Parameters
    ----------
    server, thread
        As returned by :func:`start_metrics_server` or :func:`start_registry_server`.
    """
    try:
        thread.join()
    except KeyboardInterrupt:
        log.info("stopping the metrics server")
    finally:
        server.shutdown()
        server.server_close()


def serve_metrics(
    results_root: Path, port: int, addr: str = "127.0.0.1", *, slo: SLOSet | None = None
) -> None:
    """Serve the latest results under ``results_root`` until interrupted (Ctrl-C).

    Parameters
    ----------
    results_root, port, addr, slo
        As :func:`start_metrics_server`.

    Raises
    ------
    RunNotFoundError, ConfigError
        As :func:`start_metrics_server`.
    """
    wait_until_interrupted(*start_metrics_server(results_root, port, addr, slo=slo))
