"""Run an experiment end to end: its jobs, their comparison, verdicts and publication.

``harness run`` lands here (:func:`run_experiment`): the runner runs the jobs into their run
folders (:mod:`harness.runner.experiment`), the gate judges each strategy under the run's SLO
set (:mod:`harness.pipeline.judge`), the report compares the jobs and opens with those verdicts
(so the report written, and tracked, already says the answer), and
:mod:`harness.pipeline.publish` sends everything to tracking and export. Inside a Hydra sweep
each job leaves the terminal's verdicts and the export to the sweep's end
(:class:`harness.pipeline.sweep.SweepSummaryCallback`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from harness.evaluate.settings import EvaluationSettings
from harness.pipeline import publish
from harness.pipeline.judge import judge_folder
from harness.report.comparison import Comparison, compare
from harness.report.published import load_published
from harness.report.verdicts import VerdictSection
from harness.runner.experiment import compose_jobs, run_jobs, write_manifest
from harness.runner.worker_lifetime import exit_with_parent, sweep_parent_pid
from harness.runs import writing


@dataclass
class ExperimentOutcome:
    """What an experiment produced."""

    output_dir: Path
    records: list[dict[str, Any]]
    comparison: Comparison | None
    skipped: list[str] = field(default_factory=list)
    tracking_uri: str | None = None
    parent_run_id: str | None = None
    verdicts: list[str] = field(default_factory=list)
    """One line per strategy: its verdict under the run's SLO set (``slo=``)."""
    verdict_section: VerdictSection | None = None
    """The same verdicts in the report's shape (the report opens with them)."""

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Records of the jobs that failed."""
        return [r for r in self.records if r["status"] != "success"]


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
    if sweep_dir is not None:
        exit_with_parent(sweep_parent_pid())  # a sweep job in a launcher's worker ends with it
    overrides = list(overrides or [])
    slo = publish.slo_set(cfg)  # a broken SLO set fails now, not after every job has run
    replicates = cfg.experiment.get("replicates")  # so does an unknown published table
    published = load_published(str(replicates)) if replicates is not None else None
    jobs = compose_jobs(cfg, overrides, output_dir)
    with writing(output_dir):
        output_dir.mkdir(parents=True, exist_ok=True)
        write_manifest(output_dir, jobs, str(cfg.experiment.name))
    settings = EvaluationSettings.from_config(cfg.evaluation)
    records, skipped = run_jobs(
        jobs, n_jobs=settings.n_jobs, resume=bool(cfg.resume), progress=settings.progress
    )
    comparison = judgement = None
    if len(jobs) > 1 or sweep_dir is None:  # judged before the comparison: its report opens
        judgement = judge_folder(output_dir, slo)  # with the verdicts
    if len(jobs) > 1:
        comparison = compare(
            output_dir,
            title=f"Experiment {cfg.experiment.name}",
            slo=slo,
            verdicts=judgement.section,
            published=published,
        )
    outcome = ExperimentOutcome(output_dir=output_dir, records=records, comparison=comparison)
    outcome.skipped = skipped
    outcome.verdict_section = judgement.section if judgement is not None else None
    published = publish.track(
        cfg,
        (job.run_dir for job in jobs),
        parent_folder=sweep_dir or output_dir,
        comparison_folder=output_dir if comparison is not None else None,
    )
    outcome.tracking_uri = published.tracking_uri
    outcome.parent_run_id = published.parent_run_id
    if sweep_dir is None:  # inside a sweep, the sweep's end judges and exports every job at once
        outcome.verdicts = judgement.lines
        publish.export(cfg, records, slo)
    return outcome
