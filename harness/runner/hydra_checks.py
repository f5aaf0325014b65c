"""What Hydra's own runtime may instantiate from a composed config's ``hydra`` node.

Hydra instantiates ``hydra.callbacks``, ``hydra.launcher`` and ``hydra.sweeper`` and feeds
``hydra.job_logging`` and ``hydra.hydra_logging`` to :func:`logging.config.dictConfig`, which
calls their ``class`` and ``()`` entries. Launchers, the sweeper and logging classes are
checked against the allow-set of :mod:`harness.components.policy`; callbacks must be exactly
those of the shipped ``conf/hydra/default.yaml`` (the sweep's summary), never a user's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import yaml

from harness.components.policy import LAUNCHER, LOGGING, SWEEPER, check_target
from harness.config_dir import config_dir
from harness.errors import ConfigError
from harness.security import target_nodes

# Hydra instantiates these subtrees with hydra.utils.instantiate (recursively).
_HYDRA_POSITIONS = {"hydra.launcher": LAUNCHER, "hydra.sweeper": SWEEPER}
_CALLBACKS = "hydra.callbacks"
# And feeds these to logging.config.dictConfig, which calls their `class` and `()` entries.
_LOGGING_POSITIONS = ("hydra.job_logging", "hydra.hydra_logging")
_SAFE_STREAMS = ("ext://sys.stdout", "ext://sys.stderr")


@functools.cache
def shipped_callbacks() -> dict[str, Any]:
    """``hydra.callbacks`` as the harness ships it (``conf/hydra/default.yaml``)."""
    shipped = yaml.safe_load((config_dir() / "hydra" / "default.yaml").read_text()) or {}
    return dict(shipped.get("callbacks") or {})


def _check_callbacks(callbacks: Any) -> None:
    shipped = shipped_callbacks()
    for node_key, node in target_nodes(callbacks, _CALLBACKS):
        name = node_key.removeprefix(f"{_CALLBACKS}.").split(".")[0]
        if node_key.count(".") != 2 or shipped.get(name) != node:
            raise ConfigError(
                f"{node_key}._target_ {node['_target_']!r} is not an allowed Hydra callback; "
                "Hydra callbacks come only from the harness's own conf/hydra/default.yaml "
                f"({', '.join(f'{_CALLBACKS}.{key}' for key in shipped) or 'none'}): remove it."
            )


def check_hydra_targets(hydra: Mapping[str, Any], resolved: Mapping[str, Any]) -> None:
    """Check what Hydra's runtime instantiates from the ``hydra`` node of a composed config.

    Parameters
    ----------
    hydra : mapping
        The ``hydra`` node, unresolved (logging configs interpolate runtime values).
    resolved : mapping
        ``hydra.callbacks``, ``hydra.launcher`` and ``hydra.sweeper`` resolved, keyed by
        their short name (``callbacks``, ...).

    Raises
    ------
    ConfigError
        A callback other than the shipped ones, a launcher or sweeper outside the allow-set, a
        logging ``class``/``()`` other than the logging classes, an ``ext://`` stream other
        than stdout/stderr, or a ``_target_`` anywhere else in the node.
    """
    checked_elsewhere = (_CALLBACKS, *_HYDRA_POSITIONS, *_LOGGING_POSITIONS)
    for node_key, node in target_nodes(hydra, "hydra"):
        if not any(node_key == p or node_key.startswith(f"{p}.") for p in checked_elsewhere):
            check_target(node["_target_"], key=f"{node_key}._target_", roles=())
    _check_callbacks(resolved.get("callbacks"))
    for position, role in _HYDRA_POSITIONS.items():
        short = position.split(".", 1)[1]
        for node_key, node in target_nodes(resolved.get(short), position):
            check_target(node["_target_"], key=f"{node_key}._target_", roles={role})
    for position in _LOGGING_POSITIONS:
        _check_logging(hydra.get(position.split(".", 1)[1]), position)


def _check_logging(node: Any, key: str) -> None:
    if isinstance(node, Mapping):
        for child_key, value in node.items():
            child = f"{key}.{child_key}"
            if child_key in ("class", "()", "_target_"):
                roles = () if child_key == "_target_" else {LOGGING}
                check_target(value, key=child, roles=roles)
            else:
                _check_logging(value, child)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            _check_logging(value, f"{key}.{index}")
    elif isinstance(node, str) and node.startswith("ext://") and node not in _SAFE_STREAMS:
        raise ConfigError(
            f"{key} {node!r} would import an arbitrary object into the logging config; use "
            f"{' or '.join(_SAFE_STREAMS)}."
        )
