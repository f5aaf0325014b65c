"""Read a results folder into the pieces MLflow stores: params, metrics, fold history, tags.

The folder format is the one written by ``harness/runner`` (see ``docs/architecture.md``).
Nothing here talks to MLflow, so every conversion can be tested on its own.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.errors import InputDataError
from harness.runs import RunFolder, job_folder_name, load_record

log = logging.getLogger(__name__)

#: MLflow's limits (``mlflow.utils.validation``): longer values are refused by the store.
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_KEY_LENGTH = 250
#: Characters MLflow refuses in a logged model's name (``_validate_logged_model_name``).
LOGGED_MODEL_NAME_FORBIDDEN = re.compile(r"[/:.%\"']")

#: Prefixes of the metrics derived from ``result.json`` besides the fold means.
FOLD_PREFIX = "fold/"
STD_PREFIX = "std/"
CI_LOW_PREFIX = "ci95_low/"
CI_HIGH_PREFIX = "ci95_high/"

_INVALID_KEY_CHARS = re.compile(r"[^/\w.\- :]")


@dataclass(frozen=True)
class FoldMetric:
    """One per-fold value: ``step`` counts folds across repeats (repeat * n_folds + fold)."""

    key: str
    value: float
    step: int


def mlflow_key(key: str) -> str:
    """Return ``key`` with the characters MLflow refuses replaced by ``_``, cut to its limit.

    Parameters
    ----------
    key : str
        A metric or parameter key, e.g. ``fairness/sex/group/F/recall``.

    Returns
    -------
    str
        A key MLflow accepts.
    """
    return _INVALID_KEY_CHARS.sub("_", str(key))[:MAX_KEY_LENGTH]


def load_result(run_dir: Path) -> dict[str, Any]:
    """Read ``result.json`` of a run folder.

    Parameters
    ----------
    run_dir : Path
        A folder written by one evaluation job.

    Returns
    -------
    dict
        The record, as written.

    Raises
    ------
    RunNotFoundError
        When the folder has no ``result.json``.
    InputDataError
        When ``result.json`` is not valid JSON or lacks ``run_key``.
    """
    record = load_record(run_dir)
    if not record.get("run_key"):
        path = RunFolder(run_dir).result
        raise InputDataError(
            f"{path} has no run_key: it was not written by `harness run`; rerun the job."
        )
    return record


def flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into ``a.b.c`` keys (lists and scalars are kept as values)."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def flat_params(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten a config into scalar values, lists of settings included.

    Nested dicts become ``a.b.c`` keys; a list of dicts (SLO objectives, alert windows) is
    keyed by each item's ``name`` when every item has a distinct one, else by its position
    (``slo.objectives.minority_recall.threshold``, ``slo.serving.burn_rate_alerts.0.factor``);
    a list of scalars stays one value, logged as JSON (``["sex", "race"]``), which the gate
    reads back as a list.
    """
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_params(value, f"{name}."))
        elif isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
            labels = [item.get("name") for item in value]
            named = all(isinstance(label, str) for label in labels) and len(set(labels)) == len(
                labels
            )
            for index, item in enumerate(value):
                label = item["name"] if named else str(index)
                rest = {k: v for k, v in item.items() if not (named and k == "name")}
                flat.update(flat_params(rest, f"{name}.{label}."))
        else:
            flat[name] = value
    return flat


def _literal(value: Any) -> Any:
    """A list a result.json stores as its Python text (``"[{'name': ...}]"``), as a list."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


def params_of(record: dict[str, Any]) -> dict[str, str]:
    """Return the run's parameters as flat MLflow strings, each cut to MLflow's length limit
    (see :func:`flat_params`: no value is a stringified dict or list of dicts)."""
    params = flat_params({k: _literal(v) for k, v in (record.get("params") or {}).items()})
    return {mlflow_key(k): _as_text(v)[:MAX_PARAM_VALUE_LENGTH] for k, v in sorted(params.items())}


def metrics_of(record: dict[str, Any]) -> dict[str, float]:
    """Return the fold means plus ``std/<key>``, ``ci95_low/<key>`` and ``ci95_high/<key>``.

    Values that are not numbers (``None``, strings) are left out.
    """
    metrics: dict[str, float] = {}
    for key, value in (record.get("metrics") or {}).items():
        _put(metrics, key, value)
    for key, value in (record.get("std") or {}).items():
        _put(metrics, STD_PREFIX + key, value)
    for key, bounds in (record.get("ci95") or {}).items():
        if isinstance(bounds, list | tuple) and len(bounds) == 2:
            _put(metrics, CI_LOW_PREFIX + key, bounds[0])
            _put(metrics, CI_HIGH_PREFIX + key, bounds[1])
    return metrics


def fold_metrics_of(run_dir: Path) -> list[FoldMetric]:
    """Return every numeric value of ``folds.csv`` as ``fold/<key>`` with its fold step.

    Parameters
    ----------
    run_dir : Path
        The run folder; a missing ``folds.csv`` gives an empty list.

    Returns
    -------
    list of FoldMetric
        Rows sorted by (repeat, fold); ``step`` is the row's position, i.e.
        ``repeat * n_folds + fold``.
    """
    folds = RunFolder(run_dir).read_folds()
    if folds is None:
        return []
    values = folds.sort_index(kind="stable").reset_index(drop=True).select_dtypes("number")
    rows: list[FoldMetric] = []
    for step, row in enumerate(values.itertuples(index=False, name=None)):
        for key, value in zip(values.columns, row, strict=True):
            if _is_number(value):
                rows.append(FoldMetric(mlflow_key(FOLD_PREFIX + key), float(value), step))
    return rows


def tags_of(record: dict[str, Any], dataset: dict[str, Any] | None = None) -> dict[str, str]:
    """Return the tags that identify a run: harness version, git commit, run key, grid labels."""
    tags = {
        "harness.version": record.get("harness_version"),
        "git.commit": record.get("git_commit"),
        "harness.run_key": record.get("run_key"),
        "harness.status": record.get("status"),
        "dataset": record.get("dataset"),
        "resampler": record.get("resampler"),
        "model": record.get("model"),
        "experiment": record.get("experiment"),
        "seed": record.get("seed"),
        "dataset.digest": record.get("dataset_digest") or (dataset or {}).get("digest"),
    }
    if record.get("error"):
        tags["harness.error"] = record["error"]
    return {k: _as_text(v)[:MAX_TAG_VALUE_LENGTH] for k, v in tags.items() if v is not None}


def run_name_of(record: dict[str, Any]) -> str:
    """Return a readable MLflow run name: ``dataset-resampler-model-s<seed>``."""
    parts = [record.get(k) for k in ("dataset", "resampler", "model")]
    name = "-".join(str(p) for p in parts if p is not None) or str(record["run_key"])[:12]
    return f"{name}-s{record['seed']}" if record.get("seed") is not None else name


def logged_model_name(record: dict[str, Any]) -> str:
    """The name of a job's MLflow logged model: its job folder's name.

    ``<dataset>__<resampler>__<model>__seed<seed>`` (:func:`harness.runs.job_folder_name`), so
    ``search_logged_models`` and the MLflow UI tell the models of an experiment apart and each
    leads to its ``jobs/`` folder. A character MLflow refuses in a model name (``/ : . % " '``)
    becomes ``_``; a record without its identity is named by its run key.
    """
    parts = [record.get(k) for k in ("dataset", "resampler", "model", "seed")]
    if any(p is None or str(p) == "" for p in parts):
        name = f"job-{str(record['run_key'])[:12]}"
    else:
        name = job_folder_name(*(str(p) for p in parts[:3]), parts[3])
    return LOGGED_MODEL_NAME_FORBIDDEN.sub("_", name)


def time_ms(value: Any) -> int | None:
    """Convert an ISO-8601 timestamp to epoch milliseconds (``None`` if absent or unparsable)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def load_dataset_meta(run_dir: Path) -> dict[str, Any] | None:
    """``dataset.json`` of a run folder, or ``None`` when it has none or cannot be read (the
    upload then carries no data set metadata; the record is what counts)."""
    try:
        return RunFolder(run_dir).read_dataset_summary()
    except InputDataError as exc:
        log.warning("%s", exc)
        return None


def read_tracking_file(run_dir: Path) -> dict[str, Any]:
    """``tracking.json`` (where a run folder was uploaded); empty when absent or unreadable
    (an unreadable one is rewritten by the next upload)."""
    try:
        return RunFolder(run_dir).read_uploads()
    except InputDataError as exc:
        log.warning("%s", exc)
        return {}


def recorded_run_id(run_dir: Path, uri: str, experiment: str) -> str | None:
    """Return the MLflow run id recorded for this store and experiment, if any."""
    for upload in read_tracking_file(run_dir).get("uploads", []):
        if upload.get("uri") == uri and upload.get("experiment") == experiment:
            return upload.get("mlflow_run_id")
    return None


def write_tracking_file(run_dir: Path, uri: str, experiment: str, run_id: str) -> Path:
    """Record an upload in ``tracking.json`` (``result.json`` is never rewritten).

    The top-level ``mlflow_run_id`` and ``uri`` name the latest upload; ``uploads`` keeps one
    entry per (store, experiment).
    """
    data = read_tracking_file(run_dir)
    uploads = [
        u
        for u in data.get("uploads", [])
        if not (u.get("uri") == uri and u.get("experiment") == experiment)
    ]
    entry = {
        "uri": uri,
        "experiment": experiment,
        "mlflow_run_id": run_id,
        "logged_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    uploads.append(entry)
    payload = {"mlflow_run_id": run_id, "uri": uri, "experiment": experiment, "uploads": uploads}
    folder = RunFolder(run_dir)
    folder.write_uploads(payload)
    return folder.tracking


def _put(metrics: dict[str, float], key: str, value: Any) -> None:
    if _is_number(value):
        metrics[mlflow_key(key)] = float(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return not math.isnan(number)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return str(value)
