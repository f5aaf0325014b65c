"""The MLflow adapter: upload results folders to MLflow and read runs back.

Results are written to run folders first (``harness/runner``); tracking only reads them, so
a tracking store that is down loses nothing and ``harness sync`` uploads the folders later.
"""

from harness.tracking.factory import make_tracker
from harness.tracking.mlflow_tracker import MlflowTracker
from harness.tracking.null_tracker import NullTracker
from harness.tracking.protocol import Tracker
from harness.tracking.query import latest_experiment_run, latest_job_run, read_run
from harness.tracking.store import (
    TrackingUnavailable,
    TrackingUnavailableWarning,
    ensure_sqlite_db,
)
from harness.tracking.sync import SyncReport, find_run_dirs, sync

__all__ = [
    "MlflowTracker",
    "NullTracker",
    "SyncReport",
    "Tracker",
    "TrackingUnavailable",
    "TrackingUnavailableWarning",
    "ensure_sqlite_db",
    "find_run_dirs",
    "latest_experiment_run",
    "latest_job_run",
    "make_tracker",
    "read_run",
    "sync",
]
