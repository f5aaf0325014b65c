"""Gate checks: SLO objectives, fairness bounds and regression against a baseline run.

Each check yields one :class:`Check` record. A metric the candidate lacks is a failed check:
a gate must never pass because a number was not computed.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from harness.gate.sources import Candidate
from harness.slo import Objective, SLOSet

#: Metric scopes where a smaller value is better (used when no SLO objective says otherwise).
LOWER_IS_BETTER_SCOPES = ("gap", "time", "memory", "noise")
DEFAULT_REGRESSION_METRICS = ("test/minority_recall", "test/minority_f1", "test/pr_auc")
_KIND_BY_SCOPE = {"gap": "overfitting", "resample": "synthetic", "noise": "label_noise"}


@dataclass(frozen=True)
class Check:
    """The outcome of one gate check.

    Attributes
    ----------
    name : str
        Check name, e.g. the SLO objective name (``minority_recall``).
    kind : str
        ``slo``, ``overfitting``, ``synthetic``, ``label_noise``, ``fairness``, ``regression``,
        ``run``, ``drift``, ``realism`` or ``privacy``.
    metric : str
        The metric key checked.
    value : float or None
        The candidate's value (``None`` when missing).
    threshold : float or None
        The bound the value is compared with.
    op : str
        The comparison that must hold: ``>=``, ``>``, ``<=``, ``<`` or ``==``.
    passed : bool
        Whether the check passed (a skipped check counts as passed).
    detail : str
        Why it passed, failed or was skipped, in words.
    candidate : str
        The candidate's name.
    skipped : bool
        The check does not apply to this candidate.
    """

    name: str
    kind: str
    metric: str
    value: float | None
    threshold: float | None
    op: str
    passed: bool
    detail: str = ""
    candidate: str = ""
    skipped: bool = False

    @property
    def verdict(self) -> str:
        """``PASS``, ``FAIL`` or ``SKIP``."""
        if self.skipped:
            return "SKIP"
        return "PASS" if self.passed else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the verdict; NaN becomes ``None``."""
        out = asdict(self)
        for key in ("value", "threshold"):
            if out[key] is not None and not math.isfinite(out[key]):
                out[key] = None
        out["verdict"] = self.verdict
        return out


def check_kind(metric: str) -> str:
    """The check kind of an SLO objective on ``metric`` (by its scope)."""
    return _KIND_BY_SCOPE.get(metric.split("/", 1)[0], "slo")


def status_check(candidate: Candidate) -> Check:
    """The run itself must have finished successfully."""
    passed = candidate.status == "success"
    detail = (
        "the run finished"
        if passed
        else (
            f"the run ended with status {candidate.status!r}: read its error in result.json, fix "
            "it and rerun the job"
        )
    )
    return Check("run_status", "run", "status", None, None, "==", passed, detail, candidate.name)


def slo_checks(candidate: Candidate, slo: SLOSet, decision: str | None = None) -> list[Check]:
    """Check every batch objective of ``slo`` on ``candidate``.

    Parameters
    ----------
    candidate : Candidate
        The run to check.
    slo : SLOSet
        The SLO set; ``applies_to`` of each objective is honoured.
    decision : {"point", "ci"}, optional
        Override of every objective's ``decision``.

    Returns
    -------
    list of Check
    """
    checks = []
    for objective in slo.objectives:
        if not objective.applies(candidate.resampler):
            checks.append(_skipped(candidate, objective, check_kind(objective.metric)))
            continue
        checks.append(
            _objective_check(candidate, objective, objective.metric, objective.name, decision)
        )
    return checks


def fairness_checks(candidate: Candidate, slo: SLOSet, decision: str | None = None) -> list[Check]:
    """Check every fairness bound of ``slo`` on each sensitive column of ``candidate``.

    The keys read are ``fairness/<column>/<metric>``. A run without sensitive columns gets one
    skipped check per bound, so the report shows that fairness was not measured.
    """
    checks = []
    for objective in slo.fairness:
        columns = sorted(
            key.split("/")[1]
            for key in candidate.metrics
            if key.startswith("fairness/")
            and key.count("/") == 2
            and key.endswith(f"/{objective.metric}")
        )
        if not columns:
            checks.append(
                Check(
                    objective.name,
                    "fairness",
                    f"fairness/*/{objective.metric}",
                    None,
                    objective.threshold,
                    objective.op,
                    True,
                    "the run has no sensitive column: declare sensitive columns in the dataset "
                    "config to measure fairness",
                    candidate.name,
                    skipped=True,
                )
            )
        for column in columns:
            metric = f"fairness/{column}/{objective.metric}"
            name = f"{objective.name}[{column}]"
            check = _objective_check(candidate, objective, metric, name, decision)
            checks.append(_with_kind(check, "fairness"))
    return checks


def greater_is_better(metric: str, slo: SLOSet | None = None) -> bool:
    """Whether a larger value of ``metric`` is better.

    An SLO objective on the metric decides; otherwise the scopes ``gap``, ``time``, ``memory``
    and ``noise`` and the ``*_difference`` fairness metrics are lower-is-better.
    """
    for objective in slo.objectives if slo else ():
        if objective.metric == metric:
            return objective.op in (">=", ">")
    lower = metric.split("/", 1)[0] in LOWER_IS_BETTER_SCOPES or metric.endswith("_difference")
    return not lower


def regression_checks(
    candidate: Candidate,
    baseline: Candidate,
    metrics: Sequence[str] = DEFAULT_REGRESSION_METRICS,
    *,
    min_absolute_change: float | None = 0.0,
    min_relative_change: float | None = None,
    slo: SLOSet | None = None,
) -> list[Check]:
    """Compare ``candidate`` with ``baseline`` through MLflow's ``MetricThreshold``.

    A positive change is MLflow's own rule: the candidate must beat the baseline by at least
    that much (``min_absolute_change`` / ``min_relative_change`` of ``MetricThreshold``). Zero
    means "no worse than the baseline" and a negative change is the drop allowed (``-0.02``
    accepts a candidate up to 0.02 below the baseline); both become MLflow's absolute
    ``threshold``, placed relative to the baseline value.

    Parameters
    ----------
    candidate, baseline : Candidate
        The run under test and the run it must not regress from.
    metrics : sequence of str
        Metric keys to compare.
    min_absolute_change : float or None
        Required change in metric units (see above); ``None`` to skip.
    min_relative_change : float or None
        Required change as a share of ``|baseline|`` in [-1, 1]; ``None`` to skip.
    slo : SLOSet, optional
        Decides the direction of metrics it has objectives for.

    Returns
    -------
    list of Check
        One per metric, kind ``regression``.
    """
    import mlflow
    from mlflow.models import MetricThreshold
    from mlflow.models.evaluation import EvaluationResult
    from mlflow.models.evaluation.validation import ModelValidationFailedException

    checks = []
    for metric in metrics:
        higher = greater_is_better(metric, slo)
        value = _finite(candidate.metrics.get(metric))
        reference = _finite(baseline.metrics.get(metric))
        op = ">=" if higher else "<="
        if reference is None:
            checks.append(
                Check(
                    f"regression[{metric}]",
                    "regression",
                    metric,
                    value,
                    None,
                    op,
                    False,
                    f"the baseline {baseline.name} has no value for {metric}: choose a baseline "
                    "that measured it or drop it from --regression-metrics",
                    candidate.name,
                )
            )
            continue
        kwargs, bound = _threshold_arguments(
            reference, higher, min_absolute_change, min_relative_change
        )
        candidate_result = EvaluationResult({metric: value} if value is not None else {}, {})
        baseline_result = EvaluationResult({metric: reference}, {})
        try:
            with _quiet_mlflow_validation():
                mlflow.validate_evaluation_results(
                    {metric: MetricThreshold(greater_is_better=higher, **kwargs)},
                    candidate_result,
                    baseline_result,
                )
        except ModelValidationFailedException as exc:
            passed, detail = False, f"{exc.message} (baseline {baseline.name})"
        else:
            passed = True
            detail = f"baseline {baseline.name} = {reference:.4g}; required {op} {bound:.4g}"
        checks.append(
            Check(
                f"regression[{metric}]",
                "regression",
                metric,
                value,
                bound,
                op,
                passed,
                detail,
                candidate.name,
            )
        )
    return checks


@contextlib.contextmanager
def _quiet_mlflow_validation() -> Iterator[None]:
    """Silence MLflow's INFO lines for each validation; the gate reports the outcome itself."""
    logger = logging.getLogger("mlflow.models.evaluation.validation")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _threshold_arguments(
    reference: float,
    higher: bool,
    min_absolute_change: float | None,
    min_relative_change: float | None,
) -> tuple[dict[str, float], float]:
    """MetricThreshold keyword arguments and the effective bound on the candidate's value."""
    sign = 1.0 if higher else -1.0
    kwargs: dict[str, float] = {}
    bounds: list[float] = []
    absolute_bounds: list[float] = []
    if min_absolute_change is not None:
        bound = reference + sign * float(min_absolute_change)
        if min_absolute_change > 0:
            kwargs["min_absolute_change"] = float(min_absolute_change)
            bounds.append(bound)
        else:
            absolute_bounds.append(bound)
    if min_relative_change is not None:
        bound = reference + sign * float(min_relative_change) * abs(reference)
        if min_relative_change > 0:
            kwargs["min_relative_change"] = float(min_relative_change)
            bounds.append(bound)
        else:
            absolute_bounds.append(bound)
    if absolute_bounds:
        strictest = max(absolute_bounds) if higher else min(absolute_bounds)
        kwargs["threshold"] = float(strictest)
        bounds.append(strictest)
    if not kwargs:  # nothing asked: no worse than the baseline
        kwargs["threshold"] = float(reference)
        bounds.append(reference)
    return kwargs, (max(bounds) if higher else min(bounds))


def _objective_check(
    candidate: Candidate, objective: Objective, metric: str, name: str, decision: str | None
) -> Check:
    kind = check_kind(metric)
    value = candidate.metrics.get(metric)
    args = (name, kind, metric)
    if value is None or math.isnan(value):
        missing = "is missing from" if value is None else "is NaN in"
        return Check(
            *args,
            value,
            objective.threshold,
            objective.op,
            False,
            f"{metric} {missing} the run, so the objective cannot be met: check that the "
            "evaluation computes it (see the run's result.json) or remove the objective from "
            "the SLO set",
            candidate.name,
        )
    decision = decision or objective.decision
    interval = candidate.ci95.get(metric)
    required = f"required {objective.op} {objective.threshold:.4g}"
    if decision == "ci" and interval is not None:
        low, high = interval
        passed = objective.is_met_ci(low, high)
        where = "reaches" if passed else "lies wholly on the wrong side of"
        detail = f"95% CI [{low:.4g}, {high:.4g}] {where} the bound; {required} (decision ci)"
    else:
        passed = objective.is_met(value)
        if passed:
            detail = f"mean {value:.4g} meets {objective.op} {objective.threshold:.4g}"
        else:
            miss = abs(value - objective.threshold)
            detail = (
                f"mean {value:.4g} misses {objective.op} {objective.threshold:.4g} by {miss:.2g}"
            )
        if decision == "ci":
            detail += " (decision ci, but the run has no CI for this metric: point used)"
    return Check(*args, value, objective.threshold, objective.op, passed, detail, candidate.name)


def _skipped(candidate: Candidate, objective: Objective, kind: str) -> Check:
    applies = ", ".join(objective.applies_to or ())
    return Check(
        objective.name,
        kind,
        objective.metric,
        candidate.metrics.get(objective.metric),
        objective.threshold,
        objective.op,
        True,
        f"applies only to {applies}; this run uses {candidate.resampler or 'no resampler'}",
        candidate.name,
        skipped=True,
    )


def _with_kind(check: Check, kind: str) -> Check:
    values = asdict(check)
    values["kind"] = kind
    return Check(**values)


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def all_passed(checks: Iterable[Check]) -> bool:
    """Whether every check passed (skipped checks count as passed)."""
    return all(check.passed for check in checks)
