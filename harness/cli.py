"""The one entry point: ``harness <command>``, dispatched to :mod:`harness.commands`.

Importing this module has no side effect; a command's module is imported only when that
command runs (:data:`harness.commands.COMMANDS`).
"""

from __future__ import annotations

import importlib
import os
import sys

from harness import __version__
from harness.commands import COMMANDS
from harness.commands.common import guarded, print_error, root_dir

#: The examples ``harness --help`` shows.
EXAMPLES = (
    "harness run experiment=quick",
    "harness run resampler=smote dataset=vowel0 model=random_forest",
    "harness gate --run-dir outputs/runs/quick/<time>",
)


def usage() -> str:
    """The text of ``harness --help``."""
    root = root_dir()
    lines = ["usage: harness [--version] <command> [args]", "", "commands:"]
    lines += [f"  {name:<14} {command.help}" for name, command in COMMANDS.items()]
    lines += [
        "",
        "`harness <command> --help` describes each command, with its defaults and examples.",
        f"Outputs go to {root / 'outputs'}, runs are tracked in sqlite:///{root / 'mlflow.db'}",
        "(set HARNESS_ROOT to move both).",
        "",
        "examples:",
        *(f"  {example}" for example in EXAMPLES),
    ]
    return "\n".join(lines)


def unknown_command_message(name: str) -> str:
    """``unknown command 'rnu'; did you mean `harness run`?``, else the usage."""
    import difflib

    close = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.6)
    if close:
        return f"unknown command {name!r}; did you mean `harness {close[0]}`?"
    return f"unknown command {name!r}.\n\n{usage()}"


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``harness <command>``; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        print(f"harness (adasyn-harness) {__version__}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        return print_error(unknown_command_message(name))
    command = COMMANDS[name]
    try:
        return guarded(
            lambda: getattr(
                importlib.import_module(f"harness.commands.{command.module}"), command.function
            )(rest)
        )
    except BrokenPipeError:
        # The reader went away (`harness datasets | head`): stop quietly, as other tools do.
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
