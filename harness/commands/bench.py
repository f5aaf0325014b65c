"""``harness bench``: time our samplers against imbalanced-learn's and write JSON + Markdown."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from harness.bench.implementations import IMPLEMENTATIONS
from harness.bench.parts import PARTS, STUDY_PARTS
from harness.commands.common import command_parser
from harness.errors import ConfigError

#: The defaults of ``harness.bench.suite.DEFAULT_OUT`` and ``harness.bench.distributed``'s
#: ``DEFAULT_*`` (tested), spelt here so that ``--help`` does not import the benchmarks.
DEFAULT_OUT = Path("bench-results")
DISTRIBUTED_ROWS, DISTRIBUTED_FEATURES, DISTRIBUTED_MINORITY = 10_000_000, 20, 0.01
DISTRIBUTED_PARTITION_ROWS = 250_000


def _shapes(text: str) -> Any:
    """argparse type of ``--shapes`` (:func:`harness.bench.shapes.parse_shapes`)."""
    from harness.bench.shapes import parse_shapes

    return parse_shapes(text)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``harness bench``."""
    parser = command_parser(
        "harness bench",
        "Benchmark ADASYN (exact and approximate), SMOTE and ROS against imbalanced-learn, and "
        "the harness's overhead; writes bench.json and bench.md.",
        "harness bench --quick --no-overhead",
        "harness bench --part samplers --shapes 10kx20x5% && harness bench --merge",
        "harness bench --distributed --distributed-rows 2M",
    )
    parser.add_argument("--quick", action="store_true", help="tiny shapes, 1 repeat: a smoke run")
    parser.add_argument(
        "--shapes",
        type=_shapes,
        default=None,
        help="comma-separated ROWSxFEATURESxPERCENT%% (e.g. 100kx20x5%%,1Mx50x1%%) "
        "(default: 10k/100k/1M × 20/50 × 5%%/1%%)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="runs per measurement (default: 3, 1 with --quick)",
    )
    parser.add_argument(
        "--max-rows", type=int, default=None, help="drop larger shapes (default: keep all)"
    )
    parser.add_argument(
        "--implementations",
        default=",".join(IMPLEMENTATIONS),
        help="comma-separated implementations to time (default: all of them, "
        f"{', '.join(IMPLEMENTATIONS)})",
    )
    parser.add_argument("--no-overhead", action="store_true", help="skip the overhead ablation")
    parser.add_argument(
        "--sweep-seeds",
        type=int,
        default=5,
        help="seeds of the sweep-overhead part: 8 data sets × 5 strategies × this many jobs "
        "(default: 5, the 200-job sweep)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--part",
        choices=PARTS,
        default=None,
        help="run one part only and write <out>/parts/PART.json (merge them with --merge) "
        "(default: every part but distributed, merged)",
    )
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help="size of a statistical study part (regression-gate: fold seeds per data set) "
        "(default: the study's own, docs/statistics.md)",
    )
    parser.add_argument(
        "--datasets",
        default=None,
        help="comma-separated built-in data sets of a statistical study part (default: the "
        "study's own)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="merge the parts found in <out>/parts into bench.json and bench.md",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="distributed exact ADASYN on a local Ray cluster (the same as --part distributed)",
    )
    _add_row_count(parser, "--distributed-rows", DISTRIBUTED_ROWS, "rows of the generated data")
    parser.add_argument(
        "--distributed-features", type=int, default=DISTRIBUTED_FEATURES, help="features"
    )
    parser.add_argument(
        "--distributed-minority",
        type=float,
        default=DISTRIBUTED_MINORITY,
        help="minority share",
    )
    _add_row_count(
        parser, "--distributed-partition-rows", DISTRIBUTED_PARTITION_ROWS, "rows per partition"
    )
    return parser


def _add_row_count(parser: argparse.ArgumentParser, flag: str, default: int, what: str) -> None:
    parser.add_argument(
        flag, type=_rows, default=default, metavar="ROWS", help=f"{what}; accepts 2M, 500k"
    )


def _rows(text: str) -> int:
    """``2M``, ``500k`` or a plain integer."""
    scale = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}.get(text[-1:].lower(), 1)
    try:
        value = int(float(text[:-1] if scale > 1 else text) * scale)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a row count: use e.g. 2000000, 2M or 500k"
        ) from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1 row")
    return value


def _run_study(args: argparse.Namespace, argv: list[str]) -> int:
    from harness.bench.parts import write_part
    from harness.bench.studies import STUDIES
    from harness.bench.suite import log_progress, run_meta

    study = STUDIES[args.part]
    size = study.default_size if args.size is None else args.size
    if size < 2:
        raise ConfigError(f"--size {size}: the study needs at least 2 ({study.size}).")
    datasets = None
    if args.datasets is not None:
        datasets = tuple(n.strip() for n in args.datasets.split(",") if n.strip())
    meta = {**run_meta(argv, None, False, []), "size": size, "size_counts": study.size}
    data = study.run(args.part, size, datasets, log_progress)
    path = write_part(args.out, args.part, meta, data)
    print(study.render(args.part, data))
    log_progress(f"wrote {path}")
    return 0


def _run_part(args: argparse.Namespace, argv: list[str], shapes, repeats, names) -> int:
    from harness.bench.overhead import FULL_PLAN, SMOKE_PLAN, sweep_plan
    from harness.bench.parts import write_part
    from harness.bench.report import render_distributed
    from harness.bench.suite import log_progress, run_meta, run_overhead, run_shapes

    meta = run_meta(argv, repeats, args.quick, shapes)
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        work = Path(tmp)
        if args.part == "samplers":
            runs, agreement = run_shapes(shapes, names, repeats, work, log_progress)
            data = {"runs": runs, "agreement": agreement}
        elif args.part == "overhead":
            plan = SMOKE_PLAN if args.quick else FULL_PLAN
            data = {"overhead": run_overhead(plan, repeats, work, log_progress)}
        elif args.part == "sweep-overhead":
            plan = SMOKE_PLAN if args.quick else sweep_plan(args.sweep_seeds)
            variants = ("harness", "bare")  # hundreds of jobs: the new store only, the worse case
            data = {
                "sweep_overhead": run_overhead(
                    plan, repeats, work, log_progress, profile="sweep", variants=variants
                )
            }
        else:
            data = {"distributed": _run_distributed(args, work)}
    path = write_part(args.out, args.part, meta, data)
    log_progress(f"wrote {path}; merge the parts with `harness bench --merge --out {args.out}`")
    if args.part == "distributed":
        print(render_distributed(data["distributed"]))
    return 0


def _run_distributed(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from harness.bench.distributed import run_distributed_bench
    from harness.bench.suite import log_progress

    try:
        return run_distributed_bench(
            work,
            n_rows=args.distributed_rows,
            n_features=args.distributed_features,
            minority_share=args.distributed_minority,
            partition_rows=args.distributed_partition_rows,
            log=log_progress,
        )
    except ImportError as exc:
        return {"error": f"Ray is not installed ({exc}); install the ray extra"}


def bench_main(argv: list[str]) -> int:
    """Entry point of ``harness bench``; returns the process exit code.

    Without ``--part`` or ``--merge`` every part but the distributed one runs in this process
    and the merged table is written (``--distributed`` runs that part alone).

    Parameters
    ----------
    argv : list of str
        Command-line arguments after ``bench`` (see ``harness bench --help``).
    """
    args = build_parser().parse_args(argv)
    from harness.bench.overhead import FULL_PLAN, SMOKE_PLAN
    from harness.bench.shapes import FULL_SHAPES, QUICK_SHAPES
    from harness.bench.suite import (
        assemble,
        log_progress,
        merge_parts,
        publish,
        run_meta,
        run_overhead,
        run_shapes,
    )

    if args.distributed:
        args.part = "distributed"
    if args.merge:
        publish(args.out, merge_parts(args.out))
        return 0
    if args.part in STUDY_PARTS:
        return _run_study(args, argv)
    shapes = args.shapes or (QUICK_SHAPES if args.quick else FULL_SHAPES)
    if args.max_rows is not None:
        shapes = [s for s in shapes if s.n_rows <= args.max_rows]
    repeats = args.repeats or (1 if args.quick else 3)
    names = [n.strip() for n in args.implementations.split(",") if n.strip()]
    unknown = sorted(set(names) - set(IMPLEMENTATIONS))
    if unknown or repeats < 1 or not shapes:
        raise ConfigError(
            f"Nothing to benchmark (unknown implementations {unknown}, repeats {repeats}, "
            f"{len(shapes)} shape(s)): use names from {list(IMPLEMENTATIONS)}, --repeats >= 1 "
            "and a --max-rows that keeps at least one shape."
        )
    if args.part:
        return _run_part(args, argv, shapes, repeats, names)
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        work = Path(tmp)
        runs, agreement = run_shapes(shapes, names, repeats, work, log_progress)
        overhead = (
            {"error": "skipped (--no-overhead)"}
            if args.no_overhead
            else run_overhead(SMOKE_PLAN if args.quick else FULL_PLAN, repeats, work, log_progress)
        )
    publish(
        args.out, assemble(run_meta(argv, repeats, args.quick, shapes), runs, agreement, overhead)
    )
    return 0
