"""Plugin discovery: the objects users register in the ``adasyn_harness.components`` group.

Users add their own components (a sampler, a model, a data set loader, a Hydra launcher)
through this entry-point group; nothing else widens what a config may instantiate. Discovery
is data for the layers above: the strategy registry reads the kinds of registered samplers,
and the allow-set of :mod:`harness.components.policy` admits what is registered.
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import warnings
from typing import Any

ENTRY_POINT_GROUP = "adasyn_harness.components"


@functools.cache
def extension_objects() -> tuple[Any, ...]:
    """Load the objects registered in the ``adasyn_harness.components`` entry-point group.

    An entry point that does not load, or names something other than a class or function, is
    left out with a warning naming it and the fix: a broken plugin must not stop runs that do
    not use it, and what it names stays refused. Read once per process: scanning the installed
    distributions takes milliseconds, and the gate asks for every objective of every run.

    Returns
    -------
    tuple
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
    return tuple(found)
