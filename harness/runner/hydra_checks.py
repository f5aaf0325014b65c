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
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.components.policy import LAUNCHER, LOGGING, SWEEPER, check_target
from harness.config_dir import config_dir
from harness.errors import ConfigError
from harness.extras import require_target
from harness.security import target_nodes
from harness.strict import read_yaml

# Hydra instantiates these subtrees with hydra.utils.instantiate (recursively).
_HYDRA_POSITIONS = {"hydra.launcher": LAUNCHER, "hydra.sweeper": SWEEPER}
_CALLBACKS = "hydra.callbacks"
# And feeds these to logging.config.dictConfig, which calls their `class` and `()` entries.
_LOGGING_POSITIONS = ("hydra.job_logging", "hydra.hydra_logging")
_SAFE_STREAMS = ("ext://sys.stdout", "ext://sys.stderr")


@functools.cache
def shipped_callbacks() -> dict[str, Any]:
    """``hydra.callbacks`` as the harness ships it (``conf/hydra/default.yaml``)."""
    path = config_dir() / "hydra" / "default.yaml"
    shipped = read_yaml(path, what=str(path), fix="reinstall the harness") or {}
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
    MissingExtraError
        A launcher of an extra that is not installed (``hydra/launcher=ray``).
    """
    checked_elsewhere = (_CALLBACKS, *_HYDRA_POSITIONS, *_LOGGING_POSITIONS)
    for node_key, node in target_nodes(hydra, "hydra"):
        if not any(node_key == p or node_key.startswith(f"{p}.") for p in checked_elsewhere):
            check_target(node["_target_"], key=f"{node_key}._target_", roles=())
    _check_callbacks(resolved.get("callbacks"))
    for position, role in _HYDRA_POSITIONS.items():
        short = position.split(".", 1)[1]
        for node_key, node in target_nodes(resolved.get(short), position):
            require_target(node["_target_"], f"the Hydra launcher {node['_target_']}")
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


# -- the whole hydra node, against the shipped one ------------------------------------------------

#: Parts of the hydra node that differ from the shipped one by construction: the overrides, the
#: folder name Hydra derives from them, and the non-hydra group choices.
_DERIVED = (("overrides",), ("job", "override_dirname"), ("runtime", "choices"))
#: Folders a run writes to: any value, as long as it resolves under the outputs root.
_FOLDERS = (("run", "dir"), ("sweep", "dir"), ("sweep", "subdir"))
_SCALARS = (bool, int, float, str, type(None))


def reference_overrides(cfg: DictConfig, command_line: list[str]) -> list[str]:
    """The overrides that compose the hydra node the harness ships, with the same choices.

    The hydra group options chosen (``hydra/launcher=ray``, ``hydra/job_logging=disabled``)
    and the command line's own hydra settings, nothing from a config file.
    """
    choices = OmegaConf.to_container(cfg.hydra.runtime.choices, resolve=False) or {}
    picked = [f"{group}={choice}" for group, choice in choices.items()]
    picked = [o for o in picked if o.startswith("hydra/") and not o.endswith("=None")]
    return picked + [o for o in command_line if o.lstrip("+~").startswith("hydra.")]


def check_hydra_node(cfg: DictConfig, reference: DictConfig, command_line: list[str]) -> list[str]:
    """Refuse any part of ``cfg.hydra`` a config file changed, and return the sweeper params.

    What the command line may not set, no config file may set: the composed hydra node must
    equal the one the harness ships (``reference``, composed with the same group options and
    command-line settings), except for the run and sweep folders, which must resolve under the
    outputs root (``paths.output_dir``) unless the command line names them, ``verbose``, the
    chosen launcher's own settings (same keys; numbers, booleans or null) and the
    sweeper's ``params`` (returned: every job they make is checked like a command-line sweep).

    Parameters
    ----------
    cfg : DictConfig
        The config about to run, composed with its ``hydra`` node.
    reference : DictConfig
        The same composed from :func:`reference_overrides` only.
    command_line : list of str
        The command-line overrides.

    Returns
    -------
    list of str
        ``key=value`` overrides of ``hydra.sweeper.params``.

    Raises
    ------
    ConfigError
        Naming the key, what a config file may set there, and the fix.
    """
    actual = OmegaConf.to_container(cfg.hydra, resolve=False)
    shipped = OmegaConf.to_container(reference.hydra, resolve=False)
    for path, value, expected in _differences(actual, shipped):
        key = "hydra." + ".".join(map(str, path))
        if path[:1] == ("verbose",) and _plain(value):
            continue
        if path in _FOLDERS and isinstance(value, str):
            continue  # checked below: it must resolve under the outputs root
        if path[:2] == ("sweeper", "params"):
            continue
        in_launcher = path[:1] == ("launcher",) and len(path) >= 2 and path[-1] != "_target_"
        if in_launcher and _same_kind(value, expected):
            continue
        raise ConfigError(
            f"{key} = {_short(value)} is not the harness's own (it ships {_short(expected)}): "
            "a config file may not change Hydra's runtime (logging, callbacks, job environment, "
            "output folders, sweeper, launcher class); only the run and sweep folders under the "
            "outputs root, hydra.verbose, hydra/launcher=NAME with its plain settings and "
            "hydra.sweeper.params may differ. Remove it from the config file."
        )
    _check_folders(cfg, command_line)
    return _sweeper_params(actual)


def _differences(actual: Any, shipped: Any, path: tuple = ()) -> list[tuple[tuple, Any, Any]]:
    if any(path[: len(prefix)] == prefix for prefix in _DERIVED):
        return []
    if isinstance(actual, Mapping) and isinstance(shipped, Mapping):
        found = []
        for key in list(actual) + [k for k in shipped if k not in actual]:
            found += _differences(actual.get(key, _ABSENT), shipped.get(key, _ABSENT), (*path, key))
        return found
    return [] if actual == shipped else [(path, actual, shipped)]


class _Absent:
    def __repr__(self) -> str:
        return "nothing"


_ABSENT = _Absent()


def _plain(value: Any) -> bool:
    return isinstance(value, _SCALARS) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _same_kind(value: Any, expected: Any) -> bool:
    """Whether a config file may set a launcher setting to ``value``: an existing setting, to a
    number, boolean or null of its kind. Text (a folder such as joblib's ``temp_folder``, an
    ``ext://`` name, an interpolation) only from the command line."""
    if value is _ABSENT or expected is _ABSENT:
        return False
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool | type(None))
    if value is None:
        return True
    return isinstance(value, int | float) and isinstance(expected, int | float | type(None))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_folders(cfg: DictConfig, command_line: list[str]) -> None:
    from omegaconf.errors import OmegaConfBaseException

    given = {o.split("=", 1)[0] for o in command_line if "=" in o}
    root = Path(str(OmegaConf.select(cfg, "paths.output_dir"))).resolve()
    raw_subdir = OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir")
    try:
        sweep_dir = Path(str(OmegaConf.select(cfg, "hydra.sweep.dir")))
        # The job number exists only when the sweep runs; the shipped subdir is that number.
        subdir = "0" if raw_subdir == "${hydra.job.num}" else str(cfg.hydra.sweep.subdir)
        # Both the run's and the sweep's, whichever this command uses: neither may point out.
        folders = {
            "hydra.run.dir": Path(str(OmegaConf.select(cfg, "hydra.run.dir"))),
            "hydra.sweep.dir": sweep_dir,
            "hydra.sweep.subdir": sweep_dir / subdir,
        }
    except OmegaConfBaseException as exc:
        raise ConfigError(
            f"the run or sweep folder does not resolve ({' '.join(str(exc).split())}); fix it."
        ) from None
    for key, folder in folders.items():
        if key in given and (key != "hydra.sweep.subdir" or Path(subdir).name == subdir):
            continue  # the command line chose it
        if not folder.resolve().is_relative_to(root):
            raise ConfigError(
                f"{key} resolves to {folder.resolve()}, outside the outputs root {root}: a config "
                "file may only place runs under paths.output_dir; remove it from the config file "
                f"(or choose the folder on the command line with {key}=...)."
            )


def _sweeper_params(hydra: Mapping[str, Any]) -> list[str]:
    params = (hydra.get("sweeper") or {}).get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"hydra.sweeper.params must be a mapping of key: values, got {params!r}.")
    overrides = []
    for key, value in params.items():
        if not isinstance(value, _SCALARS) or value is None:
            raise ConfigError(
                f"hydra.sweeper.params.{key} must be a plain value list such as 'adasyn,smote', "
                f"got {value!r}."
            )
        overrides.append(f"{key}={value}")
    return overrides


def refuse_user_hydra_options() -> None:
    """A user config folder may not hold Hydra options of its own (``hydra/``): Hydra's logging,
    launchers and sweepers come only from the harness and its installed plugins.

    Raises
    ------
    ConfigError
        Naming the folder.
    """
    from harness.config_dir import USER_CONFIG_ENV, user_config_dirs

    for folder in user_config_dirs():
        if (folder / "hydra").exists():
            raise ConfigError(
                f"{folder / 'hydra'} (a folder of {USER_CONFIG_ENV}) would add Hydra options of "
                "its own; Hydra's logging, launchers and sweepers come only from the harness: "
                "remove that folder and choose a shipped option (hydra/launcher=ray ...)."
            )
