"""What `harness run` prints at the end: the comparison and where everything went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from harness.report.comparison import Comparison, comparison_table
from harness.report.replication import summary_lines
from harness.runs import ExperimentFolder, RunFolder

SHOWN_COLUMNS = [
    "dataset",
    "resampler",
    "model",
    "status",
    "test/minority_recall",
    "test/minority_precision",
    "test/minority_f1",
    "test/pr_auc",
    "gap/minority_recall",
    "resample/synthetic_ratio",
]


def _shown_columns(table: pd.DataFrame) -> list[str]:
    """The columns printed; ``seed`` too when the jobs differ in it (else rows look repeated)."""
    columns = [c for c in SHOWN_COLUMNS if c in table.columns]
    if "seed" in table.columns and table["seed"].nunique() > 1:
        columns.insert(columns.index("model") + 1, "seed")
    return columns


def _print_table(table: pd.DataFrame) -> None:
    shown = table[_shown_columns(table)]
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(shown.to_string(index=False))


def mlflow_program(executable: str | None = None, search_path: str | None = None) -> str:
    """How to start MLflow's command line where the harness runs.

    ``mlflow`` when the one next to the running Python is the one on ``PATH`` (an activated
    environment, a plain ``pip install``); else that file's path (relative when it is under
    the current folder: ``.venv/bin/mlflow``); else ``<python> -m mlflow``.

    Parameters
    ----------
    executable : str, optional
        The Python running the harness (default: ``sys.executable``, not resolved: a virtual
        environment's ``python`` is a link out of it).
    search_path : str, optional
        The ``PATH`` to search (default: the environment's).

    Returns
    -------
    str
        A command prefix, quoted for a POSIX shell.
    """
    import os
    import shlex
    import shutil
    import sys

    python = Path(executable or sys.executable)
    beside = python.parent / "mlflow"
    found = shutil.which("mlflow", path=search_path)
    if found and beside.is_file() and Path(found).resolve() == beside.resolve():
        return "mlflow"
    if beside.is_file() and os.access(beside, os.X_OK):
        shown = beside.absolute()
        if shown.is_relative_to(Path.cwd()):
            shown = shown.relative_to(Path.cwd())
        return shlex.quote(str(shown))
    return f"{shlex.quote(str(python))} -m mlflow"


def _ui_hint(uri: str | None) -> str:
    if not uri:
        return "tracking is off (tracking=none)"
    if uri.startswith("sqlite:"):
        return f"{uri}\n  open the UI with: {mlflow_program()} ui --backend-store-uri {uri}"
    return f"{uri} (open it in a browser)"


def print_outcome(outcome: Any, cfg: Any) -> None:
    """Print the comparison table of an experiment run and where its outputs are."""
    records = outcome.records
    print()
    print(f"Experiment {cfg.experiment.name}: {len(records)} job(s)", end="")
    if outcome.skipped:
        print(f", {len(outcome.skipped)} resumed from earlier results", end="")
    print()
    if records:
        rows = [dict(r, run_dir="") for r in records]
        _print_table(comparison_table(rows))
    for record in outcome.failed:
        print(f"FAILED {record['dataset']}/{record['resampler']}: {record.get('error')}")
    _print_verdicts(getattr(outcome, "verdicts", []), cfg.slo.get("name"))
    replication = getattr(outcome.comparison, "replication", None)
    if replication is not None:
        print(f"\nReplication of {replication.table.name} (report.md has every cell and claim):")
        for line in summary_lines(replication):
            print(f"  {line}")
    print()
    print(f"Run folder: {outcome.output_dir}")
    print(f"MLflow:     {_ui_hint(outcome.tracking_uri)}")
    report = _report_of(outcome)
    if report is not None:
        print(f"Report:     {report} (and report.md)")


def _report_of(outcome: Any) -> Path | None:
    """The experiment's report; for a single job without one, that job's report."""
    report = ExperimentFolder(outcome.output_dir).report_html
    if report.is_file():
        return report
    jobs = ExperimentFolder(outcome.output_dir).jobs_dir
    job_dirs = sorted(p for p in jobs.iterdir() if p.is_dir()) if jobs.is_dir() else []
    if len(job_dirs) == 1 and RunFolder(job_dirs[0]).report_html.is_file():
        return RunFolder(job_dirs[0]).report_html
    return None


def _print_verdicts(lines: list[str], slo_name: str | None) -> None:
    """Each strategy's verdict under the run's SLO set (what `harness gate` would say)."""
    if not lines:
        return
    under = f"the {slo_name!r} SLO set" if slo_name else "the run's SLO set"
    print(f"\nVerdicts under {under} (what `harness gate --run-dir` checks):")
    for line in lines:
        print(f"  {line}")


def print_sweep(
    sweep_dir: Path,
    comparison: Comparison,
    verdicts: list[str] | None = None,
    slo_name: str | None = None,
) -> None:
    """Print the comparison of a sweep folder (and each strategy's verdict, when given)."""
    print()
    print(
        f"Sweep {sweep_dir}: {len(comparison.records)} job(s), {len(comparison.failed)} failed"
        + (f", {len(comparison.left_out)} left out" if comparison.left_out else "")
    )
    if not comparison.table.empty:
        _print_table(comparison.table)
    for record in comparison.failed:
        print(f"FAILED {record['dataset']}/{record['resampler']}: {record.get('error')}")
    if not comparison.ranks.empty:
        print("\nAverage rank across data sets (test/minority_f1, 1 = best):")
        print(comparison.ranks.to_string())
    if comparison.left_out:
        print(f"\nLEFT OUT {len(comparison.left_out)} job(s), not in this comparison:")
        for item in comparison.left_out:
            print(f"  {item.job}: {item.reason}")
    _print_verdicts(verdicts or [], slo_name)
    folder = ExperimentFolder(sweep_dir)
    print(f"\nReport: {folder.report_html} (and report.md, comparison.csv)")
