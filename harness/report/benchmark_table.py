"""The benchmark's records as tables: one row per cell, and the compact metric table.

A *cell* is one (data set, strategy, model) of ``experiment=benchmark``; its record is the
``result.json`` of its run folder. :func:`collect_records` reads every run folder under the
folders given (the parts of one benchmark: one folder per model, or a sweep), strictly: an
unreadable record stops the analysis, naming the file. :func:`cell_table` says, per cell,
whether it has results and, when not, why; :func:`compact_table` holds one row per data set ×
strategy × model × metric with the mean and its 95 % interval, the table committed as
``docs/data/benchmark.csv.gz``.

Metrics that fit the model: G-mean, F1, Brier and ECE for every model; PR-AUC and the recall at
the precision target only where the model's scores are continuous (``hard_scores`` false). A
metric left out is listed in the ``missing`` column of its row with the reason, never as a
number.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import InputDataError
from harness.runs import read_records

#: Every model's metrics.
ALL_MODEL_METRICS = ("test/g_mean", "test/minority_f1", "test/brier", "test/ece")
#: Metrics that need a ranking of continuous scores (the metric catalog's ``needs``).
RANKING_METRICS = ("test/pr_auc", "test/recall_at_precision")
BENCHMARK_METRICS = (*ALL_MODEL_METRICS, *RANKING_METRICS)
#: Data set descriptors read from the ``none`` cell (strategy-independent).
DATASET_METRICS = ("data/minority_overlap",)
CELL_KEYS = ("dataset", "strategy", "model")
COMPACT_COLUMNS = (
    "dataset",
    "strategy",
    "model",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "n_folds",
    "missing",
)


def collect_records(folders: Iterable[Path]) -> list[dict[str, Any]]:
    """Every record under ``folders``; a cell recorded twice keeps its latest finished record.

    Parameters
    ----------
    folders : iterable of Path
        Experiment or sweep folders of ``experiment=benchmark`` runs.

    Returns
    -------
    list of dict
        ``result.json`` records with ``run_dir`` added.

    Raises
    ------
    InputDataError
        A folder that does not exist or holds no record, or a record that cannot be read.
    """
    latest: dict[tuple, dict[str, Any]] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputDataError(f"{folder} is not a folder; pass the run folders of the parts.")
        records = read_records(folder)
        if not records:
            raise InputDataError(
                f"{folder} holds no result.json; pass the folders `harness run "
                "experiment=benchmark` wrote (outputs/runs/benchmark/<time>)."
            )
        for record in records:
            key = (record["dataset"], _strategy(record), record["model"], record.get("seed"))
            kept = latest.get(key)
            if kept is None or str(record.get("finished_at")) > str(kept.get("finished_at")):
                latest[key] = record
    return [latest[key] for key in sorted(latest, key=lambda k: tuple(map(str, k)))]


def _strategy(record: dict[str, Any]) -> str:
    return str(record.get("strategy") or record.get("resampler"))


def cell_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per recorded cell: its status, why it has no result, and its cost.

    Returns
    -------
    DataFrame
        Columns ``dataset``, ``strategy``, ``model``, ``status``, ``reason`` (the error of a
        failed job, empty otherwise), ``hard_scores``, ``n_folds``, ``seconds`` (wall time of
        the job), ``n_train``, ``harness_version``, ``git_commit``.
    """
    rows = []
    for record in records:
        started = pd.Timestamp(record.get("started_at"))
        finished = pd.Timestamp(record.get("finished_at")) if record.get("finished_at") else None
        rows.append(
            {
                "dataset": record["dataset"],
                "strategy": _strategy(record),
                "model": record["model"],
                "status": record["status"],
                "reason": record.get("error") or "",
                "hard_scores": bool(record.get("hard_scores", True)),
                "n_folds": int(record.get("n_folds") or 0),
                "seconds": (finished - started).total_seconds() if finished else np.nan,
                "n_train": record.get("n_train"),
                "harness_version": record.get("harness_version"),
                "git_commit": record.get("git_commit"),
            }
        )
    return pd.DataFrame(rows)


def compact_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per successful cell × benchmark metric: mean, 95 % interval, or why missing.

    Returns
    -------
    DataFrame
        :data:`COMPACT_COLUMNS`; ``mean`` is NaN exactly when ``missing`` holds a reason.
    """
    rows = []
    for record in records:
        if record["status"] != "success":
            continue
        hard = bool(record.get("hard_scores", True))
        undefined = record.get("undefined") or {}
        for metric in BENCHMARK_METRICS:
            value = (record.get("metrics") or {}).get(metric)
            interval = (record.get("ci95") or {}).get(metric) or [None, None]
            reason = ""
            if metric in RANKING_METRICS and hard:
                reason = (
                    f"hard scores ({record.get('score_levels')} distinct minority scores per "
                    "test fold): a ranking metric means nothing for this model"
                )
            elif value is None:
                reason = undefined.get(metric) or "not measured by this job"
            rows.append(
                {
                    "dataset": record["dataset"],
                    "strategy": _strategy(record),
                    "model": record["model"],
                    "metric": metric,
                    "mean": np.nan if reason else float(value),
                    "ci_low": np.nan if reason or interval[0] is None else float(interval[0]),
                    "ci_high": np.nan if reason or interval[1] is None else float(interval[1]),
                    "n_folds": int(record.get("n_folds") or 0),
                    "missing": reason,
                }
            )
    return pd.DataFrame(rows, columns=list(COMPACT_COLUMNS))


def dataset_descriptors(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Per data set: its minority overlap (mean over the folds of its ``none`` cells).

    Returns
    -------
    DataFrame
        Index ``dataset``; column ``minority_overlap`` (NaN when no ``none`` cell succeeded).
    """
    values: dict[str, list[float]] = {}
    for record in records:
        if record["status"] == "success" and _strategy(record) == "none":
            overlap = (record.get("metrics") or {}).get("data/minority_overlap")
            if overlap is not None:
                values.setdefault(record["dataset"], []).append(float(overlap))
    frame = pd.DataFrame(
        {"minority_overlap": {name: float(np.mean(v)) for name, v in values.items()}}
    )
    frame.index.name = "dataset"
    return frame
