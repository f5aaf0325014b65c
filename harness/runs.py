"""Run folders on disk: every path, reader and writer of a job's folder and of an experiment's.

``harness run`` writes one *experiment folder* per Hydra job (a single run, or one job of a
sweep) holding ``manifest.json`` (the jobs it will run) and ``jobs/<job>/``, one *run folder* per
job. A run folder's ``result.json`` is its commit marker: it is written last, atomically, so a
folder without it is unfinished whatever else it holds. A *sweep folder* holds Hydra's
``multirun.yaml`` and one experiment folder per sweep job. Nobody else spells these file names.

Format of each file: docs/architecture.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, InputDataError, RunNotFoundError
from harness.strict import read_json_object, read_yaml

log = logging.getLogger(__name__)

#: Version of the ``result.json`` format. A record of another version is never reused by
#: ``resume`` and is refused by the gate, so renamed or added metrics are never misread.
RESULT_SCHEMA_VERSION = 3
#: Version of ``manifest.json``.
MANIFEST_SCHEMA_VERSION = 1

RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
MULTIRUN_FILE = "multirun.yaml"
JOBS_DIR = "jobs"
LINEAGE_FILE = "lineage.csv.gz"
_REWRITE = "rerun the job with `harness run` to rewrite it"


#: Parts of a job's config that say where and how results go, not what was evaluated: left
#: out of its run key, so moving the outputs or switching tracking keeps a result reusable.
VOLATILE_CONFIG_KEYS = ("paths", "tracking", "export", "resume", "hydra")


def job_folder_name(dataset: str, resampler: str, model: str, seed: int) -> str:
    """The folder name of a job inside an experiment run: ``<dataset>__<resampler>__<model>__
    seed<seed>``."""
    return f"{dataset}__{resampler}__{model}__seed{seed}"


def config_key(config: Any) -> str:
    """A job's identity from its resolved config (plain data): sha256 of everything but
    :data:`VOLATILE_CONFIG_KEYS`; the same config and seed give the same key."""
    payload = json.dumps(without_volatile(config), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def without_volatile(config: Any) -> Any:
    """``config`` without :data:`VOLATILE_CONFIG_KEYS`, at every level of nesting."""
    if isinstance(config, dict):
        return {k: without_volatile(v) for k, v in config.items() if k not in VOLATILE_CONFIG_KEYS}
    return config


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never a truncated one; on any error (a full
    disk, a read-only folder) the temporary file is removed and the error is raised.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, writer: Any) -> None:
    """Call ``writer(tmp_path)`` to write a file, then rename it to ``path`` (see above)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dir_atomic(path: Path, writer: Any) -> None:
    """Call ``writer(tmp_path)`` to create a folder (``tmp_path`` does not exist yet), then put
    it in place of ``path``; on any error the partial folder is removed and the error raised."""
    path = Path(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    tmp.rmdir()  # writers such as mlflow's save_model refuse an existing folder
    try:
        writer(tmp)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class RunFolderWriteError(HarnessError):
    """A run or experiment folder cannot be written (full disk, read-only, not a folder)."""


@contextlib.contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing into ``folder`` into :class:`RunFolderWriteError`.

    Raises
    ------
    RunFolderWriteError
        Naming the folder, the file and the fix; nothing half-written is left when every write
        inside the block goes through :func:`write_text_atomic` and friends.
    """
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        raise RunFolderWriteError(
            f"cannot write the run folder {folder}{where}: {exc.strerror or exc}. Free disk "
            "space, make the folder writable, or point paths.output_dir (or hydra.run.dir) at a "
            "writable folder, then rerun with resume=true (finished jobs are kept)."
        ) from exc


class _Report:
    """The report files of a folder: ``report.md``, ``report.html`` and ``plots/``."""

    path: Path

    @property
    def report_md(self) -> Path:
        """``report.md``."""
        return self.path / "report.md"

    @property
    def report_html(self) -> Path:
        """``report.html``."""
        return self.path / "report.html"

    @property
    def plots(self) -> Path:
        """``plots/``: the report's images."""
        return self.path / "plots"


@dataclass(frozen=True)
class RunFolder(_Report):
    """The folder of one job: ``<experiment folder>/jobs/<job name>/``.

    Every file of a run folder is named here; use the properties, never a literal.
    """

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @property
    def name(self) -> str:
        """The job name (the folder's name)."""
        return self.path.name

    @property
    def result(self) -> Path:
        """``result.json``: the record, written last (the commit marker)."""
        return self.path / RESULT_FILE

    @property
    def config(self) -> Path:
        """``config.yaml``: the resolved config of the job."""
        return self.path / "config.yaml"

    @property
    def dataset(self) -> Path:
        """``dataset.json``: the data set's summary (rows, classes, digest)."""
        return self.path / "dataset.json"

    @property
    def folds(self) -> Path:
        """``folds.csv``: one row of metrics per fold."""
        return self.path / "folds.csv"

    @property
    def lineage(self) -> Path:
        """``lineage.csv.gz``: where each synthetic row came from."""
        return self.path / LINEAGE_FILE

    @property
    def fold0_train_minority(self) -> Path:
        """``fold0_train_minority.csv.gz``: the real minority rows of the first training fold."""
        return self.path / "fold0_train_minority.csv.gz"

    @property
    def fold0_synthetic(self) -> Path:
        """``fold0_synthetic.csv.gz``: the synthetic rows of the first training fold."""
        return self.path / "fold0_synthetic.csv.gz"

    @property
    def error(self) -> Path:
        """``error.txt``: the traceback of a failed job."""
        return self.path / "error.txt"

    def plot(self, name: str) -> Path:
        """``plots/<name>.png``: one image of the report."""
        return self.plots / f"{name}.png"

    @property
    def model(self) -> Path:
        """``model/``: the MLflow model of the job, when saved."""
        return self.path / "model"

    @property
    def tracking(self) -> Path:
        """``tracking.json``: where the job was uploaded (MLflow run ids)."""
        return self.path / "tracking.json"

    @property
    def checks(self) -> Path:
        """``checks/``: the Evidently reports of the job, when made."""
        return self.path / "checks"

    def is_finished(self) -> bool:
        """Whether the job committed its ``result.json``."""
        return self.result.is_file()

    def read_record(self) -> dict[str, Any] | None:
        """The record, or ``None`` when the job has not finished.

        Raises
        ------
        InputDataError
            When ``result.json`` exists but is not a JSON object.
        """
        if not self.result.is_file():
            return None
        return self.load_record()

    def load_record(self) -> dict[str, Any]:
        """The record, strictly.

        Raises
        ------
        RunNotFoundError
            When the folder has no ``result.json``.
        InputDataError
            When ``result.json`` is not valid JSON or not a JSON object.
        """
        path = self.result
        if not path.is_file():
            raise RunNotFoundError(
                f"{path} does not exist: pass a run (or sweep) folder written by `harness run` "
                "(see outputs/)."
            )
        return read_json_object(path, fix=_REWRITE)

    def read_config(self) -> dict[str, Any]:
        """``config.yaml``: the job's resolved config, strictly (a key twice is refused).

        Raises
        ------
        InputDataError
            When the file is missing, not YAML, or not a mapping.
        """
        if not self.config.is_file():
            raise InputDataError(
                f"{self.config} does not exist, so nothing ties the folder's result to a config: "
                f"{_REWRITE}."
            )
        config = read_yaml(self.config, what=str(self.config), fix=_REWRITE, error=InputDataError)
        if not isinstance(config, dict):
            raise InputDataError(f"{self.config} must hold a mapping: {_REWRITE}.")
        return config

    def read_folds(self) -> Any:
        """``folds.csv`` indexed by ``(repeat, fold)``, strictly (:func:`read_folds`); ``None``
        when the job wrote none."""
        return read_folds(self.folds)

    def read_dataset_summary(self) -> dict[str, Any] | None:
        """``dataset.json``: what the job's data set was, or ``None`` when the job wrote none.

        Raises
        ------
        InputDataError
            When the file is not a JSON object (a caller that can do without it catches this).
        """
        if not self.dataset.is_file():
            return None
        return read_json_object(self.dataset, fix=_REWRITE)

    def read_uploads(self) -> dict[str, Any]:
        """``tracking.json``: where the folder was uploaded; empty when it never was.

        Raises
        ------
        InputDataError
            When the file is not a JSON object.
        """
        if not self.tracking.is_file():
            return {}
        return read_json_object(self.tracking, fix="delete it and run `harness sync` again")

    def write_uploads(self, payload: dict[str, Any]) -> None:
        """Write ``tracking.json`` atomically (``result.json`` is never rewritten)."""
        write_text_atomic(self.tracking, json.dumps(payload, indent=2) + "\n")

    def write_record(self, record: dict[str, Any]) -> None:
        """Write ``result.json`` atomically; call it after every other file of the job."""
        write_text_atomic(self.result, dumps(record))


def dumps(payload: Any) -> str:
    """JSON text of ``payload``, NaN and infinities refused (write them as ``None``)."""
    return json.dumps(payload, indent=2, sort_keys=True, allow_nan=False, default=_json_default)


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


@dataclass(frozen=True)
class ExperimentFolder(_Report):
    """The folder of one experiment run (one Hydra job): ``manifest.json`` and ``jobs/``."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @property
    def manifest(self) -> Path:
        """``manifest.json``: the jobs this run was asked to run, written before any starts."""
        return self.path / MANIFEST_FILE

    @property
    def jobs_dir(self) -> Path:
        """``jobs/``: one run folder per job."""
        return self.path / JOBS_DIR

    def job(self, name: str) -> RunFolder:
        """The run folder of job ``name``."""
        return RunFolder(self.jobs_dir / name)

    @property
    def comparison_csv(self) -> Path:
        """``comparison.csv``."""
        return self.path / "comparison.csv"

    @property
    def paired_tests_csv(self) -> Path:
        """``paired_tests.csv``."""
        return self.path / "paired_tests.csv"

    @property
    def replication_csv(self) -> Path:
        """``replication.csv``: each published cell next to the harness's mean and interval."""
        return self.path / "replication.csv"

    @property
    def replication_claims_csv(self) -> Path:
        """``replication_claims.csv``: the published table's claims, tested on paired splits."""
        return self.path / "replication_claims.csv"

    @property
    def critical_difference_png(self) -> Path:
        """``critical_difference.png``: the critical-difference diagram across data sets."""
        return self.path / "critical_difference.png"

    @property
    def ranks_csv(self) -> Path:
        """``ranks.csv``."""
        return self.path / "ranks.csv"

    @property
    def left_out_csv(self) -> Path:
        """``left_out.csv``: the jobs a comparison left out and why (``--allow-missing``)."""
        return self.path / "left_out.csv"

    @property
    def cost_quality_csv(self) -> Path:
        """``cost_quality.csv``: gain, costs and Pareto fronts per job (cost/quality section)."""
        return self.path / "cost_quality.csv"

    @property
    def cost_quality_plot(self) -> Path:
        """``plots/cost_quality.png``: recall gain against resampling time and peak memory."""
        return self.plots / "cost_quality.png"

    def forest_plot(self, metric: str) -> Path:
        """``plots/forest_<metric>.png``: the forest plot of one metric (``/`` becomes ``__``)."""
        return self.plots / f"forest_{metric.replace('/', '__')}.png"

    def group_recall_plot(self, column: str) -> Path:
        """``plots/group_recall_<column>.png``: recall per group of one sensitive column.

        Characters other than letters, digits, ``-``, ``_`` and ``.`` become ``_``; a column
        renamed so gets a digest of its name appended, so two columns never share a file.
        """
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", column)
        if safe != column or not safe:
            safe += "_" + hashlib.sha256(column.encode()).hexdigest()[:8]
        return self.plots / f"group_recall_{safe}.png"

    def write_manifest(self, jobs: Iterable[dict[str, Any]], **extra: Any) -> None:
        """Write ``manifest.json``: one entry per job (``name``, ``run_key`` ...)."""
        self.path.mkdir(parents=True, exist_ok=True)
        payload = {"schema": MANIFEST_SCHEMA_VERSION, "jobs": list(jobs), **extra}
        write_text_atomic(self.manifest, dumps(payload))

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or ``None`` when the folder has none.

        Raises
        ------
        InputDataError
            When the manifest is unreadable or malformed.
        """
        if not self.manifest.is_file():
            return None
        payload = read_json_object(self.manifest, fix="rerun the experiment")
        jobs = payload.get("jobs") if isinstance(payload, dict) else None
        if not isinstance(jobs, list) or not all(
            isinstance(j, dict) and isinstance(j.get("name"), str) for j in jobs
        ):
            raise InputDataError(
                f"{self.manifest} has no list of jobs with names: rerun the experiment."
            )
        return payload

    def expected_jobs(self) -> list[str]:
        """Names of the jobs the manifest lists (empty without a manifest)."""
        manifest = self.read_manifest()
        return [j["name"] for j in manifest["jobs"]] if manifest else []

    def missing_jobs(self) -> list[str]:
        """Jobs the manifest lists whose run folder has no ``result.json``."""
        return [name for name in self.expected_jobs() if not self.job(name).is_finished()]


def find_run_dirs(root: Path) -> list[Path]:
    """Every folder under ``root`` (itself included) that holds a ``result.json``."""
    return sorted(p.parent for p in Path(root).rglob(RESULT_FILE) if p.is_file())


def find_experiment_dirs(root: Path) -> list[Path]:
    """Every folder under ``root`` (itself included) that holds a ``manifest.json``."""
    return sorted(p.parent for p in Path(root).rglob(MANIFEST_FILE) if p.is_file())


def expected_sweep_jobs(sweep_dir: Path) -> int | None:
    """The number of jobs Hydra's ``multirun.yaml`` in ``sweep_dir`` asked for, if any.

    The sweep's task overrides are expanded the way Hydra's basic sweeper does.

    Raises
    ------
    InputDataError
        When ``multirun.yaml`` exists but cannot be read.
    """
    path = Path(sweep_dir) / MULTIRUN_FILE
    if not path.is_file():
        return None
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    try:
        config = OmegaConf.create(read_yaml(path, what=str(path), fix="rerun the sweep"))
        task = list(OmegaConf.select(config, "hydra.overrides.task", default=[]) or [])
        overrides = OverridesParser.create().parse_overrides(task)
        batches = BasicSweeper.split_arguments(overrides, None)
    except Exception as exc:  # any parse error means we cannot tell: refuse, never guess
        raise InputDataError(
            f"cannot read the jobs of the sweep from {path} ({exc}): rerun the sweep."
        ) from exc
    return sum(len(batch) for batch in batches)


def incomplete_jobs(folder: Path) -> list[str]:
    """What is missing for ``folder`` (a run, experiment or sweep folder) to be complete.

    Returns
    -------
    list of str
        One line per missing piece: a job listed in a manifest without a ``result.json``; an
        experiment folder without a manifest (written by an older harness, or killed before it
        started); a sweep with fewer experiment folders than ``multirun.yaml`` asked for. Empty
        when complete.
    """
    folder = Path(folder)
    if (folder / RESULT_FILE).is_file():
        return []
    missing: list[str] = []
    experiments = find_experiment_dirs(folder)
    for experiment in experiments:
        for name in ExperimentFolder(experiment).missing_jobs():
            missing.append(f"{experiment / JOBS_DIR / name}: no {RESULT_FILE}")
    listed = {
        (Path(e) / JOBS_DIR / n).resolve()
        for e in experiments
        for n in ExperimentFolder(e).expected_jobs()
    }
    for run_dir in find_run_dirs(folder):
        if run_dir.resolve() not in listed:
            missing.append(f"{run_dir}: not listed in any {MANIFEST_FILE}")
    expected = expected_sweep_jobs(folder)
    if expected is not None and len(experiments) < expected:
        missing.append(
            f"{folder}: {MULTIRUN_FILE} asks for {expected} sweep jobs, {len(experiments)} started"
        )
    return missing


def read_record(run_dir: Path) -> dict[str, Any] | None:
    """A run folder's ``result.json``, or ``None`` when it is missing.

    Raises
    ------
    InputDataError
        When it exists but cannot be read: a damaged result is never skipped silently.
    """
    return RunFolder(run_dir).read_record()


def load_record(run_dir: Path) -> dict[str, Any]:
    """A run folder's ``result.json``, strictly (see :meth:`RunFolder.load_record`)."""
    return RunFolder(run_dir).load_record()


def read_records(root: Path) -> list[dict[str, Any]]:
    """Every ``result.json`` under ``root``, each with its ``run_dir`` added.

    Raises
    ------
    InputDataError
        When one cannot be read.
    """
    records = []
    for run_dir in find_run_dirs(root):
        record = load_record(run_dir)
        record["run_dir"] = str(run_dir)
        records.append(record)
    return records


def readable_records(root: Path) -> list[dict[str, Any]]:
    """Every readable ``result.json`` under ``root``, for observers that must not stop.

    The metrics exporter serves what it can read: an unreadable record is logged as a
    warning naming the file (never silently dropped) and left out. Verdicts (the gate,
    ``harness compare``) use :func:`read_records`, which refuses it.
    """
    records = []
    for run_dir in find_run_dirs(root):
        try:
            record = load_record(run_dir)
        except InputDataError as exc:
            log.warning("left out of the metrics: %s", exc)
            continue
        record["run_dir"] = str(run_dir)
        records.append(record)
    return records


#: The index of every folds.csv row.
FOLD_INDEX = ("repeat", "fold")


def read_folds(path: Path) -> Any:
    """Read a ``folds.csv`` strictly, indexed by ``(repeat, fold)``; ``None`` when missing.

    The metric columns are checked when they are read (:func:`metric_column`).

    Raises
    ------
    InputDataError
        When the file is not a CSV, lacks or has non-integer ``repeat`` / ``fold`` values,
        repeats a ``(repeat, fold)`` pair, or holds text in a metric column.
    """
    path = Path(path)
    if not path.is_file():
        return None
    import numpy as np
    import pandas as pd

    rerun = "the file is damaged or was not written by `harness run`: rerun the job."
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise InputDataError(f"{path} cannot be read as CSV ({exc}); {rerun}") from exc
    missing = [c for c in FOLD_INDEX if c not in table.columns]
    if missing:
        raise InputDataError(f"{path} has no column {missing[0]!r}; {rerun}")
    for column in FOLD_INDEX:
        values = pd.to_numeric(table[column], errors="coerce")
        if (
            table[column].dtype == bool
            or values.isna().any()
            or not np.all(np.isfinite(values))
            or not np.all(values == np.round(values))
        ):
            raise InputDataError(
                f"{path}: column {column!r} holds values that are not integers; {rerun}"
            )
        table[column] = values.astype(int)
    if table.duplicated(list(FOLD_INDEX)).any():
        raise InputDataError(f"{path} lists a (repeat, fold) pair twice; {rerun}")
    return table.set_index(list(FOLD_INDEX))


def metric_column(table: Any, metric: str, path: Path) -> Any:
    """The fold values of ``metric`` as floats (NaN stays: the checks fail on it).

    Raises
    ------
    InputDataError
        When the column holds text or booleans.
    """
    import pandas as pd

    column = table[metric]
    if column.isna().all():
        return column.astype(float)
    if column.dtype == bool or not pd.api.types.is_numeric_dtype(column.dtype):
        raise InputDataError(
            f"{path}: column {metric!r} holds values that are not numbers; the file is damaged "
            "or was not written by `harness run`: rerun the job."
        )
    return column.astype(float)
