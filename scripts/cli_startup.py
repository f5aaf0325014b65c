"""Time the ``harness`` command line as a user meets it: help, completion and usage errors.

Each command line runs as a whole new process (``python -m harness.cli ...``), alternating
with ``python -c pass`` in the same loop, so the interpreter's own start-up is measured under
the same load. Prints one Markdown row per command: the median and the slowest wall time, the
median minus ``python -c pass``, and which heavy packages the command imported (read from
``python -X importtime``; none is the goal)::

    python scripts/cli_startup.py                 # 15 runs of each
    python scripts/cli_startup.py --repeats 5

The subprocesses inherit the environment (``PYTHONPATH`` included) and run in the current
folder, with ``HARNESS_ROOT`` pointing at a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

#: What a user types, after ``harness``; ``None`` is the interpreter alone (``python -c pass``).
COMMAND_LINES: tuple[tuple[str, ...] | None, ...] = (
    None,
    ("--help",),
    ("run", "--help"),
    ("gate", "--help"),
    ("plan", "--help"),
    ("gate", "--run-dri", "x"),
    ("rnu",),
    ("run", "--multrun"),
    ("completion", "bash"),
)
#: Packages whose import makes a command slow (the evaluation stack, tracking, Hydra).
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "imblearn", "matplotlib", "mlflow", "hydra")


def _argv(line: tuple[str, ...] | None, *flags: str) -> list[str]:
    if line is None:
        return [sys.executable, *flags, "-c", "pass"]
    return [sys.executable, *flags, "-m", "harness.cli", *line]


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def heavy_imports(line: tuple[str, ...] | None, env: dict[str, str]) -> list[str]:
    """The packages of :data:`HEAVY` that ``line`` imports."""
    result = subprocess.run(
        _argv(line, "-X", "importtime"), env=env, capture_output=True, text=True
    )
    imported = {
        row.rsplit("|", 1)[-1].strip().split(".")[0]
        for row in result.stderr.splitlines()
        if row.startswith("import time:")
    }
    return [name for name in HEAVY if name in imported]


def measure(repeats: int) -> list[dict[str, object]]:
    """Run every command line ``repeats`` times, interleaved; one summary row each."""
    with tempfile.TemporaryDirectory(prefix="harness-cli-startup-") as root:
        env = dict(os.environ, HARNESS_ROOT=root)
        times: dict[int, list[float]] = {i: [] for i in range(len(COMMAND_LINES))}
        for _ in range(repeats):
            for index, line in enumerate(COMMAND_LINES):
                times[index].append(_seconds(_argv(line), env))
        baseline = statistics.median(times[0])
        return [
            {
                "command": "python -c pass" if line is None else "harness " + " ".join(line),
                "median": statistics.median(times[index]),
                "max": max(times[index]),
                "over_python": statistics.median(times[index]) - baseline,
                "heavy": heavy_imports(line, env),
            }
            for index, line in enumerate(COMMAND_LINES)
        ]


def main(argv: list[str] | None = None) -> int:
    """Print the table; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="runs of each command line")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    rows = measure(args.repeats)
    print(f"{args.repeats} runs each, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
    print("| command | median s | slowest s | median − python -c pass | heavy imports |")
    print("|---|---|---|---|---|")
    for row in rows:
        heavy = ", ".join(row["heavy"]) or "none"
        print(
            f"| `{row['command']}` | {row['median']:.3f} | {row['max']:.3f} | "
            f"{row['over_python']:+.3f} | {heavy} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
