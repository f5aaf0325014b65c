"""Which objects a config may instantiate, and where: the policy the checks are handed.

The samplers of the strategy registry, the data set loaders, the scikit-learn classifiers
below, the objects users register in the ``adasyn_harness.components`` entry-point group
(:mod:`harness.plugins`), and, for Hydra's own runtime, its launchers, sweeper and logging
classes. :mod:`harness.security` checks a ``_target_`` against this set by identity; nothing
else widens it.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Mapping
from typing import Any

from harness.plugins import ENTRY_POINT_GROUP, extension_objects
from harness.security import AllowSet, outermost_target_nodes

# Roles: where an object may appear. A target is checked against the roles of its place.
SAMPLER = "sampler"
LOADER = "loader"
ESTIMATOR = "estimator"
EXTENSION = "extension"
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
    LAUNCHER: "Hydra launcher",
    SWEEPER: "Hydra sweeper",
    LOGGING: "logging class",
}
_WIDENING_HINT = (
    f"or register your own class or function in the {ENTRY_POINT_GROUP!r} entry-point group "
    "(README: 'Your own model or sampler')"
)

# Where the job config names components, and the role each place takes.
JOB_POSITIONS = {
    "dataset.loader": LOADER_ROLES,
    "resampler.sampler": SAMPLER_ROLES,
    "model.estimator": ESTIMATOR_ROLES,
}


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


def hydra_plugins_loaded() -> None:
    """Let Hydra's plugin discovery run, once per process, before its classes are compared.

    Discovery runs each plugin module again (``exec_module``), which replaces its classes with
    new objects; the final ones are those to compare with.
    """
    from hydra.core.plugins import Plugins

    Plugins.instance()


def _launchers() -> tuple[type, ...]:
    hydra_plugins_loaded()
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


def _extension_role(obj: Any) -> str:
    # A Hydra plugin registered by a user (e.g. another launcher) may only appear where Hydra
    # expects that plugin type; everything else is a component for conf/.
    from hydra.plugins.launcher import Launcher
    from hydra.plugins.sweeper import Sweeper

    for base, role in ((Launcher, LAUNCHER), (Sweeper, SWEEPER)):
        if inspect.isclass(obj) and issubclass(obj, base):
            return role
    return EXTENSION


@functools.cache
def allowed_objects() -> dict[str, tuple[Any, ...]]:
    """The allow-set: every object a config may instantiate, by role.

    Built once per process (the first check imports the components). Roles: ``sampler``,
    ``loader``, ``estimator``, ``extension`` (entry points), ``launcher``, ``sweeper`` and
    ``logging`` (Hydra's own runtime). Hydra's callbacks are not a role: they come only from
    the shipped ``conf/hydra/default.yaml`` (:mod:`harness.runner.hydra_checks`).

    Returns
    -------
    dict
        Role name -> tuple of objects.
    """
    hydra_plugins_loaded()
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    from harness.data import load_builtin, load_table
    from harness.resample.registry import STRATEGIES

    allowed: dict[str, tuple[Any, ...]] = {
        # The strategy registry (ADASYN, SMOTE, RandomOverSampler, ClassWeightBaseline,
        # NoResampling, ...): a built-in sampler is allowed once it is registered there.
        SAMPLER: tuple(STRATEGIES.values()),
        LOADER: (load_builtin, load_table),
        ESTIMATOR: estimator_classes(),
        EXTENSION: (),
        LAUNCHER: _launchers(),
        SWEEPER: (BasicSweeper,),
        LOGGING: _logging_classes(),
    }
    for obj in extension_objects():
        role = _extension_role(obj)
        allowed[role] = (*allowed[role], obj)
    return allowed


@functools.cache
def allow_set() -> AllowSet:
    """The :class:`harness.security.AllowSet` of :func:`allowed_objects` with its messages."""
    return AllowSet(
        objects=allowed_objects(),
        nouns=_NOUNS,
        widening_hint=_WIDENING_HINT,
        widened_roles=COMPONENT_ROLES,
        silent_roles=frozenset({EXTENSION}),
    )


def check_target(target: Any, *, key: str, roles: Any = COMPONENT_ROLES) -> Any:
    """Return the object ``target`` names when the allow-set admits it in one of ``roles``
    (:meth:`harness.security.AllowSet.check` with this policy)."""
    return allow_set().check(target, key=key, roles=roles)


def check_component_tree(
    node: Mapping[str, Any], *, key: str, roles: Any = COMPONENT_ROLES
) -> dict[int, Any]:
    """Check every ``_target_`` of a component config: the top one in ``roles``, nested ones
    as any component (:meth:`harness.security.AllowSet.check_tree` with this policy)."""
    return allow_set().check_tree(node, key=key, roles=roles, nested=COMPONENT_ROLES)


def check_job_targets(job: Mapping[str, Any]) -> None:
    """Check every ``_target_`` of a resolved job config (the config without ``hydra``).

    ``dataset.loader``, ``resampler.sampler`` and ``model.estimator`` must name a loader, a
    sampler and an estimator; any other target anywhere must be a component.

    Raises
    ------
    ConfigError
        For the first target outside the allow-set, or parameters its object does not take.
    """
    for node_key, node in outermost_target_nodes(job, ""):
        check_component_tree(node, key=node_key, roles=JOB_POSITIONS.get(node_key, COMPONENT_ROLES))
