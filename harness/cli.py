"""The one entry point: ``harness <command>``.

``harness run`` hands its arguments to Hydra; every other command is a thin argparse wrapper
around a function of the package that owns the work. ``harness completion bash`` prints a bash
completion script for the commands and for ``run``'s config groups and options.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from omegaconf import DictConfig

from harness import __version__
from harness.config_dir import (
    USER_CONFIG_ENV,
    check_spelling,
    config_dir,
    config_groups,
    register_user_config_dirs,
    search_dirs,
)
from harness.errors import ConfigError, HarnessError
from harness.runner.config_checks import check_run_arguments, refuse_unsafe_arguments

#: Exit code of bad usage, a bad config or an input that cannot be read.
EXIT_USAGE = 2
_OUTCOMES: list = []
_TASK_ERRORS: list[HarnessError] = []
_VOLATILE_OVERRIDES = (
    "resume=",
    "hydra/launcher=",
    "hydra.",
    "evaluation.progress=",
    "paths.root_dir=",
)


CONF_DIR = config_dir()
# At import, not only in main(): sweep jobs in worker processes import this module to run
# hydra_entry and compose their grids there, with the same user config folders.
register_user_config_dirs()
RUN_EXAMPLES = (
    "harness run experiment=quick",
    "harness run resampler=smote dataset=vowel0 model=random_forest",
    "harness run -m resampler=adasyn,smote dataset=pima,vowel0 tracking=none",
)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def hydra_entry(cfg: DictConfig) -> int:
    """Hydra task: run the configured experiment in this job's output folder."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from harness.runner.experiment import run_experiment
    from harness.runner.summary import print_outcome

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
    from harness.runner.experiment import manifest_matches, plan_run

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


def _root_dir() -> Path:
    return Path(os.environ.get("HARNESS_ROOT", ".")).resolve()


def _primary_defaults() -> dict[str, str]:
    """The option each config group defaults to, from the primary config's defaults list."""
    import yaml

    primary = yaml.safe_load((CONF_DIR / "config.yaml").read_text())
    defaults: dict[str, str] = {}
    for entry in primary.get("defaults", []):
        if isinstance(entry, dict):
            defaults.update({str(k): "none" if v is None else str(v) for k, v in entry.items()})
    return defaults


def run_help() -> str:
    """The help text of ``harness run``: config groups with their options and defaults."""
    defaults = _primary_defaults()
    root = _root_dir()
    lines = [
        "usage: harness run [-m] [GROUP=OPTION ...] [KEY=VALUE ...]",
        "",
        "Run an experiment (one job, or the grid of an experiment) or, with -m, a sweep over",
        "comma-separated values. The config is composed by Hydra: pick one option per config",
        "group with GROUP=OPTION and set any key with KEY=VALUE (e.g. evaluation.n_splits=3).",
        "",
        "config groups (default in brackets):",
    ]
    for group, options in config_groups().items():
        head = f"  {group:<11} [{defaults.get(group, 'none')}] "
        lines += textwrap.wrap(
            ", ".join(options), width=96, initial_indent=head, subsequent_indent=" " * 14
        )
    lines += [
        "",
        "other keys (default):",
        "  seed=INT              random seed of splits, samplers and models (default: 0)",
        "  resume=BOOL           skip jobs that already hold a result (default: false)",
        "",
        "options:",
        "  -h, --help            show this help and exit",
        "  -m, --multirun        run a sweep: one job per combination of the listed values",
        "  --cfg job             print the composed config instead of running it",
        "",
        "where things are (HARNESS_ROOT moves outputs and store together; default: .):",
        f"  outputs        {root / 'outputs'}/runs/<experiment>/<time> (sweeps: .../sweeps/)",
        f"  tracking store sqlite:///{root / 'mlflow.db'} (tracking=sqlite, the default)",
        f"  config folders {', '.join(str(d) for d in search_dirs())}",
        f"                 add your own with {USER_CONFIG_ENV}=/path/to/my_conf (laid out like",
        "                 conf/: my_conf/experiment/my_study.yaml, my_conf/dataset/churn.yaml)",
        "",
        "examples:",
        *(f"  {example}" for example in RUN_EXAMPLES),
    ]
    return "\n".join(lines)


def run_command(args: list[str]) -> int:
    """``harness run [-m] [overrides...]``: run an experiment or a sweep with Hydra."""
    from harness.runner.sweep import LAST_SWEEP

    if any(a in ("-h", "--help") for a in args):
        print(run_help())
        return 0
    if any(a in ("-sc", "--shell-completion") for a in args):
        raise ConfigError(
            "harness run does not take Hydra's --shell-completion (-sc): it completes `python "
            "app.py`, not `harness`; use `source <(harness completion bash)` instead."
        )
    refuse_unsafe_arguments(args)
    check_spelling(args)
    multirun = any(a in ("-m", "--multirun") for a in args)
    args = list(args)
    # Absolute paths in the overrides themselves: jobs started elsewhere (another process, a
    # Ray worker on another node) get the same folders without inheriting this environment.
    if not any(a.startswith("paths.root_dir=") for a in args):
        args.append(f"paths.root_dir={_root_dir()}")
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
        from harness.runner.summary import print_sweep

        print_sweep(LAST_SWEEP["sweep_dir"], LAST_SWEEP["comparison"], LAST_SWEEP.get("verdicts"))
        return 1 if LAST_SWEEP["comparison"].failed else 0
    return 1 if any(o.failed for o in _OUTCOMES) else 0


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


def datasets_parser() -> argparse.ArgumentParser:
    """The parser of ``harness datasets``."""
    return command_parser(
        "harness datasets",
        "List the built-in data sets (name, rows, features, imbalance ratio). Select one with "
        "`harness run dataset=NAME`, or your own table with dataset=table.",
        "harness datasets",
        "harness datasets | grep 'ADASYN paper'",
    )


def _datasets(argv: list[str]) -> int:
    from harness.data import format_datasets_table, list_datasets

    datasets_parser().parse_args(argv)
    print(format_datasets_table(list_datasets()))
    return 0


def compare_parser() -> argparse.ArgumentParser:
    """The parser of ``harness compare``."""
    parser = command_parser(
        "harness compare",
        "Compare the jobs found under a run or sweep folder and write its report.md, "
        "report.html and comparison.csv there. Fails (exit 2) when a job is unfinished or its "
        "result.json unreadable, unless --allow-missing is given.",
        "harness compare outputs/runs/quick/2026-01-31_12-00-00-000000",
        "harness compare outputs/sweeps/adhoc-1a2b3c4d --allow-missing",
    )
    parser.add_argument("folder", type=Path, help="a run folder or sweep folder")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="compare the jobs that can be read; the terminal, report.md, comparison.csv and "
        "left_out.csv then name every job left out and why",
    )
    return parser


def _compare(argv: list[str]) -> int:
    from harness.report.comparison import compare
    from harness.runner.summary import print_sweep

    ns = compare_parser().parse_args(argv)
    if not ns.folder.is_dir():
        return print_error(f"{ns.folder} is not a folder; pass a run or sweep folder.")
    print(f"Reading {ns.folder.resolve()}")
    comparison = compare(ns.folder, allow_missing=ns.allow_missing)
    print_sweep(ns.folder, comparison)
    for item in comparison.left_out:
        print(f"warning: left out {item.job}: {item.reason}", file=sys.stderr)
    return 0


_BASH_COMPLETION = r"""# bash completion for `harness` (adasyn-harness {version}).
# Load it in this shell:   source <(harness completion bash)
# or for every new shell:
#   harness completion bash > ~/.local/share/bash-completion/completions/harness
# Regenerate it after adding config options (it lists them as they are now).
_harness() {{
    local line="${{COMP_LINE:0:COMP_POINT}}"
    local cur="${{line##*[[:space:]]}}"
    local -a before=(${{line%"$cur"}})
    local candidates
    if (( ${{#before[@]}} <= 1 )); then
        candidates="{commands}"
    elif [[ "${{before[1]}}" == run ]]; then
        if [[ "$cur" == *=* ]]; then
            candidates="{choices}"
        else
            candidates="{run_words}"
        fi
    elif [[ "${{before[1]}}" == completion ]]; then
        candidates="bash"
    else
        candidates="--help"
    fi
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
    # Bash splits words at '=': reply with the part after the last '=' only.
    if [[ "$cur" == *=* && "$COMP_WORDBREAKS" == *=* ]]; then
        local typed="${{cur%=*}}="
        COMPREPLY=("${{COMPREPLY[@]#"$typed"}}")
    fi
    if [[ ${{#COMPREPLY[@]}} -eq 1 && "${{COMPREPLY[0]}}" == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}}
complete -o default -F _harness harness
"""

RUN_KEYS = ("seed=", "resume=")
RUN_FLAGS = ("-m", "--multirun", "--help", "--cfg")


def completion_script() -> str:
    """A bash completion script for ``harness``: commands, and ``run``'s groups and options."""
    groups = config_groups()
    choices = [f"{group}={option}" for group, options in groups.items() for option in options]
    choices += ["resume=true", "resume=false"]
    return _BASH_COMPLETION.format(
        version=__version__,
        commands=" ".join([*COMMANDS, "--help", "--version"]),
        choices=" ".join(choices),
        run_words=" ".join([*RUN_FLAGS, *(f"{group}=" for group in groups), *RUN_KEYS]),
    )


def completion_parser() -> argparse.ArgumentParser:
    """The parser of ``harness completion``."""
    parser = command_parser(
        "harness completion",
        "Print a shell completion script for harness: its commands and, after `harness run`, "
        "the config groups and their options (dataset=, resampler=adasyn, ...).",
        "source <(harness completion bash)",
        "harness completion bash > ~/.local/share/bash-completion/completions/harness",
    )
    parser.add_argument("shell", choices=["bash"], help="the shell to complete in")
    return parser


def _completion(argv: list[str]) -> int:
    completion_parser().parse_args(argv)
    print(completion_script(), end="")
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
    "resample": (
        _lazy("harness.distributed.command", "resample_main"),
        "exact ADASYN on partitioned Parquet, distributed with Ray (--engine ray)",
    ),
    "completion": (
        _completion,
        "print a bash completion script (source <(harness completion bash))",
    ),
}


def _usage() -> str:
    root = _root_dir()
    lines = ["usage: harness [--version] <command> [args]", "", "commands:"]
    lines += [f"  {name:<14} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += [
        "",
        "`harness <command> --help` describes each command, with its defaults and examples.",
        f"Outputs go to {root / 'outputs'}, runs are tracked in sqlite:///{root / 'mlflow.db'}",
        "(set HARNESS_ROOT to move both).",
        "",
        "examples:",
        *(f"  {example}" for example in RUN_EXAMPLES[:2]),
        "  harness gate --run-dir outputs/runs/quick/<time>",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``harness <command>``; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        print(f"harness (adasyn-harness) {__version__}")
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        return print_error(f"unknown command {command!r}.\n\n{_usage()}")
    try:
        return COMMANDS[command][0](rest)
    except HarnessError as exc:
        return print_error(str(exc))
    except BrokenPipeError:
        # The reader went away (`harness datasets | head`): stop quietly, as other tools do.
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
