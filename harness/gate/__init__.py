"""The CI model-quality gate: SLO checks, regression against a baseline, CI summaries.

``harness gate`` checks runs (results folders or MLflow runs) against an SLO set and a baseline
run; ``harness promote`` registers a model and moves the ``champion`` alias only when the gate
passes.
"""

from harness.gate.checks import (
    Check,
    fairness_checks,
    greater_is_better,
    regression_checks,
    slo_checks,
)
from harness.gate.command import gate_main, promote_main
from harness.gate.gate import GateOptions, GateResult, run_gate
from harness.gate.sources import (
    Candidate,
    load_latest_run,
    load_mlflow_run,
    load_results,
    load_run_dir,
    resolve_alias,
)

__all__ = [
    "Candidate",
    "Check",
    "GateOptions",
    "GateResult",
    "fairness_checks",
    "gate_main",
    "greater_is_better",
    "load_latest_run",
    "load_mlflow_run",
    "load_results",
    "load_run_dir",
    "promote_main",
    "regression_checks",
    "resolve_alias",
    "run_gate",
    "slo_checks",
]
