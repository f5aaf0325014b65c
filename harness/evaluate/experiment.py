"""Run an experiment: expand its grid into jobs, run them, compare, track and export.

``harness run experiment=quick`` runs every combination in ``experiment.grid`` inside one Hydra
job; ``harness run -m resampler=a,b`` lets Hydra's launcher run one job per combination, and
:class:`harness.evaluate.sweep.SweepSummaryCallback` compares them at the end. Both write the
same run folders, so everything downstream (tracking, export, gate) reads one format.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from harness.errors import ConfigError
from harness.evaluate.comparison import Comparison, compare
from harness.evaluate.config_checks import check_job_config
from harness.evaluate.job import execute_job, job_name
from harness.runs import read_record

log = logging.getLogger(__name__)

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


@dataclass
class Job:
    """One (dataset, resampler, model, seed) to evaluate."""

    name: str
    cfg: DictConfig
    run_dir: Path


@dataclass
class ExperimentOutcome:
    """What an experiment produced."""

    output_dir: Path
    records: list[dict[str, Any]]
    comparison: Comparison | None
    skipped: list[str] = field(default_factory=list)
    tracking_uri: str | None = None
    parent_run_id: str | None = None

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Records of the jobs that failed."""
        return [r for r in self.records if r["status"] != "success"]


def _override_keys(overrides: Iterable[str]) -> set[str]:
    keys = set()
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        keys.add(key.split(".", 1)[0] if "/" not in key else key)
    return keys


def grid_overrides(cfg: DictConfig, overrides: list[str]) -> list[list[str]]:
    """Expand ``experiment.grid`` into one override list per job.

    Keys set in ``overrides`` (the command line, or a multirun job's sweep values) are taken
    out of the grid, so ``harness run experiment=quick resampler=smote`` runs SMOTE only.
    """
    grid_node = cfg.experiment.get("grid")
    grid = OmegaConf.to_container(grid_node, resolve=True) if grid_node else {}
    if not isinstance(grid, dict):
        raise ConfigError("experiment.grid must be a mapping of group name -> list of options.")
    fixed = _override_keys(overrides)
    axes = []
    for key, values in grid.items():
        if key in fixed:
            continue
        if isinstance(values, str | int | float):
            values = [values]
        if not isinstance(values, list) or not values:
            raise ConfigError(
                f"experiment.grid.{key} must be a non-empty list (e.g. [adasyn, smote])."
            )
        axes.append([f"{key}={value}" for value in values])
    return [list(combo) for combo in itertools.product(*axes)] or [[]]


def _job_overrides(overrides: list[str]) -> list[str]:
    return [o for o in overrides if not o.lstrip("+~").startswith("hydra")]


def compose_jobs(cfg: DictConfig, overrides: list[str], output_dir: Path) -> list[Job]:
    """Compose the config of every job in the grid (with Hydra's compose API)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    combos = grid_overrides(cfg, overrides)
    if combos == [[]]:
        configs = [cfg]
    else:
        context = (
            nullcontext()
            if GlobalHydra.instance().is_initialized()
            else initialize_config_dir(str(CONF_DIR), version_base="1.3")
        )
        with context:
            base = _job_overrides(overrides)
            configs = [compose(config_name="config", overrides=base + combo) for combo in combos]
    jobs = []
    for job_cfg in configs:
        job_cfg = _without_hydra(job_cfg)
        check_job_config(job_cfg)
        name = job_name(
            str(job_cfg.dataset.name),
            str(job_cfg.resampler.name),
            str(job_cfg.model.name),
            int(job_cfg.seed),
        )
        jobs.append(Job(name=name, cfg=job_cfg, run_dir=output_dir / "jobs" / name))
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise ConfigError(f"experiment grid produces duplicate jobs: {sorted(names)}.")
    return jobs


def _without_hydra(cfg: DictConfig) -> DictConfig:
    container = OmegaConf.to_container(cfg, resolve=False)
    container.pop("hydra", None)
    job_cfg = OmegaConf.create(container)
    OmegaConf.resolve(job_cfg)
    return job_cfg


def _run_one(job: Job, progress: bool) -> dict[str, Any]:
    n_folds = int(job.cfg.evaluation.n_splits) * int(job.cfg.evaluation.n_repeats)
    bar = tqdm(total=n_folds, desc=job.name, unit="fold", leave=False, disable=not progress)
    with bar:
        return execute_job(job.cfg, job.run_dir, progress=bar.update)


def run_jobs(jobs: list[Job], *, n_jobs: int, resume: bool, progress: bool) -> tuple[list, list]:
    """Run jobs (in parallel processes when ``n_jobs > 1``); skip finished ones on resume."""
    records: list[dict[str, Any]] = []
    skipped: list[str] = []
    todo = []
    for job in jobs:
        existing = read_record(job.run_dir) if resume else None
        if existing is not None and existing.get("status") == "success":
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

            parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            for record in parallel(delayed(_run_one)(job, False) for job in todo):
                records.append(record)
                bar.update()
        else:
            for job in todo:
                records.append(_run_one(job, progress))
                bar.update()
    return records, skipped


def run_experiment(
    cfg: DictConfig,
    *,
    output_dir: Path,
    overrides: list[str] | None = None,
    sweep_dir: Path | None = None,
) -> ExperimentOutcome:
    """Run every job of the experiment described by ``cfg``.

    Parameters
    ----------
    cfg : DictConfig
        The composed primary config.
    output_dir : Path
        The Hydra output folder of this run (jobs go to ``output_dir/jobs/<job>``).
    overrides : list of str, optional
        The command-line overrides (grid keys among them are not expanded).
    sweep_dir : Path, optional
        The sweep folder, inside a Hydra multirun job: the job's runs then go under the sweep's
        parent MLflow run, and the sweep callback compares the whole sweep at the end.

    Returns
    -------
    ExperimentOutcome
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    overrides = list(overrides or [])
    jobs = compose_jobs(cfg, overrides, output_dir)
    records, skipped = run_jobs(
        jobs,
        n_jobs=int(cfg.evaluation.get("n_jobs", 1)),
        resume=bool(cfg.get("resume", False)),
        progress=bool(cfg.evaluation.get("progress", True)),
    )
    comparison = None
    if len(jobs) > 1:
        comparison = compare(output_dir, title=f"Experiment {cfg.experiment.name}")
    outcome = ExperimentOutcome(output_dir=output_dir, records=records, comparison=comparison)
    outcome.skipped = skipped
    _track(cfg, outcome, jobs, sweep_dir)
    _export(cfg, records)
    return outcome


def _track(
    cfg: DictConfig, outcome: ExperimentOutcome, jobs: list[Job], sweep_dir: Path | None
) -> None:
    from harness.tracking import make_tracker

    tracker = make_tracker(cfg.tracking, str(cfg.experiment.name))
    outcome.tracking_uri = getattr(tracker, "uri", None)
    # The parent run is keyed by its folder: every job of a sweep, in any process or on any
    # node, finds the parent that the sweep created.
    parent_id = tracker.safe_start_parent(
        str(cfg.experiment.name),
        params={"experiment": str(cfg.experiment.name)},
        tags={"harness.output_dir": str(sweep_dir or outcome.output_dir)},
    )
    outcome.parent_run_id = parent_id
    for job in jobs:
        if (job.run_dir / "result.json").is_file():
            tracker.safe_log_run_dir(job.run_dir, parent_run_id=parent_id)
    if outcome.comparison is not None and parent_id is not None:
        tracker.safe_log_sweep_dir(outcome.output_dir, parent_run_id=parent_id)


def _export(cfg: DictConfig, records: list[dict[str, Any]]) -> None:
    from harness.export import export_results
    from harness.slo import parse_slo_set

    slo = parse_slo_set(OmegaConf.to_container(cfg.slo, resolve=True), source="cfg.slo")
    export_results(records, cfg.export, slo, results_root=Path(cfg.paths.output_dir))
