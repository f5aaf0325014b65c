"""Upload every results folder under a root that is not in the tracking store yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import RunNotFoundError
from harness.runs import ExperimentFolder, find_run_dirs
from harness.tracking import run_folder as rf
from harness.tracking.mlflow_tracker import MlflowTracker
from harness.tracking.store import TrackingUnavailable
from harness.tracking.tags import OUTPUT_DIR_TAG


@dataclass
class SyncReport:
    """What :func:`sync` did with each run folder it found."""

    uri: str
    logged: dict[Path, str] = field(default_factory=dict)
    """Folders uploaded now, with their new run ids."""
    skipped: dict[Path, str] = field(default_factory=dict)
    """Folders already in the store, with their run ids."""
    failed: dict[Path, str] = field(default_factory=dict)
    """Folders that could not be uploaded, with the reason."""

    @property
    def ok(self) -> bool:
        """Whether every folder is in the store now."""
        return not self.failed

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{len(self.logged)} uploaded, {len(self.skipped)} already in the store, "
            f"{len(self.failed)} failed ({self.uri})"
        )


def sync(
    root: Path,
    uri: str,
    experiment_name: str | None = None,
    *,
    tracker_options: dict | None = None,
) -> SyncReport:
    """Log every run folder under ``root`` that the tracking store does not have yet.

    Running it twice logs nothing the second time: each folder is keyed by its ``run_key``
    (and ``tracking.json`` records where it went). Runs of a sweep folder (one holding
    ``comparison.csv``) get the sweep's parent run, and the sweep's files go to it.

    Parameters
    ----------
    root : Path
        A run folder, a sweep folder or a whole outputs tree.
    uri : str
        Tracking URI.
    experiment_name : str, optional
        MLflow experiment for every run; by default each run's ``experiment`` from
        ``result.json``.
    tracker_options : dict, optional
        Keyword arguments of :class:`MlflowTracker` (``log_lineage``, ``log_model``,
        ``timeout_s``, ``retries``, ``lineage_sample_rows``).

    Returns
    -------
    SyncReport

    Raises
    ------
    RunNotFoundError
        When ``root`` does not exist or holds no run folder.
    TrackingUnavailable
        When the tracking store cannot be reached (nothing is uploaded then).
    """
    root = Path(root)
    run_dirs = find_run_dirs(root) if root.is_dir() else []
    if not run_dirs:
        raise RunNotFoundError(
            f"no run folder (with result.json) under {root}: pass the outputs folder, a sweep "
            "folder or a run folder written by `harness run`."
        )
    trackers: dict[str, MlflowTracker] = {}
    parents: dict[tuple[str, Path], str] = {}
    report = SyncReport(uri=uri)
    for run_dir in run_dirs:
        try:
            record = rf.load_result(run_dir)
        except Exception as exc:  # one broken folder must not stop the others
            report.failed[run_dir] = str(exc)
            continue
        name = experiment_name or str(record.get("experiment") or "default")
        if name not in trackers:
            trackers[name] = MlflowTracker(uri, name, **(tracker_options or {}))
        tracker = trackers[name]
        report.uri = tracker.uri
        try:
            parent = _sweep_parent(tracker, run_dir, parents)
            run_id, created = tracker.upload_run_dir(run_dir, parent)
        except TrackingUnavailable:
            raise
        except Exception as exc:
            report.failed[run_dir] = f"{type(exc).__name__}: {exc}"
            continue
        (report.logged if created else report.skipped)[run_dir] = run_id
    for (name, sweep_dir), parent in parents.items():
        trackers[name].log_sweep_dir(sweep_dir, parent)
    return report


def _sweep_parent(
    tracker: MlflowTracker, run_dir: Path, parents: dict[tuple[str, Path], str]
) -> str | None:
    """The parent run of the sweep (a folder with ``comparison.csv``) that holds ``run_dir``.

    It is the parent the sweep itself created when the store was up (same output folder), or
    a new one. The sweep folder is the outermost of the run folder's three nearest ancestors
    that holds ``comparison.csv``: ``<sweep>/<run>``, an experiment's ``<output>/jobs/<run>``
    and a multirun's ``<sweep>/<job>/jobs/<run>``.
    """
    marked = [
        p for p in run_dir.resolve().parents[:3] if ExperimentFolder(p).comparison_csv.is_file()
    ]
    if not marked:
        return None
    sweep_dir = marked[-1]
    key = (tracker.experiment_name, sweep_dir)
    if key not in parents:
        parents[key] = tracker.start_parent(
            tracker.experiment_name, tags={OUTPUT_DIR_TAG: str(sweep_dir)}
        )
    return parents[key]
