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

from harness.bench.implementations import IMPLEMENTATIONS
from harness.bench.overhead import FULL_PLAN, SMOKE_PLAN, AblationPlan
from harness.bench.report import evaluate_targets, render_markdown, summarize
from harness.bench.shapes import FULL_SHAPES, QUICK_SHAPES, Shape, parse_shapes, write_shape_data
from harness.errors import ConfigError, HarnessError

DEFAULT_OUT = Path("bench-results")
WORKER_TIMEOUT_S = 3600


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness bench",
        description="Benchmark ADASYN (exact and approximate), SMOTE and ROS against "
        "imbalanced-learn, and the harness's overhead; writes bench.json and bench.md.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny shapes, 1 repeat: a smoke run")
    parser.add_argument(
        "--shapes",
        type=parse_shapes,
        default=None,
        help="comma-separated ROWSxFEATURESxPERCENT%% (e.g. 100kx20x5%%,1Mx50x1%%); "
        "default: 10k/100k/1M × 20/50 × 5%%/1%%",
    )
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement (3)")
    parser.add_argument("--max-rows", type=int, default=None, help="drop larger shapes")
    parser.add_argument(
        "--implementations",
        default=",".join(IMPLEMENTATIONS),
        help=f"comma-separated subset of {', '.join(IMPLEMENTATIONS)}",
    )
    parser.add_argument("--no-overhead", action="store_true", help="skip the overhead ablation")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    return parser


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
    }
    if reference is not None and exact_r is not None:
        row["exact_identical_r"] = bool(np.array_equal(reference, exact_r))
    if exact_r is not None and approx_r is not None:
        row["approx_mean_abs_dr"] = float(np.mean(np.abs(approx_r - exact_r)))
        row["approx_share_g_within_1"] = float(np.mean(np.abs(approx_g - exact_g) <= 1))
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


def run_overhead(plan: AblationPlan, repeats: int, work: Path, log) -> dict[str, Any]:
    """Median time of the ablation through the harness (with a new and with an existing MLflow
    store) and through the bare loop; the target ratio uses the new store, the worse case."""
    base = {
        "kind": "overhead",
        "strategies": list(plan.strategies),
        "n_splits": plan.n_splits,
        "n_repeats": plan.n_repeats,
    }
    times: dict[str, list[float]] = {name: [] for name in OVERHEAD_VARIANTS}
    store_setup: list[float] = []
    try:
        for repeat in range(repeats):
            for name, fields in OVERHEAD_VARIANTS.items():
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
    return {
        "plan": base,
        "harness_seconds": medians["harness"],
        "harness_existing_store_seconds": medians["harness-existing-store"],
        "store_setup_seconds": float(np.median(store_setup)) if store_setup else None,
        "bare_seconds": medians["bare"],
        "ratio": medians["harness"] / medians["bare"],
        "ratio_existing_store": medians["harness-existing-store"] / medians["bare"],
        "runs": times,
    }


def bench_main(argv: list[str]) -> int:
    """Entry point of ``harness bench``; returns the process exit code.

    Parameters
    ----------
    argv : list of str
        Command-line arguments after ``bench`` (see ``harness bench --help``).
    """
    args = build_parser().parse_args(argv)
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
    args.out.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        work = Path(tmp)
        runs, agreement = run_shapes(shapes, names, repeats, work, log)
        overhead = (
            {"error": "skipped (--no-overhead)"}
            if args.no_overhead
            else run_overhead(SMOKE_PLAN if args.quick else FULL_PLAN, repeats, work, log)
        )
    summary = summarize(runs)
    result = {
        "meta": {
            "command": "harness bench " + shlex.join(argv),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "repeats": repeats,
            "quick": args.quick,
            "shapes": [s.label for s in shapes],
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "versions": _versions(),
        },
        "runs": runs,
        "summary": summary,
        "agreement": agreement,
        "overhead": overhead,
        "targets": evaluate_targets(summary, agreement, overhead),
    }
    (args.out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = render_markdown(result)
    (args.out / "bench.md").write_text(markdown)
    print(markdown)
    return 0
