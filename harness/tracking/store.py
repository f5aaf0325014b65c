"""Where runs go: tracking URIs, SQLite stores, HTTP limits and the reachability check."""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from harness.errors import ConfigError, HarnessError, RunNotFoundError

T = TypeVar("T")

SQLITE_PREFIX = "sqlite:///"
#: Folder, next to a SQLite database, that holds the artifacts of its runs.
SQLITE_ARTIFACTS_DIR = "mlartifacts"
#: Suffix of the lock file next to a SQLite database (``mlflow.db.lock``).
LOCK_SUFFIX = ".lock"
#: Attempts of a write that finds the SQLite store busy (``database is locked``), and the first
#: pause between two; the pause doubles (with jitter) up to :data:`BUSY_MAX_PAUSE_S`.
BUSY_ATTEMPTS = 6
BUSY_FIRST_PAUSE_S = 0.25
BUSY_MAX_PAUSE_S = 4.0


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


def default_tracking_uri() -> str:
    """The store of ``conf/tracking/sqlite.yaml``: ``$MLFLOW_TRACKING_URI`` when set, else
    ``sqlite:///<$HARNESS_ROOT or .>/mlflow.db``."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{os.environ.get('HARNESS_ROOT', '.')}/mlflow.db"


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


def lock_path(uri: str) -> Path:
    """The lock file of a SQLite store: ``<database>.lock``, next to it."""
    path = sqlite_path(normalize_uri(uri))
    return path.with_name(path.name + LOCK_SUFFIX)


_thread_locks: dict[Path, threading.RLock] = {}
_held: dict[Path, IO[bytes]] = {}
_registry_guard = threading.Lock()


@contextlib.contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Hold the store's file lock (``fcntl.flock`` on ``<database>.lock``) while the block runs.

    Serialises what must not run twice at once on one SQLite store, across processes: creating
    and migrating the database, finding-or-creating a parent run. Re-entrant within a process;
    a no-op for a store that is not SQLite.
    """
    if not uri or not is_sqlite(str(uri)):
        yield
        return
    lock = lock_path(str(uri))
    with _registry_guard:
        thread_lock = _thread_locks.setdefault(lock, threading.RLock())
    with thread_lock:
        if lock in _held:  # this thread holds it already
            yield
            return
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "ab") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            _held[lock] = handle
            try:
                yield
            finally:
                del _held[lock]
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fast_sqlite_commits() -> None:
    """Open every SQLite connection of this process in write-ahead-log mode with
    ``synchronous=NORMAL``.

    SQLite's default journal syncs the disk on every commit; MLflow commits several times per
    run, so logging a 200-job sweep spent most of its time waiting for the disk (about 130 ms a
    run against 50 ms here). In WAL mode with ``synchronous=NORMAL`` a crash of the process
    loses nothing committed and a power loss can lose only the last commits, never corrupt the
    store: the run folders are the record, and ``harness sync`` uploads anything missing. WAL
    also lets readers (the gate, the UI) read while a sweep writes. It keeps a ``-wal`` and a
    ``-shm`` file next to the database, and needs a local disk (not a network share).
    """
    if _SQLITE_PRAGMAS_SET:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        if type(connection).__module__.split(".")[0] != "sqlite3":
            return
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    _SQLITE_PRAGMAS_SET.append(True)


_SQLITE_PRAGMAS_SET: list[bool] = []


def open_client(uri: str) -> Any:
    """An ``MlflowClient`` for ``uri`` (its tracking store and model registry); a SQLite store is
    created and migrated under its lock.

    MLflow creates the tables and runs its migrations when a process first opens a store;
    two processes doing that at once on a new database leave it half-migrated
    (``_alembic_tmp_...`` tables), after which every run fails.

    Raises
    ------
    TrackingUnavailable
        When a SQLite store was left half-migrated by an earlier crash.
    """
    from mlflow import MlflowClient

    uri = normalize_uri(uri)
    if not is_sqlite(uri):
        return MlflowClient(tracking_uri=uri, registry_uri=uri)
    _fast_sqlite_commits()
    path = sqlite_path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    with store_lock(uri):
        try:
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        except Exception as exc:
            if "_alembic_tmp" in str(exc):
                raise TrackingUnavailable(
                    f"the SQLite tracking store {path} was left half-migrated by an earlier "
                    f"crash ({type(exc).__name__}: {str(exc).splitlines()[0]}): move it away "
                    f"(mv {path} {path}.broken) and run `harness sync` to upload the run "
                    "folders into a new store."
                ) from exc
            raise
    return client


def ensure_sqlite_db(uri: str) -> Path | None:
    """Create and migrate a SQLite tracking database, under its file lock.

    Safe to call from many processes at once (see :func:`open_client`); a sweep calls it in
    its parent process first so that its jobs find the store ready. Other URIs are left alone.

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
    with store_lock(uri):
        open_client(uri).search_experiments(max_results=1)
    return sqlite_path(uri)


def is_busy_error(exc: BaseException) -> bool:
    """Whether ``exc`` says that a SQLite store is busy (``database is locked``)."""
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def retry_when_busy(action: Callable[[], T], attempts: int = BUSY_ATTEMPTS) -> T:
    """Run ``action``; while it fails with ``database is locked``, wait and run it again.

    The pauses double from :data:`BUSY_FIRST_PAUSE_S` up to :data:`BUSY_MAX_PAUSE_S`, with
    jitter so that processes that collided do not collide again; after ``attempts`` the last
    error is raised. Any other error is raised at once.
    """
    pause = BUSY_FIRST_PAUSE_S
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as exc:
            if not is_busy_error(exc) or attempt == attempts:
                raise
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(2 * pause, BUSY_MAX_PAUSE_S)
    raise AssertionError("unreachable")  # pragma: no cover


def is_dataset_race(exc: BaseException) -> bool:
    """Whether ``exc`` says that another process stored the same MLflow dataset first.

    MLflow's SQL store looks a dataset up and inserts it when missing; two processes logging
    the same data set to a new store at once can both miss it, and the second insert breaks
    the ``(experiment_id, name, digest)`` unique constraint. Its transaction is rolled back, so
    running the call again finds the stored dataset and links it.
    """
    text = str(exc).lower()
    return "unique constraint failed: datasets." in text


def retry_when_racing(action: Callable[[], T], attempts: int = BUSY_ATTEMPTS) -> T:
    """Run ``action`` as :func:`retry_when_busy` does, and also again after a dataset race
    (:func:`is_dataset_race`); any other error is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            return retry_when_busy(action)
        except Exception as exc:
            if not is_dataset_race(exc) or attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


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


def check_reachable(uri: str, timeout_s: float, *, creating: bool = False) -> None:
    """Fail fast when the tracking store cannot be used.

    Parameters
    ----------
    uri : str
        The tracking URI.
    timeout_s : float
        How long a tracking server may take to answer its ``/health`` endpoint.
    creating : bool
        Whether the caller writes runs and may create a SQLite store. A reader (the gate, a
        query) never creates one: a missing SQLite file is an error naming the path, not a new
        empty store in the current folder.

    Raises
    ------
    TrackingUnavailable
        When ``uri`` is an HTTP URI and the server does not answer within ``timeout_s``.
    RunNotFoundError
        When ``uri`` is a SQLite URI, ``creating`` is false and the file does not exist.
    """
    if is_sqlite(uri) and not creating:
        path = sqlite_path(uri)
        if not path.is_file():
            raise RunNotFoundError(
                f"the tracking store {path} does not exist, so there is nothing to read: pass "
                "the URI of the store the runs were logged to (sqlite:///<folder>/mlflow.db), set "
                "HARNESS_ROOT or MLFLOW_TRACKING_URI to it, or run `harness run` first."
            )
        return
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
