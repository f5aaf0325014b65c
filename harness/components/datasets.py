"""One entry point for every kind of data set reference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.components.instantiate import instantiate_component
from harness.components.policy import LOADER_ROLES
from harness.data import Dataset, load_builtin
from harness.errors import ConfigError


def load_dataset(name_or_cfg: str | Mapping[str, Any] | DictConfig) -> Dataset:
    """Load a data set from a built-in name or a dataset config.

    Parameters
    ----------
    name_or_cfg : str, mapping or DictConfig
        A built-in name (``"pima"``); a dataset group config with a ``loader`` key
        (``conf/dataset/*.yaml``); or a loader mapping with ``_target_`` itself.

    Returns
    -------
    Dataset
        The built-in data set of that name, or what the config's loader built.

    Raises
    ------
    ConfigError
        Unknown name, a config without a loader, or a loader ``_target_`` that is not a loader
        of the allow-set (:func:`harness.components.policy.allowed_objects`).
    """
    if isinstance(name_or_cfg, str):
        return load_builtin(name_or_cfg)
    if isinstance(name_or_cfg, DictConfig):
        cfg = OmegaConf.to_container(name_or_cfg, resolve=True)
    elif isinstance(name_or_cfg, Mapping):
        cfg = dict(name_or_cfg)
    else:
        raise ConfigError(
            f"cannot load a data set from {type(name_or_cfg).__name__}; pass a built-in name or "
            "a dataset config with a loader (see conf/dataset/)."
        )
    loader = cfg.get("loader", cfg)
    if not isinstance(loader, Mapping) or "_target_" not in loader:
        raise ConfigError(
            f"dataset config {cfg!r} has no loader with a _target_; use the shape of "
            "conf/dataset/pima.yaml or conf/dataset/table.yaml."
        )
    target = str(loader["_target_"])
    dataset = instantiate_component(
        loader, key="dataset.loader", roles=LOADER_ROLES, _convert_="all"
    )
    if not isinstance(dataset, Dataset):
        raise ConfigError(
            f"dataset loader {target!r} returned {type(dataset).__name__}, not a Dataset; "
            "use one of the shipped loaders."
        )
    return dataset
