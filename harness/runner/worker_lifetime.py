"""Worker processes end with the process that started them.

joblib's loky workers only notice that their parent is gone between two tasks: a worker busy
with a long job (and the resource trackers whose pipes it holds) outlived a killed
``harness run`` by many minutes. :func:`exit_with_parent` runs first in every worker (as the
pool's initializer, or at the start of a sweep job) and starts a watchdog thread that ends the
worker as soon as its parent is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

#: How often the watchdog looks at the parent process id, in seconds.
POLL_SECONDS = 0.5
#: Set by a sweep's parent process to its pid, for the launcher's workers to watch.
SWEEP_PID_ENV = "HARNESS_SWEEP_PID"

_lock = threading.Lock()
_watched_parent: int | None = None


def exit_with_parent(parent_pid: int | None = None, poll_seconds: float = POLL_SECONDS) -> bool:
    """In a worker process, end this process when its parent ends; elsewhere do nothing.

    When the parent dies the worker is re-parented and ``os.getppid()`` changes; the
    watchdog then calls ``os._exit``. The main process of a command is never watched: a user's
    shell that exits must not end a run started with ``nohup``.

    Parameters
    ----------
    parent_pid : int, optional
        The pid of the process that started this worker, as that process knew it. A worker
        whose parent is already another process (it died while the worker was starting) ends
        at once. Default: ``os.getppid()`` now.
    poll_seconds : float
        How often the parent is checked.

    Returns
    -------
    bool
        Whether this process is watched (it is a worker); repeated calls start one thread.
    """
    global _watched_parent
    if multiprocessing.parent_process() is None:
        return False
    parent = os.getppid() if parent_pid is None else int(parent_pid)
    if os.getppid() != parent:
        os._exit(1)  # orphaned before it even started: nobody will collect its results
    with _lock:
        if _watched_parent is None:
            _watched_parent = parent
            threading.Thread(
                target=_watch,
                args=(parent, poll_seconds),
                name="harness-exit-with-parent",
                daemon=True,
            ).start()
    return True


def sweep_parent_pid() -> int | None:
    """The pid a sweep's parent process published in :data:`SWEEP_PID_ENV`, if any."""
    value = os.environ.get(SWEEP_PID_ENV, "")
    return int(value) if value.isdigit() else None


def _watch(parent: int, poll_seconds: float) -> None:
    while os.getppid() == parent:
        time.sleep(poll_seconds)
    # Orphaned. os._exit, not sys.exit: the main thread may be deep inside a fit and must not
    # get the chance to go on.
    os._exit(1)
