"""What a config may instantiate: an explicit set of objects, compared by identity.

A ``_target_`` string is code. Hydra imports its module and follows attributes, so a check on
the string's prefix lets through everything a harness module imports
(``harness.tracking.mlflow_tracker.pd.read_pickle`` is pandas' unpickler). Here a target is
resolved to its object *without calling anything* and accepted only when that object **is** one
of the allowed objects for the place it appears in. Users add their own components through the
``adasyn_harness.components`` entry-point group; nothing else widens the set.
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import logging
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from harness.errors import ConfigError

ENTRY_POINT_GROUP = "adasyn_harness.components"

# Roles: where an object may appear. A target is checked against the roles of its place.
SAMPLER = "sampler"
LOADER = "loader"
ESTIMATOR = "estimator"
EXTENSION = "extension"
CALLBACK = "callback"
LAUNCHER = "launcher"
SWEEPER = "sweeper"
LOGGING = "logging"

COMPONENT_ROLES = frozenset({SAMPLER, LOADER, ESTIMATOR, EXTENSION})
SAMPLER_ROLES = frozenset({SAMPLER, EXTENSION})
LOADER_ROLES = frozenset({LOADER, EXTENSION})
ESTIMATOR_ROLES = frozenset({ESTIMATOR, EXTENSION})

_NOUNS = {
    SAMPLER: "sampler",
    # The key ("dataset.loader") already says what it is; the short verdict reads better.
    LOADER: None,
    ESTIMATOR: "estimator",
    CALLBACK: "Hydra callback",
    LAUNCHER: "Hydra launcher",
    SWEEPER: "Hydra sweeper",
    LOGGING: "logging class",
}
_HYDRA_KEYWORDS = ("_target_", "_args_", "_recursive_", "_convert_", "_partial_")
_SAFE_STREAMS = ("ext://sys.stdout", "ext://sys.stderr")


def estimator_classes() -> tuple[type, ...]:
    """The scikit-learn classifiers a ``conf/model`` config may build."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC, LinearSVC
    from sklearn.tree import DecisionTreeClassifier

    return (
        LogisticRegression,
        SGDClassifier,
        RidgeClassifier,
        DecisionTreeClassifier,
        RandomForestClassifier,
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        GradientBoostingClassifier,
        KNeighborsClassifier,
        GaussianNB,
        SVC,
        LinearSVC,
        MLPClassifier,
    )


def _hydra_plugins_loaded() -> None:
    # Hydra's plugin discovery runs each plugin module again (exec_module), which replaces its
    # classes with new objects. Let it run first, once per process, and take the final ones.
    from hydra.core.plugins import Plugins

    Plugins.instance()


def _launchers() -> tuple[type, ...]:
    _hydra_plugins_loaded()
    from hydra._internal.core_plugins.basic_launcher import BasicLauncher
    from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

    launchers: tuple[type, ...] = (BasicLauncher, JoblibLauncher)
    try:  # the optional `ray` extra
        from hydra_plugins.hydra_ray_launcher.ray_launcher import RayLauncher
    except ImportError:
        return launchers
    return (*launchers, RayLauncher)


def _logging_classes() -> tuple[type, ...]:
    # What Hydra's job_logging and hydra_logging configs name (class: / () keys).
    classes: tuple[type, ...] = (logging.StreamHandler, logging.FileHandler, logging.Formatter)
    try:  # hydra-colorlog's configs use it when that plugin is installed
        from colorlog import ColoredFormatter
    except ImportError:
        return classes
    return (*classes, ColoredFormatter)


def extension_objects() -> list[Any]:
    """Load the objects registered in the ``adasyn_harness.components`` entry-point group.

    An entry point that does not load, or names something other than a class or function, is
    left out with a warning naming it and the fix: a broken plugin must not stop runs that do
    not use it, and what it names stays refused.

    Returns
    -------
    list
        One class or function per usable entry point.
    """
    found = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {entry.name!r} = {entry.value!r} (group {ENTRY_POINT_GROUP!r})"
        try:
            obj = entry.load()
        except Exception as exc:
            warnings.warn(
                f"{where} does not load ({type(exc).__name__}: {exc}), so it stays refused; fix "
                "or uninstall the package that declares it.",
                stacklevel=2,
            )
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            warnings.warn(
                f"{where} names a {type(obj).__name__}, not a class or function, so it stays "
                "refused; point it at the component itself, e.g. "
                "'my_model = my_package.models:MyClassifier'.",
                stacklevel=2,
            )
            continue
        found.append(obj)
    return found


def _extension_role(obj: Any) -> str:
    # A Hydra plugin registered by a user (e.g. another launcher) may only appear where Hydra
    # expects that plugin type; everything else is a component for conf/.
    from hydra.experimental.callback import Callback
    from hydra.plugins.launcher import Launcher
    from hydra.plugins.sweeper import Sweeper

    for base, role in ((Launcher, LAUNCHER), (Sweeper, SWEEPER), (Callback, CALLBACK)):
        if inspect.isclass(obj) and issubclass(obj, base):
            return role
    return EXTENSION


@functools.cache
def allowed_objects() -> dict[str, tuple[Any, ...]]:
    """The allow-set: every object a config may instantiate, by role.

    Built once per process (the first check imports the components). Roles: ``sampler``,
    ``loader``, ``estimator``, ``extension`` (entry points), ``callback``, ``launcher``,
    ``sweeper`` and ``logging`` (Hydra's own runtime).

    Returns
    -------
    dict
        Role name -> tuple of objects.
    """
    _hydra_plugins_loaded()
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    from harness.data import load_builtin, load_table
    from harness.resample.registry import STRATEGIES
    from harness.runner.sweep import SweepSummaryCallback

    allowed: dict[str, tuple[Any, ...]] = {
        # The strategy registry (ADASYN, SMOTE, RandomOverSampler, ClassWeightBaseline,
        # NoResampling, ...): a built-in sampler is allowed once it is registered there.
        SAMPLER: tuple(STRATEGIES.values()),
        LOADER: (load_builtin, load_table),
        ESTIMATOR: estimator_classes(),
        EXTENSION: (),
        CALLBACK: (SweepSummaryCallback,),
        LAUNCHER: _launchers(),
        SWEEPER: (BasicSweeper,),
        LOGGING: _logging_classes(),
    }
    for obj in extension_objects():
        role = _extension_role(obj)
        allowed[role] = (*allowed[role], obj)
    return allowed


@functools.cache
def _allowed_for(roles: frozenset[str]) -> tuple[Any, ...]:
    table = allowed_objects()
    return tuple(obj for role in sorted(roles) for obj in table[role])


@functools.cache
def _refusal_text(roles: frozenset[str]) -> tuple[str, str]:
    noun = _noun(roles)
    verdict = f"is not an allowed {noun}" if noun else "is not allowed"
    fix = f"use one of {', '.join(public_name(obj) for obj in _allowed_for(roles))}"
    if roles & COMPONENT_ROLES:
        fix += (
            f", or register your own class or function in the {ENTRY_POINT_GROUP!r} "
            "entry-point group (README: 'Your own model or sampler')"
        )
    return verdict, fix


def public_name(obj: Any) -> str:
    """The shortest importable dotted name of ``obj`` (``harness.resample.ADASYN``)."""
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj))
    best = f"{module}.{name}"
    parts = module.split(".")
    for end in range(len(parts) - 1, 0, -1):
        parent = sys.modules.get(".".join(parts[:end]))
        if parent is not None and _static_attr(parent, name) is obj:
            best = f"{parent.__name__}.{name}"
    return best


def _static_attr(obj: Any, name: str) -> Any:
    try:
        return inspect.getattr_static(obj, name)
    except AttributeError:
        return None


class UnresolvedTargetError(LookupError):
    """A target string that does not lead to an object without importing or calling code."""


def resolve_target(target: str) -> Any:
    """Follow a dotted ``_target_`` to its object without importing a module or calling code.

    Like Hydra's ``_locate`` (attribute first, then a submodule), but only through modules that
    are already imported and through modules and classes (no instance, whose attribute access
    may run code), reading attributes statically.

    Parameters
    ----------
    target : str
        A dotted name such as ``harness.resample.ADASYN``.

    Returns
    -------
    object

    Raises
    ------
    UnresolvedTargetError
        The name does not lead to an object that way (a :class:`LookupError`).
    """
    parts = target.split(".") if isinstance(target, str) else []
    if not parts or not all(part.isidentifier() for part in parts):
        raise UnresolvedTargetError("it is not a dotted Python name")
    obj = sys.modules.get(parts[0])
    if obj is None:
        raise UnresolvedTargetError(f"module {parts[0]!r} is not one the harness loads")
    path = parts[0]
    for part in parts[1:]:
        if not (inspect.ismodule(obj) or inspect.isclass(obj)):
            raise UnresolvedTargetError(f"{path} is a {type(obj).__name__}, not a module or class")
        try:
            obj = inspect.getattr_static(obj, part)
        except AttributeError:
            submodule = sys.modules.get(f"{path}.{part}") if inspect.ismodule(obj) else None
            if submodule is None:
                raise UnresolvedTargetError(
                    f"{path} has no attribute {part!r}"
                    + (" and no loaded submodule of that name" if inspect.ismodule(obj) else "")
                ) from None
            obj = submodule
        path = f"{path}.{part}"
    return obj


def _noun(roles: Iterable[str]) -> str | None:
    named = {role for role in roles if role != EXTENSION}
    if len(named) == 1:
        return _NOUNS[named.pop()]
    return "component"


def check_target(target: Any, *, key: str, roles: Iterable[str] = COMPONENT_ROLES) -> Any:
    """Return the object ``target`` names when it is in the allow-set for ``roles``.

    Parameters
    ----------
    target : str
        The ``_target_`` (or logging ``class``) string.
    key : str
        Where it appears, for the message (``resampler.sampler._target_``).
    roles : iterable of str
        The roles allowed at that place (e.g. :data:`SAMPLER_ROLES`).

    Returns
    -------
    object
        The allowed object (never called here).

    Raises
    ------
    ConfigError
        The target does not resolve, or resolves to an object outside the allow-set; the message
        names the key, the target and the allowed choices.
    """
    roles = frozenset(roles)
    allowed = _allowed_for(roles)
    try:
        obj = resolve_target(target)
    except UnresolvedTargetError as exc:
        reason = str(exc)
    else:
        if any(obj is candidate for candidate in allowed):
            return obj
        reason = f"it names {public_name(obj)}, which is outside the allow-set"
    if not roles:
        raise ConfigError(
            f"{key} {target!r} is not allowed: nothing is instantiated from this place of the "
            f"config ({reason}); remove it."
        )
    verdict, fix = _refusal_text(roles)
    raise ConfigError(f"{key} {target!r} {verdict}; {fix} ({reason}).")


def check_arguments(obj: Any, node: Mapping[str, Any], *, key: str) -> None:
    """Raise :class:`ConfigError` when ``node``'s parameters do not fit ``obj``'s signature.

    Hydra would only find out when calling it, inside a job; this checks without calling.

    Parameters
    ----------
    obj : callable
        The checked target.
    node : mapping
        Its config node (``_args_``, ``_partial_`` and the keyword parameters).
    key : str
        Where the node sits, for the message.

    Raises
    ------
    ConfigError
        A parameter it does not take, or a required one missing (unless ``_partial_``).
    """
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return
    args = list(node.get("_args_") or [])
    kwargs = {k: v for k, v in node.items() if k not in _HYDRA_KEYWORDS}
    bind = signature.bind_partial if node.get("_partial_") else signature.bind
    try:
        bind(*args, **kwargs)
    except TypeError as exc:
        accepted = [name for name in signature.parameters if name not in ("args", "kwargs")]
        raise ConfigError(
            f"{key}: {public_name(obj)} cannot take these parameters ({exc}); it accepts "
            f"{', '.join(accepted) or 'no parameters'}: remove or rename the others."
        ) from None


def target_nodes(node: Any, key: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every mapping with a ``_target_`` in a plain container, with its dotted key.

    Parameters
    ----------
    node : mapping, list or scalar
        A plain container (``OmegaConf.to_container``).
    key : str
        The dotted key of ``node`` itself.

    Yields
    ------
    tuple of (str, mapping)
        The key and the mapping, parents before their children.
    """
    if isinstance(node, Mapping):
        if "_target_" in node:
            yield key, node
        for child_key, value in node.items():
            yield from target_nodes(value, f"{key}.{child_key}" if key else str(child_key))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from target_nodes(value, f"{key}.{index}" if key else str(index))


def check_component_tree(
    node: Mapping[str, Any], *, key: str, roles: Iterable[str] = COMPONENT_ROLES
) -> dict[int, Any]:
    """Check every ``_target_`` in a component config and the parameters given to each.

    The top node must have one of ``roles``; nested targets may be any component.

    Parameters
    ----------
    node : mapping
        A plain component config with ``_target_``.
    key : str
        Where it sits (``resampler.sampler``), for messages.
    roles : iterable of str
        The roles its top target may have.

    Raises
    ------
    ConfigError
        A target outside the allow-set, or parameters its object does not take.

    Returns
    -------
    dict
        ``id(node) -> object`` for every target node, to instantiate exactly what was checked.
    """
    found = {}
    nodes = list(target_nodes(node, key))
    for node_key, target_node in nodes:
        node_roles = roles if target_node is node else COMPONENT_ROLES
        found[id(target_node)] = check_target(
            target_node["_target_"], key=f"{node_key}._target_", roles=node_roles
        )
    for node_key, target_node in nodes:
        check_arguments(found[id(target_node)], target_node, key=node_key)
    return found


# Where the job config names components, and the role each place takes.
_JOB_POSITIONS = {
    "dataset.loader": LOADER_ROLES,
    "resampler.sampler": SAMPLER_ROLES,
    "model.estimator": ESTIMATOR_ROLES,
}
# Hydra instantiates these subtrees with hydra.utils.instantiate (recursively).
_HYDRA_POSITIONS = {
    "hydra.callbacks": CALLBACK,
    "hydra.launcher": LAUNCHER,
    "hydra.sweeper": SWEEPER,
}
# And feeds these to logging.config.dictConfig, which calls their `class` and `()` entries.
_LOGGING_POSITIONS = ("hydra.job_logging", "hydra.hydra_logging")


def _outermost_target_nodes(node: Any, key: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping) and "_target_" in node:
        yield key, node
    elif isinstance(node, Mapping):
        for child_key, value in node.items():
            yield from _outermost_target_nodes(value, f"{key}.{child_key}" if key else child_key)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _outermost_target_nodes(value, f"{key}.{index}" if key else str(index))


def check_job_targets(job: Mapping[str, Any]) -> None:
    """Check every ``_target_`` of a resolved job config (the config without ``hydra``).

    ``dataset.loader``, ``resampler.sampler`` and ``model.estimator`` must name a loader, a
    sampler and an estimator; any other target anywhere must be a component.

    Raises
    ------
    ConfigError
        For the first target outside the allow-set, or parameters its object does not take.
    """
    for node_key, node in _outermost_target_nodes(job, ""):
        check_component_tree(
            node, key=node_key, roles=_JOB_POSITIONS.get(node_key, COMPONENT_ROLES)
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
        A callback, launcher or sweeper outside the allow-set, a logging ``class``/``()``
        other than the logging classes, an ``ext://`` stream other than stdout/stderr, or a
        ``_target_`` anywhere else in the node.
    """
    checked_elsewhere = (*_HYDRA_POSITIONS, *_LOGGING_POSITIONS)
    for node_key, node in target_nodes(hydra, "hydra"):
        if not any(node_key == p or node_key.startswith(f"{p}.") for p in checked_elsewhere):
            check_target(node["_target_"], key=f"{node_key}._target_", roles=())
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
