"""Compare strategies across the jobs of an experiment or sweep.

A comparison reads run folders only (``result.json`` and ``folds.csv``), so it works the same
for an in-process grid, a Hydra multirun, a resumed sweep, or folders copied from elsewhere.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.evaluate.report import HEADLINE_METRICS, format_ci, markdown_table, render_html
from harness.evaluate.statistics import (
    corrected_resampled_ttest,
    rank_strategies,
    wilcoxon_signed_rank,
)
from harness.runs import read_records

log = logging.getLogger(__name__)

TEST_METRICS = ("test/minority_f1", "test/minority_recall", "test/pr_auc")
REFERENCE_STRATEGY = "none"


@dataclass
class Comparison:
    """The outcome of comparing every job found under one folder."""

    records: list[dict[str, Any]]
    table: pd.DataFrame
    tests: pd.DataFrame
    ranks: pd.DataFrame
    failed: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


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
    path = Path(record["run_dir"]) / "folds.csv"
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


def compare(root: Path, *, write: bool = True, title: str | None = None) -> Comparison:
    """Compare every job found under ``root`` and write the comparison files there.

    Parameters
    ----------
    root : Path
        An experiment run folder or a sweep folder.
    write : bool
        Write ``comparison.csv``, ``paired_tests.csv``, ``ranks.csv``, ``report.md`` and
        ``report.html`` into ``root``.
    title : str, optional
        The report title.

    Returns
    -------
    Comparison
    """
    root = Path(root)
    records = read_records(root)
    table = comparison_table(records)
    tests = paired_tests(records)
    ranks = strategy_ranks(records)
    failed = [r for r in records if r["status"] != "success"]
    comparison = Comparison(records, table, tests, ranks, failed)
    if write:
        comparison.files = _write(root, comparison, title or f"Comparison: {root.name}")
    return comparison


def _write(root: Path, comparison: Comparison, title: str) -> list[Path]:
    files = []
    comparison.table.to_csv(root / "comparison.csv", index=False)
    files.append(root / "comparison.csv")
    comparison.tests.to_csv(root / "paired_tests.csv", index=False)
    files.append(root / "paired_tests.csv")
    lines = [f"# {title}", "", "## Strategies (mean [95% CI] over folds)", ""]
    lines.append(markdown_table(comparison.table))
    tables = [("Strategies (mean [95% CI] over folds)", comparison.table)]
    if not comparison.tests.empty:
        shown = comparison.tests[comparison.tests["metric"] == "test/minority_f1"]
        lines += ["", "## Paired tests on test/minority_f1 across folds", ""]
        lines.append(markdown_table(shown.drop(columns=["metric"])))
        tables.append(("Paired tests on test/minority_f1 across folds", shown))
    if not comparison.ranks.empty:
        comparison.ranks.to_csv(root / "ranks.csv")
        files.append(root / "ranks.csv")
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
    (root / "report.md").write_text("\n".join(lines) + "\n")
    (root / "report.html").write_text(render_html(title, tables, {}))
    files += [root / "report.md", root / "report.html"]
    return files
