"""An experiment's jobs: expand its grid into jobs and run them into their run folders.

``harness run experiment=quick`` runs every combination in ``experiment.grid`` inside one Hydra
job; ``harness run -m resampler=a,b`` lets Hydra's launcher run one job per combination. Both
write the same run folders, so everything downstream (tracking, export, gate) reads one format;
comparing, judging and publishing them is the pipeline's work (:mod:`harness.pipeline`).

Before any job starts, the experiment folder's ``manifest.json`` lists every job, so a folder
whose run was killed shows what is missing (:func:`harness.runs.incomplete_jobs`). With
``resume=true`` a finished job is kept only when its run key, its data and its result schema are
those of this run (:func:`reusable_record`); anything else runs again.
"""

from __future__ import annotations

import logging
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from harness.components.job import JobComponents, load_dataset_from_config
from harness.config_dir import config_dir
from harness.data import Dataset
from harness.errors import ConfigError, InputDataError
from harness.runner.config_checks import check_job_config
from harness.runner.grid import GridComposer, grid_overrides, job_overrides, without_hydra
from harness.runner.job import execute_job, job_name, run_key
from harness.runner.worker_lifetime import exit_with_parent
from harness.runs import RESULT_SCHEMA_VERSION, ExperimentFolder, RunFolder

log = logging.getLogger(__name__)


@dataclass
class Job:
    """One (dataset, resampler, model, seed) to evaluate."""

    name: str
    cfg: DictConfig
    run_dir: Path
    _components: JobComponents | Exception | None = field(default=None, repr=False)

    @property
    def run_key(self) -> str:
        """The job's identity (:func:`harness.runner.job.run_key`)."""
        return run_key(self.cfg)

    @property
    def components(self) -> JobComponents | None:
        """The job's sampler and model, built once (``None`` when they cannot be built: the
        job records why when it runs)."""
        if self._components is None:
            try:
                self._components = JobComponents.build(self.cfg)
            except Exception as exc:  # recorded by the job itself
                self._components = exc
        return None if isinstance(self._components, Exception) else self._components

    def manifest_entry(self) -> dict[str, Any]:
        """What ``manifest.json`` says about the job."""
        return {
            "name": self.name,
            "run_key": self.run_key,
            "dataset": str(self.cfg.dataset.name),
            "resampler": str(self.cfg.resampler.name),
            "strategy": self.components.strategy if self.components else None,
            "model": str(self.cfg.model.name),
            "seed": int(self.cfg.seed),
        }


def compose_jobs(cfg: DictConfig, overrides: list[str], output_dir: Path) -> list[Job]:
    """The config of every job in the grid (:class:`harness.runner.grid.GridComposer`: each
    distinct config-group option composed once with Hydra's compose API)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    combos = grid_overrides(cfg, overrides)
    if combos == [[]]:
        configs = [without_hydra(cfg)]
    else:
        context = (
            nullcontext()
            if GlobalHydra.instance().is_initialized()
            else initialize_config_dir(str(config_dir()), version_base="1.3")
        )
        with context:
            composer = GridComposer(cfg, overrides)
            configs = [composer.config(combo) for combo in combos]
    jobs = []
    for job_cfg in configs:
        check_job_config(job_cfg)
        name = job_name(
            str(job_cfg.dataset.name),
            str(job_cfg.resampler.name),
            str(job_cfg.model.name),
            int(job_cfg.seed),
        )
        run_dir = ExperimentFolder(output_dir).job(name).path
        jobs.append(Job(name=name, cfg=job_cfg, run_dir=run_dir))
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise ConfigError(f"experiment grid produces duplicate jobs: {sorted(names)}.")
    return jobs


def plan_run(overrides: list[str]) -> tuple[DictConfig, list[Job]]:
    """Compose the config of ``harness run <overrides>`` and expand its grid, running nothing.

    Parameters
    ----------
    overrides : list of str
        The command-line overrides (``hydra.*`` ones are ignored).

    Returns
    -------
    tuple of (DictConfig, list of Job)
        The primary config and the jobs a run would start (their ``run_dir`` is relative).
    """
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=job_overrides(overrides))
        return cfg, compose_jobs(cfg, overrides, Path("."))


def manifest_matches(folder: Path, jobs: list[Job]) -> bool:
    """Whether the experiment folder's ``manifest.json`` lists exactly ``jobs``: the same
    names with the same run keys (an unreadable or missing manifest never matches)."""
    try:
        manifest = ExperimentFolder(folder).read_manifest()
    except InputDataError as exc:
        log.warning("%s", exc)
        return False
    if manifest is None:
        return False
    listed = sorted((j.get("name"), j.get("run_key")) for j in manifest["jobs"])
    return listed == sorted((job.name, job.run_key) for job in jobs)


def write_manifest(output_dir: Path, jobs: list[Job], experiment: str) -> None:
    """Write ``manifest.json`` before any job starts, refusing a folder of other jobs.

    Raises
    ------
    ConfigError
        When the folder already lists jobs this run does not have: its results would be
        mixed with this run's in one comparison.
    """
    folder = ExperimentFolder(output_dir)
    try:
        previous = folder.expected_jobs()
    except InputDataError:
        previous = []  # a damaged manifest is simply rewritten
    foreign = sorted(set(previous) - {job.name for job in jobs})
    if foreign:
        raise ConfigError(
            f"{output_dir} already holds other jobs ({', '.join(foreign)}): their results "
            "would be mixed with this run's. Run into a new folder (leave out hydra.run.dir, "
            "or use a new one), or delete that folder first."
        )
    folder.write_manifest([job.manifest_entry() for job in jobs], experiment=experiment)


class DatasetCache:
    """The configured data sets, each loaded at most once per distinct ``dataset`` config."""

    def __init__(self) -> None:
        self._loaded: dict[str, Dataset | None] = {}

    @staticmethod
    def _key(cfg: DictConfig) -> str:
        return OmegaConf.to_yaml(cfg.dataset, resolve=True)

    def load(self, cfg: DictConfig) -> Dataset | None:
        """The data set of ``cfg``, or ``None`` when it cannot be loaded."""
        key = self._key(cfg)
        if key not in self._loaded:
            try:
                self._loaded[key] = load_dataset_from_config(cfg)
            except Exception as exc:  # the job itself records why, when it runs
                log.info("cannot load the data set of %s (%s)", cfg.dataset.name, exc)
                self._loaded[key] = None
        return self._loaded[key]


def reusable_record(job: Job, datasets: DatasetCache) -> dict[str, Any] | None:
    """The finished record of ``job`` when ``resume`` may keep it, else ``None``.

    A record is kept only when it is a success of this harness's result schema, for the same
    run key (the same config and seed) and the same data (the same content digest). An
    unreadable ``result.json`` is a cache miss, with a warning naming it: never a result.
    """
    folder = RunFolder(job.run_dir)
    try:
        record = folder.read_record()
    except InputDataError as exc:
        log.warning("resume: %s is unreadable, running %s again (%s)", folder.result, job.name, exc)
        return None
    if record is None:
        return None
    reason = None
    if record.get("schema") != RESULT_SCHEMA_VERSION:
        reason = f"written by another harness (result schema {record.get('schema')})"
    elif record.get("status") != "success":
        reason = f"status {record.get('status')}"
    elif record.get("run_key") != job.run_key:
        reason = "the config or seed changed"
    else:
        dataset = datasets.load(job.cfg)
        if dataset is None or record.get("dataset_digest") != dataset.digest:
            reason = "the data changed"
    if reason is not None:
        log.info("resume: running %s again: %s", job.name, reason)
        return None
    return record


def _run_one(job: Job, progress: bool, dataset: Dataset | None = None) -> dict[str, Any]:
    n_folds = int(job.cfg.evaluation.n_splits) * int(job.cfg.evaluation.n_repeats)
    bar = tqdm(total=n_folds, desc=job.name, unit="fold", leave=False, disable=not progress)
    with bar:
        return execute_job(
            job.cfg, job.run_dir, dataset=dataset, progress=bar.update, components=job.components
        )


def run_jobs(jobs: list[Job], *, n_jobs: int, resume: bool, progress: bool) -> tuple[list, list]:
    """Run jobs (in parallel processes when ``n_jobs > 1``).

    With ``resume``, a job whose finished record :func:`reusable_record` accepts is skipped.
    """
    records: list[dict[str, Any]] = []
    skipped: list[str] = []
    todo = []
    datasets = DatasetCache()
    for job in jobs:
        existing = reusable_record(job, datasets) if resume else None
        if existing is not None:
            skipped.append(job.name)
            records.append(existing)
        else:
            todo.append(job)
    if skipped:
        log.info("resume: %d finished job(s) skipped: %s", len(skipped), ", ".join(skipped))
    bar = tqdm(total=len(todo), desc="jobs", unit="job", disable=not progress or len(todo) < 2)
    with bar:
        if n_jobs > 1 and len(todo) > 1:
            from joblib import Parallel, delayed

            # Each worker ends with this process, not minutes after it was killed.
            parallel = Parallel(
                n_jobs=n_jobs,
                return_as="generator_unordered",
                initializer=exit_with_parent,
                initargs=(os.getpid(),),
            )
            for record in parallel(delayed(_run_one)(job, False) for job in todo):
                records.append(record)
                bar.update()
        else:
            # In one process, each data set is loaded once and shared by its jobs.
            for job in todo:
                records.append(_run_one(job, progress, datasets.load(job.cfg)))
                bar.update()
    return records, skipped
