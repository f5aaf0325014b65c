"""The tracker used when tracking is off (``tracking=none``): every call does nothing."""

from __future__ import annotations

from pathlib import Path

from harness.tracking.protocol import Values


class NullTracker:
    """A :class:`~harness.tracking.protocol.Tracker` that logs nothing.

    Results stay in their run folders; ``harness sync`` can upload them later.
    """

    uri: str | None = None
    experiment_name: str | None = None

    def __repr__(self) -> str:
        return "NullTracker()"

    def start_parent(
        self, name: str, params: Values = None, tags: Values = None, *, sweep_key: str | None = None
    ) -> None:
        """Return ``None``: there is no parent run."""
        return None

    def log_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> None:
        """Return ``None``: nothing is logged."""
        return None

    def log_sweep_dir(self, sweep_dir: Path, parent_run_id: str) -> list[str]:
        """Return an empty list: nothing is uploaded."""
        return []

    def safe_start_parent(self, name: str, params: Values = None, tags: Values = None) -> None:
        """Return ``None``."""
        return None

    def safe_log_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> None:
        """Return ``None``."""
        return None

    def safe_log_sweep_dir(self, sweep_dir: Path, parent_run_id: str) -> None:
        """Return ``None``."""
        return None
