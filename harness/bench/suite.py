"""The benchmark suite behind ``harness bench``: every measurement in a fresh process, then one
table with every target, met or not.

Each measurement runs in its own subprocess (:mod:`harness.bench.worker`); :func:`run_shapes`
times the samplers against imbalanced-learn's, :func:`run_overhead` the harness against a bare
loop, and :func:`assemble` / :func:`merge_parts` build the published results.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from harness.bench.implementations import IMPLEMENTATIONS
from harness.bench.overhead import AblationPlan
from harness.bench.parts import read_parts
from harness.bench.report import (
    evaluate_targets,
    render_markdown,
    scale_targets,
    summarize,
)
from harness.bench.shapes import Shape, write_shape_data
from harness.errors import ConfigError, HarnessError

DEFAULT_OUT = Path("bench-results")
WORKER_TIMEOUT_S = 3600


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


def run_meta(argv: list[str], repeats: int | None, quick: bool, shapes: list[Shape]) -> dict:
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


def publish(out: Path, result: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    markdown = render_markdown(result)
    (out / "bench.md").write_text(markdown)
    print(markdown)


def log_progress(message: str) -> None:
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
