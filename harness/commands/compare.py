"""``harness compare``: compare the jobs of a run or sweep folder and write its report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.commands.common import command_parser, print_error


def compare_parser() -> argparse.ArgumentParser:
    """The parser of ``harness compare``."""
    parser = command_parser(
        "harness compare",
        "Compare the jobs found under a run or sweep folder and write its report.md, "
        "report.html and comparison.csv there. Fails (exit 2) when a job is unfinished or its "
        "result.json unreadable, unless --allow-missing is given.",
        "harness compare outputs/runs/quick/2026-01-31_12-00-00-000000",
        "harness compare outputs/sweeps/adhoc-1a2b3c4d --allow-missing",
    )
    parser.add_argument("folder", type=Path, help="a run folder or sweep folder")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="compare the jobs that can be read; the terminal, report.md, comparison.csv and "
        "left_out.csv then name every job left out and why",
    )
    return parser


def compare_main(argv: list[str]) -> int:
    """Run ``harness compare FOLDER``; return the exit code."""
    from harness.commands.summary import print_sweep
    from harness.report.comparison import compare

    ns = compare_parser().parse_args(argv)
    if not ns.folder.is_dir():
        return print_error(f"{ns.folder} is not a folder; pass a run or sweep folder.")
    print(f"Reading {ns.folder.resolve()}")
    comparison = compare(ns.folder, allow_missing=ns.allow_missing)
    print_sweep(ns.folder, comparison)
    for item in comparison.left_out:
        print(f"warning: left out {item.job}: {item.reason}", file=sys.stderr)
    return 0
