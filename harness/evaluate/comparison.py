"""Compare strategies across the jobs of an experiment or sweep.

A comparison reads run folders only (``result.json`` and ``folds.csv``), so it works the same
for an in-process grid, a Hydra multirun, a resumed sweep, or folders copied from elsewhere.
It fails closed: an unreadable record, a record of another result schema or a folder with
unfinished jobs (:func:`harness.runs.incomplete_jobs`) is an error, unless the caller allows
missing jobs, and then every output names the jobs left out.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import InputDataError
from harness.evaluate.report import HEADLINE_METRICS, format_ci, markdown_table, render_html
from harness.evaluate.statistics import (
    corrected_resampled_ttest,
    rank_strategies,
    wilcoxon_signed_rank,
)
from harness.runs import (
    RESULT_SCHEMA_VERSION,
    ExperimentFolder,
    RunFolder,
    find_experiment_dirs,
    find_run_dirs,
    incomplete_jobs,
    write_bytes_atomic,
    write_text_atomic,
    writing,
)

log = logging.getLogger(__name__)

TEST_METRICS = ("test/minority_f1", "test/minority_recall", "test/pr_auc")
REFERENCE_STRATEGY = "none"


@dataclass(frozen=True)
class LeftOut:
    """A job a comparison could not include: its folder and why."""

    job: str
    reason: str


@dataclass
class Comparison:
    """The outcome of comparing every job found under one folder."""

    records: list[dict[str, Any]]
    table: pd.DataFrame
    tests: pd.DataFrame
    ranks: pd.DataFrame
    failed: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    """Jobs not in the comparison (only with ``allow_missing``), with the reason."""


def comparison_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per job: identity, status and the headline metrics as ``mean [95% CI]``."""
    rows = []
    for record in records:
        row = {
            "dataset": record["dataset"],
            "resampler": record["resampler"],
            "model": record["model"],
            "seed": record["seed"],
            "status": record["status"],
        }
        for key in HEADLINE_METRICS:
            mean = record.get("metrics", {}).get(key)
            row[key] = format_ci(mean, record.get("ci95", {}).get(key)) if mean is not None else ""
        rows.append(row)
    columns = ["dataset", "resampler", "model", "seed", "status", *HEADLINE_METRICS]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["dataset", "model", "seed", "resampler"], ignore_index=True)


def _read_folds(record: dict[str, Any]) -> pd.DataFrame | None:
    path = RunFolder(record["run_dir"]).folds
    return pd.read_csv(path).set_index(["repeat", "fold"]) if path.is_file() else None


def _fold_values(folds: pd.DataFrame | None, metric: str) -> pd.Series | None:
    if folds is None or metric not in folds.columns:
        return None
    return folds[metric]


def paired_tests(records: list[dict[str, Any]], metrics=TEST_METRICS) -> pd.DataFrame:
    """Paired tests across folds: every strategy vs ``none``, and ADASYN vs SMOTE.

    Jobs are paired within the same data set, model and seed, so their folds are identical.
    Both the Wilcoxon signed-rank test and the corrected resampled t-test (Nadeau & Bengio)
    are reported.
    """
    ok = [r for r in records if r["status"] == "success"]
    folds = {r["run_dir"]: _read_folds(r) for r in ok}  # each folds.csv read once
    rows = []
    key = lambda r: (r["dataset"], r["model"], r["seed"])  # noqa: E731
    for (dataset, model, seed), group in itertools.groupby(sorted(ok, key=key), key=key):
        by_strategy = {r["resampler"]: r for r in group}
        pairs = [(s, REFERENCE_STRATEGY) for s in sorted(by_strategy) if s != REFERENCE_STRATEGY]
        if "adasyn" in by_strategy and "smote" in by_strategy:
            pairs.append(("adasyn", "smote"))
        for candidate, reference in pairs:
            if reference not in by_strategy:
                continue
            for metric in metrics:
                a = _fold_values(folds[by_strategy[candidate]["run_dir"]], metric)
                b = _fold_values(folds[by_strategy[reference]["run_dir"]], metric)
                if a is None or b is None:
                    continue
                a, b = a.align(b, join="inner")
                n_train = by_strategy[candidate].get("n_train") or 1
                n_test = by_strategy[candidate].get("n_test") or 1
                t_stat, t_p = corrected_resampled_ttest(
                    a.to_numpy(), b.to_numpy(), n_train=n_train, n_test=n_test
                )
                rows.append(
                    {
                        "dataset": dataset,
                        "model": model,
                        "seed": seed,
                        "candidate": candidate,
                        "reference": reference,
                        "metric": metric,
                        "mean_difference": float(np.mean(a.to_numpy() - b.to_numpy())),
                        "wilcoxon_p": wilcoxon_signed_rank(a.to_numpy(), b.to_numpy()),
                        "corrected_t": t_stat,
                        "corrected_t_p": t_p,
                        "n_folds": len(a),
                    }
                )
    return pd.DataFrame(rows)


def strategy_ranks(records: list[dict[str, Any]], metric: str = "test/minority_f1") -> pd.DataFrame:
    """Average rank of each strategy across data sets (1 = best), when several are compared."""
    ok = [r for r in records if r["status"] == "success" and metric in r.get("metrics", {})]
    if len({r["dataset"] for r in ok}) < 2:
        return pd.DataFrame()
    frame = pd.DataFrame(
        [
            {"dataset": r["dataset"], "resampler": r["resampler"], "value": r["metrics"][metric]}
            for r in ok
        ]
    )
    table = frame.pivot_table(index="dataset", columns="resampler", values="value", aggfunc="mean")
    return rank_strategies(table)


IDENTITY = ("dataset", "resampler", "model", "seed", "status")


def read_comparable_records(root: Path) -> tuple[list[dict[str, Any]], list[LeftOut]]:
    """Every record under ``root`` that a comparison can use, and the jobs it cannot.

    Left out: every job :func:`harness.runs.incomplete_jobs` lists (unfinished, or a run folder
    no manifest lists, e.g. one of an earlier run in the same folder), and every record that is
    unreadable, of another result schema or without the job's identity.

    Returns
    -------
    tuple of (list of dict, list of LeftOut)
        The records (each with its ``run_dir``) and what was left out.
    """
    try:
        problems = incomplete_jobs(root)
    except InputDataError as exc:
        problems = [f"{root}: {exc}"]
    left_out = [LeftOut(line.partition(": ")[0], line.partition(": ")[2]) for line in problems]
    listed = _listed_run_dirs(root)
    records: list[dict[str, Any]] = []
    for run_dir in find_run_dirs(root):
        if listed is not None and run_dir.resolve() not in listed:
            continue  # left out above, as a job no manifest lists
        folder = RunFolder(run_dir)
        try:
            record = folder.load_record()
        except InputDataError as exc:
            left_out.append(LeftOut(str(run_dir), str(exc)))
            continue
        reason = _unusable(record, folder)
        if reason is not None:
            left_out.append(LeftOut(str(run_dir), reason))
            continue
        record["run_dir"] = str(run_dir)
        records.append(record)
    return records, left_out


def _listed_run_dirs(root: Path) -> set[Path] | None:
    """The run folders the manifests under ``root`` list; ``None`` for a single run folder."""
    if RunFolder(root).is_finished():
        return None
    listed = set()
    for experiment in find_experiment_dirs(root):
        folder = ExperimentFolder(experiment)
        try:
            names = folder.expected_jobs()
        except InputDataError:
            continue  # reported by incomplete_jobs
        listed.update(folder.job(name).path.resolve() for name in names)
    return listed


def _unusable(record: dict[str, Any], folder: RunFolder) -> str | None:
    if record.get("schema") != RESULT_SCHEMA_VERSION:
        return (
            f"{folder.result} was written by another harness (result schema "
            f"{record.get('schema')}, this one reads {RESULT_SCHEMA_VERSION}): rerun it with "
            "`harness run ... resume=true`"
        )
    missing = [key for key in IDENTITY if key not in record]
    if missing:
        return f"{folder.result} has no {', '.join(missing)}: rerun it with `harness run`"
    return None


def compare(
    root: Path, *, write: bool = True, title: str | None = None, allow_missing: bool = False
) -> Comparison:
    """Compare every job found under ``root`` and write the comparison files there.

    Parameters
    ----------
    root : Path
        An experiment run folder or a sweep folder.
    write : bool
        Write ``comparison.csv``, ``paired_tests.csv``, ``ranks.csv``, ``report.md`` and
        ``report.html`` into ``root`` (and ``left_out.csv`` when jobs are left out).
    title : str, optional
        The report title.
    allow_missing : bool
        Compare what can be read and name the rest in every output, instead of failing.

    Returns
    -------
    Comparison

    Raises
    ------
    InputDataError
        Without ``allow_missing``, when a job is unfinished or its record cannot be used;
        the message names each file.
    """
    root = Path(root)
    records, left_out = read_comparable_records(root)
    if left_out and not allow_missing:
        shown = "\n  ".join(f"{item.job}: {item.reason}" for item in left_out)
        raise InputDataError(
            f"cannot compare {root}: {len(left_out)} job(s) are unfinished or unreadable:\n"
            f"  {shown}\nRerun them with `harness run ... resume=true`, or compare the rest "
            "with `harness compare --allow-missing` (every output then lists what was left "
            "out)."
        )
    table = comparison_table(records)
    if left_out:
        table = pd.concat([table, _left_out_rows(left_out)], ignore_index=True)
    tests = paired_tests(records)
    ranks = strategy_ranks(records)
    failed = [r for r in records if r["status"] != "success"]
    comparison = Comparison(records, table, tests, ranks, failed, left_out=left_out)
    if write:
        with writing(root):
            comparison.files = _write(root, comparison, title or f"Comparison: {root.name}")
    return comparison


LEFT_OUT_STATUS = "left out"
LEFT_OUT_COLUMN = "left_out"


def _left_out_rows(left_out: list[LeftOut]) -> pd.DataFrame:
    """One row per job left out: status ``left out`` and, in column ``left_out``, which job
    and why (the column exists only when something was left out)."""
    rows = [
        {
            **dict.fromkeys(IDENTITY, ""),
            "status": LEFT_OUT_STATUS,
            LEFT_OUT_COLUMN: f"{item.job}: {item.reason}",
        }
        for item in left_out
    ]
    return pd.DataFrame(rows)


def _write_csv(path: Path, frame: pd.DataFrame, *, index: bool = False) -> None:
    write_bytes_atomic(path, lambda tmp: frame.to_csv(tmp, index=index))


def _write(root: Path, comparison: Comparison, title: str) -> list[Path]:
    folder = ExperimentFolder(root)
    files = []
    _write_csv(folder.comparison_csv, comparison.table)
    files.append(folder.comparison_csv)
    _write_csv(folder.paired_tests_csv, comparison.tests)
    files.append(folder.paired_tests_csv)
    lines = [f"# {title}", ""]
    tables = []
    if comparison.left_out:
        left_out = pd.DataFrame(
            [{"job": item.job, "reason": item.reason} for item in comparison.left_out]
        )
        _write_csv(folder.left_out_csv, left_out)
        files.append(folder.left_out_csv)
        heading = f"Left out: {len(left_out)} job(s) not in this comparison"
        lines += [f"## {heading}", "", markdown_table(left_out), ""]
        tables.append((heading, left_out))
    else:
        folder.left_out_csv.unlink(missing_ok=True)
    lines += ["## Strategies (mean [95% CI] over folds)", ""]
    lines.append(markdown_table(comparison.table))
    tables.append(("Strategies (mean [95% CI] over folds)", comparison.table))
    if not comparison.tests.empty:
        shown = comparison.tests[comparison.tests["metric"] == "test/minority_f1"]
        lines += ["", "## Paired tests on test/minority_f1 across folds", ""]
        lines.append(markdown_table(shown.drop(columns=["metric"])))
        tables.append(("Paired tests on test/minority_f1 across folds", shown))
    if not comparison.ranks.empty:
        _write_csv(folder.ranks_csv, comparison.ranks, index=True)
        files.append(folder.ranks_csv)
        ranks = comparison.ranks.reset_index()
        lines += ["", "## Average rank across data sets (test/minority_f1, 1 = best)", ""]
        lines.append(markdown_table(ranks))
        tables.append(("Average rank across data sets", ranks))
    if comparison.failed:
        failed = pd.DataFrame(
            [
                {
                    "dataset": r["dataset"],
                    "resampler": r["resampler"],
                    "model": r["model"],
                    "error": r.get("error"),
                }
                for r in comparison.failed
            ]
        )
        lines += ["", "## Failed jobs", "", markdown_table(failed)]
        tables.append(("Failed jobs", failed))
    write_text_atomic(folder.report_md, "\n".join(lines) + "\n")
    write_text_atomic(folder.report_html, render_html(title, tables, {}))
    files += [folder.report_md, folder.report_html]
    return files
