"""Judge a finished run folder: each strategy's verdict under the run's SLO set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.gate.gate import run_gate
from harness.gate.report import strategy_verdicts
from harness.gate.selection import select_folder


def strategy_verdict_lines(output_dir: Path, slo: Any) -> list[str]:
    """Gate the run folder with the run's SLO set and say each strategy's verdict.

    What ``harness gate --run-dir`` would conclude, so a user sees it without running the gate;
    a folder the gate cannot judge says why instead.
    """
    try:
        selection = select_folder(output_dir)
        result = run_gate(selection.candidates, slo, pool=selection.pool, scope=selection.scope)
    except HarnessError as exc:
        return [f"no verdict: {exc}"]
    nothing = result.nothing_judged()
    if nothing is not None:
        return [f"no verdict: {nothing}"]
    return [verdict.line() for verdict in strategy_verdicts(result)]
