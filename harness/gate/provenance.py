"""Tie a run folder's record to the folder: the gate believes no record it cannot tie.

A ``result.json`` says which job it is (``dataset``, ``resampler``, ``model``, ``seed``,
``run_key``, ``dataset_digest``, ``strategy``). Before the gate judges it, each of those is
checked against what the folder itself shows, none of it read from the record:

- the folder's name, which ``harness run`` builds from the job's labels;
- its ``config.yaml``: the labels, the run key recomputed from the config, and the strategy kind
  derived from the resolved sampler (instantiated from the allow-set, never fitted);
- its ``dataset.json``: the digest of the data the job loaded;
- its ``folds.csv``: whether the scores are hard, and which metrics have no value (a record
  cannot excuse itself from an objective its folds do not excuse);
- the experiment folder's ``manifest.json``, when the folder stands in one (``jobs/<name>``);
- where each file really is: a record, config or summary that is a link out of the folder.

Any mismatch is an :class:`~harness.errors.InputDataError` naming the file and the field (exit
2): a record copied, linked or edited into another job's folder is never gated as that job.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.components.instantiate import instantiate_component
from harness.components.policy import SAMPLER_ROLES
from harness.errors import HarnessError, InputDataError
from harness.resample.registry import strategy_kind
from harness.runs import JOBS_DIR, ExperimentFolder, RunFolder, config_key, job_folder_name

_RERUN = "rerun the job with `harness run` (a result belongs to the folder that wrote it)"
#: Record fields and where config.yaml holds the same value.
_CONFIG_FIELDS = {
    "experiment": ("experiment", "name"),
    "dataset": ("dataset", "name"),
    "resampler": ("resampler", "name"),
    "model": ("model", "name"),
    "seed": ("seed",),
}
_MANIFEST_FIELDS = ("run_key", "dataset", "resampler", "strategy", "model", "seed")


def check_provenance(run_dir: Path, record: Mapping[str, Any]) -> None:
    """Refuse ``record`` unless everything ``run_dir`` shows about its job agrees with it.

    Parameters
    ----------
    run_dir : Path
        The run folder the record was read from.
    record : mapping
        Its ``result.json``, already checked for shape (:func:`harness.gate.records.check_record`).

    Raises
    ------
    InputDataError
        Naming the file, the field, both values and the fix.
    """
    folder = RunFolder(run_dir)
    _stays_inside(folder)
    expected = job_folder_name(
        str(record.get("dataset")),
        str(record.get("resampler")),
        str(record.get("model")),
        record.get("seed"),
    )
    if folder.path.name != expected:
        raise InputDataError(
            f"{folder.result} is the record of job {expected!r}, not of the folder "
            f"{folder.path.name!r} it stands in: {_RERUN}."
        )
    _agrees_with_config(folder, record)
    _agrees_with_dataset(folder, record)
    _agrees_with_manifest(folder, record)
    _agrees_with_folds(folder, record)


def _stays_inside(folder: RunFolder) -> None:
    """The record, config and data summary are files of this folder, not links out of it."""
    home = folder.path.resolve()
    for path in (folder.result, folder.config, folder.dataset):
        if path.is_symlink() and path.resolve().parent != home:
            raise InputDataError(
                f"{path} is a link to {path.resolve()}, outside its run folder: the gate reads a "
                f"run's own files only; {_RERUN}."
            )


def _agrees_with_config(folder: RunFolder, record: Mapping[str, Any]) -> None:
    config = folder.read_config()
    for field, keys in _CONFIG_FIELDS.items():
        value = _lookup(config, keys)
        if value != record.get(field):
            raise InputDataError(
                f"{folder.result} says {field} = {record.get(field)!r}, but {folder.config} says "
                f"{'.'.join(keys)} = {value!r}: {_RERUN}."
            )
    key = config_key(config)
    if key != record.get("run_key"):
        raise InputDataError(
            f"{folder.result} has run_key {str(record.get('run_key'))[:12]}..., but the key of "
            f"{folder.config} is {key[:12]}...: the record is not this config's result; {_RERUN}."
        )
    strategy = _strategy_of(folder, config)
    if strategy != record.get("strategy"):
        raise InputDataError(
            f"{folder.result} says strategy = {record.get('strategy')!r}, but the sampler of "
            f"{folder.config} is of kind {strategy!r}: {_RERUN}."
        )


def _strategy_of(folder: RunFolder, config: Mapping[str, Any]) -> str | None:
    """The kind of the config's sampler; ``None`` when it cannot be built (a job that failed
    to build it records ``null``)."""
    sampler = _lookup(config, ("resampler", "sampler"))
    if not isinstance(sampler, Mapping):
        raise InputDataError(f"{folder.config} has no resampler.sampler: {_RERUN}.")
    try:
        return strategy_kind(
            instantiate_component(sampler, key="resampler.sampler", roles=SAMPLER_ROLES)
        )
    except HarnessError:
        raise
    except Exception:  # the sampler's own refusal of its parameters
        return None


def _agrees_with_dataset(folder: RunFolder, record: Mapping[str, Any]) -> None:
    digest = record.get("dataset_digest")
    if digest is None:
        return  # the job failed before it loaded the data
    summary = folder.read_dataset_summary()
    if summary is None or summary.get("digest") != digest:
        found = "no dataset.json" if summary is None else f"digest {summary.get('digest')!r}"
        raise InputDataError(
            f"{folder.result} was computed on data with digest {digest!r}, but the folder has "
            f"{found}: {_RERUN}."
        )


def _agrees_with_manifest(folder: RunFolder, record: Mapping[str, Any]) -> None:
    if folder.path.parent.name != JOBS_DIR:
        return
    experiment = ExperimentFolder(folder.path.parent.parent)
    manifest = experiment.read_manifest()
    if manifest is None:
        return
    entries = [job for job in manifest["jobs"] if job.get("name") == folder.path.name]
    if len(entries) != 1:
        raise InputDataError(
            f"{experiment.manifest} lists the job {folder.path.name!r} {len(entries)} times, "
            f"not once: {_RERUN}."
        )
    for field in _MANIFEST_FIELDS:
        if field in entries[0] and entries[0][field] != record.get(field):
            raise InputDataError(
                f"{folder.result} says {field} = {record.get(field)!r}, but {experiment.manifest} "
                f"lists {entries[0][field]!r} for that job: {_RERUN}."
            )


def _agrees_with_folds(folder: RunFolder, record: Mapping[str, Any]) -> None:
    from harness.evaluate.summaries import hard_scores, undefined_metrics

    if record.get("status") != "success":
        return
    folds = folder.read_folds()
    if folds is None:
        raise InputDataError(f"{folder.folds} does not exist for a successful job: {_RERUN}.")
    folds = folds.reset_index()
    hard, _ = hard_scores(folds)
    if hard != record.get("hard_scores"):
        raise InputDataError(
            f"{folder.result} says hard_scores = {record.get('hard_scores')!r}, but the score "
            f"levels of {folder.folds} say {hard!r}: {_RERUN}."
        )
    target = _lookup(folder.read_config(), ("evaluation", "precision_target"))
    expected = undefined_metrics(folds, target if isinstance(target, int | float) else None)
    if set(expected) != set(record.get("undefined") or {}):
        raise InputDataError(
            f"{folder.result} lists {sorted(record.get('undefined') or {})} as undefined, but "
            f"{folder.folds} shows {sorted(expected)}: {_RERUN}."
        )


def _lookup(config: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = config
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node
