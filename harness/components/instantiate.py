"""Config-driven instantiation restricted to the allow-set of :mod:`harness.components.policy`.

A config file can name any importable callable in ``_target_``; instantiating it is code
execution. Every ``_target_`` is resolved to its object and checked against the allow-set first,
and Hydra is then handed those checked objects, never the strings, so what runs is exactly what
was checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from harness.components.policy import COMPONENT_ROLES, check_component_tree
from harness.errors import ConfigError


def _plain(node: Any) -> Any:
    if isinstance(node, DictConfig | ListConfig):
        try:
            return OmegaConf.to_container(node, resolve=True, throw_on_missing=True)
        except MissingMandatoryValue as exc:
            raise ConfigError(
                f"{exc.full_key} has no value (??? in its config file); set it on the command "
                f"line, e.g. {exc.full_key}=..."
            ) from None
    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(value) for value in node]
    return node


def _with_objects(node: Any, objects: dict[int, Any]) -> Any:
    if isinstance(node, Mapping):
        copy = {key: _with_objects(value, objects) for key, value in node.items()}
        if id(node) in objects:
            copy["_target_"] = objects[id(node)]
        return copy
    if isinstance(node, list):
        return [_with_objects(value, objects) for value in node]
    return node


def _key_of(cfg: Any) -> str:
    if isinstance(cfg, DictConfig):
        try:
            return cfg._get_full_key(None) or "config"
        except Exception:  # OmegaConf internals; the key only improves the message
            return "config"
    return "config"


def instantiate_component(
    cfg: DictConfig | Mapping[str, Any],
    *,
    key: str | None = None,
    roles: Iterable[str] = COMPONENT_ROLES,
    **kwargs: Any,
) -> Any:
    """Instantiate ``cfg`` after checking every ``_target_`` in it against the allow-set.

    Parameters
    ----------
    cfg : DictConfig or mapping
        A mapping with ``_target_`` (e.g. ``cfg.resampler.sampler``).
    key : str, optional
        Where ``cfg`` sits in the config, for error messages (taken from ``cfg`` when it is a
        node of a composed config).
    roles : iterable of str
        The roles the top ``_target_`` may have
        (:data:`harness.components.policy.SAMPLER_ROLES`, ...); nested targets may be any
        component.
    **kwargs
        Passed to :func:`hydra.utils.instantiate`.

    Returns
    -------
    object
        The instantiated component.

    Raises
    ------
    ConfigError
        No ``_target_``, a target outside the allow-set, or parameters its object does not take;
        nothing is called in that case.
    """
    key = key or _key_of(cfg)
    container = _plain(cfg)
    if not isinstance(container, Mapping) or "_target_" not in container:
        raise ConfigError(
            f"{key} {container!r} has no _target_; add one naming the component (see the "
            "config files in conf/)."
        )
    objects = check_component_tree(container, key=key, roles=roles)
    return instantiate(_with_objects(container, objects), **kwargs)
