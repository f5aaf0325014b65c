"""Fixtures: results folders written the way ``harness run`` writes them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Metrics that meet every objective of conf/slo/default.yaml.
PASSING_METRICS = {
    "test/minority_recall": 0.85,
    "test/minority_precision": 0.76,
    "test/minority_f1": 0.80,
    "test/pr_auc": 0.82,
    "train/minority_recall": 0.90,
    "gap/minority_recall": 0.05,
    "resample/synthetic_ratio": 0.30,
    "resample/n_synthetic": 120.0,
    "noise/minority_label_noise": 0.01,
    "fairness/sex/equalized_odds_difference": 0.08,
    "fairness/sex/demographic_parity_difference": 0.12,
}


def make_record(
    metrics: dict[str, float] | None = None,
    *,
    resampler: str = "adasyn",
    ci95: dict[str, list[float]] | None = None,
    seed: int = 0,
    status: str = "success",
) -> dict[str, Any]:
    """A ``result.json`` record as ``harness run`` writes it."""
    metrics = dict(PASSING_METRICS if metrics is None else metrics)
    key = f"quick|pima|{resampler}|decision_tree|{seed}"
    return {
        "schema": 1,
        "run_key": hashlib.sha256(key.encode()).hexdigest(),
        "experiment": "quick",
        "dataset": "pima",
        "resampler": resampler,
        "model": "decision_tree",
        "seed": seed,
        "status": status,
        "error": None if status == "success" else "boom",
        "params": {"resampler.n_neighbors": 5, "resampler.beta": 1.0},
        "metrics": metrics,
        "std": {k: 0.01 for k in metrics},
        "ci95": ci95 if ci95 is not None else {k: [v - 0.02, v + 0.02] for k, v in metrics.items()},
        "n_folds": 10,
        "dataset_digest": hashlib.sha256(b"pima").hexdigest(),
        "harness_version": "0.1.0",
        "git_commit": "abc",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
        "tracking": {"mlflow_run_id": None, "uri": None},
    }


def write_run_dir(folder: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` as ``<folder>/result.json`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(json.dumps(record))
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``run_dir(name, metrics=None, **record_options)`` writes one run folder."""

    def make(name: str = "run", metrics: dict[str, float] | None = None, **options: Any) -> Path:
        return write_run_dir(tmp_path / name, make_record(metrics, **options))

    return make
