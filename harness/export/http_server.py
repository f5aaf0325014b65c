"""Serve the latest run results over HTTP for Prometheus to scrape (``harness serve-metrics``)."""

from __future__ import annotations

import errno
import logging
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server

from harness.errors import ConfigError, RunNotFoundError
from harness.export.prometheus import results_registry
from harness.runs import readable_records
from harness.slo import SLOSet

log = logging.getLogger(__name__)


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
    """``prometheus_client.start_http_server`` with one clear error when it cannot listen.

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
        return start_http_server(port, addr=addr, registry=registry)
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
