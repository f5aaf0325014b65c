"""``harness sync``: upload the run folders that are not in the tracking store yet."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from harness.errors import HarnessError
from harness.tracking.store import default_tracking_uri
from harness.tracking.sync import sync


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default and keeps the examples as written."""


def sync_main(argv: list[str]) -> int:
    """Run ``harness sync [folder] [--uri URI] [--experiment NAME]``; return the exit code."""
    root_dir = Path(os.environ.get("HARNESS_ROOT", "."))
    parser = argparse.ArgumentParser(
        prog="harness sync",
        description=textwrap.fill(
            "Upload every run folder (with result.json) under FOLDER that the MLflow store "
            "does not have yet. Safe to repeat: nothing is logged twice.",
            width=88,
        ),
        epilog="examples:\n  harness sync\n  harness sync outputs/runs/quick --uri "
        "http://127.0.0.1:5000",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=root_dir / "outputs",
        help="folder to search for run folders",
    )
    parser.add_argument("--uri", default=default_tracking_uri(), help="tracking URI")
    parser.add_argument(
        "--experiment", default=None, help="MLflow experiment; None: each run's own experiment"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout in seconds")
    ns = parser.parse_args(argv)
    print(f"Reading run folders under {ns.folder.resolve()}; uploading to {ns.uri}")
    try:
        report = sync(ns.folder, ns.uri, ns.experiment, tracker_options={"timeout_s": ns.timeout})
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for run_dir, reason in report.failed.items():
        print(f"failed: {run_dir}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1
