"""Where the gate reads candidates and baselines: results folders and MLflow runs.

Every source is turned into the same :class:`Candidate` record, so the checks never care
where a run came from. All MLflow reads of the gate live here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputDataError, RunNotFoundError
from harness.gate.records import LABELS, check_record, sensitive_columns
from harness.runs import RESULT_FILE, RunFolder, find_run_dirs, load_record

#: Metric prefixes the tracking layer derives from ``result.json`` besides the fold means.
_DERIVED_PREFIXES = ("fold/", "std/", "ci95_low/", "ci95_high/")
#: Tags from which a run without a ``result.json`` artifact gets its schema and strategy kind.
SCHEMA_TAG = "harness.schema"
STRATEGY_TAG = "strategy"
_PROGRESS_BAR_ENV = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


@dataclass(frozen=True)
class Candidate:
    """One evaluated run, as the gate sees it.

    Attributes
    ----------
    name : str
        Readable label: ``dataset/resampler/model`` plus the seed or the folder name.
    metrics : dict
        Fold means, keys as in ``result.json`` (``test/minority_recall``); ``None`` for a
        metric the record holds as null.
    std : dict
        Standard deviation over folds per metric key.
    ci95 : dict
        ``key -> (low, high)``, the 95 % confidence interval of the mean.
    resampler, dataset, model, experiment : str
        The run's labels (empty when unknown); ``resampler`` is the display name.
    strategy : str
        The registered sampler kind (``adasyn`` ...) that SLO ``applies_to`` matches.
    status : str
        ``success`` or ``failed``.
    sensitive_columns : tuple of str or None
        The sensitive columns configured for the run; ``None`` when nothing records them.
    source : str
        Where the run was read: its folder, or its MLflow run and store.
    params : dict
        Flat parameters of the run.
    run_dir : Path or None
        The results folder, when the run was read from disk.
    mlflow_run_id : str or None
        The MLflow run, when the run was read from (or uploaded to) a tracking store.
    tracking_uri : str or None
        The store that holds ``mlflow_run_id``.
    record : dict
        The full ``result.json`` record (empty when only MLflow metrics were found).
    """

    name: str
    metrics: dict[str, float | None]
    std: dict[str, float | None] = field(default_factory=dict)
    ci95: dict[str, tuple[float, float]] = field(default_factory=dict)
    resampler: str = ""
    dataset: str = ""
    model: str = ""
    experiment: str = ""
    strategy: str = ""
    status: str = "failed"
    sensitive_columns: tuple[str, ...] | None = None
    source: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None
    mlflow_run_id: str | None = None
    tracking_uri: str | None = None
    record: dict[str, Any] = field(default_factory=dict, repr=False)


def default_tracking_uri() -> str:
    """``$MLFLOW_TRACKING_URI`` when set, else ``sqlite:///<$HARNESS_ROOT or .>/mlflow.db``."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{os.environ.get('HARNESS_ROOT', '.')}/mlflow.db"


# -- results folders --------------------------------------------------------------------------


def candidate_from_record(
    record: Mapping[str, Any],
    *,
    run_dir: Path | None = None,
    mlflow_run_id: str | None = None,
    tracking_uri: str | None = None,
) -> Candidate:
    """Build a :class:`Candidate` from a ``result.json`` record, checked strictly.

    Parameters
    ----------
    record : mapping
        The record written by ``harness run``.
    run_dir : Path, optional
        The folder it was read from.
    mlflow_run_id, tracking_uri : str, optional
        Where the run is tracked; taken from the record's ``tracking`` block when not given.

    Returns
    -------
    Candidate

    Raises
    ------
    InputDataError
        When the record is of another schema or malformed (see
        :func:`harness.gate.records.check_record`).
    """
    if run_dir is not None:
        source = str(run_dir)
        where = str(RunFolder(run_dir).result)
    else:
        source = f"MLflow run {mlflow_run_id} in {tracking_uri}"
        where = f"result.json of {source}"
    check_record(record, where)
    tracking = record.get("tracking") or {}
    mlflow_run_id = mlflow_run_id or tracking.get("mlflow_run_id")
    tracking_uri = tracking_uri or tracking.get("uri")
    labels = {key: str(record.get(key) or "") for key in LABELS}
    suffix = f"s{record['seed']}" if record.get("seed") is not None else ""
    if run_dir is not None and not suffix:
        suffix = run_dir.name
    name = "/".join(labels[k] for k in ("dataset", "resampler", "model") if labels[k])
    name = f"{name} {suffix}".strip() or (run_dir.name if run_dir else str(mlflow_run_id))
    return Candidate(
        name=name,
        metrics=_numbers(record.get("metrics")),
        std=_numbers(record.get("std")),
        ci95=_intervals(record.get("ci95")),
        strategy=str(record["strategy"] or ""),
        status=str(record["status"]),
        sensitive_columns=sensitive_columns(record, run_dir),
        source=source,
        params=dict(record.get("params") or {}),
        run_dir=run_dir,
        mlflow_run_id=mlflow_run_id,
        tracking_uri=tracking_uri,
        record=dict(record),
        **labels,
    )


def load_run_dir(run_dir: Path) -> Candidate:
    """Read one run folder (the one holding ``result.json``).

    Raises
    ------
    RunNotFoundError
        When the folder or its ``result.json`` does not exist.
    InputDataError
        When ``result.json`` is not valid JSON or is malformed (see
        :func:`harness.gate.records.check_record`).
    """
    run_dir = Path(run_dir)
    record = load_record(run_dir)
    run_id, uri = _uploaded_to(run_dir)
    return candidate_from_record(record, run_dir=run_dir, mlflow_run_id=run_id, tracking_uri=uri)


def load_results(folder: Path, filters: Mapping[str, str] | None = None) -> list[Candidate]:
    """Read a run folder, or every run folder under an experiment or sweep folder.

    Completeness is not checked here; see :func:`harness.gate.selection.select_folder`.

    Parameters
    ----------
    folder : Path
        A run folder (holds ``result.json``) or a folder with run folders below it.
    filters : mapping, optional
        Keep only runs whose labels match, e.g. ``{"resampler": "adasyn"}``.

    Returns
    -------
    list of Candidate
        In folder order.

    Raises
    ------
    RunNotFoundError
        When the folder does not exist or is a file, holds no run, or no run matches.
    """
    folder = check_folder(folder)
    run_dirs = [folder] if RunFolder(folder).is_finished() else find_run_dirs(folder)
    if not run_dirs:
        raise RunNotFoundError(
            f"{folder} holds no {RESULT_FILE}: pass a run or sweep folder written by `harness run`."
        )
    candidates = [load_run_dir(run_dir) for run_dir in run_dirs]
    return filter_candidates(candidates, filters, f"under {folder}")


def filter_candidates(
    candidates: list[Candidate], filters: Mapping[str, str | None] | None, where: str
) -> list[Candidate]:
    """The candidates whose labels match ``filters`` (``None`` values match anything).

    Raises
    ------
    RunNotFoundError
        When none matches, listing the runs found ``where``.
    """
    wanted = {k: str(v) for k, v in (filters or {}).items() if v is not None}
    kept = [c for c in candidates if all(getattr(c, k) == v for k, v in wanted.items())]
    if not kept:
        raise RunNotFoundError(
            f"no run {where} matches {wanted}: check the filters (runs found: "
            f"{sorted({c.name for c in candidates})})."
        )
    return kept


def check_folder(folder: Path) -> Path:
    """Return ``folder`` when it is an existing folder.

    Raises
    ------
    RunNotFoundError
        When it does not exist, or is a file (naming the folder that holds the file).
    """
    folder = Path(folder)
    if folder.is_file():
        raise RunNotFoundError(
            f"{folder} is a file, not a folder: pass the folder that holds it "
            f"({folder.parent}), a run or sweep folder written by `harness run`."
        )
    if not folder.is_dir():
        raise RunNotFoundError(
            f"results folder {folder} does not exist: pass the folder `harness run` printed "
            "(a run folder with result.json, or an experiment or sweep folder)."
        )
    return folder


def _uploaded_to(run_dir: Path) -> tuple[str | None, str | None]:
    """The last MLflow upload recorded in ``tracking.json``, if any."""
    path = RunFolder(run_dir).tracking
    if not path.is_file():
        return None, None
    try:
        uploads = json.loads(path.read_text()).get("uploads") or []
    except (json.JSONDecodeError, AttributeError):
        return None, None
    if not uploads or not isinstance(uploads[-1], dict):
        return None, None
    return uploads[-1].get("mlflow_run_id"), uploads[-1].get("uri")


# -- MLflow -----------------------------------------------------------------------------------


def mlflow_client(uri: str | None, timeout_s: float = 10.0) -> Any:
    """Open an ``MlflowClient`` on ``uri`` after checking that a tracking server answers."""
    from mlflow import MlflowClient

    from harness.tracking.store import check_reachable, normalize_uri

    uri = normalize_uri(uri or default_tracking_uri())
    check_reachable(uri, timeout_s)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def load_mlflow_run(run_id: str, uri: str | None) -> Candidate:
    """Read an MLflow run, preferring its ``result.json`` artifact over its metrics.

    Raises
    ------
    RunNotFoundError
        When the store has no run ``run_id``.
    """
    from mlflow.exceptions import MlflowException

    client = mlflow_client(uri)
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        raise RunNotFoundError(
            f"MLflow run {run_id!r} is not in {client.tracking_uri}: check the run id and "
            "--tracking-uri, or upload the run folder with `harness sync`."
        ) from exc
    return candidate_from_run(client, run)


def resolve_alias(model_name: str, alias: str, uri: str | None) -> str:
    """Return the run id behind the model version registered under ``alias``.

    Raises
    ------
    RunNotFoundError
        When the model or alias is not in the registry, or the version has no source run.
    """
    from mlflow.exceptions import MlflowException

    client = mlflow_client(uri)
    try:
        version = client.get_model_version_by_alias(model_name, alias)
    except MlflowException as exc:
        raise RunNotFoundError(
            f"the model registry of {client.tracking_uri} has no version of {model_name!r} "
            f"with alias {alias!r}: promote one first with `harness promote`, or gate against "
            "--baseline-run-id instead."
        ) from exc
    run_id = version.run_id
    if not run_id and getattr(version, "model_id", None):
        run_id = client.get_logged_model(version.model_id).source_run_id
    if not run_id:
        raise RunNotFoundError(
            f"{model_name!r} version {version.version} ({alias!r}) has no source run: register "
            "models from a run (runs:/<id>/model) so the gate can read its metrics."
        )
    return run_id


def candidate_from_run(client: Any, run: Any) -> Candidate:
    """Build a :class:`Candidate` from an MLflow run: its ``result.json`` artifact, else its
    metrics and tags (which must then carry the schema and strategy tags)."""
    run_id = run.info.run_id
    uri = client.tracking_uri
    record = _download_result(client, run_id)
    if record is not None:
        return candidate_from_record(record, mlflow_run_id=run_id, tracking_uri=uri)
    metrics, std, lows, highs = {}, {}, {}, {}
    targets = {"std/": std, "ci95_low/": lows, "ci95_high/": highs}
    for key, value in run.data.metrics.items():
        prefix = next((p for p in _DERIVED_PREFIXES if key.startswith(p)), None)
        if prefix is None:
            metrics[key] = float(value)
        elif prefix in targets:
            targets[prefix][key[len(prefix) :]] = float(value)
    tags = run.data.tags
    schema = tags.get(SCHEMA_TAG)
    record = {
        "schema": int(schema) if str(schema).isdigit() else schema,
        "strategy": tags.get(STRATEGY_TAG),
        "metrics": metrics,
        "std": std,
        "ci95": {k: [lows[k], highs[k]] for k in lows if k in highs},
        "params": dict(run.data.params),
        "status": {"FINISHED": "success", "FAILED": "failed"}.get(run.info.status),
        "seed": tags.get("seed"),
        **{key: tags.get(key, "") for key in LABELS},
    }
    return candidate_from_record(record, mlflow_run_id=run_id, tracking_uri=uri)


def _download_result(client: Any, run_id: str) -> dict[str, Any] | None:
    """The run's ``result.json`` artifact read strictly, or ``None`` when it has none."""
    import mlflow.artifacts

    if RESULT_FILE not in {a.path for a in client.list_artifacts(run_id)}:
        return None
    # One small file: MLflow's progress bar would only clutter the gate's output.
    user_choice = _PROGRESS_BAR_ENV in os.environ
    os.environ.setdefault(_PROGRESS_BAR_ENV, "false")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mlflow.artifacts.download_artifacts(
                run_id=run_id,
                artifact_path=RESULT_FILE,
                dst_path=tmp,
                tracking_uri=client.tracking_uri,
            )
            try:
                return RunFolder(Path(tmp)).load_record()
            except InputDataError as exc:
                raise InputDataError(
                    f"the result.json of MLflow run {run_id} cannot be read ({exc}); upload "
                    "the run folder again with `harness sync`."
                ) from exc
    finally:
        if not user_choice:
            os.environ.pop(_PROGRESS_BAR_ENV, None)


def _numbers(values: Any) -> dict[str, float | None]:
    # null stays: the checks tell a metric recorded as null from one that is missing.
    return {str(k): None if v is None else float(v) for k, v in (values or {}).items()}


def _intervals(values: Any) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for key, bounds in (values or {}).items():
        if isinstance(bounds, list | tuple) and len(bounds) == 2:
            low, high = bounds
            if all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds):
                out[str(key)] = (float(low), float(high))
    return out
