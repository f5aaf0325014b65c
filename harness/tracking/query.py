"""Read logged runs back: one run by id, or the latest run of an experiment (used by the gate)."""

from __future__ import annotations

from typing import Any

from harness.errors import RunNotFoundError
from harness.tracking import run_folder as rf
from harness.tracking.mlflow_tracker import COMPLETE_TAG, RUN_KEY_TAG
from harness.tracking.store import check_reachable, http_limits, normalize_uri, open_client


def read_run(run_id: str, uri: str, *, timeout_s: float = 10.0) -> dict[str, Any]:
    """Return a logged run's metrics, params and tags.

    Parameters
    ----------
    run_id : str
        MLflow run id.
    uri : str
        Tracking URI.
    timeout_s : float
        HTTP timeout for a tracking server.

    Returns
    -------
    dict
        ``run_id``, ``experiment_id``, ``experiment``, ``run_name``, ``status``,
        ``start_time``, ``end_time`` (epoch ms), ``artifact_uri``, ``metrics`` (fold means,
        keys as in ``result.json``), ``std``, ``ci95`` (``key -> [low, high]``), ``params``,
        ``tags``.

    Raises
    ------
    RunNotFoundError
        When the store has no such run.
    TrackingUnavailable
        When the tracking server does not answer.
    """
    from mlflow.exceptions import MlflowException

    uri = normalize_uri(uri)
    with http_limits(timeout_s, 1):
        check_reachable(uri, timeout_s)
        client = open_client(uri)
        try:
            run = client.get_run(run_id)
        except MlflowException as exc:
            raise RunNotFoundError(
                f"MLflow run {run_id!r} is not in {uri} ({exc.message}): check the run id "
                "and tracking.uri, or upload the run folder with `harness sync`."
            ) from exc
        experiment = client.get_experiment(run.info.experiment_id)
    return _describe(run, experiment.name if experiment else None)


def latest_run(
    experiment: str,
    uri: str,
    *,
    tags: dict[str, str] | None = None,
    timeout_s: float = 10.0,
) -> dict[str, Any]:
    """Return the most recent completely logged job run of an experiment (see :func:`read_run`).

    Parent (sweep) runs are skipped.

    Parameters
    ----------
    experiment : str
        MLflow experiment name.
    uri : str
        Tracking URI.
    tags : dict, optional
        Only runs with these tag values, e.g. ``{"dataset": "pima", "resampler": "adasyn"}``.
    timeout_s : float
        HTTP timeout for a tracking server.

    Raises
    ------
    RunNotFoundError
        When the experiment does not exist or has no matching run.
    """
    uri = normalize_uri(uri)
    with http_limits(timeout_s, 1):
        check_reachable(uri, timeout_s)
        client = open_client(uri)
        found = client.get_experiment_by_name(experiment)
        if found is None:
            raise RunNotFoundError(
                f"MLflow experiment {experiment!r} does not exist in {uri}: check the name "
                "and tracking.uri, or run it first with `harness run experiment=...`."
            )
        conditions = [f"tags.`{COMPLETE_TAG}` = 'true'"]
        conditions += [f"tags.`{k}` = '{_quote(v)}'" for k, v in (tags or {}).items()]
        runs = client.search_runs(
            [found.experiment_id],
            filter_string=" and ".join(conditions),
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
    if not runs:
        raise RunNotFoundError(
            f"MLflow experiment {experiment!r} in {uri} has no logged run matching "
            f"{tags or {}}: run it with `harness run` or upload it with `harness sync`."
        )
    return _describe(runs[0], experiment)


def _describe(run: Any, experiment: str | None) -> dict[str, Any]:
    metrics: dict[str, float] = {}
    std: dict[str, float] = {}
    lows: dict[str, float] = {}
    highs: dict[str, float] = {}
    for key, value in run.data.metrics.items():
        if key.startswith(rf.FOLD_PREFIX):
            continue
        for prefix, target in (
            (rf.STD_PREFIX, std),
            (rf.CI_LOW_PREFIX, lows),
            (rf.CI_HIGH_PREFIX, highs),
        ):
            if key.startswith(prefix):
                target[key[len(prefix) :]] = value
                break
        else:
            metrics[key] = value
    return {
        "run_id": run.info.run_id,
        "experiment_id": run.info.experiment_id,
        "experiment": experiment,
        "run_name": run.info.run_name,
        "run_key": run.data.tags.get(RUN_KEY_TAG),
        "status": run.info.status,
        "start_time": run.info.start_time,
        "end_time": run.info.end_time,
        "artifact_uri": run.info.artifact_uri,
        "metrics": metrics,
        "std": std,
        "ci95": {k: [lows[k], highs[k]] for k in lows if k in highs},
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
    }


def _quote(value: str) -> str:
    return str(value).replace("'", "\\'")
