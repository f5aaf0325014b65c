"""What one gate covers: the runs of a folder, one MLflow run, or the latest run of an
experiment, and the jobs left out of it.

A folder for which :func:`harness.runs.incomplete_jobs` lists anything (a sweep killed mid-way,
a job without ``result.json``) is refused unless the caller allows an incomplete gate; then the
missing jobs travel with the selection so every output can name them.
"""

from __future__ import annotations

import json
import tempfile
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
    mlflow_client,
)
from harness.runs import MANIFEST_FILE, incomplete_jobs
from harness.tracking.mlflow_tracker import COMPLETE_TAG, RUN_KEY_TAG
from harness.tracking.mlflow_tracker import PARENT_TAG as PARENT_RUN_TAG

#: Tags ``MlflowTracker.start_parent`` sets on the parent run of an experiment or sweep.
PARENT_TAG = "harness.parent"
OUTPUT_DIR_TAG = "harness.output_dir"

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

    The latest run is the newest parent run of the experiment. Its output folder (tag
    ``harness.output_dir``) is read when it is on this machine, with the completeness rules of
    :func:`select_folder`. Otherwise the jobs come from the store: the runs listed in the
    parent's ``manifest.json`` artifact (found by run key, since an unchanged job is logged once
    and linked to the first parent only), else the runs linked to the parent, whose
    completeness cannot be proven.

    Raises
    ------
    RunNotFoundError
        When the experiment, its parent run or its jobs cannot be found.
    InputDataError
        When the latest run is incomplete and ``allow_incomplete`` is false.
    """
    client = mlflow_client(uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise RunNotFoundError(
            f"MLflow experiment {experiment!r} does not exist in {client.tracking_uri}: check "
            "the name and --tracking-uri, or run it first with `harness run experiment=...`."
        )
    parents = client.search_runs(
        [found.experiment_id],
        filter_string=f"tags.`{PARENT_TAG}` = 'true'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not parents:
        raise RunNotFoundError(
            f"MLflow experiment {experiment!r} in {client.tracking_uri} has no experiment run "
            "(a parent run tagged harness.parent): run it with `harness run` or upload its "
            "folder with `harness sync`, or gate one run with --run-id."
        )
    parent = parents[0]
    scope = f"experiment {experiment!r}, latest run {parent.info.run_id}"
    output_dir = parent.data.tags.get(OUTPUT_DIR_TAG)
    if output_dir and Path(output_dir).is_dir():
        selected = select_folder(Path(output_dir), filters, allow_incomplete=allow_incomplete)
        return Selection(
            selected.candidates, f"{scope}, folder {output_dir}", selected.left_out, selected.pool
        )
    candidates, left_out = _jobs_in_store(client, found.experiment_id, parent, allow_incomplete)
    kept = filter_candidates(candidates, filters, f"of {scope}")
    where = f"folder {output_dir} not on this machine" if output_dir else "no output folder"
    return Selection(kept, f"{scope} ({where}; jobs read from the store)", left_out, candidates)


def _jobs_in_store(
    client: Any, experiment_id: str, parent: Any, allow_incomplete: bool
) -> tuple[list[Candidate], tuple[str, ...]]:
    parent_id = parent.info.run_id
    children = _search(client, experiment_id, PARENT_RUN_TAG, parent_id)
    manifest = _manifest(client, parent_id)
    if manifest is None:
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
        logged = [r for r in children if r.data.tags.get(COMPLETE_TAG) == "true"]
        partial = [
            f"MLflow run {r.info.run_id}: upload unfinished"
            for r in children
            if r.data.tags.get(COMPLETE_TAG) != "true"
        ]
        return [candidate_from_run(client, run) for run in logged], (note, *partial)
    runs, missing = [], []
    for job in manifest:
        run = _job_run(client, experiment_id, children, job)
        if run is None:
            missing.append(f"{job.get('name')}: not logged to {client.tracking_uri}")
        else:
            runs.append(run)
    if missing and not allow_incomplete:
        raise InputDataError(
            f"the latest run {parent_id} is incomplete, {len(missing)} job(s) missing:\n"
            + "\n".join(f"  - {line}" for line in missing)
            + f"\nFinish it (or upload it with `harness sync`) {_ALLOW}."
        )
    return [candidate_from_run(client, run) for run in runs], tuple(missing)


def _job_run(client: Any, experiment_id: str, children: list[Any], job: Mapping) -> Any | None:
    key = job.get("run_key")
    if not key:
        return None
    for run in children + _search(client, experiment_id, RUN_KEY_TAG, key):
        tags = run.data.tags
        if tags.get(RUN_KEY_TAG) == key and tags.get(COMPLETE_TAG) == "true":
            return run
    return None


def _manifest(client: Any, run_id: str) -> list[Mapping] | None:
    if MANIFEST_FILE not in {a.path for a in client.list_artifacts(run_id)}:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = client.download_artifacts(run_id, MANIFEST_FILE, tmp)
        try:
            jobs = json.loads(Path(path).read_text()).get("jobs")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
            raise InputDataError(
                f"the {MANIFEST_FILE} of MLflow run {run_id} is not valid ({exc}): upload the "
                "run folder again with `harness sync`."
            ) from exc
    if not isinstance(jobs, list) or not all(isinstance(j, Mapping) for j in jobs):
        raise InputDataError(
            f"the {MANIFEST_FILE} of MLflow run {run_id} has no list of jobs: upload the run "
            "folder again with `harness sync`."
        )
    return jobs


def _search(client: Any, experiment_id: str, tag: str, value: str) -> list[Any]:
    escaped = str(value).replace("'", "\\'")
    return list(
        client.search_runs(
            [experiment_id],
            filter_string=f"tags.`{tag}` = '{escaped}'",
            order_by=["attributes.start_time ASC"],
        )
    )
