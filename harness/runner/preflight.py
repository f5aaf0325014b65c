"""What every job of a run needs, checked once before the first job starts.

:func:`check_jobs_before_running` expands the grid of each config ``harness run`` is about to
run, then loads and checks each distinct data set once, instantiates each distinct sampler and
model and checks every parameter against the component's own constraints (scikit-learn's
``_parameter_constraints``, the samplers' fixes included). A problem is one
:class:`~harness.errors.HarnessError` naming the config key and the fix, raised before Hydra
creates a folder or a tracker logs anything; without this check each job would fail on its
own, the same error once per job, in a run folder full of failed records.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.errors import ConfigError, HarnessError, InputDataError
from harness.runner.config_checks import one_line
from harness.runner.experiment import Job, compose_jobs
from harness.runner.grid import without_hydra


def _cause(exc: BaseException) -> BaseException:
    """The harness's own error behind Hydra's ``InstantiationException`` wrapping, if any."""
    link: BaseException | None = exc
    visited: set[int] = set()
    while link is not None and id(link) not in visited:
        if isinstance(link, HarnessError):
            return link
        visited.add(id(link))
        link = link.__cause__ or link.__context__
    return exc


def _message(exc: BaseException) -> str:
    cause = _cause(exc)
    # scikit-learn's InvalidParameterError names the parameter, what it takes and the value.
    if isinstance(cause, HarnessError) or type(cause).__name__ == "InvalidParameterError":
        return str(cause)
    return f"{type(cause).__name__}: {cause}"


def _key(node: Any) -> str:
    return OmegaConf.to_yaml(node, resolve=True)


def run_jobs_of(configs: Iterable[tuple[list[str], DictConfig]]) -> list[Job]:
    """Every job the configs would run: each config's grid expanded (duplicates once).

    Parameters
    ----------
    configs : iterable of (list of str, DictConfig)
        The overrides of one Hydra job (a single run, or one job of a sweep) and the config
        they compose to.

    Returns
    -------
    list of Job
        With relative run folders: nothing is written.
    """
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    jobs: dict[str, Job] = {}
    seen: set[str] = set()
    for overrides, cfg in configs:
        base = without_hydra(cfg)
        # Sweep jobs that differ only outside these sections expand to the same components.
        shape = _key(OmegaConf.masked_copy(base, ["dataset", "resampler", "model", "experiment"]))
        if shape in seen:
            continue
        seen.add(shape)
        try:
            expanded = compose_jobs(cfg, overrides, Path("."))
        except (HydraException, OmegaConfBaseException) as exc:
            raise ConfigError(
                f"a job of experiment.grid does not compose: {one_line(exc)} (fix that value "
                "of experiment.grid or the override that sets it)."
            ) from None
        for job in expanded:
            jobs.setdefault(_key(job.cfg), job)
    return list(jobs.values())


def check_datasets(jobs: Iterable[Job]) -> int:
    """Load and check each distinct data set of ``jobs`` once.

    Returns
    -------
    int
        How many distinct data sets were loaded.

    Raises
    ------
    InputDataError
        The data do not pass the loader's checks: its message after ``no job started:``.
    ConfigError
        Any other failure to load (a bad loader setting, an unexpected error), likewise.
    """
    from harness.components.job import load_dataset_from_config

    loaded: set[str] = set()
    for job in jobs:
        key = _key(job.cfg.dataset)
        if key in loaded:
            continue
        try:
            load_dataset_from_config(job.cfg)
        except Exception as exc:
            error = InputDataError if isinstance(_cause(exc), InputDataError) else ConfigError
            raise error(f"no job started: {_message(exc)}") from None
        loaded.add(key)
    return len(loaded)


def _validate(component: Any) -> None:
    validate = getattr(component, "_validate_params", None)
    if callable(validate) and hasattr(component, "_parameter_constraints"):
        validate()


def check_components(jobs: Iterable[Job]) -> None:
    """Instantiate each distinct sampler and model of ``jobs`` and check their parameters.

    Raises
    ------
    ConfigError
        Naming the config key (``resampler.sampler``, ``model.estimator``), the parameter, the
        value and the fix.
    """
    from harness.components.job import JobComponents

    checked: set[tuple[str, str]] = set()
    for job in jobs:
        for section, part in (("resampler", "sampler"), ("model", "estimator")):
            key = _key(job.cfg[section])
            if (section, key) in checked:
                continue
            checked.add((section, key))
            try:
                components = JobComponents.build(job.cfg)
                _validate(components.sampler if section == "resampler" else components.model)
            except Exception as exc:
                raise ConfigError(
                    f"{section}.{part} ({section}={job.cfg[section].name}): {_message(exc)}"
                ) from None


def check_jobs_before_running(configs: Iterable[tuple[list[str], DictConfig]]) -> list[Job]:
    """Check what every job of a run needs before the first one starts.

    Parameters
    ----------
    configs : iterable of (list of str, DictConfig)
        The overrides and composed config of each Hydra job of the run
        (:func:`harness.runner.config_checks.check_run_arguments` returns them).

    Returns
    -------
    list of Job
        The jobs checked.

    Raises
    ------
    HarnessError
        The first problem: a sampler or model parameter its component refuses, or a data set
        that cannot be loaded or fails its checks.
    """
    jobs = run_jobs_of(configs)
    check_components(jobs)
    check_datasets(jobs)
    return jobs
