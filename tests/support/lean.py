"""Run ``harness`` as on the default install: the optional modules of the extras
(:data:`harness.extras.OPTIONAL_MODULES`) cannot be imported, as Python reports a module that
is not installed (``ModuleNotFoundError`` with its name)."""

from __future__ import annotations

import sys

from harness.extras import OPTIONAL_MODULES

#: Every module an extra provides: what the default install lacks.
EXTRA_MODULES = tuple(OPTIONAL_MODULES)

_LAUNCHER = """
import sys
BLOCKED = {blocked!r}

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Uninstalled())
from harness.cli import main
sys.exit(main(sys.argv[1:]))
"""


def launcher_source(blocked: tuple[str, ...] = EXTRA_MODULES) -> str:
    """Python source that runs ``harness`` (its arguments from ``sys.argv``) without
    ``blocked``."""
    return _LAUNCHER.format(blocked=tuple(blocked))


def lean_command(*args: str, blocked: tuple[str, ...] = EXTRA_MODULES) -> list[str]:
    """The command line of ``harness ARGS`` without the ``blocked`` modules."""
    return [sys.executable, "-c", launcher_source(blocked), *args]
