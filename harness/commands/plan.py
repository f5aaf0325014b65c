"""``harness plan``: what a run could detect, before running it.

The overrides are those of ``harness run`` and are checked the same way
(:mod:`harness.runner.config_checks`, :func:`harness.config_dir.check_spelling`); then the run is
composed without running it and :func:`harness.runner.plan.make_plan` says, per objective of its
SLO set, the smallest effect the design detects at 80 % power, from a previous run of the same
data set or a short pilot evaluated in memory. Nothing is written and no tracking starts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from typing import NoReturn

from harness.commands.common import command_parser, root_dir, unknown_flag
from harness.errors import ConfigError

PLAN_EXAMPLES = (
    "harness plan experiment=quick",
    "harness plan experiment=quick evaluation.n_repeats=5",
    "harness plan experiment=quick dataset=vowel0 --pilot",
    "harness plan resampler=smote model=random_forest slo=default",
)


#: The pilot's design, ``harness.runner.plan.PILOT_SPLITS`` and ``PILOT_REPEATS`` (tested),
#: spelt here so that ``--help`` does not import the planner.
PILOT_SPLITS, PILOT_REPEATS = 3, 1


def plan_parser() -> argparse.ArgumentParser:
    """The parser of ``harness plan``."""
    parser = command_parser(
        "harness plan",
        "Say, before running, the smallest effect each objective of the run's SLO set can "
        "detect at 80 % power with the run's design (folds, repeats, rows), per strategy for a "
        "relative objective: now, with twice the repeats, and its floor (infinitely many "
        "repeats), with what would lower it. The spread behind each figure comes from a "
        "previous run of the same data set (same content digest) and model under "
        "$HARNESS_ROOT/outputs, the one with the most folds, or otherwise from a short pilot "
        "evaluated in memory, whose duration and uncertainty are printed. Takes the overrides "
        "of `harness run`, so designs can be compared (evaluation.n_repeats=5, "
        "evaluation.n_splits=10, dataset=...). Writes nothing.",
        *PLAN_EXAMPLES,
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="OVERRIDE",
        help="the overrides `harness run` takes: GROUP=OPTION or KEY=VALUE (`harness run "
        "--help` lists the groups)",
    )
    parser.add_argument(
        "--pilot",
        action="store_true",
        help="run a pilot even when a previous run of the data set gives the spreads",
    )
    parser.add_argument(
        "--pilot-splits",
        type=int,
        default=PILOT_SPLITS,
        metavar="K",
        help="folds per repeat of a pilot (a holdout pilot makes K random splits)",
    )
    parser.add_argument(
        "--pilot-repeats", type=int, default=PILOT_REPEATS, metavar="R", help="repeats of a pilot"
    )
    parser.error = _one_line_error  # type: ignore[method-assign]
    # Other flags are named by _refuse_flags, as harness run names them.
    parser.check_flags = False  # type: ignore[attr-defined]
    return parser


def _one_line_error(message: str) -> NoReturn:
    """argparse's usage errors as the one line every command prints."""
    raise ConfigError(f"{message}; see `harness plan --help`")


def _refuse_flags(flags: list[str], overrides: list[str]) -> None:
    """Name a flag ``harness plan`` does not take: Hydra's refused ones as ``harness run``
    names them, any other as unknown."""
    from harness.commands.run import RUN_FLAGS

    if any(flag in ("-m", "--multirun") for flag in flags):
        raise ConfigError(
            "harness plan plans one run, not a sweep (-m): list the values in the experiment's "
            "grid instead, e.g. experiment.grid.resampler=[none,smote,adasyn]"
        )
    if any(flag.split("=", 1)[0] in RUN_FLAGS for flag in flags):
        from harness.runner.config_checks import refuse_unsafe_arguments

        with contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):
            refuse_unsafe_arguments([*flags, *overrides])
    close = unknown_flag(flags[:1], plan_parser()._option_string_actions) or ""
    hint = close.split("; ", 1)[1] if "did you mean" in close else "give overrides (KEY=VALUE)"
    raise ConfigError(
        f"harness plan does not take {flags[0]}: {hint} (`harness plan --help` lists the options)"
    )


def plan_main(argv: list[str]) -> int:
    """Run ``harness plan [overrides...]``; return the exit code."""
    parser = plan_parser()
    ns, unknown = parser.parse_known_intermixed_args(argv)
    from harness.config_dir import (
        check_spelling,
        config_dir,
        config_groups,
        register_user_config_dirs,
    )
    from harness.runner.config_checks import (
        check_run_arguments,
        lists_as_grid_axes,
        refuse_unsafe_arguments,
    )

    overrides = list(ns.overrides)
    flags = [a for a in unknown if a.startswith("-")]
    if flags:
        _refuse_flags(flags, overrides)
    overrides += [a for a in unknown if not a.startswith("-")]
    for option, value in (
        ("--pilot-splits", ns.pilot_splits),
        ("--pilot-repeats", ns.pilot_repeats),
    ):
        minimum = 2 if option == "--pilot-splits" else 1
        if value < minimum:
            raise ConfigError(f"{option} must be at least {minimum}, got {value}")
    register_user_config_dirs()
    refuse_unsafe_arguments(overrides)
    overrides = lists_as_grid_axes(overrides, config_groups(), multirun=False)
    check_spelling(overrides)
    root = root_dir()
    if not any(o.startswith("paths.root_dir=") for o in overrides):
        overrides.append(f"paths.root_dir={root}")
    check_run_arguments(overrides, config_dir())

    from pathlib import Path

    from harness.runner.experiment import plan_run
    from harness.runner.plan import make_plan
    from harness.runner.preflight import check_components, check_datasets

    cfg, jobs = plan_run(overrides)
    check_components(jobs)  # as `harness run` checks them: one error naming the key
    check_datasets(jobs)
    plan = make_plan(
        cfg,
        jobs,
        outputs=Path(str(cfg.paths.output_dir)),
        root=root,
        force_pilot=ns.pilot,
        pilot_splits=ns.pilot_splits,
        pilot_repeats=ns.pilot_repeats,
    )
    print(plan.render())
    return 0
