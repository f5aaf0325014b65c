"""Progress lines of a distributed run, and gathering Ray results while reporting them."""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]


def print_progress(message: str) -> None:
    """Default progress sink: one line on stderr."""
    print(message, file=sys.stderr, flush=True)


def wait_all(
    refs: list, what: str, progress: Progress, done_before: int = 0, total: int | None = None
) -> list:
    """Gather Ray results in submission order, reporting each completion.

    Parameters
    ----------
    refs : list of ray.ObjectRef
    what : str
        Name of the step in the progress lines (``"{what}: {done}/{total} done"``).
    progress : callable
    done_before, total : int
        Tasks of the same step finished earlier, and the step's task count (default: these
        refs only), so that a step submitted in several rounds counts on across them.
    """
    import ray

    total = len(refs) if total is None else total
    pending, done = list(refs), done_before
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        done += len(ready)
        progress(f"{what}: {done}/{total} done")
    return ray.get(refs)
