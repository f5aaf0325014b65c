"""One job: evaluate one (dataset, resampler, model, seed) and write its run folder.

The run folder (format in docs/architecture.md) is written before anything is sent to a
tracking server or a metrics backend, so a failure there never loses a result.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

import harness
from harness.data import Dataset
from harness.evaluate.protocol import ProtocolResult, evaluate_folds, make_preprocessor
from harness.evaluate.statistics import aggregate_folds
from harness.instantiate import instantiate_component
from harness.runs import RESULT_FILE

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


def job_name(dataset: str, resampler: str, model: str, seed: int) -> str:
    """Folder name of a job inside an experiment run."""
    return f"{dataset}__{resampler}__{model}__seed{seed}"


def run_key(cfg: DictConfig) -> str:
    """A stable identity of the job: same config and seed → same key."""
    container = OmegaConf.to_container(cfg, resolve=True)
    payload = json.dumps(_without_volatile(container), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _without_volatile(container: Any) -> Any:
    if isinstance(container, dict):
        return {
            k: _without_volatile(v)
            for k, v in container.items()
            if k not in ("paths", "tracking", "export", "resume", "hydra")
        }
    return container


def metric_range(key: str) -> tuple[float, float] | None:
    """The values a metric can take, when bounded: shares in [0, 1], gaps in [-1, 1]."""
    if key.startswith("gap/"):
        return (-1.0, 1.0)
    if key.startswith(("test/", "train/", "noise/", "fairness/")) or key == (
        "resample/synthetic_ratio"
    ):
        return (0.0, 1.0)
    return None


def clip_to_range(key: str, interval: list[float | None]) -> list[float | None]:
    """Clip a Student-t interval to the metric's range (a recall CI never passes 1)."""
    bounds = metric_range(key)
    if bounds is None or interval is None:
        return interval
    return [
        None if value is None else float(min(max(value, bounds[0]), bounds[1]))
        for value in interval
    ]


def git_commit() -> str:
    """The commit of the working tree the harness runs from, or ``unknown``."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(harness.__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def flatten_params(cfg: DictConfig) -> dict[str, Any]:
    """Flatten the resolved config into ``a.b.c: value`` params (lists kept as strings)."""
    container = _without_volatile(OmegaConf.to_container(cfg, resolve=True))
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = node if isinstance(node, int | float | str | bool) else str(node)

    walk("", container)
    return flat


def load_dataset_from_config(cfg: DictConfig) -> Dataset:
    """Instantiate the configured data set loader."""
    return instantiate_component(cfg.dataset.loader)


def _sampler_factory(cfg: DictConfig) -> Callable[[int], Any]:
    def make(seed: int) -> Any:
        sampler = instantiate_component(cfg.resampler.sampler)
        if "random_state" in sampler.get_params():
            sampler.set_params(random_state=seed)
        return sampler

    return make


def _model_factory(cfg: DictConfig, class_weight: str | None) -> Callable[[int], Any]:
    from harness.models import build_model

    def make(seed: int) -> Any:
        return build_model(cfg.model, class_weight=class_weight, random_state=seed)

    return make


def _class_weight_of(cfg: DictConfig) -> str | None:
    sampler = instantiate_component(cfg.resampler.sampler)
    return getattr(sampler, "model_class_weight", None)


def execute_job(
    cfg: DictConfig,
    run_dir: Path,
    *,
    dataset: Dataset | None = None,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Evaluate the job described by ``cfg`` and write its run folder.

    Parameters
    ----------
    cfg : DictConfig
        A composed config with ``dataset``, ``resampler``, ``model``, ``evaluation`` and ``seed``.
    run_dir : Path
        The job's folder; created if needed.
    dataset : Dataset, optional
        An already loaded data set (saves loading it again in a grid).
    progress : callable, optional
        Called once per finished fold.

    Returns
    -------
    dict
        The ``result.json`` record. A job that raises is recorded with ``status: failed`` and
        the error; the exception is not re-raised, so a sweep goes on.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    record: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "run_key": run_key(cfg),
        "experiment": str(cfg.experiment.name),
        "dataset": str(cfg.dataset.name),
        "resampler": str(cfg.resampler.name),
        "model": str(cfg.model.name),
        "seed": int(cfg.seed),
        "status": "running",
        "error": None,
        "params": flatten_params(cfg),
        "metrics": {},
        "std": {},
        "ci95": {},
        "n_folds": 0,
        "dataset_digest": None,
        "harness_version": harness.__version__,
        "git_commit": git_commit(),
        "started_at": started.isoformat(),
        "finished_at": None,
        "tracking": {"mlflow_run_id": None, "uri": None},
    }
    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    try:
        if dataset is None:
            dataset = load_dataset_from_config(cfg)
        _write_json(run_dir / "dataset.json", dataset.summary())
        record["dataset_digest"] = dataset.digest
        evaluation = cfg.evaluation
        result = evaluate_folds(
            dataset,
            _sampler_factory(cfg),
            _model_factory(cfg, _class_weight_of(cfg)),
            n_splits=int(evaluation.n_splits),
            n_repeats=int(evaluation.n_repeats),
            seed=int(cfg.seed),
            n_neighbors=int(evaluation.n_neighbors),
            track_memory=bool(evaluation.track_memory),
            keep_all_lineage=evaluation.lineage == "all_folds",
            progress=progress,
        )
        _write_fold_outputs(run_dir, result, str(evaluation.lineage))
        metric_columns = [c for c in result.folds.columns if c not in ("repeat", "fold")]
        mean, std, ci95 = aggregate_folds(result.folds, metric_columns)
        ci95 = {key: clip_to_range(key, interval) for key, interval in ci95.items()}
        record.update(metrics=mean, std=std, ci95=ci95, n_folds=len(result.folds))
        record["n_train"] = result.n_train
        record["n_test"] = result.n_test
        if evaluation.save_model:
            _save_model(cfg, dataset, run_dir)
        record["status"] = "success"
    except Exception as exc:  # a failed job is recorded, not raised
        log.error("job %s failed: %s", run_dir.name, exc)
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
        (run_dir / "error.txt").write_text(traceback.format_exc())
    record["finished_at"] = datetime.now(UTC).isoformat()
    record = _nan_to_none(record)
    _write_json(run_dir / RESULT_FILE, record)
    if record["status"] == "success":
        from harness.evaluate.report import write_run_report

        try:
            write_run_report(run_dir, record, result)
        except Exception as exc:  # a report must not lose the result
            log.warning("could not write the report of %s: %s", run_dir.name, exc)
    return record


def _write_json(path: Path, payload: Any) -> None:
    # NaN is not JSON: an undefined metric (e.g. no synthetic rows to measure) is written as null.
    tmp = path.with_suffix(path.suffix + ".tmp")
    text = json.dumps(_nan_to_none(payload), indent=2, sort_keys=True, default=_json_default)
    tmp.write_text(text)
    tmp.replace(path)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _write_fold_outputs(run_dir: Path, result: ProtocolResult, lineage_mode: str) -> None:
    result.folds.to_csv(run_dir / "folds.csv", index=False)
    artifacts = result.artifacts
    if lineage_mode != "none" and artifacts.all_lineage:
        lineage = pd.concat(artifacts.all_lineage, ignore_index=True)
        lineage.to_csv(run_dir / "lineage.csv.gz", index=False)
    if artifacts.train_minority is not None:
        columns = artifacts.feature_names or None
        pd.DataFrame(artifacts.train_minority, columns=columns).to_csv(
            run_dir / "fold0_train_minority.csv.gz", index=False
        )
        synthetic = artifacts.synthetic
        if synthetic is None or len(synthetic) == 0:
            synthetic = np.empty((0, artifacts.train_minority.shape[1]))
        pd.DataFrame(synthetic, columns=columns).to_csv(
            run_dir / "fold0_synthetic.csv.gz", index=False
        )


def _save_model(cfg: DictConfig, dataset: Dataset, run_dir: Path) -> None:
    import mlflow.sklearn
    from imblearn.pipeline import Pipeline

    model_dir = run_dir / "model"
    if model_dir.exists():
        import shutil

        shutil.rmtree(model_dir)
    sampler = _sampler_factory(cfg)(int(cfg.seed))
    model = _model_factory(cfg, getattr(sampler, "model_class_weight", None))(int(cfg.seed))
    pipeline = Pipeline(
        [("preprocess", make_preprocessor(dataset)), ("resample", sampler), ("model", model)]
    )
    pipeline.fit(dataset.X, dataset.y)
    # cloudpickle, because skops refuses the harness's own sampler classes unless each is
    # trusted by name; MLflow warns about pickles on every save, which says nothing new here.
    sklearn_log = logging.getLogger("mlflow.sklearn")
    level = sklearn_log.level
    sklearn_log.setLevel(logging.ERROR)
    try:
        mlflow.sklearn.save_model(
            pipeline,
            str(model_dir),
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
            pip_requirements=[f"adasyn-harness=={harness.__version__}"],
        )
    finally:
        sklearn_log.setLevel(level)
