"""The optional features and the extra of ``adasyn-harness`` that installs each.

The default install runs the main job (run, report, gate, tracking, monitoring); a feature
that alone needs a large dependency imports it through :func:`require`, which names the extra
to install when it is missing. ``make setup`` installs the default set, ``make test`` and
``.ci/run`` every extra (pyproject.toml, ``[project.optional-dependencies]``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from harness.errors import MissingExtraError

#: The distribution whose extras these are (pyproject.toml, `[project] name`).
DISTRIBUTION = "adasyn-harness"


@dataclass(frozen=True)
class Extra:
    """How to install an optional module: the extra that provides it, and what else to run.

    Attributes
    ----------
    name : str
        The extra (``pip install 'adasyn-harness[<name>]'``).
    then : str
        A command to run after installing the extra, or ``""``.
    needs : tuple of str
        Modules of the extra the module imports only when it runs (the Ray launcher's
        ``ray``), checked with it by :func:`require_target`.
    """

    name: str
    then: str = ""
    needs: tuple[str, ...] = ()

    def install_text(self) -> str:
        """How to install it, from an index and from a checkout."""
        text = (
            f"pip install '{DISTRIBUTION}[{self.name}]' (from a checkout: "
            f"pip install -e '.[{self.name}]')"
        )
        return f"{text}, then {self.then}" if self.then else text


#: Hydra's Ray launcher pins cloudpickle<3, which joblib (>= 1.5) cannot use; its local
#: launcher does not need cloudpickle, so it is installed without its dependencies.
RAY_LAUNCHER = "pip install --no-deps hydra-ray-launcher==1.2.2"

#: The optional modules, by top-level name, and how to install each. pyproject.toml declares
#: the extras (tests/test_extras.py checks that both agree).
OPTIONAL_MODULES: dict[str, Extra] = {
    "ray": Extra("ray"),
    "hydra_plugins.hydra_ray_launcher": Extra("ray", then=RAY_LAUNCHER, needs=("ray",)),
    "evidently": Extra("drift"),
}


def extra_of(module: str) -> Extra | None:
    """How to install ``module`` (a dotted name), or ``None`` for a module of the default set."""
    for package, extra in OPTIONAL_MODULES.items():
        if module == package or module.startswith(f"{package}."):
            return extra
    return None


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` for ``feature``, or say which extra to install.

    Parameters
    ----------
    module : str
        The dotted module name (``ray``, ``evidently.presets``).
    feature : str
        What needs it, as the user asked for it (``harness resample --engine ray``).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingExtraError
        When the module (or one it imports) is not installed, naming the extra and how to
        install it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or module
        extra = extra_of(missing) or extra_of(module)
        if extra is None:
            raise
        raise MissingExtraError(
            f"{feature} needs {missing}, which is not installed: install the "
            f"'{extra.name}' extra: {extra.install_text()}."
        ) from exc


def require_target(target: str, feature: str) -> None:
    """Check that the module of a config's ``_target_`` and what it needs to run are installed,
    when an extra provides it; a target of the default set is left to the allow-set check.

    Raises
    ------
    MissingExtraError
        Naming the extra and how to install it.
    """
    module = str(target).rsplit(".", 1)[0]
    extra = extra_of(module)
    if extra is None:
        return
    require(module, feature)
    for needed in extra.needs:
        require(needed, feature)
