"""``harness run``: hand the overrides to Hydra, after checking them, and run the experiment.

The checks come first (:mod:`harness.runner.config_checks`, then every job's data set, sampler
and model by :mod:`harness.runner.preflight`), before Hydra creates a folder, configures
logging or instantiates anything; then Hydra composes the config and calls
:func:`harness.commands.run_task.hydra_entry`, which runs
:func:`harness.pipeline.experiment.run_experiment`. ``--help`` imports none of that.
"""

from __future__ import annotations

import hashlib
import sys
import textwrap
from pathlib import Path

from harness.commands.common import root_dir, unknown_flag
from harness.config_dir import (
    PRIMARY_CONFIG,
    USER_CONFIG_ENV,
    check_spelling,
    config_dir,
    config_groups,
    search_dirs,
)
from harness.errors import ConfigError

_VOLATILE_OVERRIDES = (
    "resume=",
    "hydra/launcher=",
    "hydra.",
    "evaluation.progress=",
    "paths.root_dir=",
)
#: The flags ``harness run`` takes (Hydra's; the refused ones are named as such later).
RUN_FLAGS = (
    *("--help", "--multirun", "--cfg", "--resolve", "--package", "--info", "--run"),
    *("--hydra-help", "--version", "--shell-completion", "--config-path", "--config-name"),
    *("--config-dir", "--experimental-rerun"),
)
RUN_EXAMPLES = (
    "harness run experiment=quick",
    "harness run resampler=smote dataset=vowel0 model=random_forest",
    "harness run 'resampler=[none,smote,adasyn]' dataset=vowel0   # one run, three jobs",
    "harness run -m resampler=adasyn,smote dataset=pima,vowel0 tracking=none",
)


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


def primary_defaults() -> dict[str, str]:
    """The option each config group defaults to, from the primary config's defaults list."""
    from harness.strict import read_yaml

    path = config_dir() / PRIMARY_CONFIG
    primary = read_yaml(path, what=str(path), fix="reinstall the harness")
    defaults: dict[str, str] = {}
    for entry in primary.get("defaults", []):
        if isinstance(entry, dict):
            defaults.update({str(k): "none" if v is None else str(v) for k, v in entry.items()})
    return defaults


def run_help() -> str:
    """The help text of ``harness run``: config groups with their options and defaults."""
    defaults = primary_defaults()
    root = root_dir()
    lines = [
        "usage: harness run [-m] [GROUP=OPTION ...] [KEY=VALUE ...]",
        "",
        "Run an experiment (one job, or the grid of an experiment) or, with -m, a sweep over",
        "comma-separated values. The config is composed by Hydra: pick one option per config",
        "group with GROUP=OPTION and set any key with KEY=VALUE (e.g. evaluation.n_splits=3).",
        "A list for a group, 'resampler=[none,smote]' (or resampler=none,smote without -m), or",
        "for seed runs one job per value in one run folder and one comparison, as",
        "experiment.grid.resampler=[none,smote] in an experiment file does; with -m the comma",
        "form is a sweep. Every job's data set, sampler and model are checked before any starts.",
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
        "before running: `harness plan <same overrides>` says what this design can detect.",
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


def run_main(args: list[str]) -> int:
    """``harness run [-m] [overrides...]``: run an experiment or a sweep with Hydra."""
    if any(a in ("-h", "--help") for a in args):
        print(run_help())
        return 0
    if any(a in ("-sc", "--shell-completion") for a in args):
        raise ConfigError(
            "harness run does not take Hydra's --shell-completion (-sc): it completes `python "
            "app.py`, not `harness`; use `source <(harness completion bash)` instead."
        )
    problem = unknown_flag(args, RUN_FLAGS)
    if problem:
        raise ConfigError(f"{problem} (`harness run --help` lists them)")
    from harness.runner.config_checks import lists_as_grid_axes, refuse_unsafe_arguments

    refuse_unsafe_arguments(args)
    multirun = any(a in ("-m", "--multirun") for a in args)
    args = lists_as_grid_axes(list(args), config_groups(), multirun=multirun)
    check_spelling(args)
    # Importing the task registers the user's config folders with Hydra, for the checks too.
    from harness.commands import run_task
    from harness.runner.config_checks import check_run_arguments
    from harness.runner.preflight import check_jobs_before_running

    # Absolute paths in the overrides themselves: jobs started elsewhere (another process, a
    # Ray worker on another node) get the same folders without inheriting this environment.
    if not any(a.startswith("paths.root_dir=") for a in args):
        args.append(f"paths.root_dir={root_dir()}")
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
    # Before Hydra creates a folder, configures logging or instantiates a callback; the data
    # sets, samplers and models of every job too, so a problem is one error, not one per job.
    configs = check_run_arguments(args, run_task.CONF_DIR)
    if not any(a in ("--cfg", "-c", "--info", "-i") for a in args):  # those only print configs
        check_jobs_before_running(configs)
    from harness.pipeline.sweep import LAST_SWEEP

    run_task.OUTCOMES.clear()
    run_task.TASK_ERRORS.clear()
    LAST_SWEEP.clear()
    argv = sys.argv
    sys.argv = ["harness", *args]
    try:
        with run_task.errors_reach_the_caller(multirun):
            run_task.hydra_entry()
    finally:
        sys.argv = argv
    if run_task.TASK_ERRORS:
        raise run_task.TASK_ERRORS[0]
    if multirun and LAST_SWEEP:
        from harness.commands.summary import print_sweep

        print_sweep(
            LAST_SWEEP["sweep_dir"],
            LAST_SWEEP["comparison"],
            LAST_SWEEP.get("verdicts"),
            LAST_SWEEP.get("slo_name"),
        )
        return 1 if LAST_SWEEP["comparison"].failed else 0
    return 1 if any(o.failed for o in run_task.OUTCOMES) else 0
