"""``harness sync``: upload the run folders that are not in the tracking store yet."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.commands.common import command_parser


def sync_parser() -> argparse.ArgumentParser:
    """The parser of ``harness sync``."""
    parser = command_parser(
        "harness sync",
        "Upload every run folder (with result.json) under FOLDER that the MLflow store does not "
        "have yet. Safe to repeat: nothing is logged twice.",
        "harness sync",
        "harness sync outputs/runs/quick --uri http://127.0.0.1:5000",
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path(os.environ.get("HARNESS_ROOT", ".")) / "outputs",
        help="folder to search for run folders",
    )
    parser.add_argument(
        "--uri",
        default=None,
        help="tracking URI (default: $MLFLOW_TRACKING_URI, else "
        "sqlite:///<$HARNESS_ROOT or .>/mlflow.db)",
    )
    parser.add_argument(
        "--experiment", default=None, help="MLflow experiment (default: each run's own)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout in seconds")
    return parser


def sync_main(argv: list[str]) -> int:
    """Run ``harness sync [folder] [--uri URI] [--experiment NAME]``; return the exit code."""
    ns = sync_parser().parse_args(argv)
    from harness.tracking.store import default_tracking_uri
    from harness.tracking.sync import sync

    ns.uri = ns.uri or default_tracking_uri()
    print(f"Reading run folders under {ns.folder.resolve()}; uploading to {ns.uri}")
    report = sync(ns.folder, ns.uri, ns.experiment, tracker_options={"timeout_s": ns.timeout})
    for run_dir, reason in report.failed.items():
        print(f"failed: {run_dir}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1
