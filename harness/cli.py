"""The one entry point: ``harness <command>``.

``harness run`` hands its arguments to Hydra; every other command is a thin argparse wrapper
around a function of the package that owns the work.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from omegaconf import DictConfig

from harness.errors import HarnessError
from harness.evaluate.config_checks import check_run_arguments

_OUTCOMES: list = []
_TASK_ERRORS: list[HarnessError] = []
_VOLATILE_OVERRIDES = (
    "resume=",
    "hydra/launcher=",
    "hydra.",
    "evaluation.progress=",
    "paths.root_dir=",
)


CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def hydra_entry(cfg: DictConfig) -> int:
    """Hydra task: run the configured experiment in this job's output folder."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from harness.evaluate.experiment import run_experiment
    from harness.evaluate.summary import print_outcome

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        outcome = run_experiment(
            cfg,
            output_dir=Path(hydra_cfg.runtime.output_dir),
            overrides=list(hydra_cfg.overrides.task),
            sweep_dir=Path(hydra_cfg.sweep.dir).resolve() if multirun else None,
        )
    except HarnessError as exc:
        if multirun:  # a sweep job may run in another process: the sweeper re-raises it here
            raise
        # Ending the task cleanly keeps Hydra from printing the error with a traceback;
        # run_command prints it once.
        _TASK_ERRORS.append(exc)
        return 2
    _OUTCOMES.append(outcome)
    if not multirun:
        print_outcome(outcome, cfg)
    return len(outcome.failed)


def sweep_id(args: list[str]) -> str:
    """A stable name for a sweep: the experiment plus a digest of its overrides.

    Rerunning the same command finds the same sweep folder, which is what lets
    ``resume=true`` skip the jobs that already finished.
    """
    kept = sorted(
        a
        for a in args
        if not a.startswith("-") and not a.lstrip("+~").startswith(_VOLATILE_OVERRIDES)
    )
    experiment = next((a.split("=", 1)[1] for a in kept if a.startswith("experiment=")), "adhoc")
    digest = hashlib.sha256("\0".join(kept).encode()).hexdigest()[:8]
    return f"{experiment}-{digest}"


def _latest_run_dir(args: list[str]) -> Path | None:
    """The newest run folder of the experiment, when it holds exactly the jobs ``args`` ask for.

    ``resume=true`` reuses a folder only when its ``manifest.json`` lists the same jobs (names
    and run keys) as this run; otherwise the run starts a new folder, so one report never mixes
    the jobs of two configs.
    """
    from harness.evaluate.experiment import manifest_matches, plan_run

    try:
        cfg, jobs = plan_run([a for a in args if not a.startswith("-")])
    except Exception:  # a bad command line: the run itself reports it
        return None
    runs = Path(str(cfg.paths.output_dir)) / "runs" / str(cfg.experiment.name)
    candidates = sorted(p for p in runs.glob("*") if p.is_dir()) if runs.is_dir() else []
    if candidates and manifest_matches(candidates[-1], jobs):
        return candidates[-1]
    return None


@contextmanager
def _errors_reach_the_caller(multirun: bool) -> Iterator[None]:
    """In a sweep, let Hydra re-raise a job's error instead of printing its traceback.

    The job's :class:`HarnessError` then reaches :func:`main`, which prints it on one line.
    """
    saved = os.environ.get("HYDRA_FULL_ERROR")
    if multirun:
        os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved


def run_command(args: list[str]) -> int:
    """``harness run [-m] [overrides...]``: run an experiment or a sweep with Hydra."""
    from harness.evaluate.sweep import LAST_SWEEP

    multirun = any(a in ("-m", "--multirun") for a in args)
    args = list(args)
    # Absolute paths in the overrides themselves: jobs started elsewhere (another process, a
    # Ray worker on another node) get the same folders without inheriting this environment.
    if not any(a.startswith("paths.root_dir=") for a in args):
        root = Path(os.environ.get("HARNESS_ROOT", ".")).resolve()
        args.append(f"paths.root_dir={root}")
    if multirun and not any(a.startswith("hydra.sweep.dir=") for a in args):
        args.append(f"hydra.sweep.dir=${{paths.output_dir}}/sweeps/{sweep_id(args)}")
    if (
        not multirun
        and "resume=true" in args
        and not any(a.startswith("hydra.run.dir=") for a in args)
    ):
        latest = _latest_run_dir(args)
        if latest is not None:
            args.append(f"hydra.run.dir={latest}")
    # Before Hydra creates a folder, configures logging or instantiates a callback.
    check_run_arguments(args, CONF_DIR)
    _OUTCOMES.clear()
    _TASK_ERRORS.clear()
    LAST_SWEEP.clear()
    argv = sys.argv
    sys.argv = ["harness", *args]
    try:
        with _errors_reach_the_caller(multirun):
            hydra_entry()
    finally:
        sys.argv = argv
    if _TASK_ERRORS:
        raise _TASK_ERRORS[0]
    if multirun and LAST_SWEEP:
        from harness.evaluate.summary import print_sweep

        print_sweep(LAST_SWEEP["sweep_dir"], LAST_SWEEP["comparison"])
        return 1 if LAST_SWEEP["comparison"].failed else 0
    return 1 if any(o.failed for o in _OUTCOMES) else 0


def _datasets(argv: list[str]) -> int:
    from harness.data import format_datasets_table, list_datasets

    argparse.ArgumentParser(prog="harness datasets", description="List built-in data sets.")
    print(format_datasets_table(list_datasets()))
    return 0


def _compare(argv: list[str]) -> int:
    from harness.evaluate.comparison import compare
    from harness.evaluate.summary import print_sweep

    parser = argparse.ArgumentParser(
        prog="harness compare",
        description=(
            "Compare the jobs found under a run or sweep folder. Fails (exit 2) when a job is "
            "unfinished or its result.json unreadable, unless --allow-missing is given."
        ),
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="compare the jobs that can be read; the terminal, report.md, comparison.csv and "
        "left_out.csv then name every job left out and why",
    )
    ns = parser.parse_args(argv)
    if not ns.folder.is_dir():
        print(f"error: {ns.folder} is not a folder; pass a run or sweep folder.", file=sys.stderr)
        return 2
    comparison = compare(ns.folder, allow_missing=ns.allow_missing)
    print_sweep(ns.folder, comparison)
    for item in comparison.left_out:
        print(f"warning: left out {item.job}: {item.reason}", file=sys.stderr)
    return 0


def _lazy(module: str, function: str) -> Callable[[list[str]], int]:
    def call(argv: list[str]) -> int:
        import importlib

        return importlib.import_module(module).__dict__[function](argv)

    return call


COMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "run": (run_command, "run an experiment or a sweep (Hydra overrides; -m for a sweep)"),
    "datasets": (_datasets, "list the built-in data sets"),
    "compare": (_compare, "compare the jobs of a run or sweep folder"),
    "gate": (_lazy("harness.gate.command", "gate_main"), "CI model-quality gate"),
    "promote": (
        _lazy("harness.gate.command", "promote_main"),
        "register a model and move the champion alias when the gate passes",
    ),
    "sync": (_lazy("harness.tracking.command", "sync_main"), "upload stored runs to MLflow"),
    "dashboards": (
        _lazy("harness.export.command", "dashboards_main"),
        "regenerate dashboards/ (Grafana, Prometheus rules) from an SLO set",
    ),
    "serve-metrics": (
        _lazy("harness.export.command", "serve_metrics_main"),
        "serve the latest results as Prometheus metrics over HTTP",
    ),
    "replay": (
        _lazy("harness.export.command", "replay_main"),
        "stream a held-out set through a model, exporting serving counters",
    ),
    "bench": (_lazy("harness.bench.command", "bench_main"), "benchmark the samplers"),
}


def _usage() -> str:
    lines = ["usage: harness <command> [args]", "", "commands:"]
    lines += [f"  {name:<14} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Example: harness run experiment=quick"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``harness <command>``; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"error: unknown command {command!r}.\n\n{_usage()}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[command][0](rest)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
