"""What every ``harness`` command shares: its parser's look, its error style, its exit codes.

Every command parses with :func:`command_parser` (defaults and examples in ``--help``) and
reports a :class:`~harness.errors.HarnessError` the same way: one line ``error: <message>`` on
stderr and exit code 2 (:func:`print_error`); :func:`guarded` runs a command so that argparse's
own exits, a ``HarnessError`` and (for commands that issue verdicts) any unexpected error all
end that way.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from harness.errors import HarnessError

#: Exit code of bad usage, a bad config or an input that cannot be read.
EXIT_USAGE = 2


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows the default of every option that has one and keeps the epilog's examples as written.

    An option whose help already states its default (``"(default: one pass)"``), a required
    option and an option without a default (``None``) are shown as written.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.required or action.default in (None, argparse.SUPPRESS) or "(default" in text:
            return text
        return f"{text} (default: %(default)s)"


def command_parser(prog: str, description: str, *examples: str) -> argparse.ArgumentParser:
    """An argparse parser for ``harness <command>`` whose help shows defaults and examples.

    Parameters
    ----------
    prog : str
        The command as typed, e.g. ``"harness compare"``.
    description : str
        What the command does.
    *examples : str
        Complete command lines shown under "examples:".

    Returns
    -------
    argparse.ArgumentParser
    """
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples) if examples else None
    return argparse.ArgumentParser(
        prog=prog,
        description=textwrap.fill(description, width=88),
        epilog=epilog,
        formatter_class=HelpFormatter,
    )


def add_slo_option(parser: argparse.ArgumentParser, purpose: str) -> None:
    """Add ``--slo NAME_OR_PATH`` (default ``default``), the SLO set a command reads.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    purpose : str
        What the command does with the set, e.g. ``"to check the runs against"``.
    """
    from harness.slo import available_slo_sets

    parser.add_argument(
        "--slo",
        default="default",
        metavar="NAME_OR_PATH",
        help=f"SLO set {purpose}: one of {', '.join(available_slo_sets())} (conf/slo/) or the "
        "path of a YAML file",
    )


def print_error(message: str) -> int:
    """Print ``error: <message>`` on one line of stderr; return the usage exit code, 2."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def root_dir() -> Path:
    """The harness root: ``$HARNESS_ROOT``, else the current folder (absolute)."""
    return Path(os.environ.get("HARNESS_ROOT", ".")).resolve()


def guarded(run: Callable[[], int], *, unexpected: Callable[[Exception], str] | None = None) -> int:
    """Run a command, turning every way out that is not its own result into exit 2, one line.

    Parameters
    ----------
    run : callable
        Parses the arguments and does the work; returns the exit code.
    unexpected : callable, optional
        For commands that issue a verdict: the message for any other exception, which then
        ends the command with exit 2 instead of a traceback (a crash is never a verdict).
        Without it, such an exception propagates.

    Returns
    -------
    int
        ``run``'s exit code; argparse's own (0 for ``--help``, 2 for a usage error); or 2 after
        ``error: <message>`` for a :class:`~harness.errors.HarnessError`.
    """
    try:
        return run()
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if exc.code in (0, EXIT_USAGE) else EXIT_USAGE
    except HarnessError as exc:
        return print_error(str(exc))
    except Exception as exc:
        if unexpected is None:
            raise
        return print_error(unexpected(exc))
