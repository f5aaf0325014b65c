"""Where the gate reads candidates and baselines: results folders and MLflow runs.

Every source is turned into the same :class:`Candidate` record, so the checks never care
where a run came from. Runs and artifacts are read from MLflow through
:mod:`harness.tracking.query`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputDataError, RunNotFoundError
from harness.gate.provenance import check_provenance
from harness.gate.records import LABELS, check_record, sensitive_columns
from harness.runs import RESULT_FILE, RunFolder, find_run_dirs, load_record
from harness.tracking import query

# Re-exported: the other gate modules open the store and find the default URI through here.
from harness.tracking.query import open_reader as mlflow_client  # noqa: F401
from harness.tracking.store import default_tracking_uri  # noqa: F401

#: Tags from which a run without a ``result.json`` artifact gets its schema, strategy kind and
#: whether its scores are hard (``"true"`` or ``"false"``; any other value is refused).
SCHEMA_TAG = "harness.schema"
STRATEGY_TAG = "strategy"
HARD_SCORES_TAG = "harness.hard_scores"


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
        :func:`harness.gate.records.check_record`), or disagrees with what its folder shows
        (:func:`harness.gate.provenance.check_provenance`).
    """
    run_dir = Path(run_dir)
    record = load_record(run_dir)
    run_id, uri = _uploaded_to(run_dir)
    candidate = candidate_from_record(
        record, run_dir=run_dir, mlflow_run_id=run_id, tracking_uri=uri
    )
    check_provenance(run_dir, record)
    return candidate


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
    """The last MLflow upload recorded in ``tracking.json``, if any (where the verdict can be
    looked up; it never changes the verdict)."""
    try:
        uploads = RunFolder(run_dir).read_uploads().get("uploads") or []
    except InputDataError:
        return None, None
    if not isinstance(uploads, list) or not uploads or not isinstance(uploads[-1], dict):
        return None, None
    return uploads[-1].get("mlflow_run_id"), uploads[-1].get("uri")


# -- MLflow (every read goes through harness.tracking.query) ----------------------------------


def load_mlflow_run(run_id: str, uri: str | None) -> Candidate:
    """Read an MLflow run, preferring its ``result.json`` artifact over its metrics.

    Raises
    ------
    RunNotFoundError
        When the store has no run ``run_id``.
    """
    with query.reading(uri) as client:
        return candidate_from_run(client, query.get_run(client, run_id))


def resolve_alias(model_name: str, alias: str, uri: str | None) -> str:
    """Return the run id behind the model version registered under ``alias``.

    Raises
    ------
    RunNotFoundError
        When the model or alias is not in the registry, or the version has no source run.
    """
    with query.reading(uri) as client:
        return query.alias_run_id(client, model_name, alias)


def candidate_from_run(client: Any, run: Any) -> Candidate:
    """Build a :class:`Candidate` from an MLflow run: its ``result.json`` artifact, else its
    metrics and tags (which must then carry the schema and strategy tags)."""
    run_id = run.info.run_id
    uri = client.tracking_uri
    record = query.download_result(client, run_id)
    if record is not None:
        return candidate_from_record(record, mlflow_run_id=run_id, tracking_uri=uri)
    values = query.split_metrics(run.data.metrics)
    tags = run.data.tags
    schema = tags.get(SCHEMA_TAG)
    hard = tags.get(HARD_SCORES_TAG)
    record = {
        "schema": int(schema) if str(schema).isdigit() else schema,
        "strategy": tags.get(STRATEGY_TAG),
        # Without the tag the record is refused (check_record): hard scores are never assumed.
        "hard_scores": {"true": True, "false": False}.get(hard, hard),
        # A run read from its metrics excuses no metric: one it lacks is missing, not undefined.
        "undefined": {},
        "metrics": values.means,
        "std": values.std,
        "ci95": values.ci95,
        "params": dict(run.data.params),
        "status": {"FINISHED": "success", "FAILED": "failed"}.get(run.info.status),
        "seed": tags.get("seed"),
        **{key: tags.get(key, "") for key in LABELS},
    }
    return candidate_from_record(record, mlflow_run_id=run_id, tracking_uri=uri)


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
