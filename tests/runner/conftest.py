"""Configs for the runner tests: conf/ composed as ``harness run`` composes it, and the
overrides that make one job take seconds."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

CONF = Path(__file__).resolve().parents[2] / "conf"

#: A job in seconds: the fast evaluation profile on one worker, no progress bar, no tracking
#: store and no export.
FAST = (
    "evaluation=fast",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "tracking=none",
    "export=none",
)


def compose_config(*overrides: str) -> DictConfig:
    """conf/config.yaml composed with exactly ``overrides``."""
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def fast_config(root: Path, *overrides: str) -> DictConfig:
    """conf/config.yaml with :data:`FAST`, then ``overrides``; every output under ``root``."""
    return compose_config(f"paths.root_dir={root}", *FAST, *overrides)
