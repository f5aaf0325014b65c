"""Read runs back from an MLflow store: the one read path of the gate, the tracker and the API.

Two kinds of runs sit in an experiment (:mod:`harness.tracking.tags`): a *job run* is one
uploaded run folder; an *experiment run* is the parent run of one ``harness run``.

**Latest** means one thing everywhere: among the runs asked for, the one with the greatest
MLflow start time (when the job or the experiment run started, which for a folder uploaded
later by ``harness sync`` is still when it ran), ties broken by the smaller run id. The latest
run is never passed over for an older one: a job run whose upload has not finished (no
``harness.logged`` tag) is refused, naming ``harness sync``, rather than an older result being
answered in its place. An experiment run has nothing of its own to finish; whether every job of
it was logged is checked by its reader (the gate reads its ``manifest.json`` artifact).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from harness.errors import InputDataError, RunNotFoundError
from harness.runs import MANIFEST_FILE, RESULT_FILE, RunFolder
from harness.strict import read_json_object
from harness.tracking import run_folder as rf
from harness.tracking.store import (
    check_reachable,
    default_tracking_uri,
    http_limits,
    normalize_uri,
    open_client,
)
from harness.tracking.tags import COMPLETE_TAG, EXPERIMENT_RUN_TAG, RUN_KEY_TAG

DEFAULT_TIMEOUT_S = 10.0
#: HTTP retries of a read: a reader fails fast instead of waiting for a server that is down.
READ_RETRIES = 1
#: The order that defines "latest" (first = latest), and the same tie-break oldest first.
NEWEST_FIRST = ("attributes.start_time DESC", "attributes.run_id ASC")
OLDEST_FIRST = ("attributes.start_time ASC", "attributes.run_id ASC")
_JOB_RUN = f"tags.`{RUN_KEY_TAG}` LIKE '%'"
_EXPERIMENT_RUN = f"tags.`{EXPERIMENT_RUN_TAG}` = 'true'"
_PROGRESS_BAR_ENV = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"


class LoggedValues(NamedTuple):
    """A run's metrics split by the prefixes the tracker logs them under.

    Attributes
    ----------
    means : dict
        Fold means, keys as in ``result.json`` (``test/minority_recall``).
    std : dict
        Standard deviation over folds (``std/<key>``).
    ci95 : dict
        ``key -> [low, high]`` from ``ci95_low/<key>`` and ``ci95_high/<key>``.
    """

    means: dict[str, float]
    std: dict[str, float]
    ci95: dict[str, list[float]]


# -- opening a store --------------------------------------------------------------------------


def open_reader(uri: str | None, timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """An ``MlflowClient`` (tracking store and model registry) to read ``uri``.

    A reader never creates a store: a missing SQLite file or a server that does not answer
    fails here, before any read.

    Parameters
    ----------
    uri : str or None
        Tracking URI; ``None`` means :func:`harness.tracking.store.default_tracking_uri`.
    timeout_s : float
        How long a tracking server may take to answer its health check.

    Raises
    ------
    RunNotFoundError
        When a SQLite store does not exist: a mistyped path is reported, not read as an
        empty store.
    TrackingUnavailable
        When a tracking server does not answer.
    """
    uri = normalize_uri(uri or default_tracking_uri())
    check_reachable(uri, timeout_s)
    return open_client(uri)


@contextlib.contextmanager
def reading(uri: str | None, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[Any]:
    """:func:`open_reader`, with MLflow's HTTP timeout and retries bounded inside the block."""
    with http_limits(timeout_s, READ_RETRIES):
        yield open_reader(uri, timeout_s)


# -- finding runs -----------------------------------------------------------------------------


def get_run(client: Any, run_id: str) -> Any:
    """The MLflow run ``run_id``.

    Raises
    ------
    RunNotFoundError
        When the store has no such run.
    """
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException as exc:
        raise RunNotFoundError(
            f"MLflow run {run_id!r} is not in {client.tracking_uri} ({exc.message}): check the "
            "run id and the tracking URI (--tracking-uri, tracking.uri), or upload the run "
            "folder with `harness sync`."
        ) from exc


def experiment_id(client: Any, name: str) -> str:
    """The id of the MLflow experiment ``name``.

    Raises
    ------
    RunNotFoundError
        When the store has no such experiment.
    """
    found = client.get_experiment_by_name(name)
    if found is None:
        raise RunNotFoundError(
            f"MLflow experiment {name!r} does not exist in {client.tracking_uri}: check the "
            "name and the tracking URI (--tracking-uri, tracking.uri), or run it first with "
            "`harness run experiment=...`."
        )
    return found.experiment_id


def runs_tagged(client: Any, experiment_id: str, tags: Mapping[str, str]) -> list[Any]:
    """Every active run of the experiment whose tags have these values, oldest first."""
    return list(
        client.search_runs(
            [experiment_id], filter_string=_matching(tags), order_by=list(OLDEST_FIRST)
        )
    )


def find_latest_job_run(
    client: Any, experiment_id: str, tags: Mapping[str, str] | None = None
) -> Any | None:
    """The latest job run of the experiment whose tags match, finished or not; ``None`` when
    there is none (see the module docstring for what "latest" means)."""
    tags = dict(tags or {})
    conditions = [] if RUN_KEY_TAG in tags else [_JOB_RUN]
    return _latest(client, experiment_id, [*conditions, _matching(tags)])


def find_latest_experiment_run(client: Any, experiment_id: str) -> Any | None:
    """The latest experiment run (parent run) of the experiment; ``None`` when there is none."""
    return _latest(client, experiment_id, [_EXPERIMENT_RUN])


def is_finished_upload(run: Any) -> bool:
    """Whether everything of the run's folder was uploaded (tag ``harness.logged``)."""
    return run.data.tags.get(COMPLETE_TAG) == "true"


def check_finished_upload(run: Any) -> Any:
    """Return ``run`` when its upload finished.

    Raises
    ------
    RunNotFoundError
        When it did not: the upload is under way or was interrupted.
    """
    if not is_finished_upload(run):
        raise RunNotFoundError(
            f"MLflow run {run.info.run_id} is an unfinished upload (no {COMPLETE_TAG} tag): it "
            "is being uploaded or the upload was interrupted; wait for it, or run "
            "`harness sync` on its run folder to finish it."
        )
    return run


# -- reading one run --------------------------------------------------------------------------


def split_metrics(metrics: Mapping[str, float]) -> LoggedValues:
    """Split a run's metrics into fold means, standard deviations and 95 % intervals.

    Per-fold values (``fold/<key>``) are left out; an interval needs both of its bounds.
    """
    means: dict[str, float] = {}
    std: dict[str, float] = {}
    lows: dict[str, float] = {}
    highs: dict[str, float] = {}
    targets = {rf.STD_PREFIX: std, rf.CI_LOW_PREFIX: lows, rf.CI_HIGH_PREFIX: highs}
    for key, value in metrics.items():
        if key.startswith(rf.FOLD_PREFIX):
            continue
        prefix = next((p for p in targets if key.startswith(p)), None)
        if prefix is None:
            means[key] = float(value)
        else:
            targets[prefix][key[len(prefix) :]] = float(value)
    return LoggedValues(means, std, {k: [lows[k], highs[k]] for k in lows if k in highs})


def download_result(client: Any, run_id: str) -> dict[str, Any] | None:
    """The run's ``result.json`` artifact, read strictly; ``None`` when the run has none.

    Raises
    ------
    InputDataError
        When the artifact is there but cannot be read as a result record.
    """
    with _artifact(client, run_id, RESULT_FILE) as path:
        if path is None:
            return None
        try:
            return RunFolder(path.parent).load_record()
        except InputDataError as exc:
            raise InputDataError(
                f"the result.json of MLflow run {run_id} cannot be read ({exc}); upload the "
                "run folder again with `harness sync`."
            ) from exc


def download_manifest(client: Any, run_id: str) -> list[Mapping[str, Any]] | None:
    """The jobs listed by an experiment run's ``manifest.json`` artifact; ``None`` without one.

    Raises
    ------
    InputDataError
        When the artifact is not JSON or holds no list of jobs.
    """
    with _artifact(client, run_id, MANIFEST_FILE) as path:
        if path is None:
            return None
        jobs = read_json_object(
            path, fix=f"upload the run folder of MLflow run {run_id} again with `harness sync`"
        ).get("jobs")
    if not isinstance(jobs, list) or not all(isinstance(j, Mapping) for j in jobs):
        raise InputDataError(
            f"the {MANIFEST_FILE} of MLflow run {run_id} has no list of jobs: upload the run "
            "folder again with `harness sync`."
        )
    return jobs


def alias_run_id(client: Any, model_name: str, alias: str) -> str:
    """The run id behind the registered model version that holds ``alias``.

    Raises
    ------
    RunNotFoundError
        When the model or alias is not in the registry, or the version has no source run.
    """
    from mlflow.exceptions import MlflowException

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


# -- runs as plain records --------------------------------------------------------------------


def read_run(run_id: str, uri: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
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
        ``run_id``, ``experiment_id``, ``experiment``, ``run_name``, ``run_key``, ``status``,
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
    with reading(uri, timeout_s) as client:
        run = get_run(client, run_id)
        experiment = client.get_experiment(run.info.experiment_id)
    return describe(run, experiment.name if experiment else None)


def latest_job_run(
    experiment: str,
    uri: str,
    *,
    tags: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict[str, Any]:
    """Return the latest job run of an experiment (see :func:`read_run` and the module
    docstring); experiment (parent) runs are not job runs.

    Parameters
    ----------
    experiment : str
        MLflow experiment name.
    uri : str
        Tracking URI.
    tags : mapping, optional
        Only runs with these tag values, e.g. ``{"dataset": "pima", "resampler": "adasyn"}``.
    timeout_s : float
        HTTP timeout for a tracking server.

    Raises
    ------
    RunNotFoundError
        When the experiment does not exist, has no matching job run, or its latest matching
        job run is an unfinished upload.
    """
    with reading(uri, timeout_s) as client:
        run = find_latest_job_run(client, experiment_id(client, experiment), tags)
        if run is None:
            raise RunNotFoundError(
                f"MLflow experiment {experiment!r} in {client.tracking_uri} has no job run "
                f"matching {dict(tags or {})}: run it with `harness run` or upload it with "
                "`harness sync`."
            )
    return describe(check_finished_upload(run), experiment)


def latest_experiment_run(
    experiment: str, uri: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> dict[str, Any]:
    """Return the latest experiment run (parent run) of an experiment (see :func:`read_run`).

    Raises
    ------
    RunNotFoundError
        When the experiment does not exist or has no experiment run.
    """
    with reading(uri, timeout_s) as client:
        run = require_experiment_run(client, experiment)
    return describe(run, experiment)


def require_experiment_run(client: Any, experiment: str) -> Any:
    """The latest experiment run of ``experiment`` as an MLflow run.

    Raises
    ------
    RunNotFoundError
        When the experiment does not exist or has no experiment run (its runs were logged one
        by one, without the parent run ``harness run`` creates).
    """
    run = find_latest_experiment_run(client, experiment_id(client, experiment))
    if run is None:
        raise RunNotFoundError(
            f"MLflow experiment {experiment!r} in {client.tracking_uri} has no experiment run "
            f"(a parent run tagged {EXPERIMENT_RUN_TAG}): run it with `harness run` or upload "
            "its folder with `harness sync`, or read one run by its id (--run-id)."
        )
    return run


def describe(run: Any, experiment: str | None) -> dict[str, Any]:
    """An MLflow run as the plain record :func:`read_run` returns."""
    values = split_metrics(run.data.metrics)
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
        "metrics": values.means,
        "std": values.std,
        "ci95": values.ci95,
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
    }


# -- helpers ----------------------------------------------------------------------------------


def _latest(client: Any, experiment_id: str, conditions: list[str]) -> Any | None:
    runs = client.search_runs(
        [experiment_id],
        filter_string=" and ".join(c for c in conditions if c),
        order_by=list(NEWEST_FIRST),
        max_results=1,
    )
    return runs[0] if runs else None


def _matching(tags: Mapping[str, str] | None) -> str:
    """A filter string that keeps the runs whose tags have these values."""
    return " and ".join(f"tags.`{k}` = '{_quote(v)}'" for k, v in (tags or {}).items())


def _quote(value: str) -> str:
    return str(value).replace("'", "\\'")


def artifact_digest(client: Any, run_id: str, folder: str, names: Iterable[str]) -> str | None:
    """sha256 of the first of ``names`` among the run's artifacts under ``folder``, or ``None``
    when the run has none of them or its artifacts cannot be listed."""
    try:
        found = {Path(a.path).name: a.path for a in client.list_artifacts(run_id, folder)}
    except Exception:  # the digest is informative: the caller records 'unknown'
        return None
    for name in names:
        if name in found:
            with tempfile.TemporaryDirectory() as tmp:
                return file_sha256(Path(client.download_artifacts(run_id, found[name], tmp)))
    return None


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_source(client: Any, run_id: str) -> tuple[Any, str, str | None]:
    """The run ``run_id``, and where its model is: ``(run, source, logged model id)``.

    The model is the most recent logged model of the run (MLflow 3 ``models:/<model id>``),
    found by its source run whatever its name (named by job,
    :func:`harness.tracking.run_folder.logged_model_name`, or ``model`` for runs uploaded
    before), or, failing that, the run's ``model`` artifact (``runs:/<id>/model``).

    Raises
    ------
    RunNotFoundError
        When the store has no such run, or the run has no model.
    """
    run = get_run(client, run_id)
    # The logged model first: for a run uploaded when logged models were all called "model",
    # MLflow 3 resolves the run artifact path "model" to that logged model through the default
    # tracking URI, not this store.
    models = client.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{run_id}'",
        max_results=1,
        order_by=[{"field_name": "creation_timestamp", "ascending": False}],
    )
    if models:
        # Its artifact location, not models:/<id>: MLflow's SQL registry looks a models:/ source
        # up through the global tracking URI, not this store.
        return run, models[0].artifact_location, models[0].model_id
    if any(Path(a.path).name == "MLmodel" for a in client.list_artifacts(run_id, "model")):
        return run, f"{run.info.artifact_uri.rstrip('/')}/model", None
    raise RunNotFoundError(
        f"MLflow run {run_id} has no model: log the run with tracking.log_model=true (its "
        "model/ folder becomes the artifact 'model') and promote again."
    )


@contextlib.contextmanager
def _artifact(client: Any, run_id: str, name: str) -> Iterator[Path | None]:
    """A top-level artifact of the run downloaded to a temporary folder; ``None`` when the run
    has no such artifact."""
    if name not in {a.path for a in client.list_artifacts(run_id)}:
        yield None
        return
    # One small file: MLflow's progress bar would only clutter the reader's output.
    user_choice = _PROGRESS_BAR_ENV in os.environ
    os.environ.setdefault(_PROGRESS_BAR_ENV, "false")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yield Path(client.download_artifacts(run_id, name, tmp))
    finally:
        if not user_choice:
            os.environ.pop(_PROGRESS_BAR_ENV, None)
