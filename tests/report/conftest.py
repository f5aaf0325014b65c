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


#: The tiny slice of experiment=benchmark the tests run: two data sets (one under the
#: small-minority rule: 9 minority rows, 4 folds, K = 3), two strategies, one model.
BENCHMARK_SLICE = {
    "dataset": ["glass_0_4_vs_5", "appendicitis"],
    "strategies": ("none", "adasyn"),
    "model": "logistic_regression",
}


def run_benchmark_slice(
    root: Path, datasets: list[str], strategies: tuple[str, ...], model: str
) -> Path:
    """Run ``experiment=benchmark`` on these data sets, strategies and model into
    ``<root>/run`` (each strategy's grid point as shipped, so the small-minority rule holds)."""
    from omegaconf import OmegaConf

    from harness.pipeline.experiment import run_experiment

    overrides = ["experiment=benchmark", f"model={model}"]
    overrides += ["evaluation.n_jobs=1", f"paths.root_dir={root}"]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    grid = OmegaConf.to_container(cfg.experiment.grid, resolve=False)
    cfg.experiment.grid.resampler = [p for p in grid["resampler"] if _point_name(p) in strategies]
    cfg.experiment.grid.dataset = list(datasets)
    outcome = run_experiment(cfg, output_dir=root / "run", overrides=overrides)
    assert not outcome.failed, outcome.failed
    return root / "run"


@pytest.fixture(scope="session")
def benchmark_slice(tmp_path_factory) -> Path:
    """Run the slice of ``experiment=benchmark`` once; return its run folder."""
    return run_benchmark_slice(
        tmp_path_factory.mktemp("benchmark"),
        BENCHMARK_SLICE["dataset"],
        BENCHMARK_SLICE["strategies"],
        BENCHMARK_SLICE["model"],
    )


def _point_name(point: object) -> str:
    return str(point["resampler"]) if isinstance(point, dict) else str(point)


@pytest.fixture(scope="session")
def benchmark_runner() -> Callable[..., Path]:
    """:func:`run_benchmark_slice`, for a test that runs its own cells."""
    return run_benchmark_slice
