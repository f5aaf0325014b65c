"""Experiments run once for the report tests: a real grid through ``run_experiment``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from harness.config_dir import config_dir
from harness.runs import ExperimentFolder


def _run_grid(root: Path, overrides: list[str]) -> ExperimentFolder:
    from harness.pipeline.experiment import run_experiment

    overrides = [*overrides, f"paths.root_dir={root}"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    outcome = run_experiment(cfg, output_dir=root / "run", overrides=overrides)
    assert not outcome.failed, outcome.failed
    return ExperimentFolder(root / "run")


@pytest.fixture(scope="session")
def run_grid() -> Callable[[Path, list[str]], ExperimentFolder]:
    """Run an experiment grid with these overrides into ``<root>/run``; every job must succeed."""
    return _run_grid
