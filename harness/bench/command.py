"""``harness bench``: time our samplers against imbalanced-learn's and write JSON + Markdown."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from harness.bench import distributed as scale
from harness.bench.implementations import IMPLEMENTATIONS
from harness.bench.overhead import FULL_PLAN, SMOKE_PLAN, AblationPlan, sweep_plan
from harness.bench.parts import PARTS, read_parts, write_part
from harness.bench.report import (
    evaluate_targets,
    render_distributed,
    render_markdown,
    scale_targets,
    summarize,
)
from harness.bench.shapes import FULL_SHAPES, QUICK_SHAPES, Shape, parse_shapes, write_shape_data
from harness.cli import command_parser
from harness.errors import ConfigError, HarnessError

DEFAULT_OUT = Path("bench-results")
WORKER_TIMEOUT_S = 3600


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
        type=parse_shapes,
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
        "--merge",
        action="store_true",
        help="merge the parts found in <out>/parts into bench.json and bench.md",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="distributed exact ADASYN on a local Ray cluster (the same as --part distributed)",
    )
    _add_row_count(parser, "--distributed-rows", scale.DEFAULT_ROWS, "rows of the generated data")
    parser.add_argument(
        "--distributed-features", type=int, default=scale.DEFAULT_FEATURES, help="features"
    )
    parser.add_argument(
        "--distributed-minority",
        type=float,
        default=scale.DEFAULT_MINORITY,
        help="minority share",
    )
    _add_row_count(
        parser, "--distributed-partition-rows", scale.DEFAULT_PARTITION_ROWS, "rows per partition"
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


def _versions() -> str:
    parts = []
    for package in ("numpy", "scikit-learn", "imbalanced-learn"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} absent")
    return ", ".join(parts)


def run_worker(request: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh Python process and return its JSON answer."""
    completed = subprocess.run(
        [sys.executable, "-m", "harness.bench.worker", json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        errors = [line for line in completed.stderr.splitlines() if "Error" in line]
        reason = (errors or completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise HarnessError(
            f"Benchmark worker failed ({reason.strip()}): rerun it by hand with "
            f"`python -m harness.bench.worker '{json.dumps(request)}'` to see the whole error."
        )
    return json.loads(lines[-1])


def _agreement(shape: Shape, folder: Path) -> dict[str, Any]:
    """Exact r_i against imbalanced-learn's, approximate r_i and g_i against exact."""

    def load(name: str, what: str) -> np.ndarray | None:
        path = folder / name / f"{what}.npy"
        return np.load(path) if path.is_file() else None

    reference = load("imblearn-adasyn", "difficulty")
    exact_r, exact_g = (
        load("harness-adasyn-exact", "difficulty"),
        load("harness-adasyn-exact", "allocation"),
    )
    approx_r, approx_g = (
        load("harness-adasyn-approx", "difficulty"),
        load("harness-adasyn-approx", "allocation"),
    )
    row: dict[str, Any] = {
        "shape": shape.label,
        "exact_identical_r": None,
        "approx_mean_abs_dr": None,
        "approx_share_g_within_1": None,
        "approx_share_delta_exact": None,
        "approx_total_deviation": None,
    }
    if reference is not None and exact_r is not None:
        row["exact_identical_r"] = bool(np.array_equal(reference, exact_r))
    if exact_r is not None and approx_r is not None:
        row["approx_mean_abs_dr"] = float(np.mean(np.abs(approx_r - exact_r)))
        row["approx_share_g_within_1"] = float(np.mean(np.abs(approx_g - exact_g) <= 1))
        # Δ_i = K·r_i: equal ratios are equal counts. Deviation: Σ|g_i − g_i*| / G.
        row["approx_share_delta_exact"] = float(np.mean(approx_r == exact_r))
        total = max(int(exact_g.sum()), 1)
        row["approx_total_deviation"] = float(np.abs(approx_g - exact_g).sum() / total)
    return row


def run_shapes(
    shapes: list[Shape], names: list[str], repeats: int, work: Path, log
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    runs, agreement = [], []
    for shape in shapes:
        data = write_shape_data(shape, work)
        saved = work / shape.label.replace("%", "pct")
        for repeat in range(repeats):
            for name in names:
                request = {"implementation": name, "data": str(data), "seed": repeat}
                if repeat == 0 and IMPLEMENTATIONS[name].method == "adasyn":
                    (saved / name).mkdir(parents=True, exist_ok=True)
                    request["save_difficulty"] = str(saved / name)
                result = run_worker(request)
                runs.append(
                    {"shape": shape.label, "implementation": name, "repeat": repeat, **result}
                )
                log(f"{shape.label} {name} #{repeat}: {result['seconds']:.3f} s")
        agreement.append(_agreement(shape, saved))
    return runs, agreement


OVERHEAD_VARIANTS = {
    # name: worker request fields
    "harness": {"variant": "harness", "store": "fresh"},  # a first run: creates the store
    "harness-existing-store": {"variant": "harness", "store": "prepared"},
    "bare": {"variant": "bare"},
}


def run_overhead(
    plan: AblationPlan,
    repeats: int,
    work: Path,
    log,
    profile: str | None = None,
    variants: tuple[str, ...] = tuple(OVERHEAD_VARIANTS),
) -> dict[str, Any]:
    """Median time of the ablation through the harness (with a new and, among ``variants``,
    with an existing MLflow store) and through the bare loop; the target ratio uses the new
    store, the worse case.

    ``profile="sweep"`` runs the harness with the ``evaluation=sweep`` profile (no per-job
    plots, HTML or model; one report per sweep)."""
    base = {
        "kind": "overhead",
        "strategies": list(plan.strategies),
        "n_splits": plan.n_splits,
        "n_repeats": plan.n_repeats,
        "datasets": list(plan.datasets),
        "seeds": list(plan.seeds),
        "job_size": plan.describe(),
    }
    if profile:
        base["profile"] = profile
    times: dict[str, list[float]] = {name: [] for name in variants}
    store_setup: list[float] = []
    try:
        for repeat in range(repeats):
            for name in variants:
                fields = OVERHEAD_VARIANTS[name]
                root = work / f"overhead-{name}-{repeat}"
                result = run_worker({**base, **fields, "root": str(root)})
                if result.get("failed"):
                    raise HarnessError(f"{result['failed']} job(s) of the {name} run failed")
                times[name].append(result["seconds"])
                if "store_setup" in result:
                    store_setup.append(result["store_setup"]["store_seconds"])
                log(f"overhead {name} #{repeat}: {result['seconds']:.2f} s")
    except HarnessError as error:
        return {"error": str(error)[:500], "plan": base}
    medians = {name: float(np.median(values)) for name, values in times.items()}
    existing = medians.get("harness-existing-store")
    return {
        "plan": base,
        "harness_seconds": medians["harness"],
        "harness_existing_store_seconds": existing,
        "store_setup_seconds": float(np.median(store_setup)) if store_setup else None,
        "bare_seconds": medians["bare"],
        "ratio": medians["harness"] / medians["bare"],
        "ratio_existing_store": existing / medians["bare"] if existing is not None else None,
        "per_job_seconds": {name: value / plan.n_jobs for name, value in medians.items()},
        "runs": times,
    }


def _meta(argv: list[str], repeats: int | None, quick: bool, shapes: list[Shape]) -> dict:
    return {
        "command": "harness bench " + shlex.join(argv),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeats": repeats,
        "quick": quick,
        "shapes": [s.label for s in shapes],
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "versions": _versions(),
    }


def assemble(
    meta: dict[str, Any],
    runs: list[dict[str, Any]],
    agreement: list[dict[str, Any]],
    overhead: dict[str, Any],
    distributed: dict[str, Any] | None = None,
    sweep_overhead: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole result (every section, every target) from the parts' data."""
    summary = summarize(runs)
    distributed = distributed or {"error": "not run (harness bench --part distributed)"}
    sweep_overhead = sweep_overhead or {"error": "not run (harness bench --part sweep-overhead)"}
    return {
        "meta": meta,
        "runs": runs,
        "summary": summary,
        "agreement": agreement,
        "overhead": overhead,
        "sweep_overhead": sweep_overhead,
        "distributed": distributed,
        "targets": [
            *evaluate_targets(summary, agreement, overhead),
            *scale_targets(agreement, distributed, sweep_overhead),
        ],
    }


def _publish(out: Path, result: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    markdown = render_markdown(result)
    (out / "bench.md").write_text(markdown)
    print(markdown)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def merge_parts(out: Path) -> dict[str, Any]:
    """Merge the parts written under ``out`` into one result (missing parts: not measured)."""
    parts = read_parts(out)
    if not parts:
        raise ConfigError(
            f"No benchmark part in {out / 'parts'}: run `harness bench --part NAME --out {out}` "
            "for some part first (or `make bench`)."
        )
    samplers = parts.get("samplers", {})
    meta = dict(samplers.get("meta") or next(iter(parts.values()))["meta"])
    meta["command"] = "merged: " + "; ".join(p["meta"]["command"] for p in parts.values())
    meta["parts"] = {name: part["meta"].get("finished") for name, part in parts.items()}
    return assemble(
        meta,
        samplers.get("runs", []),
        samplers.get("agreement", []),
        parts.get("overhead", {}).get("overhead", {"error": "not run (--part overhead)"}),
        parts.get("distributed", {}).get("distributed"),
        parts.get("sweep-overhead", {}).get("sweep_overhead"),
    )


def _run_part(args: argparse.Namespace, argv: list[str], shapes, repeats, names) -> int:
    meta = _meta(argv, repeats, args.quick, shapes)
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        work = Path(tmp)
        if args.part == "samplers":
            runs, agreement = run_shapes(shapes, names, repeats, work, _log)
            data = {"runs": runs, "agreement": agreement}
        elif args.part == "overhead":
            plan = SMOKE_PLAN if args.quick else FULL_PLAN
            data = {"overhead": run_overhead(plan, repeats, work, _log)}
        elif args.part == "sweep-overhead":
            plan = SMOKE_PLAN if args.quick else sweep_plan(args.sweep_seeds)
            variants = ("harness", "bare")  # hundreds of jobs: the new store only, the worse case
            data = {
                "sweep_overhead": run_overhead(
                    plan, repeats, work, _log, profile="sweep", variants=variants
                )
            }
        else:
            data = {"distributed": _run_distributed(args, work)}
    path = write_part(args.out, args.part, meta, data)
    _log(f"wrote {path}; merge the parts with `harness bench --merge --out {args.out}`")
    if args.part == "distributed":
        print(render_distributed(data["distributed"]))
    return 0


def _run_distributed(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from harness.bench.distributed import run_distributed_bench

    try:
        return run_distributed_bench(
            work,
            n_rows=args.distributed_rows,
            n_features=args.distributed_features,
            minority_share=args.distributed_minority,
            partition_rows=args.distributed_partition_rows,
            log=_log,
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
    if args.distributed:
        args.part = "distributed"
    if args.merge:
        _publish(args.out, merge_parts(args.out))
        return 0
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
        runs, agreement = run_shapes(shapes, names, repeats, work, _log)
        overhead = (
            {"error": "skipped (--no-overhead)"}
            if args.no_overhead
            else run_overhead(SMOKE_PLAN if args.quick else FULL_PLAN, repeats, work, _log)
        )
    _publish(
        args.out, assemble(_meta(argv, repeats, args.quick, shapes), runs, agreement, overhead)
    )
    return 0
