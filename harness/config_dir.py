"""Where the Hydra configs live: the one place that knows.

In a git checkout the configs are the top-level ``conf/`` folder (with ``conf/experiment``
showing ``experiments/``); an installed wheel carries a copy of them as ``harness/_conf``.
A user adds a config folder of their own with the ``HARNESS_CONFIG_PATH`` environment variable
(folders separated by ``os.pathsep``); its files are found after the built-in ones, so they add
options (``experiment=my_study``, ``dataset=churn``) without replacing a built-in one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

USER_CONFIG_ENV = "HARNESS_CONFIG_PATH"
PRIMARY_CONFIG = "config.yaml"
_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT_CONF = _PACKAGE.parent / "conf"
_PACKAGED_CONF = _PACKAGE / "_conf"


@cache
def config_dir() -> Path:
    """The primary config folder.

    Returns
    -------
    Path
        The checkout's ``conf/`` when the package runs from a checkout, else the copy
        installed with the package (``harness/_conf``).

    Raises
    ------
    ConfigError
        Neither folder holds ``config.yaml`` (a broken install).
    """
    for candidate in (_CHECKOUT_CONF, _PACKAGED_CONF):
        if (candidate / PRIMARY_CONFIG).is_file():
            return candidate
    raise ConfigError(
        f"no {PRIMARY_CONFIG} in {_CHECKOUT_CONF} or {_PACKAGED_CONF}: the installation is "
        "incomplete; reinstall the package (pip install --force-reinstall adasyn-harness)."
    )


def slo_dir() -> Path:
    """The folder of the built-in SLO sets (``conf/slo``)."""
    return config_dir() / "slo"


def user_config_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The user's own config folders, from ``HARNESS_CONFIG_PATH``.

    Parameters
    ----------
    environ : Mapping of str to str, optional
        The environment to read; ``os.environ`` when omitted.

    Returns
    -------
    list of Path
        Absolute folders, in the order given; empty when the variable is unset or empty.

    Raises
    ------
    ConfigError
        An entry that is not an existing folder.
    """
    environ = os.environ if environ is None else environ
    folders = []
    for entry in environ.get(USER_CONFIG_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        folder = Path(entry).expanduser().resolve()
        if not folder.is_dir():
            raise ConfigError(
                f"{USER_CONFIG_ENV} names {entry!r}, which is not a folder; point it at a folder "
                "laid out like conf/ (e.g. my_conf/experiment/my_study.yaml) or unset it."
            )
        folders.append(folder)
    return folders


def register_user_config_dirs() -> None:
    """Make every Hydra config load in this process also search ``HARNESS_CONFIG_PATH``.

    Registers a Hydra search-path plugin, which covers ``harness run``, the compose API used
    for grids and checks, and sweep jobs (they import this module through :mod:`harness.cli`).
    Calling it again does nothing.
    """
    from hydra.core.plugins import Plugins

    Plugins.instance().register(_user_search_path_plugin())


@cache
def _user_search_path_plugin() -> type:
    from hydra.core.config_search_path import ConfigSearchPath
    from hydra.plugins.search_path_plugin import SearchPathPlugin

    class UserConfigSearchPath(SearchPathPlugin):
        """Appends the folders of ``HARNESS_CONFIG_PATH`` to Hydra's config search path."""

        def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
            for folder in user_config_dirs():
                search_path.append(provider=USER_CONFIG_ENV, path=f"file://{folder}")

    return UserConfigSearchPath


def search_dirs() -> list[Path]:
    """Every config folder, in Hydra's search order: the built-in one, then the user's."""
    return [config_dir(), *user_config_dirs()]


def config_groups() -> dict[str, list[str]]:
    """The top-level config groups and their options, from every config folder.

    Returns
    -------
    dict of str to list of str
        Group name (``dataset``, ``resampler``, ...) to its sorted option names. Hydra's own
        ``hydra`` group is left out: it is not set from the command line.
    """
    groups: dict[str, set[str]] = {}
    for folder in search_dirs():
        for group in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "hydra"):
            options = groups.setdefault(group.name, set())
            options.update(p.stem for p in group.glob("*.yaml"))
    return {name: sorted(options) for name, options in sorted(groups.items())}


def check_spelling(overrides: list[str]) -> None:
    """Refuse an override naming an unknown group option or key, with a "did you mean".

    Parameters
    ----------
    overrides : list of str
        The ``key=value`` arguments of ``harness run`` (flags are skipped).

    Raises
    ------
    ConfigError
        For the first misspelt group option (``resampler=adasin``) or key
        (``evaluaton.n_splits=3``, ``evaluation.n_split=3``), naming the closest valid one.
    """
    plain = [o for o in overrides if not o.startswith("-") and "=" in o]
    groups = config_groups()
    for override in plain:
        problem = suggest_fix(override, groups=groups)
        if problem:
            raise ConfigError(problem)
    keyed = [o for o in plain if o.split("=", 1)[0].lstrip("+~") not in groups]
    chosen = [o for o in plain if o.split("=", 1)[0] in groups and "," not in o]
    config = _compose_with_groups(chosen) if keyed else None
    if config is None:
        return
    for override in keyed:
        problem = _unknown_key(override, config)
        if problem:
            raise ConfigError(problem)


def _compose_with_groups(group_overrides: list[str]) -> Any:
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    register_user_config_dirs()
    try:
        with initialize_config_dir(str(config_dir()), version_base="1.3"):
            cfg = compose(config_name="config", overrides=group_overrides)
    except (HydraException, OmegaConfBaseException):
        return None  # the full check reports it
    return OmegaConf.to_container(cfg, resolve=False)


def _unknown_key(override: str, config: Mapping[str, Any]) -> str | None:
    import difflib

    key = override.split("=", 1)[0]
    if key.startswith(("+", "~", "hydra")):
        return None
    node: Any = config
    parts = key.split(".")
    for index, part in enumerate(parts):
        if not isinstance(node, Mapping):
            return None
        if part not in node:
            known = sorted(str(k) for k in node)
            close = difflib.get_close_matches(part, known, n=1)
            where = ".".join(parts[:index]) or "the top level of the config"
            if close:
                fixed = ".".join([*parts[:index], close[0], *parts[index + 1 :]])
                hint = f"did you mean {fixed}={override.split('=', 1)[1]}?"
            else:
                hint = f"the keys there are {known}."
            return f"{override}: there is no key {part!r} in {where}; {hint}"
        node = node[part]
    return None


def suggest_fix(override: str, groups: Mapping[str, list[str]] | None = None) -> str | None:
    """A "did you mean" for an override naming an unknown config group option.

    Parameters
    ----------
    override : str
        One command-line override, e.g. ``resampler=adasin``.
    groups : Mapping of str to list of str, optional
        :func:`config_groups`, when the caller has it already.

    Returns
    -------
    str or None
        An error message naming the problem and the closest valid option, or ``None`` when
        the override is not a group choice or names a known option.
    """
    import difflib

    key, sep, value = override.partition("=")
    key = key.lstrip("+~")
    if not sep or key.startswith("hydra") or "," in value or "(" in value:
        return None
    groups = config_groups() if groups is None else groups
    if key not in groups or value in groups[key] or value in ("null", ""):
        return None
    close = difflib.get_close_matches(value, groups[key], n=1)
    hint = f"did you mean {key}={close[0]}?" if close else f"choose one of {groups[key]}."
    return f"{key}={value}: there is no {key} option {value!r}; {hint}"
