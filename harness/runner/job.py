"""One job: evaluate one (dataset, resampler, model, seed) and write its run folder.

The run folder (:class:`harness.runs.RunFolder`, format in docs/architecture.md) is written
before anything is sent to a tracking server or a metrics backend, so a failure there never
loses a result. Each file is written atomically and ``result.json`` last, as the commit marker.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
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
from harness.evaluate.summaries import label_issues, pool_fairness, summarize_folds
from harness.instantiate import instantiate_component
from harness.resample.registry import strategy_kind
from harness.runs import (
    RESULT_SCHEMA_VERSION,
    RunFolder,
    RunFolderWriteError,
    dumps,
    write_bytes_atomic,
    write_dir_atomic,
    write_text_atomic,
    writing,
)

log = logging.getLogger(__name__)


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


@functools.cache
def git_commit() -> str:
    """The commit of the working tree the harness runs from, or ``unknown`` (asked once per
    process: the code a process runs does not change with later commits)."""
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


def _fresh_copy(prototype: Any, build: Callable[[], Any]) -> Any:
    """An unfitted copy of ``prototype``: scikit-learn's ``clone`` (the config is checked and
    instantiated once per job, not once per fold), or ``build()`` for a component without
    ``get_params``."""
    from sklearn.base import clone

    return clone(prototype) if hasattr(prototype, "get_params") else build()


def _with_seed(component: Any, seed: int) -> Any:
    """``component`` with ``random_state`` set to ``seed`` when it has that parameter."""
    if "random_state" in component.get_params(deep=False):
        component.set_params(random_state=int(seed))
    return component


def _sampler_factory(cfg: DictConfig, prototype: Any = None) -> Callable[[int], Any]:
    """Seeded copies of the configured sampler (of ``prototype``, when the caller has
    instantiated it already)."""

    def build() -> Any:
        return instantiate_component(cfg.resampler.sampler)

    prototype = build() if prototype is None else prototype

    def make(seed: int) -> Any:
        return _with_seed(_fresh_copy(prototype, build), seed)

    return make


def _model_factory(cfg: DictConfig, class_weight: str | None) -> Callable[[int], Any]:
    from harness.models import build_model

    def build() -> Any:
        return build_model(cfg.model, class_weight=class_weight)

    prototype = build()

    def make(seed: int) -> Any:
        return _with_seed(_fresh_copy(prototype, build), seed)

    return make


def strategy_of(cfg: DictConfig) -> str | None:
    """The kind of the configured sampler (:func:`harness.resample.registry.strategy_kind`),
    or ``None`` when it cannot be instantiated."""
    try:
        return strategy_kind(instantiate_component(cfg.resampler.sampler))
    except Exception:  # the job records why when it runs
        return None


def execute_job(
    cfg: DictConfig,
    run_dir: RunFolder | Path,
    *,
    dataset: Dataset | None = None,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Evaluate the job described by ``cfg`` and write its run folder.

    Every file is written atomically, and ``result.json`` last: it is the commit marker, so a
    job killed part-way leaves a folder that is visibly unfinished, never one that looks done.

    Parameters
    ----------
    cfg : DictConfig
        A composed config with ``dataset``, ``resampler``, ``model``, ``evaluation`` and ``seed``.
    run_dir : RunFolder or Path
        The job's folder; created if needed. The outputs of an earlier attempt are removed
        first, ``result.json`` before anything else.
    dataset : Dataset, optional
        An already loaded data set (saves loading it again in a grid).
    progress : callable, optional
        Called once per finished fold.

    Returns
    -------
    dict
        The ``result.json`` record. A job that raises is recorded with ``status: failed`` and
        the error; the exception is not re-raised, so a sweep goes on.

    Raises
    ------
    RunFolderWriteError
        When the run folder cannot be written (a full disk, a read-only folder, a file where
        the folder should be): nothing could be recorded, so the run stops here.
    """
    folder = run_dir if isinstance(run_dir, RunFolder) else RunFolder(run_dir)
    with writing(folder.path):
        folder.path.mkdir(parents=True, exist_ok=True)
        _clear_previous_attempt(folder)
        write_text_atomic(folder.config, OmegaConf.to_yaml(cfg, resolve=True))
    started = datetime.now(UTC)
    record: dict[str, Any] = {
        "schema": RESULT_SCHEMA_VERSION,
        "run_key": run_key(cfg),
        "experiment": str(cfg.experiment.name),
        "dataset": str(cfg.dataset.name),
        "resampler": str(cfg.resampler.name),
        "strategy": None,
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
        "sensitive_columns": None,
        "harness_version": harness.__version__,
        "git_commit": git_commit(),
        "started_at": started.isoformat(),
        "finished_at": None,
        "tracking": {"mlflow_run_id": None, "uri": None},
    }
    result = None
    try:
        sampler = instantiate_component(cfg.resampler.sampler)
        record["strategy"] = strategy_kind(sampler)
        if dataset is None:
            dataset = load_dataset_from_config(cfg)
        record["dataset_digest"] = dataset.digest
        record["sensitive_columns"] = [str(c) for c in dataset.sensitive.columns]
        with writing(folder.path):
            write_text_atomic(folder.dataset, dumps(_nan_to_none(dataset.summary())))
        evaluation = cfg.evaluation
        class_weight = getattr(sampler, "model_class_weight", None)
        result = evaluate_folds(
            dataset,
            _sampler_factory(cfg, sampler),
            _model_factory(cfg, class_weight),
            n_splits=int(evaluation.n_splits),
            n_repeats=int(evaluation.n_repeats),
            seed=int(cfg.seed),
            n_neighbors=int(evaluation.n_neighbors),
            track_memory=bool(evaluation.track_memory),
            keep_all_lineage=evaluation.lineage == "all_folds",
            progress=progress,
            folds=str(evaluation.get("folds", "stratified")),
            test_size=float(evaluation.get("test_size", 0.5)),
            precision_target=_optional_float(evaluation.get("precision_target", 0.7)),
        )
        with writing(folder.path):
            _write_fold_outputs(folder, result, str(evaluation.lineage))
        metric_columns = [c for c in result.folds.columns if c not in ("repeat", "fold")]
        summary = summarize_folds(
            result.folds,
            metric_columns,
            n_train=result.n_train,
            n_test=result.n_test,
            ci_method=str(evaluation.get("ci_method", "corrected_t")),
            artifacts=result.artifacts,
            random_state=int(cfg.seed),
        )
        pool_fairness(
            summary,
            result.artifacts,
            dataset.sensitive.columns,
            min_group_size=int(evaluation.get("min_group_size", 30)),
            random_state=int(cfg.seed),
        )
        if evaluation.get("label_issues", True):
            summary.metrics.update(label_issues(dataset, make_preprocessor(dataset), int(cfg.seed)))
        record.update(
            metrics=summary.metrics,
            std=summary.std,
            ci95=summary.ci95,
            ci_method=summary.ci_method,
            fold_means=summary.fold_means,
            n_folds=len(result.folds),
        )
        record["n_train"] = result.n_train
        record["n_test"] = result.n_test
        if evaluation.save_model:
            with writing(folder.path):
                _save_model(cfg, dataset, folder)
        record["status"] = "success"
    except RunFolderWriteError:
        raise
    except Exception as exc:  # a failed job is recorded, not raised
        log.error("job %s failed: %s", folder.name, exc)
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
        with writing(folder.path):
            write_text_atomic(folder.error, traceback.format_exc())
    record["finished_at"] = datetime.now(UTC).isoformat()
    record = _nan_to_none(record)
    if record["status"] == "success" and cfg.evaluation.get("job_report", True):
        _write_report(folder, record, result)
    with writing(folder.path):
        folder.write_record(record)
    return record


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _clear_previous_attempt(folder: RunFolder) -> None:
    """Remove what an earlier attempt of the job wrote, the commit marker first, so that a
    rerun killed part-way is never mistaken for the finished earlier one."""
    folder.result.unlink(missing_ok=True)
    for path in (
        folder.error,
        folder.report_md,
        folder.report_html,
        folder.folds,
        folder.lineage,
        folder.fold0_train_minority,
        folder.fold0_synthetic,
        folder.dataset,
    ):
        path.unlink(missing_ok=True)
    for path in (folder.plots, folder.model):
        if path.is_dir():
            shutil.rmtree(path)


def _write_report(folder: RunFolder, record: dict[str, Any], result: ProtocolResult) -> None:
    from harness.report.pages import write_run_report

    try:
        with writing(folder.path):
            write_run_report(folder, record, result)
    except RunFolderWriteError:
        raise
    except Exception as exc:  # a bug in a plot must not lose the result
        log.warning("could not write the report of %s: %s", folder.name, exc)


def _nan_to_none(value: Any) -> Any:
    # NaN is not JSON: an undefined metric (e.g. no synthetic rows to measure) is written as null.
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    # The temporary name hides the .gz suffix from pandas: say the compression explicitly.
    # Level 1: a few times faster than gzip's default 9 for slightly larger files; mtime 0
    # makes the same rows give the same bytes.
    compression = (
        {"method": "gzip", "compresslevel": 1, "mtime": 0} if path.name.endswith(".gz") else None
    )
    write_bytes_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, compression=compression))


def _write_fold_outputs(folder: RunFolder, result: ProtocolResult, lineage_mode: str) -> None:
    _write_csv(folder.folds, result.folds)
    artifacts = result.artifacts
    if lineage_mode != "none" and artifacts.all_lineage:
        _write_csv(folder.lineage, pd.concat(artifacts.all_lineage, ignore_index=True))
    if artifacts.train_minority is not None:
        columns = artifacts.feature_names or None
        _write_csv(
            folder.fold0_train_minority, pd.DataFrame(artifacts.train_minority, columns=columns)
        )
        synthetic = artifacts.synthetic
        if synthetic is None or len(synthetic) == 0:
            synthetic = np.empty((0, artifacts.train_minority.shape[1]))
        _write_csv(folder.fold0_synthetic, pd.DataFrame(synthetic, columns=columns))


INPUT_EXAMPLE_ROWS = 5


def _save_model(cfg: DictConfig, dataset: Dataset, folder: RunFolder) -> None:
    import mlflow.models
    import mlflow.sklearn
    from imblearn.pipeline import Pipeline

    from harness.evaluate.protocol import one_hot_groups, thresholded, with_nominal_groups

    seed = int(cfg.seed)
    groups = one_hot_groups(make_preprocessor(dataset).fit(dataset.X))
    sampler = with_nominal_groups(_sampler_factory(cfg)(seed), groups)
    model = _model_factory(cfg, getattr(sampler, "model_class_weight", None))(seed)
    model = thresholded(sampler, model, seed)
    pipeline = Pipeline(
        [("preprocess", make_preprocessor(dataset)), ("resample", sampler), ("model", model)]
    )
    pipeline.fit(dataset.X, dataset.y)
    # A DataFrame example: the preprocessor selects its columns by name, so a served model
    # needs named columns, and the signature records their names and types.
    example = dataset.X.head(INPUT_EXAMPLE_ROWS)
    # Integer columns declared as doubles: served rows with a missing value arrive as floats
    # and would otherwise fail MLflow's schema check.
    integers = example.select_dtypes("integer").columns
    signature = mlflow.models.infer_signature(
        example.astype(dict.fromkeys(integers, "float64")), pipeline.predict(example)
    )
    # cloudpickle, because skops refuses the harness's own sampler classes unless each is
    # trusted by name; MLflow warns about pickles on every save, which says nothing new here.
    sklearn_log = logging.getLogger("mlflow.sklearn")
    level = sklearn_log.level
    sklearn_log.setLevel(logging.ERROR)
    try:
        write_dir_atomic(
            folder.model,
            lambda tmp: mlflow.sklearn.save_model(
                pipeline,
                str(tmp),
                serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
                pip_requirements=[f"adasyn-harness=={harness.__version__}"],
                signature=signature,
                input_example=example,
            ),
        )
    finally:
        sklearn_log.setLevel(level)
