"""Fixtures and helpers: ``harness gate`` in a subprocess; result records, run folders,
experiment folders (manifest.json + jobs/) and sweep folders (multirun.yaml + one experiment
folder per sweep job) in the format ``harness run`` writes (result.json schema 2, with the
strategy kind and the sensitive columns); a model saved in the MLflow format."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.metrics.catalog import fairness_key, metric_range
from harness.runs import (
    RESULT_SCHEMA_VERSION,
    ExperimentFolder,
    RunFolder,
    config_key,
    job_folder_name,
)
from tests.support.cli import run_harness

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
    "resample/invalid_value_share": 0.0,
    "data/label_issues": 0.04,
    "data/minority_overlap": 0.18,
    fairness_key("sex", "equalized_odds_difference"): 0.08,
    fairness_key("sex", "demographic_parity_difference"): 0.12,
}
KINDS = ("adasyn", "smote", "ros", "class_weight", "none")


def harness_gate(*args: object) -> subprocess.CompletedProcess:
    """``harness gate ARGS`` in a subprocess, as CI runs it, with a fresh empty root folder."""
    with tempfile.TemporaryDirectory() as root:
        return run_harness("gate", *map(str, args), root=Path(root), timeout=300)


def make_record(
    metrics: dict[str, Any] | None = None,
    *,
    resampler: str = "adasyn",
    strategy: str | None = None,
    ci95: dict[str, list[float]] | None = None,
    seed: int = 0,
    status: str = "success",
    sensitive_columns: Sequence[str] | None = ("sex",),
    dataset: str = "pima",
) -> dict[str, Any]:
    """A ``result.json`` record as ``harness run`` writes it.

    ``strategy`` defaults to ``resampler`` when that is a built-in kind, else ``adasyn``;
    ``sensitive_columns=None`` leaves the field out (as an older writer did).
    """
    metrics = dict(PASSING_METRICS if metrics is None else metrics)
    strategy = strategy or (resampler if resampler in KINDS else "adasyn")
    numbers = {k: v for k, v in metrics.items() if isinstance(v, int | float)}
    record = {
        "schema": RESULT_SCHEMA_VERSION,
        "run_key": "",
        "experiment": "quick",
        "dataset": dataset,
        "resampler": resampler,
        "strategy": strategy,
        "model": "decision_tree",
        "seed": seed,
        "status": status,
        "error": None if status == "success" else "ValueError: boom",
        "params": {"resampler.n_neighbors": 5, "resampler.beta": 1.0},
        "metrics": metrics,
        "std": {k: 0.01 for k in numbers},
        "ci95": ci95 if ci95 is not None else {k: _interval(k, v) for k, v in numbers.items()},
        "n_folds": 10,
        "n_train": 614,
        "n_test": 154,
        "hard_scores": False,
        "score_levels": SCORE_COLUMNS["test/score_levels"],
        "undefined": {},
        "dataset_digest": hashlib.sha256(dataset.encode()).hexdigest(),
        "harness_version": "0.1.0",
        "git_commit": "abc",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
        "tracking": {"mlflow_run_id": None, "uri": None},
    }
    if sensitive_columns is not None:
        record["sensitive_columns"] = list(sensitive_columns)
    return with_key(record)


def job_config(record: dict[str, Any]) -> dict[str, Any]:
    """The resolved ``config.yaml`` of the job ``record`` is the result of: its labels, and a
    sampler of its strategy kind (what the gate derives the kind from)."""
    from harness.resample.registry import STRATEGIES
    from harness.security import public_name

    sampler = STRATEGIES.get(record.get("strategy"))
    target = public_name(sampler) if sampler else "harness.resample.ADASYN"
    return {
        "experiment": {"name": record["experiment"]},
        "dataset": {
            "name": record["dataset"],
            "loader": {"_target_": "harness.data.load_builtin", "name": record["dataset"]},
        },
        "resampler": {"name": record["resampler"], "sampler": {"_target_": target}},
        "model": {
            "name": record["model"],
            "estimator": {"_target_": "sklearn.tree.DecisionTreeClassifier"},
        },
        "seed": record["seed"],
        "evaluation": {"precision_target": 0.7},
    }


def with_key(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with the run key of its :func:`job_config` (call it after changing a label)."""
    record["run_key"] = config_key(job_config(record))
    return record


def _interval(key: str, value: float) -> list[float]:
    """``value ± 0.02``, clipped to the metric's range as the harness clips its intervals."""
    low, high = metric_range(key) or (-math.inf, math.inf)
    return [max(value - 0.02, low), min(value + 0.02, high)]


def job_name(record: dict[str, Any]) -> str:
    """The job folder name ``harness run`` gives a record."""
    return job_folder_name(record["dataset"], record["resampler"], record["model"], record["seed"])


def write_job_files(folder: Path, record: dict[str, Any]) -> Path:
    """Write a job's ``config.yaml`` and ``dataset.json`` as ``harness run`` does, matching
    ``record`` (the gate ties a record to them), then ``result.json``; return the folder."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    job = RunFolder(folder)
    job.config.write_text(yaml.safe_dump(job_config(record), sort_keys=False))
    if record.get("dataset_digest") is not None:
        summary = {"name": record["dataset"], "digest": record["dataset_digest"]}
        if record.get("sensitive_columns") is not None:
            summary["sensitive"] = list(record["sensitive_columns"])
        job.dataset.write_text(json.dumps(summary))
    if record.get("status") == "success" and not job.folds.is_file():
        write_folds(folder, {})
    job.write_record(record)
    return folder


def write_run_dir(folder: Path, record: dict[str, Any]) -> Path:
    """Write the job of ``record`` into ``<folder>/<its job name>`` (the name ``harness run``
    gives it, unless ``folder`` already has that name) and return the job's folder."""
    if folder.name != job_name(record):
        folder = folder / job_name(record)
    return write_job_files(folder, record)


def write_experiment(
    folder: Path, records: Sequence[dict[str, Any]], *, unfinished: Sequence[int] = ()
) -> Path:
    """An experiment folder: its manifest lists every record's job; the jobs whose index is in
    ``unfinished`` have a folder without ``result.json`` (killed before the end)."""
    experiment = ExperimentFolder(folder)
    experiment.write_manifest(
        [
            {
                "name": job_name(r),
                "run_key": r["run_key"],
                **{k: r[k] for k in ("dataset", "resampler", "strategy", "model", "seed")},
            }
            for r in records
        ],
        experiment="quick",
    )
    for index, record in enumerate(records):
        job = experiment.job(job_name(record))
        job.path.mkdir(parents=True, exist_ok=True)
        if index not in unfinished:
            write_job_files(job.path, record)
    return folder


def write_sweep(folder: Path, experiments: Sequence[Sequence[dict[str, Any]]], n_jobs: int) -> Path:
    """A sweep folder: Hydra's ``multirun.yaml`` asking for ``n_jobs`` jobs, and one experiment
    folder (``<folder>/<i>``) per entry of ``experiments`` (fewer when the sweep was killed)."""
    folder.mkdir(parents=True, exist_ok=True)
    values = ",".join(f"v{i}" for i in range(n_jobs))
    (folder / "multirun.yaml").write_text(
        f"hydra:\n  overrides:\n    task:\n    - seed_label={values}\n"
    )
    for index, records in enumerate(experiments):
        write_experiment(folder / str(index), records)
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``run_dir(name, metrics=None, **record_options)`` writes one run folder."""

    def make(name: str = "run", metrics: dict[str, Any] | None = None, **options: Any) -> Path:
        return write_run_dir(tmp_path / name, make_record(metrics, **options))

    return make


@pytest.fixture(scope="session")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fitted scikit-learn model saved in the MLflow format, as a run folder's model/.

    Tests copy or upload it and never change it, so one serves the whole test run.
    """
    import mlflow.sklearn
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.r_[np.zeros(30), np.ones(10)]
    path = tmp_path_factory.mktemp("model") / "model"
    mlflow.sklearn.save_model(
        LogisticRegression().fit(X, y), path, pip_requirements=["scikit-learn"]
    )
    return path


# -- fold tables, for the relative objectives ----------------------------------------------------

#: The (repeat, fold) pairs of 2 x 5-fold cross-validation.
FOLD_PAIRS = tuple((repeat, fold) for repeat in range(2) for fold in range(5))


def fold_scores(mean: float, spread: float = 0.02, seed: int = 0) -> list[float]:
    """Ten fold scores around ``mean`` (fixed noise per ``seed``), inside [0, 1]."""
    import numpy as np

    noise = np.random.default_rng(seed).normal(0.0, spread, len(FOLD_PAIRS))
    return [float(v) for v in np.clip(mean + noise, 0.0, 1.0)]


#: Fold columns a job writes besides its metrics: continuous scores (50 distinct values per
#: test fold) whose operating point every fold reached, as the record says by default.
SCORE_COLUMNS = {"test/score_levels": 50.0, "test/operating_point_reached": 1.0}


def write_folds(folder: Path, columns: dict[str, Sequence[float]]) -> Path:
    """Write ``folds.csv`` into a run folder: one row per (repeat, fold), one column per key
    (and :data:`SCORE_COLUMNS` unless ``columns`` gives them)."""
    import pandas as pd

    defaults = {key: [value] * len(FOLD_PAIRS) for key, value in SCORE_COLUMNS.items()}
    table = pd.DataFrame(
        {
            "repeat": [r for r, _ in FOLD_PAIRS],
            "fold": [f for _, f in FOLD_PAIRS],
            **defaults,
            **{key: list(values) for key, values in columns.items()},
        }
    )
    path = RunFolder(folder).folds
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def write_study(
    folder: Path,
    folds: dict[str, dict[str, Sequence[float]]],
    metrics: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """An experiment folder with one job per strategy kind of ``folds`` (kind -> fold columns),
    each with its ``folds.csv``; ``metrics`` overrides the record metrics of a kind."""
    records = [make_record((metrics or {}).get(kind), resampler=kind) for kind in folds]
    write_experiment(folder, records)
    for record in records:
        write_folds(ExperimentFolder(folder).job(job_name(record)).path, folds[record["resampler"]])
    return folder
