"""What the runner may ask of a tracker: the :class:`Tracker` protocol.

:class:`~harness.tracking.mlflow_tracker.MlflowTracker` uploads to MLflow and
:class:`~harness.tracking.null_tracker.NullTracker` does nothing (``tracking=none``); the runner
only sees this protocol (:func:`harness.tracking.factory.make_tracker` returns one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

#: Params or tags by name, as given to :meth:`Tracker.start_parent`.
Values: TypeAlias = Mapping[str, Any] | None


@runtime_checkable
class Tracker(Protocol):
    """Uploads finished run folders to a tracking store.

    The runner calls the ``safe_*`` methods, which never raise: a store that is down never
    fails a job, whose folder is complete on disk before anything is uploaded (``harness sync``
    uploads it later).

    Attributes
    ----------
    uri : str or None
        The tracking URI; ``None`` when nothing is tracked.
    experiment_name : str or None
        The MLflow experiment the runs go to; ``None`` when nothing is tracked.
    """

    uri: str | None
    experiment_name: str | None

    def start_parent(
        self, name: str, params: Values = None, tags: Values = None, *, sweep_key: str | None = None
    ) -> str | None:
        """Create the experiment run (parent run) of an experiment or sweep, or find the one
        with its key; return its id."""
        ...

    def log_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> str | None:
        """Upload one run folder under ``parent_run_id``; return its run id."""
        ...

    def log_sweep_dir(self, sweep_dir: Path, parent_run_id: str) -> list[str]:
        """Upload a sweep's comparison and report to its parent run; return what was uploaded."""
        ...

    def safe_start_parent(
        self, name: str, params: Values = None, tags: Values = None
    ) -> str | None:
        """:meth:`start_parent`, returning ``None`` instead of raising."""
        ...

    def safe_log_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> str | None:
        """:meth:`log_run_dir`, returning ``None`` instead of raising."""
        ...

    def safe_log_sweep_dir(self, sweep_dir: Path, parent_run_id: str) -> list[str] | None:
        """:meth:`log_sweep_dir`, returning ``None`` instead of raising."""
        ...
