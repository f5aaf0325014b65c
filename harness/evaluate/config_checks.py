"""Checks on a composed config, at the boundary: wrong types and unsafe names fail early.

Hydra reports unknown config groups and options itself (listing the valid ones); these checks
cover what a schema-less YAML config lets through.
"""

from __future__ import annotations

import re
from typing import Any

from omegaconf import DictConfig

from harness.errors import ConfigError

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LINEAGE_MODES = ("first_fold", "all_folds", "none")


def _check_int(value: Any, key: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"{key} must be an integer >= {minimum}, got {value!r}; e.g. {key}={max(minimum, 2)}."
        )


def _check_bool(value: Any, key: str) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}; e.g. {key}=false.")


def check_name(value: Any, key: str) -> str:
    """A name used in folder names: letters, digits, ``_``, ``.``, ``-``; no path parts."""
    text = str(value)
    if not SAFE_NAME.match(text) or ".." in text:
        raise ConfigError(
            f"{key} {text!r} is not a safe name: it becomes a folder name, so use letters, "
            "digits, '_', '.' and '-' only (no '/' or '..'), e.g. dataset.name=churn."
        )
    return text


def check_job_config(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` for wrong types and unsafe names in a job's config."""
    evaluation = cfg.evaluation
    _check_int(evaluation.get("n_splits"), "evaluation.n_splits", 2)
    _check_int(evaluation.get("n_repeats"), "evaluation.n_repeats", 1)
    _check_int(evaluation.get("n_jobs", 1), "evaluation.n_jobs", 1)
    _check_int(evaluation.get("n_neighbors", 5), "evaluation.n_neighbors", 1)
    for key in ("track_memory", "save_model", "progress"):
        _check_bool(evaluation.get(key, False), f"evaluation.{key}")
    if evaluation.get("lineage", "first_fold") not in LINEAGE_MODES:
        raise ConfigError(
            f"evaluation.lineage must be one of {list(LINEAGE_MODES)}, got "
            f"{evaluation.get('lineage')!r}."
        )
    _check_int(cfg.get("seed"), "seed", 0)
    _check_bool(cfg.get("resume", False), "resume")
    for key in ("experiment.name", "dataset.name", "resampler.name", "model.name"):
        group, field = key.split(".")
        check_name(cfg[group][field], key)
