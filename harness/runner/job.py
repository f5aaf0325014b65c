"""One job: evaluate one (dataset, resampler, model, seed) and write its run folder.

The run folder (:class:`harness.runs.RunFolder`, format in docs/architecture.md) is written
before anything is sent to a tracking server or a metrics backend, so a failure there never
loses a result. Each file is written atomically and ``result.json`` last, as the commit marker.
"""

from __future__ import annotations

import functools
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
from harness.components.job import JobComponents, load_dataset_from_config
from harness.data import Dataset
from harness.evaluate.protocol import ProtocolResult, evaluate_folds, make_preprocessor
from harness.evaluate.settings import EvaluationSettings
from harness.evaluate.summaries import (
    drop_undefined,
    hard_scores,
    label_issues,
    pool_fairness,
    summarize_folds,
    undefined_metrics,
)
from harness.runs import (
    RESULT_SCHEMA_VERSION,
    RunFolder,
    RunFolderWriteError,
    config_key,
    dumps,
    job_folder_name,
    without_volatile,
    write_bytes_atomic,
    write_dir_atomic,
    write_text_atomic,
    writing,
)

log = logging.getLogger(__name__)


def job_name(dataset: str, resampler: str, model: str, seed: int) -> str:
    """Folder name of a job inside an experiment run (:func:`harness.runs.job_folder_name`)."""
    return job_folder_name(dataset, resampler, model, seed)


def run_key(cfg: DictConfig) -> str:
    """A stable identity of the job: same config and seed → same key
    (:func:`harness.runs.config_key` of the resolved config)."""
    return config_key(OmegaConf.to_container(cfg, resolve=True))


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
    container = without_volatile(OmegaConf.to_container(cfg, resolve=True))
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = node if isinstance(node, int | float | str | bool) else str(node)

    walk("", container)
    return flat


def execute_job(
    cfg: DictConfig,
    run_dir: RunFolder | Path,
    *,
    dataset: Dataset | None = None,
    progress: Callable[[], None] | None = None,
    components: JobComponents | None = None,
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
    components : JobComponents, optional
        The job's sampler and model, when the caller has built them already (the manifest
        needs the strategy before the job runs); built here otherwise.

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
        components = JobComponents.build(cfg) if components is None else components
        record["strategy"] = components.strategy
        if dataset is None:
            dataset = load_dataset_from_config(cfg)
        record["dataset_digest"] = dataset.digest
        record["sensitive_columns"] = [str(c) for c in dataset.sensitive.columns]
        with writing(folder.path):
            write_text_atomic(folder.dataset, dumps(_nan_to_none(dataset.summary())))
        settings = EvaluationSettings.from_config(cfg.evaluation)
        result = evaluate_folds(
            dataset,
            components.sampler_copy,
            components.model_copy,
            settings,
            seed=components.seed,
            progress=progress,
        )
        with writing(folder.path):
            _write_fold_outputs(folder, result, settings.lineage)
        metric_columns = [c for c in result.folds.columns if c not in ("repeat", "fold")]
        summary = summarize_folds(
            result.folds,
            metric_columns,
            n_train=result.n_train,
            n_test=result.n_test,
            ci_method=settings.ci_method,
            artifacts=result.artifacts,
            random_state=components.seed,
        )
        pool_fairness(
            summary,
            result.artifacts,
            dataset.sensitive.columns,
            min_group_size=settings.min_group_size,
            random_state=components.seed,
        )
        if settings.label_issues:
            shares, intervals = label_issues(dataset, make_preprocessor(dataset), components.seed)
            summary.metrics.update(shares)
            summary.ci95.update(intervals)
        undefined = undefined_metrics(result.folds, settings.precision_target)
        drop_undefined(summary, undefined)
        hard, levels = hard_scores(result.folds)
        record.update(
            metrics=summary.metrics,
            std=summary.std,
            ci95=summary.ci95,
            ci_method=summary.ci_method,
            fold_means=summary.fold_means,
            n_folds=len(result.folds),
            undefined=undefined,
            hard_scores=hard,
            score_levels=levels,
        )
        record["n_train"] = result.n_train
        record["n_test"] = result.n_test
        if settings.save_model:
            with writing(folder.path):
                _save_model(components, dataset, folder)
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
    if record["status"] == "success" and bool(cfg.evaluation.job_report):
        _write_report(folder, record, result)
    with writing(folder.path):
        folder.write_record(record)
    return record


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


def _save_model(components: JobComponents, dataset: Dataset, folder: RunFolder) -> None:
    import mlflow.models
    import mlflow.sklearn

    pipeline = components.pipeline(dataset, components.seed)
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
