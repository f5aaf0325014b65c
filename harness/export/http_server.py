"""Serve the latest run results over HTTP for Prometheus to scrape (``harness serve-metrics``)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from harness.errors import RunNotFoundError
from harness.export.prometheus import results_registry
from harness.runs import read_records
from harness.slo import SLOSet

log = logging.getLogger(__name__)


def start_metrics_server(
    results_root: Path, port: int, addr: str = "127.0.0.1", *, slo: SLOSet | None = None
) -> tuple[WSGIServer, threading.Thread]:
    """Start serving, in a background thread, the results found under ``results_root``.

    Every scrape re-reads the ``result.json`` files, so new runs appear without a restart.

    Parameters
    ----------
    results_root : Path
        Folder searched recursively for ``result.json`` records.
    port : int
        TCP port to listen on.
    addr : str
        Address to bind; the loopback interface by default.
    slo : SLOSet, optional
        Adds the SLO threshold and met series.

    Returns
    -------
    (server, thread)
        Call ``server.shutdown()`` then ``server.server_close()`` to stop.

    Raises
    ------
    RunNotFoundError
        ``results_root`` is not a folder.
    """
    root = Path(results_root)
    if not root.is_dir():
        raise RunNotFoundError(
            f"results folder {root} does not exist; run an experiment first or pass the folder "
            "that holds the run folders."
        )
    registry = results_registry(lambda: read_records(root), slo)
    server, thread = start_http_server(port, addr=addr, registry=registry)
    log.info("serving the results under %s on http://%s:%d/metrics", root, addr, port)
    return server, thread


def serve_metrics(
    results_root: Path, port: int, addr: str = "127.0.0.1", *, slo: SLOSet | None = None
) -> None:
    """Serve the latest results under ``results_root`` until interrupted (Ctrl-C).

    Parameters
    ----------
    results_root : Path
        Folder searched recursively for ``result.json`` records, re-read on each scrape.
    port : int
        TCP port to listen on.
    addr : str
        Address to bind; the loopback interface by default.
    slo : SLOSet, optional
        Adds the SLO threshold and met series.
    """
    server, thread = start_metrics_server(results_root, port, addr, slo=slo)
    try:
        thread.join()
    except KeyboardInterrupt:
        log.info("stopping the metrics server")
    finally:
        server.shutdown()
        server.server_close()
