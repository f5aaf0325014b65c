"""What one gate covers: the runs of a folder, one MLflow run, or the latest run of an
experiment, and the jobs left out of it.

A folder for which :func:`harness.runs.incomplete_jobs` lists anything (a sweep killed mid-way,
a job without ``result.json``) is refused unless the caller allows an incomplete gate; then the
missing jobs travel with the selection so every output can name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import InputDataError, RunNotFoundError
from harness.gate.sources import (
    Candidate,
    candidate_from_run,
    check_folder,
    filter_candidates,
    load_mlflow_run,
    load_results,
)
from harness.runs import MANIFEST_FILE, incomplete_jobs
from harness.tracking import query
from harness.tracking.tags import OUTPUT_DIR_TAG, PARENT_TAG, RUN_KEY_TAG

_ALLOW = "or pass --allow-incomplete to gate only the finished jobs"


@dataclass(frozen=True)
class Selection:
    """The runs a gate checks.

    Attributes
    ----------
    candidates : list of Candidate
        The runs, each with its ``source``.
    scope : str
        What was selected, in words (a folder, an MLflow run, an experiment's latest run).
    left_out : tuple of str
        Jobs of the selection that were not gated (only with ``allow_incomplete``).
    pool : list of Candidate or None
        Every run of the selected folder before the filters, where relative objectives find
        reference jobs; ``None`` means the candidates themselves.
    """

    candidates: list[Candidate]
    scope: str
    left_out: tuple[str, ...] = field(default_factory=tuple)
    pool: list[Candidate] | None = None

    @property
    def runs(self) -> list[Candidate]:
        """The pool, or the candidates when there is none."""
        return self.candidates if self.pool is None else self.pool


def select_folder(
    folder: Path, filters: Mapping[str, str] | None = None, *, allow_incomplete: bool = False
) -> Selection:
    """Every run under a run, experiment or sweep folder, refused when the folder is incomplete.

    Raises
    ------
    RunNotFoundError
        When the folder does not exist, is a file or holds no matching run.
    InputDataError
        When jobs are missing and ``allow_incomplete`` is false (naming them), or a manifest
        cannot be read.
    """
    folder = check_folder(folder)
    missing = incomplete_jobs(folder)
    if missing and not allow_incomplete:
        raise InputDataError(
            f"{folder} is incomplete, {len(missing)} job(s) missing:\n"
            + "\n".join(f"  - {line}" for line in missing)
            + f"\nFinish it (rerun the same command with resume=true) {_ALLOW}."
        )
    pool = load_results(folder)
    candidates = filter_candidates(pool, filters, f"under {folder}")
    return Selection(candidates, f"folder {folder}", tuple(missing), pool)


def select_run_id(run_id: str, uri: str | None) -> Selection:
    """One MLflow run."""
    candidate = load_mlflow_run(run_id, uri)
    return Selection([candidate], candidate.source)


def select_experiment(
    experiment: str,
    uri: str | None,
    filters: Mapping[str, str] | None = None,
    *,
    allow_incomplete: bool = False,
) -> Selection:
    """Every job of the latest run of an MLflow experiment.

    The latest run is the experiment's latest experiment run (parent run), as
    :mod:`harness.tracking.query` defines it. Its output folder (tag ``harness.output_dir``) is
    read when it is on this machine, with the completeness rules of :func:`select_folder`.
    Otherwise the jobs come from the store: the runs listed in the parent's ``manifest.json``
    artifact (each the latest run of its run key under the parent, else in the experiment,
    since an unchanged job is logged once and linked to the first parent only), else the runs
    linked to the parent, whose completeness cannot be proven.

    Raises
    ------
    RunNotFoundError
        When the experiment, its parent run or its jobs cannot be found.
    InputDataError
        When the latest run is incomplete and ``allow_incomplete`` is false.
    """
    with query.reading(uri) as client:
        parent = query.require_experiment_run(client, experiment)
        scope = f"experiment {experiment!r}, latest run {parent.info.run_id}"
        output_dir = parent.data.tags.get(OUTPUT_DIR_TAG)
        if output_dir and Path(output_dir).is_dir():
            selected = select_folder(Path(output_dir), filters, allow_incomplete=allow_incomplete)
            return Selection(
                selected.candidates,
                f"{scope}, folder {output_dir}",
                selected.left_out,
                selected.pool,
            )
        candidates, left_out = _jobs_in_store(client, parent, allow_incomplete)
    kept = filter_candidates(candidates, filters, f"of {scope}")
    where = f"folder {output_dir} not on this machine" if output_dir else "no output folder"
    return Selection(kept, f"{scope} ({where}; jobs read from the store)", left_out, candidates)


def _jobs_in_store(
    client: Any, parent: Any, allow_incomplete: bool
) -> tuple[list[Candidate], tuple[str, ...]]:
    parent_id = parent.info.run_id
    experiment_id = parent.info.experiment_id
    manifest = query.download_manifest(client, parent_id)
    if manifest is None:
        children = query.runs_tagged(client, experiment_id, {PARENT_TAG: parent_id})
        if not children:
            raise RunNotFoundError(
                f"parent run {parent_id} has no job runs linked to it and its folder is not "
                "on this machine: gate the folder where it was written (--run-dir), or upload "
                "it with `harness sync`."
            )
        note = (
            f"parent run {parent_id} has no {MANIFEST_FILE} artifact, so whether every job "
            "was logged cannot be checked"
        )
        if not allow_incomplete:
            raise InputDataError(
                f"{note}: gate its folder with --run-dir where it was written, {_ALLOW}."
            )
        logged = [r for r in children if query.is_finished_upload(r)]
        partial = [
            f"MLflow run {r.info.run_id}: upload unfinished"
            for r in children
            if not query.is_finished_upload(r)
        ]
        return [candidate_from_run(client, run) for run in logged], (note, *partial)
    runs, missing = [], []
    for job in manifest:
        run = _job_run(client, parent, job.get("run_key"))
        if run is None:
            missing.append(f"{job.get('name')}: not logged to {client.tracking_uri}")
        elif not query.is_finished_upload(run):
            missing.append(f"{job.get('name')}: upload of MLflow run {run.info.run_id} unfinished")
        else:
            runs.append(run)
    if missing and not allow_incomplete:
        raise InputDataError(
            f"the latest run {parent_id} is incomplete, {len(missing)} job(s) missing:\n"
            + "\n".join(f"  - {line}" for line in missing)
            + f"\nFinish it (or upload it with `harness sync`) {_ALLOW}."
        )
    return [candidate_from_run(client, run) for run in runs], tuple(missing)


def _job_run(client: Any, parent: Any, run_key: str | None) -> Any | None:
    """The latest run of the job ``run_key`` under ``parent``, else in the whole experiment
    (an unchanged job is logged once, linked to the first parent that ran it)."""
    if not run_key:
        return None
    experiment_id = parent.info.experiment_id
    under_parent = {PARENT_TAG: parent.info.run_id, RUN_KEY_TAG: run_key}
    return query.find_latest_job_run(client, experiment_id, under_parent) or (
        query.find_latest_job_run(client, experiment_id, {RUN_KEY_TAG: run_key})
    )
