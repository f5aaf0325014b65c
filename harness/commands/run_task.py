"""The Hydra task of ``harness run``: Hydra composes the config and calls :func:`hydra_entry`.

Kept apart from :mod:`harness.commands.run` so that ``harness run --help`` and a misspelt flag
import no Hydra (importing this module registers the user's config folders, which scans Hydra's
plugins); sweep jobs in a launcher's worker processes import it to run :func:`hydra_entry`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from omegaconf import DictConfig

from harness.config_dir import config_dir, register_user_config_dirs
from harness.errors import HarnessError

OUTCOMES: list = []
"""The outcome of each experiment this process ran (a single run: one)."""
TASK_ERRORS: list[HarnessError] = []
"""A single run's error, printed once by :func:`harness.commands.run.run_main`."""

CONF_DIR = config_dir()
# At import: sweep jobs in worker processes import this module to run hydra_entry and compose
# their grids there, with the same user config folders.
register_user_config_dirs()


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def hydra_entry(cfg: DictConfig) -> int:
    """Hydra task: run the configured experiment in this job's output folder."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from harness.commands.summary import print_outcome
    from harness.pipeline.experiment import run_experiment

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        outcome = run_experiment(
            cfg,
            output_dir=Path(hydra_cfg.runtime.output_dir),
            overrides=list(hydra_cfg.overrides.task),
            sweep_dir=Path(hydra_cfg.sweep.dir).resolve() if multirun else None,
        )
    except HarnessError as exc:
        if multirun:  # a sweep job may run in another process: the sweeper re-raises it here
            raise
        # Ending the task cleanly keeps Hydra from printing the error with a traceback;
        # run_main prints it once.
        TASK_ERRORS.append(exc)
        return 2
    OUTCOMES.append(outcome)
    if not multirun:
        print_outcome(outcome, cfg)
    return len(outcome.failed)


@contextmanager
def errors_reach_the_caller(multirun: bool) -> Iterator[None]:
    """In a sweep, let Hydra re-raise a job's error instead of printing its traceback.

    The job's :class:`HarnessError` then reaches the entry point, which prints it on one line.
    """
    saved = os.environ.get("HYDRA_FULL_ERROR")
    if multirun:
        os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved
