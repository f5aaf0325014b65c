"""Config-driven instantiation restricted to the harness's own components.

A config file can name any importable callable in ``_target_``; instantiating it is code
execution. The harness only instantiates targets from an allow-list.
"""

from __future__ import annotations

from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from harness.errors import ConfigError

ALLOWED_TARGET_PREFIXES = (
    "harness.resample.",
    "harness.data.",
    "harness.evaluate.",
    "harness.export.",
    "harness.tracking.",
)


def check_target(target: str) -> None:
    """Raise :class:`ConfigError` unless ``target`` is an allowed component."""
    if not any(target.startswith(prefix) for prefix in ALLOWED_TARGET_PREFIXES):
        raise ConfigError(
            f"_target_ {target!r} is not an allowed component. The harness instantiates only "
            f"targets under {', '.join(p.rstrip('.') for p in ALLOWED_TARGET_PREFIXES)} "
            "(models go through conf/model/ and their own allow-list); use one of the shipped "
            "config files as a template."
        )


def _targets(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["_target_"])] if "_target_" in node else []
        for value in node.values():
            found.extend(_targets(value))
        return found
    if isinstance(node, list):
        return [t for item in node for t in _targets(item)]
    return []


def instantiate_component(cfg: DictConfig | dict, **kwargs: Any) -> Any:
    """Instantiate ``cfg`` after checking every ``_target_`` in it against the allow-list.

    Parameters
    ----------
    cfg : DictConfig or dict
        A mapping with ``_target_``.
    **kwargs
        Passed to :func:`hydra.utils.instantiate`.

    Returns
    -------
    object
        The instantiated component.
    """
    container = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    targets = _targets(container)
    if not targets:
        raise ConfigError(f"config {container!r} has no _target_; add one naming the component.")
    for target in targets:
        check_target(target)
    return instantiate(cfg, **kwargs)
