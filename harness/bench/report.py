"""Summaries, targets and the Markdown table of a benchmark run."""

from __future__ import annotations

import statistics
from typing import Any

from harness.bench.implementations import IMPLEMENTATIONS

APPROX_TARGET_SHAPE = "1Mx20x5%"
RSS_TARGET_SHAPES = ("1Mx50x5%", "1Mx50x1%")
APPROX_MIN_SPEEDUP = 10.0
APPROX_MAX_MEAN_DR = 0.02
APPROX_MIN_SHARE_G = 0.95
OVERHEAD_MAX_RATIO = 1.3
# Scale targets: Δ_i agreement and allocation deviation at every 1M shape.
APPROX_MIN_SHARE_DELTA = 0.95
APPROX_MAX_TOTAL_DEVIATION = 0.02
SCALE_SHAPE_PREFIX = "1Mx"
OURS_VS_THEIRS = {
    "harness-adasyn-exact": "imblearn-adasyn",
    "harness-adasyn-approx": "imblearn-adasyn",
    "harness-smote": "imblearn-smote",
    "harness-ros": "imblearn-ros",
}


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median wall time and peak RSS per (shape, implementation), with the speed-up of ours."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["shape"], run["implementation"]), []).append(run)
    rows = {}
    for (shape, name), group in groups.items():
        rows[shape, name] = {
            "shape": shape,
            "implementation": name,
            "method": IMPLEMENTATIONS[name].method,
            "library": IMPLEMENTATIONS[name].library,
            "repeats": len(group),
            "median_seconds": statistics.median(r["seconds"] for r in group),
            "median_peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in group),
            "median_rss_increase_mib": statistics.median(r["rss_increase_mib"] for r in group),
            "backend": group[0].get("backend"),
        }
    for (shape, name), row in rows.items():
        reference = rows.get((shape, OURS_VS_THEIRS.get(name, "")))
        row["speedup_vs_imblearn"] = (
            reference["median_seconds"] / row["median_seconds"] if reference else None
        )
    return list(rows.values())


def _find(summary: list[dict[str, Any]], shape: str, name: str) -> dict[str, Any] | None:
    return next((r for r in summary if r["shape"] == shape and r["implementation"] == name), None)


def _never_slower(summary: list[dict[str, Any]], name: str, label: str) -> dict[str, Any]:
    ratios = [
        (r["speedup_vs_imblearn"], r["shape"])
        for r in summary
        if r["implementation"] == name and r["speedup_vs_imblearn"] is not None
    ]
    if not ratios:
        return {"target": label, "value": "not measured", "met": None}
    worst, shape = min(ratios)
    return {"target": label, "value": f"worst speed-up {worst:.2f}× at {shape}", "met": worst >= 1}


def evaluate_targets(
    summary: list[dict[str, Any]], agreement: list[dict[str, Any]], overhead: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each target of the scale issue with the measured value and whether it is met (None when
    the run did not include the shape it is defined on)."""
    targets = []
    speed_label = f"ADASYN approx ≥ {APPROX_MIN_SPEEDUP:g}× imblearn at {APPROX_TARGET_SHAPE}"
    approx = _find(summary, APPROX_TARGET_SHAPE, "harness-adasyn-approx")
    agree = next((a for a in agreement if a["shape"] == APPROX_TARGET_SHAPE), None)
    if approx and approx["speedup_vs_imblearn"] is not None:
        speedup = approx["speedup_vs_imblearn"]
        targets.append(
            {
                "target": speed_label,
                "value": f"{speedup:.1f}×",
                "met": speedup >= APPROX_MIN_SPEEDUP,
            }
        )
    else:
        targets.append(
            {
                "target": speed_label,
                "value": "not measured (shape not in this run)",
                "met": None,
            }
        )
    if agree and agree.get("approx_mean_abs_dr") is not None:
        targets.append(
            {
                "target": f"ADASYN approx mean abs Δr ≤ {APPROX_MAX_MEAN_DR} at "
                f"{APPROX_TARGET_SHAPE}",
                "value": f"{agree['approx_mean_abs_dr']:.4f}",
                "met": agree["approx_mean_abs_dr"] <= APPROX_MAX_MEAN_DR,
            }
        )
        targets.append(
            {
                "target": f"ADASYN approx g_i within ±1 ≥ {APPROX_MIN_SHARE_G:.0%} at "
                f"{APPROX_TARGET_SHAPE}",
                "value": f"{agree['approx_share_g_within_1']:.2%}",
                "met": agree["approx_share_g_within_1"] >= APPROX_MIN_SHARE_G,
            }
        )
    targets.append(_never_slower(summary, "harness-adasyn-exact", "ADASYN exact never slower"))
    identical = [a["exact_identical_r"] for a in agreement if a["exact_identical_r"] is not None]
    targets.append(
        {
            "target": "ADASYN exact: r_i identical to imblearn's",
            "value": f"{sum(identical)}/{len(identical)} shapes identical"
            if identical
            else "not measured",
            "met": all(identical) if identical else None,
        }
    )
    targets.append(_never_slower(summary, "harness-smote", "SMOTE never slower"))
    targets.append(_never_slower(summary, "harness-ros", "ROS never slower"))
    for shape in RSS_TARGET_SHAPES:
        for ours, theirs in OURS_VS_THEIRS.items():
            mine, ref = _find(summary, shape, ours), _find(summary, shape, theirs)
            if mine and ref:
                targets.append(
                    {
                        "target": f"peak RSS of {ours} ≤ {theirs} at {shape}",
                        "value": f"{mine['median_peak_rss_mib']:.0f} vs "
                        f"{ref['median_peak_rss_mib']:.0f} MiB",
                        "met": mine["median_peak_rss_mib"] <= ref["median_peak_rss_mib"],
                    }
                )
    ratio = overhead.get("ratio")
    targets.append(
        {
            "target": f"harness overhead, quick ablation ≤ {OVERHEAD_MAX_RATIO}× bare loop",
            "value": f"{ratio:.2f}×" if ratio is not None else overhead.get("error", "not run"),
            "met": ratio <= OVERHEAD_MAX_RATIO if ratio is not None else None,
        }
    )
    return targets


def scale_targets(
    agreement: list[dict[str, Any]], distributed: dict[str, Any], sweep_overhead: dict[str, Any]
) -> list[dict[str, Any]]:
    """The scale targets: approximate agreement at every 1M shape, the distributed
    memory bound, and the per-job overhead with the sweep profile."""
    targets = []
    measured = [
        a
        for a in agreement
        if a["shape"].startswith(SCALE_SHAPE_PREFIX)
        and a.get("approx_share_delta_exact") is not None
    ]
    for label, key, ok in (
        (
            f"auto-approx exact Δ_i ≥ {APPROX_MIN_SHARE_DELTA:.0%} at every 1M shape",
            "approx_share_delta_exact",
            lambda v: v >= APPROX_MIN_SHARE_DELTA,
        ),
        (
            f"auto-approx Σ|g_i − g_i*|/G ≤ {APPROX_MAX_TOTAL_DEVIATION} at every 1M shape",
            "approx_total_deviation",
            lambda v: v <= APPROX_MAX_TOTAL_DEVIATION,
        ),
    ):
        if measured:
            values = ", ".join(f"{a['shape']}: {a[key]:.4f}" for a in measured)
            targets.append(
                {"target": label, "value": values, "met": all(ok(a[key]) for a in measured)}
            )
        else:
            targets.append({"target": label, "value": "not measured (no 1M shape)", "met": None})
    label = "distributed exact ADASYN: peak per task ≤ bound(partition + minority set)"
    if "error" in distributed:
        targets.append({"target": label, "value": distributed["error"], "met": None})
    else:
        shape = distributed["shape"]
        targets.append(
            {
                "target": label,
                "value": f"max peak {distributed['max_task_peak_bytes'] / 2**20:.1f} MiB, bound "
                f"{distributed['max_task_bound_bytes'] / 2**20:.1f} MiB at {shape['rows']:,} "
                f"rows × {shape['features']}, {shape['partition_rows']:,} rows/partition",
                "met": bool(distributed["peaks_within_bound"]),
            }
        )
        targets.append(
            {
                "target": "distributed run at 10M rows × 20, 1 % minority",
                "value": f"run at {shape['rows']:,} rows: "
                f"{distributed['rows_per_second']:,.0f} rows/s",
                "met": True if shape["rows"] >= 10_000_000 else None,
            }
        )
    ratio = sweep_overhead.get("ratio")
    targets.append(
        {
            "target": f"per-job overhead with evaluation=sweep ≤ {OVERHEAD_MAX_RATIO}× bare loop",
            "value": f"{ratio:.2f}×" if ratio is not None else sweep_overhead.get("error"),
            "met": ratio <= OVERHEAD_MAX_RATIO if ratio is not None else None,
        }
    )
    return targets


def render_distributed(distributed: dict[str, Any]) -> str:
    """The distributed exact ADASYN section (Markdown)."""
    lines = ["## Distributed exact ADASYN (Ray)", ""]
    if "error" in distributed:
        return "\n".join([*lines, f"Not measured: {distributed['error']}.", ""])
    shape, seconds = distributed["shape"], distributed["seconds"]
    lines += [
        f"{shape['rows']:,} rows × {shape['features']} features, {shape['minority_share']:.0%} "
        f"minority ({distributed['minority_rows']:,} rows), {shape['partitions']} Parquet "
        f"partitions of {shape['partition_rows']:,} rows, local cluster of "
        f"{distributed['cpus']} CPUs; {distributed['synthetic_rows']:,} synthetic rows written.",
        "",
        "| phase | seconds |",
        "|---|---:|",
        *(f"| {phase} | {value:.1f} |" for phase, value in seconds.items()),
        "",
        f"Rows/s (whole run): {distributed['rows_per_second']:,.0f}. Counting: "
        f"{distributed['count_seconds_per_partition']:.1f} s per partition (median), "
        f"{distributed['pairs_per_second_per_task']:.3g} minority × majority pairs/s per task. "
        f"Peak traced memory per counting task: max "
        f"{distributed['max_task_peak_bytes'] / 2**20:.1f} MiB (bound "
        f"{distributed['max_task_bound_bytes'] / 2**20:.1f} MiB); per writing task: max "
        f"{distributed['max_write_peak_bytes'] / 2**20:.1f} MiB.",
        "",
    ]
    return "\n".join(lines)


def _fmt(value: Any, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _met(flag: bool | None) -> str:
    return {True: "met", False: "**NOT met**", None: "not measured"}[flag]


def render_markdown(result: dict[str, Any]) -> str:
    """The benchmark as Markdown: timings, agreement, overhead and the targets."""
    meta = result["meta"]
    lines = [
        "# Benchmark: harness samplers against imbalanced-learn",
        "",
        f"Command: `{meta['command']}`  ",
        f"Median of {meta['repeats']} runs, each in a fresh process; {meta['cpu_count']} CPUs; "
        f"{meta['versions']}.",
        "",
        "## Wall time and peak memory",
        "",
        "| shape | implementation | backend | median s | speed-up vs imblearn | peak RSS MiB "
        "| RSS increase MiB |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    order = list(IMPLEMENTATIONS)
    for row in sorted(
        result["summary"], key=lambda r: (r["shape"], order.index(r["implementation"]))
    ):
        speedup = row["speedup_vs_imblearn"]
        lines.append(
            f"| {row['shape']} | {row['implementation']} | {row['backend'] or '–'} | "
            f"{row['median_seconds']:.3f} | {_fmt(speedup, '.2f')}{'×' if speedup else ''} | "
            f"{row['median_peak_rss_mib']:.0f} | {row['median_rss_increase_mib']:.0f} |"
        )
    lines += [
        "",
        "## ADASYN agreement",
        "",
        "r_i(exact) is imbalanced-learn's own computation (scikit-learn k-NN on all rows).",
        "",
        "| shape | exact r_i identical | approx mean abs Δr | approx g_i within ±1 "
        "| approx exact Δ_i | approx Σ\\|g−g*\\|/G |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result["agreement"]:
        lines.append(
            f"| {row['shape']} | {_fmt(row['exact_identical_r'], '')} | "
            f"{_fmt(row['approx_mean_abs_dr'], '.4f')} | "
            f"{_fmt(row['approx_share_g_within_1'], '.2%')} | "
            f"{_fmt(row.get('approx_share_delta_exact'), '.2%')} | "
            f"{_fmt(row.get('approx_total_deviation'), '.4f')} |"
        )
    overhead = result["overhead"]
    lines += ["", "## Harness overhead (quick ablation)", ""]
    if overhead.get("ratio") is not None:
        lines.append(
            "Through `run_experiment` with tracking and export, creating its MLflow store as a "
            f"first run does: {overhead['harness_seconds']:.1f} s; with the store already "
            f"there: {overhead['harness_existing_store_seconds']:.1f} s (creating it: "
            f"{_fmt(overhead['store_setup_seconds'], '.1f')} s, once per store); the same "
            "folds, samplers, models and per-fold metrics in a bare scikit-learn/"
            f"imbalanced-learn loop: {overhead['bare_seconds']:.1f} s. Ratio "
            f"{overhead['ratio']:.2f}× ({overhead['ratio_existing_store']:.2f}× with an "
            "existing store)."
        )
    else:
        lines.append(f"Not measured: {overhead.get('error', 'skipped')}.")
    sweep = result.get("sweep_overhead") or {}
    lines += ["", "## Harness overhead with the sweep profile (evaluation=sweep)", ""]
    if sweep.get("ratio") is not None:
        plan = sweep["plan"]
        size = plan.get("job_size") or f"{len(plan['strategies'])} jobs on Pima"
        per_job = sweep.get("per_job_seconds") or {}
        lines.append(
            f"Job size: {size} ({', '.join(plan.get('datasets', ['pima']))}), one after "
            f"another. Harness {sweep['harness_seconds']:.1f} s "
            f"({_fmt(per_job.get('harness'), '.2f')} s per job, with a new MLflow store), bare "
            f"loop {sweep['bare_seconds']:.1f} s ({_fmt(per_job.get('bare'), '.2f')} s per "
            f"job): {sweep['ratio']:.2f}×."
        )
    else:
        lines.append(f"Not measured: {sweep.get('error', 'not run')}.")
    if result.get("distributed") is not None:
        lines += ["", render_distributed(result["distributed"]).rstrip("\n")]
    lines += ["", "## Targets", "", "| target | measured | status |", "|---|---|---|"]
    for target in result["targets"]:
        lines.append(
            f"| {_cell(target['target'])} | {_cell(target['value'])} | {_met(target['met'])} |"
        )
    return "\n".join(lines) + "\n"
