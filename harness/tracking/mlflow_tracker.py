"""The MLflow adapter: upload results folders as MLflow runs, idempotently.

A run folder is complete on disk before anything is uploaded, so the tracking store can be
down without losing a result: the ``safe_*`` methods warn and return ``None``, and
``harness sync`` uploads the folder later. Each upload is keyed by the run's ``run_key`` (tag
``harness.run_key``): a run already in the experiment is never logged twice.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from harness.errors import ConfigError
from harness.runs import ExperimentFolder, RunFolder
from harness.tracking import run_folder as rf
from harness.tracking.protocol import Values
from harness.tracking.query import get_run, runs_tagged
from harness.tracking.store import (
    TrackingUnavailable,
    TrackingUnavailableWarning,
    check_reachable,
    http_limits,
    normalize_uri,
    open_client,
    retry_when_busy,
    retry_when_racing,
    sqlite_artifact_location,
    store_lock,
)
from harness.tracking.tags import (
    COMPLETE_TAG,
    EXPERIMENT_RUN_TAG,
    OUTPUT_DIR_TAG,
    PARENT_TAG,
    RUN_KEY_TAG,
    SWEEP_KEY_TAG,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

LINEAGE_MODES = ("sample", "full", "none")
#: Artifact name of the first rows of the lineage (``log_lineage="sample"``).
LINEAGE_SAMPLE_ARTIFACT = "lineage_sample.csv"
#: Target column of the data set logged as the run's input.
TARGET_COLUMN = "target"
_BATCH = 100  # MLflow accepts at most 100 params + tags and 1000 metrics per batch


class MlflowTracker:
    """Log results folders to an MLflow tracking store (SQLite file or tracking server).

    A :class:`~harness.tracking.protocol.Tracker`.

    Parameters
    ----------
    uri : str
        Tracking URI: ``sqlite:///<path>`` or ``http(s)://host:port``.
    experiment_name : str
        MLflow experiment; created on first use.
    log_lineage : {"sample", "full", "none"}
        How much of ``lineage.csv.gz`` to upload: its first ``lineage_sample_rows`` rows,
        the whole file (plus the fold-0 minority and synthetic rows), or nothing.
    lineage_sample_rows : int
        Rows kept by ``log_lineage="sample"``.
    log_model : bool
        Log the run's ``model/`` folder as an MLflow 3 logged model named by its job
        (:func:`harness.tracking.run_folder.logged_model_name`, ``models:/<model id>``) and
        as the run's artifact ``model`` (registrable as ``runs:/<run id>/model``).
    log_fold_metrics : bool
        Log each fold's value as the step series ``fold/<metric>`` (step = fold index); off,
        the fold values stay in the run's ``folds.csv`` artifact (the sweep profile).
    timeout_s : float
        HTTP timeout per request and for the reachability check.
    retries : int
        HTTP retries per request. A write that finds a SQLite store busy (``database is
        locked``) is retried with backoff (:func:`harness.tracking.store.retry_when_busy`).
    """

    def __init__(
        self,
        uri: str,
        experiment_name: str,
        *,
        log_lineage: str = "sample",
        lineage_sample_rows: int = 1000,
        log_model: bool = True,
        log_fold_metrics: bool = True,
        timeout_s: float = 10.0,
        retries: int = 2,
    ) -> None:
        if log_lineage not in LINEAGE_MODES:
            raise ConfigError(
                f"tracking.log_lineage={log_lineage!r} is not an option: use one of "
                f"{', '.join(LINEAGE_MODES)}."
            )
        if not experiment_name:
            raise ConfigError(
                "the MLflow experiment name is empty: set tracking.experiment_name or "
                "experiment.name."
            )
        self.uri = normalize_uri(uri)
        self.experiment_name = str(experiment_name)
        self.log_lineage = log_lineage
        self.lineage_sample_rows = int(lineage_sample_rows)
        self.log_model = bool(log_model)
        self.log_fold_metrics = bool(log_fold_metrics)
        self.timeout_s = float(timeout_s)
        self.retries = int(retries)
        self._client: Any = None
        self._experiment_id: str | None = None
        # The MLflow dataset entity of each data set, by (digest, name, source): the jobs of
        # a sweep share a few data sets, and building one (schema, profile) costs ~0.1 s.
        self._dataset_entities: dict[tuple[str, str, str], Any] = {}

    def __repr__(self) -> str:
        return f"MlflowTracker(uri={self.uri!r}, experiment_name={self.experiment_name!r})"

    # -- public API -----------------------------------------------------------------------

    def start_parent(
        self, name: str, params: Values = None, tags: Values = None, *, sweep_key: str | None = None
    ) -> str:
        """Create the parent run of an experiment or sweep, or reuse the one with its key.

        Parameters
        ----------
        name : str
            Run name shown in the MLflow UI.
        params, tags : dict, optional
            Logged on a new parent.
        sweep_key : str, optional
            Identity of the sweep; defaults to the ``harness.output_dir`` tag made absolute
            (a rerun of a sweep writes to the same folder), else ``name``.

        Returns
        -------
        str
            The parent run id.
        """
        tags = {k: rf._as_text(v) for k, v in (tags or {}).items()}
        if OUTPUT_DIR_TAG in tags:
            # Absolute, so that `harness sync` finds the parent a sweep created.
            tags[OUTPUT_DIR_TAG] = str(Path(tags[OUTPUT_DIR_TAG]).resolve())
        key = sweep_key or tags.get(OUTPUT_DIR_TAG) or name
        tags.update({SWEEP_KEY_TAG: key, EXPERIMENT_RUN_TAG: "true"})

        def find_or_create() -> str:
            # Under the store's lock: the jobs of a sweep, started at once, share one parent.
            with store_lock(self.uri):
                experiment_id = self._experiment()
                existing = self._find_run(experiment_id, SWEEP_KEY_TAG, key)
                if existing is not None:
                    return existing.info.run_id
                run = self._client.create_run(experiment_id, tags=tags, run_name=name)
            run_id = run.info.run_id
            self._log_batch(run_id, params=rf.params_of({"params": dict(params or {})}))
            self._client.set_terminated(run_id, "FINISHED")
            return run_id

        with self._connection():
            return retry_when_busy(find_or_create)

    def log_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> str:
        """Upload one results folder as an MLflow run, unless it is there already.

        Logs params (``result.json`` ``params``, flattened), metrics (fold means,
        ``std/``, ``ci95_low/``, ``ci95_high/``), per-fold values as ``fold/<key>`` with
        step = fold index across repeats (unless ``log_fold_metrics`` is off), tags, the data
        set as a run input, artifacts and the model folder. Writes the run id to
        ``tracking.json`` in the folder.

        Parameters
        ----------
        run_dir : Path
            A folder holding ``result.json``.
        parent_run_id : str, optional
            Parent run (see :meth:`start_parent`).

        Returns
        -------
        str
            The MLflow run id (the existing one when the run was logged before).

        Raises
        ------
        RunNotFoundError
            When the folder has no ``result.json``.
        TrackingUnavailable
            When the tracking store cannot be reached.
        """
        return self.upload_run_dir(run_dir, parent_run_id)[0]

    def upload_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> tuple[str, bool]:
        """:meth:`log_run_dir`, also telling whether a new run was created.

        Returns
        -------
        tuple of (str, bool)
            The run id, and ``False`` when the run was in the store already.
        """
        run_dir = Path(run_dir)
        record = rf.load_result(run_dir)
        with self._connection():
            return retry_when_busy(lambda: self._log_run_dir(run_dir, record, parent_run_id))

    def log_sweep_dir(self, sweep_dir: Path, parent_run_id: str) -> list[str]:
        """Upload a sweep's comparison table and report to its parent run.

        Parameters
        ----------
        sweep_dir : Path
            The sweep folder (``comparison.csv``, ``paired_tests.csv``, ``ranks.csv``,
            ``report.md``, ``report.html``, ``critical_difference.png``, ``plots/`` with the
            forest plots).
        parent_run_id : str
            The sweep's parent run.

        Returns
        -------
        list of str
            The artifact paths uploaded.
        """
        folder = ExperimentFolder(sweep_dir)
        uploaded: list[str] = []
        with self._connection():
            for path in (
                folder.comparison_csv,
                folder.paired_tests_csv,
                folder.ranks_csv,
                folder.left_out_csv,
                folder.report_md,
                folder.report_html,
                folder.critical_difference_png,
            ):
                if path.is_file():
                    retry_when_busy(lambda p=path: self._client.log_artifact(parent_run_id, str(p)))
                    uploaded.append(path.name)
            if folder.plots.is_dir():
                retry_when_busy(
                    lambda: self._client.log_artifacts(
                        parent_run_id, str(folder.plots), folder.plots.name
                    )
                )
                uploaded.append(folder.plots.name)
        return uploaded

    def safe_start_parent(
        self, name: str, params: Values = None, tags: Values = None
    ) -> str | None:
        """:meth:`start_parent`, but a failure warns and returns ``None``."""
        return self._safely(lambda: self.start_parent(name, params, tags), f"parent run {name}")

    def safe_log_run_dir(self, run_dir: Path, parent_run_id: str | None = None) -> str | None:
        """:meth:`log_run_dir`, but a failure warns and returns ``None``; never raises."""
        return self._safely(lambda: self.log_run_dir(run_dir, parent_run_id), str(run_dir))

    def safe_log_sweep_dir(self, sweep_dir: Path, parent_run_id: str) -> list[str] | None:
        """:meth:`log_sweep_dir`, but a failure warns and returns ``None``."""
        return self._safely(lambda: self.log_sweep_dir(sweep_dir, parent_run_id), str(sweep_dir))

    # -- one run ------------------------------------------------------------------------

    def _log_run_dir(
        self, run_dir: Path, record: dict[str, Any], parent: str | None
    ) -> tuple[str, bool]:
        experiment_id = self._experiment()
        known = self._already_logged(run_dir, experiment_id, record)
        if known is not None:
            rf.write_tracking_file(run_dir, self.uri, self.experiment_name, known)
            return known, False
        dataset = rf.load_dataset_meta(run_dir)
        tags = rf.tags_of(record, dataset)
        if parent:
            tags[PARENT_TAG] = parent
        run = self._client.create_run(
            experiment_id,
            start_time=rf.time_ms(record.get("started_at")),
            tags=tags,
            run_name=rf.run_name_of(record),
        )
        run_id = run.info.run_id
        try:
            model_id = self._log_model(run_id, experiment_id, RunFolder(run_dir), record)
            self._log_values(run_id, run_dir, record, model_id)
            if dataset is not None:
                self._log_dataset(run_id, dataset, RunFolder(run_dir))
            self._log_artifacts(run_id, run_dir)
            self._client.set_tag(run_id, COMPLETE_TAG, "true")
            status = "FINISHED" if record.get("status", "success") == "success" else "FAILED"
            self._client.set_terminated(run_id, status, rf.time_ms(record.get("finished_at")))
        except Exception:
            # An unfinished upload is deleted and redone by the next sync (see _already_logged).
            self._quietly(lambda: self._client.set_terminated(run_id, "FAILED"))
            raise
        rf.write_tracking_file(run_dir, self.uri, self.experiment_name, run_id)
        return run_id, True

    def _already_logged(
        self, run_dir: Path, experiment_id: str, record: dict[str, Any]
    ) -> str | None:
        recorded = rf.recorded_run_id(run_dir, self.uri, self.experiment_name)
        if recorded is not None:
            run = self._quietly(lambda: get_run(self._client, recorded))
            if run is not None and self._is_upload_of(run, record):
                return recorded
        for run in runs_tagged(self._client, experiment_id, {RUN_KEY_TAG: record["run_key"]}):
            if self._is_upload_of(run, record):
                return run.info.run_id
            if run.data.tags.get(COMPLETE_TAG) != "true":
                self._client.delete_run(run.info.run_id)  # a partial upload: log it again
        return None

    @staticmethod
    def _is_upload_of(run: Any, record: dict[str, Any]) -> bool:
        """Whether ``run`` is the complete upload of this very record.

        The same run key with another start time is an earlier result of the same job (a job
        run again because its data or its result schema changed): it stays in the store as
        history, and the new result is logged as a new run.
        """
        tags = run.data.tags
        started = rf.time_ms(record.get("started_at"))
        return (
            run.info.lifecycle_stage == "active"
            and tags.get(RUN_KEY_TAG) == record["run_key"]
            and tags.get(COMPLETE_TAG) == "true"
            and (started is None or run.info.start_time == started)
        )

    def _log_values(
        self, run_id: str, run_dir: Path, record: dict[str, Any], model_id: str | None = None
    ) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        # The fold means are the model's metrics too: with model_id MLflow links them to the
        # logged model (search_logged_models shows them), and they stay the run's metrics.
        metrics = [
            Metric(k, v, now, 0, model_id=model_id) for k, v in rf.metrics_of(record).items()
        ]
        if self.log_fold_metrics:
            folds = rf.fold_metrics_of(run_dir)
            metrics += [Metric(f.key, f.value, now, f.step) for f in folds]
        self._log_batch(run_id, params=rf.params_of(record), metrics=metrics)

    def _log_batch(
        self, run_id: str, *, params: dict[str, str] | None = None, metrics: list | None = None
    ) -> None:
        from mlflow.entities import Param

        param_list = [Param(k, v) for k, v in (params or {}).items()]
        for chunk in _chunks(param_list, _BATCH):
            self._client.log_batch(run_id, params=chunk)
        for chunk in _chunks(metrics or [], 10 * _BATCH):
            self._client.log_batch(run_id, metrics=chunk)

    def _log_model(
        self, run_id: str, experiment_id: str, folder: RunFolder, record: dict[str, Any]
    ) -> str | None:
        """Log the run folder's saved model as an MLflow 3 logged model of the run.

        Returns
        -------
        str or None
            The model id (``models:/<id>`` loads it), or ``None`` when there is no model or
            ``log_model`` is off.
        """
        if not self.log_model or not (folder.model / "MLmodel").is_file():
            return None
        from mlflow.entities import LoggedModelOutput

        client = self._client
        model = client.create_logged_model(
            experiment_id,
            name=rf.logged_model_name(record),
            source_run_id=run_id,
            tags={RUN_KEY_TAG: str(record["run_key"])},
            params={
                key: str(record[key])
                for key in ("dataset", "resampler", "strategy", "model", "seed")
                if record.get(key) is not None
            },
            model_type="sklearn",
        )
        try:
            client.log_model_artifacts(model.model_id, str(folder.model))
        except Exception:
            self._quietly(lambda: client.finalize_logged_model(model.model_id, "FAILED"))
            raise
        client.finalize_logged_model(model.model_id, "READY")
        client.log_outputs(run_id, [LoggedModelOutput(model.model_id, step=0)])
        return model.model_id

    def _log_dataset(self, run_id: str, meta: dict[str, Any], folder: RunFolder) -> None:
        from mlflow.entities import DatasetInput, InputTag

        digest = str(meta.get("digest") or "")
        key = (digest, str(meta.get("name")), str(meta.get("source")))
        entity = self._dataset_entities.get(key) if digest else None
        if entity is None:
            entity = _dataset_entity(folder, meta)
            if digest:
                self._dataset_entities[key] = entity
        input_tags = {"mlflow.data.context": "training", "digest.sha256": digest}
        for key in ("rows", "features", "minority", "imbalance_ratio", "positive_label"):
            if meta.get(key) is not None:
                input_tags[key] = str(meta[key])
        inputs = [DatasetInput(entity, tags=[InputTag(k, v) for k, v in input_tags.items()])]
        retry_when_racing(lambda: self._client.log_inputs(run_id, datasets=inputs))

    def _log_artifacts(self, run_id: str, run_dir: Path) -> None:
        client = self._client
        folder = RunFolder(run_dir)
        for path in (
            folder.result,
            folder.config,
            folder.folds,
            folder.dataset,
            folder.report_md,
            folder.report_html,
        ):
            if path.is_file():
                client.log_artifact(run_id, str(path))
        for path in (folder.plots, folder.checks):
            if path.is_dir():
                client.log_artifacts(run_id, str(path), path.name)
        self._log_lineage(run_id, folder)
        if self.log_model and (folder.model / "MLmodel").is_file():
            # The saved MLflow model folder as the artifact "model": runs:/<id>/model is then
            # what mlflow.register_model expects, with the model exactly as evaluated.
            client.log_artifacts(run_id, str(folder.model), "model")

    def _log_lineage(self, run_id: str, folder: RunFolder) -> None:
        if self.log_lineage == "none" or not folder.lineage.is_file():
            return
        if self.log_lineage == "full":
            for path in (folder.lineage, folder.fold0_train_minority, folder.fold0_synthetic):
                if path.is_file():
                    self._client.log_artifact(run_id, str(path), "lineage")
            return
        sample = pd.read_csv(folder.lineage, nrows=self.lineage_sample_rows)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / LINEAGE_SAMPLE_ARTIFACT
            sample.to_csv(path, index=False)
            self._client.log_artifact(run_id, str(path), "lineage")

    # -- store access ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[None]:
        """Bound HTTP waits, check that the server answers and open the client once."""
        with http_limits(self.timeout_s, self.retries):
            check_reachable(self.uri, self.timeout_s, creating=True)
            if self._client is None:
                self._client = open_client(self.uri)
            yield

    def _experiment(self) -> str:
        if self._experiment_id is None:
            found = self._client.get_experiment_by_name(self.experiment_name)
            if found is None:
                try:
                    self._experiment_id = self._client.create_experiment(
                        self.experiment_name,
                        artifact_location=sqlite_artifact_location(self.uri, self.experiment_name),
                    )
                except Exception:
                    # Another process created it in between.
                    found = self._client.get_experiment_by_name(self.experiment_name)
                    if found is None:
                        raise
                    self._experiment_id = found.experiment_id
            else:
                self._experiment_id = found.experiment_id
        return self._experiment_id

    def _find_run(self, experiment_id: str, tag: str, value: str) -> Any | None:
        """The oldest run with this tag value: the one a find-or-create made first."""
        runs = runs_tagged(self._client, experiment_id, {tag: value})
        return runs[0] if runs else None

    def _safely(self, action: Callable[[], T], what: str) -> T | None:
        try:
            return action()
        except Exception as exc:
            if isinstance(exc, TrackingUnavailable):
                # Its message already says where the results are and how to upload them.
                message = f"MLflow tracking failed for {what}: {exc}"
            else:
                message = (
                    f"MLflow tracking at {self.uri} failed for {what} "
                    f"({type(exc).__name__}: {exc}). The results are safe in the run folder; "
                    "`harness sync` uploads them later."
                )
            log.warning(message)
            warnings.warn(message, TrackingUnavailableWarning, stacklevel=3)
            return None

    @staticmethod
    def _quietly(action: Callable[[], T]) -> T | None:
        try:
            return action()
        except Exception:
            return None


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _meta_dataset(meta: dict[str, Any]) -> Any:
    """The data set as MLflow metadata only: name, source and digest (no schema)."""
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.meta_dataset import MetaDataset

    digest = str(meta.get("digest") or "")
    source = CodeDatasetSource(tags={"source": str(meta.get("source", ""))})
    # MLflow stores at most 36 characters of a digest; the full sha256 is an input tag.
    return MetaDataset(source, name=str(meta.get("name", "dataset")), digest=digest[:32])


#: The start of MLflow's warning on integer columns in an inferred schema.
INTEGER_SCHEMA_HINT = "Hint: Inferred schema contains integer column"


def _dataset_entity(folder: RunFolder, meta: dict[str, Any]) -> Any:
    """The MLflow dataset entity of the run's data set: with schema, profile and target when
    the data load again with the same digest, else from the metadata alone."""
    with warnings.catch_warnings():
        # MLflow infers the schema here and hints that integer columns cannot hold missing
        # values: advice for model inputs, not for a record of the data a job used, and
        # repeated for every job of a sweep it buries what matters.
        warnings.filterwarnings("ignore", message=INTEGER_SCHEMA_HINT, category=UserWarning)
        dataset = _pandas_dataset(folder, meta)
        if dataset is None:
            dataset = _meta_dataset(meta)
        return dataset._to_mlflow_entity()


def _pandas_dataset(folder: RunFolder, meta: dict[str, Any]) -> Any:
    """The data set as an MLflow ``PandasDataset`` with its schema, profile and target.

    Loaded again from the run's ``config.yaml``; ``None`` (and the caller logs metadata only)
    when that fails or the loaded data are not the ones the job evaluated (another digest).
    """
    import mlflow.data
    from mlflow.data.code_dataset_source import CodeDatasetSource

    from harness.components.datasets import load_dataset

    try:
        data = load_dataset(folder.read_config()["dataset"])
    except Exception as exc:  # a moved data file: the metadata still identify the data
        log.info("data set of %s not loaded again (%s): logging its metadata only", folder, exc)
        return None
    if meta.get("digest") and data.digest != meta["digest"]:
        log.warning(
            "data set of %s changed since the job ran (digest %s, now %s): logging its "
            "metadata only",
            folder,
            meta["digest"],
            data.digest,
        )
        return None
    frame = data.X.assign(**{TARGET_COLUMN: data.y})
    source = CodeDatasetSource(tags={"source": str(meta.get("source") or data.source)})
    # Called by _dataset_entity only, under its filter of MLflow's integer-schema hint.
    return mlflow.data.from_pandas(frame, source=source, targets=TARGET_COLUMN, name=data.name)
