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
from collections.abc import Callable, Iterable
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


class CommandParser(argparse.ArgumentParser):
    """An argparse parser that names the option a misspelt flag was meant to be.

    argparse reports a missing required argument before an unknown flag, so
    ``harness gate --run-dri x`` would say ``--run-dir`` is required; this parser checks the
    flags first and says ``did you mean --run-dir?``.
    """

    check_flags = True
    """``False`` for a command that names unknown flags itself (``harness plan``)."""

    def parse_known_args(self, args=None, namespace=None):
        words = sys.argv[1:] if args is None else list(args)
        problem = unknown_flag(words, self._option_string_actions) if self.check_flags else None
        if problem:
            self.error(problem)
        return super().parse_known_args(words, namespace)


def unknown_flag(words: Iterable[str], known: Iterable[str]) -> str | None:
    """The first ``--flag`` in ``words`` that names no option, with the closest one.

    Parameters
    ----------
    words : iterable of str
        The command's arguments (a bare ``--`` ends the options).
    known : iterable of str
        The option strings the command takes; a unique abbreviation of one (``--allow`` for
        ``--allow-missing``) is accepted, as argparse does.

    Returns
    -------
    str or None
        ``unrecognized option --run-dri; did you mean --run-dir?`` (or the options there are;
        ``ambiguous option --run: --run-dir or --run-id?`` for an abbreviation of several), or
        ``None`` when every flag is known.
    """
    import difflib

    options = sorted(o for o in known if o.startswith("--"))
    for word in words:
        if word == "--":
            break
        flag = word.split("=", 1)[0]
        if not flag.startswith("--") or len(flag) == 2 or flag in options:
            continue
        starting = [o for o in options if o.startswith(flag)]
        if len(starting) == 1:
            continue
        if starting:
            return f"ambiguous option {flag}: {' or '.join(starting)}?"
        close = difflib.get_close_matches(flag, options, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"the options are {', '.join(options)}."
        return f"unrecognized option {flag}; {hint}"
    return None


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
    return CommandParser(
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
