"""Register a candidate's model in the MLflow model registry and move an alias to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.errors import RunNotFoundError
from harness.gate.sources import Candidate, mlflow_client
from harness.runs import LINEAGE_FILE
from harness.tracking import query
from harness.tracking.mlflow_tracker import LINEAGE_SAMPLE_ARTIFACT

#: The lineage of a run: its folder's file, or the sample of it the tracker uploads.
LINEAGE_FILES = (LINEAGE_FILE, LINEAGE_SAMPLE_ARTIFACT)
_MAX_TAG = 5000


@dataclass(frozen=True)
class Promotion:
    """A registered model version and the alias now pointing at it."""

    model_name: str
    version: str
    alias: str
    source: str
    tags: dict[str, str]


def promotion_tags(candidate: Candidate, slo_set: str, client: Any = None) -> dict[str, str]:
    """Resampling metadata recorded on the model version.

    Strategy, its parameters, synthetic counts, a digest of the lineage file, the data set and
    its digest, the SLO set the gate used, and where the run came from.
    """
    params = {k: v for k, v in _flat(candidate.params).items() if k.startswith("resampler.")}
    tags = {
        "harness.resampler": candidate.resampler,
        "harness.strategy": candidate.strategy,
        "harness.resampler.params": json.dumps(params, sort_keys=True, default=str),
        "harness.dataset": candidate.dataset,
        "harness.dataset.digest": str(candidate.record.get("dataset_digest") or ""),
        "harness.model": candidate.model,
        "harness.slo_set": slo_set,
        "harness.gate": "passed",
        "harness.lineage.digest": lineage_digest(candidate, client) or "unknown",
    }
    for key in ("resample/n_synthetic", "resample/synthetic_ratio"):
        value = candidate.metrics.get(key)
        if value is not None:  # null: not computed, so not recorded
            tags["harness." + key.replace("/", ".")] = f"{value:.6g}"
    if candidate.run_dir is not None:
        tags["harness.run_dir"] = candidate.run_dir.name
    return {k: str(v)[:_MAX_TAG] for k, v in tags.items() if v not in (None, "")}


def lineage_digest(candidate: Candidate, client: Any = None) -> str | None:
    """sha256 of the run's lineage file: from its folder, else from its MLflow artifacts."""
    if candidate.run_dir is not None and (candidate.run_dir / LINEAGE_FILES[0]).is_file():
        return query.file_sha256(candidate.run_dir / LINEAGE_FILES[0])
    if client is None or candidate.mlflow_run_id is None:
        return None
    return query.artifact_digest(client, candidate.mlflow_run_id, "lineage", LINEAGE_FILES)


def register_and_alias(
    candidate: Candidate, model_name: str, alias: str, tags: dict[str, str]
) -> Promotion:
    """Register the candidate run's model and point ``alias`` at the new version.

    The model is found by :func:`harness.tracking.query.model_source`.

    Raises
    ------
    RunNotFoundError
        When the candidate has no MLflow run or its run has no model.
    """
    from mlflow.exceptions import MlflowException

    if candidate.mlflow_run_id is None:
        raise RunNotFoundError(
            f"{candidate.name} is not in an MLflow store: upload it with `harness sync` (or "
            "run with tracking on) and promote it by --run-id."
        )
    client = mlflow_client(candidate.tracking_uri)
    run, source, model_id = query.model_source(client, candidate.mlflow_run_id)
    try:
        client.create_registered_model(model_name)
    except MlflowException as exc:
        if "ALREADY_EXISTS" not in str(exc.error_code):
            raise
    version = client.create_model_version(
        model_name, source, run_id=run.info.run_id, tags=tags, model_id=model_id
    )
    from harness.gate.rollback import record_promotion

    record_promotion(client, model_name, alias, str(version.version))
    client.set_registered_model_alias(model_name, alias, version.version)
    shown = f"models:/{model_id}" if model_id else source
    return Promotion(model_name, str(version.version), alias, shown, tags)


def _flat(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
