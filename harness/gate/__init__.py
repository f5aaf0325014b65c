"""The CI model-quality gate: SLO checks, regression against a baseline, CI summaries.

The gate (``harness gate``, :mod:`harness.commands.gate`) checks runs (results folders, MLflow
runs, or every job of an experiment's latest run) against an SLO set and a baseline run; every
configured check ends PASS, FAIL or NOT APPLICABLE with its reason, every warning WARN or OK
(never gating). Relative objectives compare each strategy with a reference strategy on paired
folds. ``harness promote`` registers a model and moves the ``champion`` alias only when the gate
passes.
"""

from harness.gate.checks import (
    FAIL,
    NOT_APPLICABLE,
    OK,
    PASS,
    WARN,
    Check,
    fairness_checks,
    slo_checks,
    status_check,
    warning_checks,
)
from harness.gate.gate import GateOptions, GateResult, run_gate
from harness.gate.regression import parse_regression_metrics, regression_checks
from harness.gate.relative import Comparison, relative_checks
from harness.gate.report import StrategyVerdict, strategy_verdicts
from harness.gate.selection import Selection, select_experiment, select_folder, select_run_id
from harness.gate.sources import (
    Candidate,
    load_mlflow_run,
    load_results,
    load_run_dir,
    resolve_alias,
)

__all__ = [
    "FAIL",
    "NOT_APPLICABLE",
    "OK",
    "PASS",
    "WARN",
    "Candidate",
    "Check",
    "Comparison",
    "GateOptions",
    "GateResult",
    "Selection",
    "fairness_checks",
    "load_mlflow_run",
    "load_results",
    "load_run_dir",
    "parse_regression_metrics",
    "regression_checks",
    "relative_checks",
    "resolve_alias",
    "run_gate",
    "select_experiment",
    "select_folder",
    "select_run_id",
    "slo_checks",
    "status_check",
    "strategy_verdicts",
    "StrategyVerdict",
    "warning_checks",
]
