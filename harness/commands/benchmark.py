"""``harness benchmark-report``: docs/benchmark.md and its compact table from the benchmark runs.

The folders are the run folders of ``harness run experiment=benchmark`` (one per part, e.g. one
per model, or a sweep folder). ``--check`` compares a committed compact table with the records
instead of writing anything: the way to show that a rerun of any data set gives the committed
numbers.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from harness.commands.common import command_parser, print_error


def benchmark_parser() -> argparse.ArgumentParser:
    """The parser of ``harness benchmark-report``."""
    parser = command_parser(
        "harness benchmark-report",
        "Analyse the runs of experiment=benchmark: per model average ranks with Friedman / "
        "Iman-Davenport and a critical-difference diagram, Bayesian signed-rank tests against "
        "none and decision_threshold, wins/ties/losses by the corrected t-test, calibration "
        "change, ADASYN's gain against imbalance and overlap. Writes benchmark.md, its figures "
        "and data/benchmark.csv.gz into --docs.",
        "harness benchmark-report outputs/runs/benchmark/2026-12-07_09-00-00",
        "harness benchmark-report outputs/runs/benchmark/* --docs docs",
        "harness benchmark-report outputs/runs/benchmark/rerun --check docs/data/benchmark.csv.gz",
    )
    parser.add_argument("folders", nargs="+", type=Path, help="run or sweep folders of the parts")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where to write the page")
    parser.add_argument(
        "--context",
        metavar="TEXT",
        default="",
        help="one sentence on the machine the runs had (cores, other load), shown with the cost",
    )
    parser.add_argument(
        "--check",
        type=Path,
        metavar="TABLE",
        help="compare this committed compact table with the records; exit 1 on a difference",
    )
    return parser


def shown_folder(folder: Path) -> str:
    """How the page names a run folder: from its ``outputs/`` part on (the harness root's
    layout), never the machine's absolute path; else the folder's own name."""
    parts = folder.resolve().parts
    if "outputs" in parts:
        return "/".join(parts[parts.index("outputs") :])
    return folder.name


def benchmark_main(argv: list[str]) -> int:
    """Run ``harness benchmark-report``; return the exit code."""
    args = benchmark_parser().parse_args(argv)  # before the report stack: --help stays quick
    from harness.errors import HarnessError
    from harness.report.benchmark_page import table_matches, write_benchmark
    from harness.report.benchmark_table import collect_records

    try:
        records = collect_records(args.folders)
        if args.check is not None:
            if not args.check.is_file():
                return print_error(f"{args.check} is not a file; pass a committed compact table.")
            problems = table_matches(args.check, records)
            for line in problems:
                print(f"differs: {line}", file=sys.stderr)
            print(f"{len(records)} cells checked against {args.check}: {len(problems)} differ")
            return 1 if problems else 0
        shown = " ".join(shlex.quote(shown_folder(folder)) for folder in args.folders)
        if args.context:
            shown += f" --context {shlex.quote(args.context)}"
        page = write_benchmark(
            records, args.docs, command=f"harness benchmark-report {shown}", context=args.context
        )
    except HarnessError as exc:
        return print_error(str(exc))
    print(f"wrote {page.page} ({page.n_cells} cells), {page.table}, {len(page.figures)} figures")
    return 0
