"""``harness compare``: compare the jobs of a run or sweep folder and write its report.

The report opens with each strategy's verdict under an SLO set: ``--slo``, else the one the
jobs were run with (the ``slo`` node of their ``config.yaml``), else ``default`` (the report
says so). When the jobs' experiment replicates a published table (``experiment.replicates``),
the report compares the run with it again, cell by cell and claim by claim.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.commands.common import command_parser, print_error

#: The SLO set a folder is judged under when its jobs record none.
FALLBACK_SLO_SET = "default"


def compare_parser() -> argparse.ArgumentParser:
    """The parser of ``harness compare``."""
    from harness.slo import available_slo_sets

    parser = command_parser(
        "harness compare",
        "Compare the jobs found under a run or sweep folder and write its report.md, "
        "report.html and comparison.csv there; the report opens with each strategy's verdict "
        "under the SLO set (what `harness gate --run-dir` concludes). Fails (exit 2) when a job "
        "is unfinished or its result.json unreadable, unless --allow-missing is given.",
        "harness compare outputs/runs/quick/2026-01-31_12-00-00-000000",
        "harness compare outputs/runs/quick/2026-01-31_12-00-00-000000 --slo my_slos.yaml",
        "harness compare outputs/sweeps/adhoc-1a2b3c4d --allow-missing",
    )
    parser.add_argument("folder", type=Path, help="a run folder or sweep folder")
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="compare the jobs that can be read; the terminal, report.md, comparison.csv and "
        "left_out.csv then name every job left out and why",
    )
    parser.add_argument(
        "--slo",
        default=None,
        metavar="NAME_OR_PATH",
        help="SLO set to judge the jobs under and to draw on the forest plots: one of "
        f"{', '.join(available_slo_sets())} (conf/slo/) or the path of a YAML file; default: "
        "the set the jobs were run with (the slo node of their config.yaml), else "
        f"{FALLBACK_SLO_SET}",
    )
    return parser


def compare_main(argv: list[str]) -> int:
    """Run ``harness compare FOLDER``; return the exit code."""
    ns = compare_parser().parse_args(argv)
    from harness.commands.summary import print_sweep
    from harness.pipeline.judge import judge_folder
    from harness.report.comparison import compare

    if not ns.folder.is_dir():
        return print_error(f"{ns.folder} is not a folder; pass a run or sweep folder.")
    print(f"Reading {ns.folder.resolve()}")
    slo, source, note = chosen_slo_set(ns.folder, ns.slo)
    judgement = judge_folder(ns.folder, slo, source=source, allow_incomplete=ns.allow_missing)
    section = judgement.section
    if note:
        from dataclasses import replace

        section = replace(section, warnings=(*section.warnings, note))
        print(f"note: {note}", file=sys.stderr)
    comparison = compare(
        ns.folder,
        allow_missing=ns.allow_missing,
        slo=slo,
        verdicts=section,
        published=recorded_published_table(ns.folder),
    )
    print_sweep(ns.folder, comparison, judgement.lines, slo.name)
    for item in comparison.left_out:
        print(f"warning: left out {item.job}: {item.reason}", file=sys.stderr)
    return 0


def chosen_slo_set(folder: Path, name_or_path: str | None) -> tuple[Any, str, str]:
    """The SLO set to judge ``folder`` under, where it came from, and a note for the reader.

    Parameters
    ----------
    folder : Path
        A run, experiment or sweep folder.
    name_or_path : str or None
        ``--slo``; ``None`` reads the set the jobs recorded in their ``config.yaml``.

    Returns
    -------
    tuple of (SLOSet, str, str)
        The set; its source in words; a note ("" when there is nothing to add): why the
        fallback set was used, or that the jobs record different sets.

    Raises
    ------
    ConfigError
        When ``--slo`` names no set or a broken file, or the jobs' recorded set is invalid.
    """
    from harness.slo import load_slo_set

    if name_or_path is not None:
        return load_slo_set(name_or_path), f"--slo {Path(name_or_path).name}", ""
    recorded, problems = recorded_slo_sets(folder)
    if not recorded:
        why = "; ".join(problems[:3]) if problems else "no job records an slo node"
        note = (
            f"The jobs' config.yaml files record no SLO set ({why}), so the folder is judged "
            f"under `{FALLBACK_SLO_SET}`: pass `--slo NAME_OR_PATH` to choose the set."
        )
        return load_slo_set(FALLBACK_SLO_SET), f"{FALLBACK_SLO_SET}, the fallback", note
    first = next(iter(recorded.values()))
    note = ""
    if len(recorded) > 1:
        note = (
            f"The jobs were run with {len(recorded)} different SLO sets "
            f"({', '.join(recorded)}); the folder is judged under `{first.name}`: pass "
            "`--slo NAME_OR_PATH` to choose another."
        )
    return first, "the SLO set the jobs were run with", note


def recorded_slo_sets(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """The SLO sets the jobs under ``folder`` were run with, by name, in the jobs' order, and
    why a job's set could not be read (a job without ``config.yaml``, a config without
    ``slo``)."""
    from harness.errors import HarnessError
    from harness.runs import RunFolder, find_run_dirs
    from harness.slo import parse_slo_set

    found: dict[str, Any] = {}
    problems: list[str] = []
    for run_dir in find_run_dirs(folder):
        job = RunFolder(run_dir)
        try:
            node = job.read_config().get("slo")
        except HarnessError as exc:
            problems.append(str(exc))
            continue
        if not isinstance(node, dict):
            problems.append(f"{job.config} has no slo node")
            continue
        slo = parse_slo_set(node, source=f"{job.config.name} of {run_dir.name}, slo")
        found.setdefault(slo.name, slo)
    return found, problems


def recorded_published_table(folder: Path) -> Any:
    """The published table the jobs under ``folder`` replicate (``experiment.replicates`` of
    their ``config.yaml``), or ``None`` when none names one.

    Raises
    ------
    ConfigError
        When the jobs name different tables, or one that is not shipped.
    """
    from harness.errors import ConfigError, HarnessError
    from harness.report.published import load_published
    from harness.runs import RunFolder, find_run_dirs

    names = set()
    for run_dir in find_run_dirs(folder):
        try:
            experiment = RunFolder(run_dir).read_config().get("experiment")
        except HarnessError:
            continue  # recorded_slo_sets names the job's problem
        if isinstance(experiment, dict) and experiment.get("replicates") is not None:
            names.add(str(experiment["replicates"]))
    if len(names) > 1:
        raise ConfigError(
            f"the jobs under {folder} replicate different published tables {sorted(names)}: "
            "compare the folder of one experiment at a time."
        )
    return load_published(names.pop()) if names else None
