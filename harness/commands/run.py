"""``harness run``: hand the overrides to Hydra, after checking them, and run the experiment.

The checks come first (:mod:`harness.runner.config_checks`), before Hydra creates a folder,
configures logging or instantiates anything; then Hydra composes the config and calls
:func:`hydra_entry`, which runs :func:`harness.pipeline.experiment.run_experiment`.
"""

from __future__ import annotations

import hashlib
import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from omegaconf import DictConfig

from harness.commands.common import root_dir
from harness.config_dir import (
    PRIMARY_CONFIG,
    USER_CONFIG_ENV,
    check_spelling,
    config_dir,
    config_groups,
    register_user_config_dirs,
    search_dirs,
)
from harness.errors import ConfigError, HarnessError
from harness.runner.config_checks import check_run_arguments, refuse_unsafe_arguments

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
# At import: sweep jobs in worker processes import this module to run hydra_entry and compose
# their grids there, with the same user config folders.
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

    from harness.commands.summary import print_outcome
    from harness.pipeline.experiment import run_experiment

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
        # run_main prints it once.
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

    The job's :class:`HarnessError` then reaches the entry point, which prints it on one line.
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


def primary_defaults() -> dict[str, str]:
    """The option each config group defaults to, from the primary config's defaults list."""
    from harness.strict import read_yaml

    path = CONF_DIR / PRIMARY_CONFIG
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
    refuse_unsafe_arguments(args)
    check_spelling(args)
    multirun = any(a in ("-m", "--multirun") for a in args)
    args = list(args)
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
    # Before Hydra creates a folder, configures logging or instantiates a callback.
    check_run_arguments(args, CONF_DIR)
    from harness.pipeline.sweep import LAST_SWEEP

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
        from harness.commands.summary import print_sweep

        print_sweep(
            LAST_SWEEP["sweep_dir"],
            LAST_SWEEP["comparison"],
            LAST_SWEEP.get("verdicts"),
            LAST_SWEEP.get("slo_name"),
        )
        return 1 if LAST_SWEEP["comparison"].failed else 0
    return 1 if any(o.failed for o in _OUTCOMES) else 0
