"""Where runs go: tracking URIs, SQLite stores, HTTP limits and the reachability check."""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from harness.errors import ConfigError, HarnessError

SQLITE_PREFIX = "sqlite:///"
#: Folder, next to a SQLite database, that holds the artifacts of its runs.
SQLITE_ARTIFACTS_DIR = "mlartifacts"


class TrackingUnavailable(HarnessError, ConnectionError):  # noqa: N818 (name used by callers)
    """The tracking store cannot be reached or failed while a run was being logged."""


class TrackingUnavailableWarning(UserWarning):
    """Emitted instead of an error when a run could not be logged; its folder is intact."""


def is_sqlite(uri: str) -> bool:
    """Return whether ``uri`` names a SQLite tracking store."""
    return str(uri).startswith(SQLITE_PREFIX)


def is_http(uri: str) -> bool:
    """Return whether ``uri`` names a tracking server."""
    return str(uri).startswith(("http://", "https://"))


def sqlite_path(uri: str) -> Path:
    """Return the database file of a ``sqlite:///`` URI."""
    return Path(str(uri)[len(SQLITE_PREFIX) :])


def normalize_uri(uri: str | None) -> str:
    """Check a tracking URI and make a relative SQLite path absolute.

    Parameters
    ----------
    uri : str
        ``sqlite:///<path>``, ``http(s)://host:port`` or another URI MLflow understands.

    Returns
    -------
    str
        The URI; a SQLite path is made absolute so that every process finds the same file.

    Raises
    ------
    ConfigError
        When ``uri`` is empty.
    """
    if uri is None or not str(uri).strip():
        raise ConfigError(
            "tracking.uri is empty: set it (e.g. tracking.uri=sqlite:///mlflow.db or "
            "tracking.uri=http://127.0.0.1:5000), or turn tracking off with tracking=none."
        )
    uri = str(uri).strip()
    if is_sqlite(uri):
        return SQLITE_PREFIX + str(sqlite_path(uri).expanduser().resolve())
    return uri.rstrip("/") if is_http(uri) else uri


def sqlite_artifact_location(uri: str, experiment_name: str) -> str | None:
    """Return the artifact location of a new experiment in a SQLite store (``None`` otherwise).

    MLflow's default is ``./mlruns`` relative to the current folder, which scatters artifacts;
    the harness keeps them next to the database instead.
    """
    if not is_sqlite(uri):
        return None
    folder = sqlite_path(uri).parent / SQLITE_ARTIFACTS_DIR / _safe_folder_name(experiment_name)
    return folder.as_uri()


def ensure_sqlite_db(uri: str) -> Path | None:
    """Create and migrate a SQLite tracking database once, before parallel jobs open it.

    Parallel processes creating the same new database fail (``_alembic_tmp_... already
    exists``), so a sweep calls this in its parent process first. Other URIs are left alone.

    Parameters
    ----------
    uri : str
        The tracking URI.

    Returns
    -------
    Path or None
        The database file, or ``None`` when ``uri`` is not a SQLite URI.
    """
    if not uri or not is_sqlite(str(uri)):
        return None
    uri = normalize_uri(uri)
    path = sqlite_path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    from mlflow import MlflowClient

    # Opening the store creates the tables and runs the migrations.
    MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    return path


@contextlib.contextmanager
def http_limits(timeout_s: float, retries: int) -> Iterator[None]:
    """Bound MLflow's HTTP timeout and retries while the block runs, then restore them.

    MLflow reads ``MLFLOW_HTTP_REQUEST_TIMEOUT`` (default 120 s),
    ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` (default 7) and ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR``
    (default 2) at every request; with the defaults a server that is down blocks a run for
    minutes. Values the user already exported are kept.
    """
    wanted = {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, int(round(timeout_s)))),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(max(0, int(retries))),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    }
    previous = {name: os.environ.get(name) for name in wanted}
    for name, value in wanted.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_reachable(uri: str, timeout_s: float) -> None:
    """Fail fast when a tracking server does not answer its ``/health`` endpoint.

    Raises
    ------
    TrackingUnavailable
        When ``uri`` is an HTTP URI and the server does not answer within ``timeout_s``.
    """
    if not is_http(uri):
        return
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=timeout_s) as response:
            response.read()
    except urllib.error.HTTPError:
        return  # the server answered; MLflow itself reports what it refuses
    except OSError as exc:
        raise TrackingUnavailable(
            f"the MLflow tracking server at {uri} does not answer ({exc}): start it "
            "(mlflow server ...) or fix tracking.uri. The results are safe in the run folder; "
            "`harness sync` uploads them later."
        ) from exc


def _safe_folder_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name)) or "default"
