"""Realistic ``result.json`` records, and the export settings that push them, for the export
tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

METRICS = {
    "test/minority_recall": 0.82,
    "test/minority_precision": 0.64,
    "test/minority_f1": 0.72,
    "test/g_mean": 0.79,
    "test/roc_auc": 0.86,
    "train/minority_recall": 0.95,
    "gap/minority_recall": 0.13,
    "resample/synthetic_ratio": 0.31,
    "resample/n_synthetic": 212.0,
    "resample/invalid_value_share": 0.0,
    "data/minority_overlap": 0.01,
    "time/fit_seconds": 0.042,
    "fairness/sex/equalized_odds_difference": 0.12,
    "fairness/sex/min_group_recall": 0.74,
    "fairness/sex/group/F/recall": 0.74,
    "fairness/sex/group/M/recall": 0.86,
}


def make_record(**overrides: Any) -> dict[str, Any]:
    """A successful ADASYN run on pima; ``overrides`` replace top-level fields."""
    record = {
        "schema": 1,
        "run_key": "3f2a",
        "experiment": "quick",
        "dataset": "pima",
        "resampler": "adasyn",
        "model": "decision_tree",
        "seed": 0,
        "status": "success",
        "error": None,
        "params": {"resampler.n_neighbors": 5},
        "metrics": dict(METRICS),
        "std": {"test/minority_recall": 0.05},
        "ci95": {"test/minority_recall": [0.77, 0.87]},
        "n_folds": 10,
        "dataset_digest": "ab12",
        "harness_version": "0.1.0",
        "git_commit": "deadbeef",
        "started_at": "2026-01-05T10:00:00+00:00",
        "finished_at": "2026-01-05T10:01:00+00:00",
        "tracking": {"mlflow_run_id": None, "uri": None},
    }
    record.update(overrides)
    # The strategy kind follows the resampler's name, as for the built-in strategies.
    record.setdefault("strategy", record["resampler"])
    return record


def pushgateway_export(url: str, textfile: Path, timeout_s: float = 5) -> dict[str, Any]:
    """The ``export`` config that writes ``textfile`` and pushes to the Pushgateway ``url``."""
    return {
        "mode": "pushgateway",
        "textfile_path": str(textfile),
        "pushgateway_url": url,
        "job": "harness",
        "timeout_s": timeout_s,
    }
