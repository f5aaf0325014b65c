"""Gate checks: run status, SLO objectives, fairness bounds and warnings.

Each configured objective yields one :class:`Check` per run with a verdict: ``PASS``, ``FAIL``
or ``NOT APPLICABLE`` with its reason. Nothing is silently dropped: a metric that is missing,
null, NaN, infinite or outside the range the metric catalog gives it fails its check, and a
sensitive column the run was configured with but has no fairness metric for fails too.

A warning of the SLO set yields ``WARN`` (breached, or its value cannot be judged) or ``OK``
(met): reported with the verdict, never counted as a pass or a failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from harness.gate.sources import Candidate
from harness.metrics import catalog
from harness.slo import Objective, SLOSet

PASS, FAIL, NOT_APPLICABLE = "PASS", "FAIL", "NOT APPLICABLE"
#: The data show neither that the objective is met nor that it is missed (an interval that
#: straddles the bound): not a pass unless the gate is told to count it as one.
INCONCLUSIVE = "INCONCLUSIVE"
#: Verdicts of a warning: breached (or not judgeable), and met. Neither passes nor fails.
WARN, OK = "WARN", "OK"
VERDICTS = (PASS, FAIL, INCONCLUSIVE, NOT_APPLICABLE, WARN, OK)
#: What the gate does with an INCONCLUSIVE objective (``--inconclusive``).
INCONCLUSIVE_POLICIES = ("fail", "pass")
#: The one-sided level of "the data show it": the lower (or upper) end of a 95 % interval.
SHOWN_LEVEL = 0.025
WARNING_KIND = "warning"
FAILED_RUN_REASON = "the run failed (see run_status, which fails): it has no metrics to check"
_KIND_BY_SCOPE = {"gap": "overfitting", "resample": "synthetic", "data": "label_quality"}


@dataclass(frozen=True)
class Check:
    """The outcome of one gate check.

    Attributes
    ----------
    name : str
        Check name, e.g. the SLO objective name (``minority_recall``).
    kind : str
        ``slo``, ``overfitting``, ``synthetic``, ``label_quality``, ``fairness``,
        ``relative``, ``warning``, ``regression``, ``run``, ``drift``, ``realism`` or
        ``privacy``.
    metric : str
        The metric key checked.
    value : float or None
        The candidate's value (``None`` when missing or null); for a relative check, the
        effect (improvement over the reference).
    threshold : float or None
        The bound the value is compared with.
    op : str
        The comparison that must hold: ``>=``, ``>``, ``<=``, ``<`` or ``==``.
    verdict : str
        ``PASS``, ``FAIL`` or ``NOT APPLICABLE``; a warning is ``WARN`` or ``OK``.
    detail : str
        Why, in words; required for ``NOT APPLICABLE`` and ``WARN``.
    candidate : str
        The candidate's name (empty for data checks).
    comparison : object or None
        The statistics of a relative check
        (:class:`harness.gate.relative.Comparison`), else ``None``.

    Raises
    ------
    ValueError
        For an unknown verdict or a ``NOT APPLICABLE`` check without its reason.
    """

    name: str
    kind: str
    metric: str
    value: float | None
    threshold: float | None
    op: str
    verdict: str
    detail: str = ""
    candidate: str = ""
    comparison: Any = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")
        if self.verdict in (NOT_APPLICABLE, WARN, INCONCLUSIVE) and not self.detail.strip():
            raise ValueError(f"check {self.name!r} is {self.verdict} without a reason")

    @property
    def passed(self) -> bool:
        """Whether the verdict is ``PASS`` (a not-applicable check never counts as passed)."""
        return self.verdict == PASS

    @property
    def failed(self) -> bool:
        """Whether the verdict is ``FAIL``."""
        return self.verdict == FAIL

    @property
    def inconclusive(self) -> bool:
        """Whether the verdict is ``INCONCLUSIVE`` (the data show neither)."""
        return self.verdict == INCONCLUSIVE

    @property
    def not_applicable(self) -> bool:
        """Whether the verdict is ``NOT APPLICABLE``."""
        return self.verdict == NOT_APPLICABLE

    @property
    def warned(self) -> bool:
        """Whether the verdict is ``WARN`` (never a pass, never a failure)."""
        return self.verdict == WARN

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with ``passed`` (the verdict is PASS); NaN and infinities become
        ``None``, in the comparison of a relative check too."""
        out = asdict(self)
        for key in ("value", "threshold"):
            if out[key] is not None and not math.isfinite(out[key]):
                out[key] = None
        if isinstance(out["comparison"], dict):
            out["comparison"] = {
                key: None if isinstance(v, float) and not math.isfinite(v) else v
                for key, v in out["comparison"].items()
            }
        out["passed"] = self.passed
        return out


def verdict_of(passed: bool) -> str:
    """``PASS`` or ``FAIL``."""
    return PASS if passed else FAIL


def check_kind(metric: str) -> str:
    """The check kind of an SLO objective on ``metric`` (by its scope)."""
    return _KIND_BY_SCOPE.get(metric.split("/", 1)[0], "slo")


def value_problem(metric: str, metrics: Mapping[str, float | None]) -> str | None:
    """Why the value of ``metric`` in ``metrics`` cannot be judged, in words; ``None`` if it can.

    A value must be present, not null, finite and inside the catalog range of the metric.
    """
    if metric not in metrics:
        old = [k for k, new in catalog.RENAMED.items() if new == metric and k in metrics]
        if old:
            return (
                f"{metric} is missing (the run has {old[0]}, its name before a rename: it was "
                "written by an older harness, rerun it)"
            )
        return f"{metric} is missing from the run"
    value = metrics[metric]
    if value is None:
        return f"{metric} is null in the run (it was not computed)"
    if math.isnan(value):
        return f"{metric} is NaN in the run"
    if math.isinf(value):
        return f"{metric} is infinite ({value}) in the run"
    parsed = catalog.parse_key(metric)
    if parsed is None:
        return f"{metric} is not a metric of the catalog, so its value cannot be judged"
    if not parsed.spec.low <= value <= parsed.spec.high:
        return (
            f"{metric} = {value:.4g} is outside its possible range "
            f"[{parsed.spec.low:g}, {parsed.spec.high:g}] (a damaged record or a wrongly "
            "computed metric)"
        )
    return None


def status_check(candidate: Candidate) -> Check:
    """The run itself must have finished successfully (reference runs too)."""
    passed = candidate.status == "success"
    if passed:
        detail = "the run finished"
    else:
        error = candidate.record.get("error") or "no error recorded"
        detail = (
            f"the run ended with status {candidate.status!r} ({error}): read error.txt in its "
            "folder, fix the cause and rerun the job"
        )
    return Check(
        "run_status", "run", "status", None, None, "==", verdict_of(passed), detail, candidate.name
    )


def slo_checks(candidate: Candidate, slo: SLOSet, decision: str | None = None) -> list[Check]:
    """Check every batch objective of ``slo`` on ``candidate``.

    Parameters
    ----------
    candidate : Candidate
        The run to check.
    slo : SLOSet
        The SLO set; each objective's ``applies_to`` is matched with the run's strategy kind.
    decision : {"point", "ci"}, optional
        Override of every objective's ``decision``.

    Returns
    -------
    list of Check
        One per objective, in the order of the SLO set.
    """
    checks = []
    for objective in slo.objectives:
        kind = check_kind(objective.metric)
        reason = _not_applicable(candidate, objective)
        if reason is not None:
            value = _finite_or_none(candidate.metrics.get(objective.metric))
            checks.append(
                _check(candidate, objective, objective.name, kind, objective.metric, value, reason)
            )
            continue
        checks.append(
            _objective_check(candidate, objective, objective.name, kind, objective.metric, decision)
        )
    return checks


def fairness_checks(candidate: Candidate, slo: SLOSet, decision: str | None = None) -> list[Check]:
    """Check every fairness bound of ``slo`` on each sensitive column of ``candidate``.

    The columns are those the run was configured with (see
    :func:`harness.gate.records.sensitive_columns`) plus any with fairness metrics in the
    record; a configured column without its metric fails. A run with no sensitive column gets
    one ``NOT APPLICABLE`` check per bound, saying so.
    """
    columns = sensitive_columns_of(candidate)
    checks = []
    for objective in slo.fairness:
        pattern = f"fairness/*/{objective.metric}"
        reason = _not_applicable(candidate, objective)
        if reason is None and not columns:
            reason = _no_column_reason(candidate)
        if reason is not None:
            checks.append(
                _check(candidate, objective, objective.name, "fairness", pattern, None, reason)
            )
            continue
        for column in columns:
            key = catalog.fairness_key(column, objective.metric)
            name = f"{objective.name}[{column}]"
            checks.append(_objective_check(candidate, objective, name, "fairness", key, decision))
    return checks


def warning_checks(candidate: Candidate, slo: SLOSet, decision: str | None = None) -> list[Check]:
    """Check every warning of ``slo`` on ``candidate``: ``WARN`` or ``OK``, never gating.

    A warning is checked on every successful run, the reference strategy included (a warning
    is reported, never gated). A value that is missing, null, NaN, infinite or out of range
    cannot show the warning is clear, so it is ``WARN`` with the reason. A failed run, or a
    strategy ``applies_to`` does not name, gets ``NOT APPLICABLE`` with the reason.

    Returns
    -------
    list of Check
        One per warning, in the order of the SLO set, kind ``warning``.
    """
    checks = []
    for objective in slo.warnings:
        metric = objective.metric
        reason = None
        if candidate.status != "success":
            reason = FAILED_RUN_REASON
        elif not objective.applies(candidate.strategy):
            reason = applies_to_reason(candidate, objective.applies_to)
        if reason is not None:
            value = _finite_or_none(candidate.metrics.get(metric))
            checks.append(
                _check(candidate, objective, objective.name, WARNING_KIND, metric, value, reason)
            )
            continue
        check = _objective_check(
            candidate, objective, objective.name, WARNING_KIND, metric, decision
        )
        if check.passed:
            verdict, detail = OK, check.detail
        else:
            verdict = WARN
            detail = check.detail
            if value_problem(metric, candidate.metrics) is not None:
                detail = (
                    f"{value_problem(metric, candidate.metrics)}, so the warning cannot be "
                    "cleared: check that the evaluation computes it (see the run's result.json)"
                )
        checks.append(replace(check, verdict=verdict, detail=f"{detail} (warning, not gated)"))
    return checks


def sensitive_columns_of(candidate: Candidate) -> list[str]:
    """The run's sensitive columns: configured ones first, then any found in fairness keys."""
    columns = list(candidate.sensitive_columns or ())
    for key in candidate.metrics:
        parsed = catalog.parse_key(key)
        if parsed is not None and parsed.column is not None and parsed.column not in columns:
            columns.append(parsed.column)
    return columns


def judged(checks: list[Check]) -> list[Check]:
    """The checks that judged an objective: PASS, FAIL or INCONCLUSIVE, the run status left
    out (a run that finished shows nothing about the model)."""
    return [c for c in checks if c.kind != "run" and (c.passed or c.failed or c.inconclusive)]


def all_passed(checks: list[Check], inconclusive: str = "fail") -> bool:
    """Whether at least one objective other than the run status passed and nothing failed
    (not-applicable checks and warnings never pass); an INCONCLUSIVE objective counts as a
    failure, or as a pass with ``inconclusive="pass"``."""
    lenient = inconclusive == "pass"
    passes = [c for c in judged(checks) if c.passed or (lenient and c.inconclusive)]
    failures = [c for c in checks if c.failed or (c.inconclusive and not lenient)]
    return bool(passes) and not failures


# -- one objective ----------------------------------------------------------------------------


def _not_applicable(candidate: Candidate, objective: Objective) -> str | None:
    # An absolute objective applies to every strategy, the untreated reference included (most
    # production models are untreated); only ``applies_to`` narrows it.
    if candidate.status != "success":
        return FAILED_RUN_REASON
    if not objective.applies(candidate.strategy):
        return applies_to_reason(candidate, objective.applies_to)
    return continuous_scores_reason(candidate, objective.metric)


def continuous_scores_reason(candidate: Candidate, metric: str) -> str | None:
    """Why ``metric`` means nothing for this run, when it needs continuous scores it lacks.

    A metric that needs a ranking (PR-AUC, ROC-AUC) or an operating point (recall at the
    precision target) is not applicable to a model with hard scores, nor when the run recorded
    why it has no value (``result.json`` ``undefined``); ``None`` otherwise.
    """
    parsed = catalog.parse_key(metric)
    needs = parsed.spec.needs if parsed is not None else None
    if needs not in catalog.NEEDS_CONTINUOUS_SCORES:
        return None
    undefined = (candidate.record.get("undefined") or {}).get(metric)
    if undefined:
        return undefined
    if candidate.record.get("hard_scores") is True:
        from harness.evaluate.summaries import MIN_SCORE_LEVELS

        levels = candidate.record.get("score_levels")
        count = f"{levels:g}" if isinstance(levels, int | float) else "no"
        missing = "a ranking" if needs == "ranking" else "a threshold to tune"
        return (
            f"the model's scores take {count} distinct values per test fold (hard scores: fewer "
            f"than {MIN_SCORE_LEVELS}), so {metric} has {missing} only in name: judge it on a "
            "model with continuous scores (e.g. model=logistic_regression), or on recall, "
            "precision, F1 and G-mean"
        )
    return None


def applies_to_reason(candidate: Candidate, applies_to: tuple[str, ...] | None) -> str:
    """Why an objective limited to the strategies ``applies_to`` does not apply to a run."""
    named = (
        f" (named {candidate.resampler!r})"
        if candidate.resampler and candidate.resampler != candidate.strategy
        else ""
    )
    return (
        f"applies only to the strategies {', '.join(applies_to or ())}; this run's "
        f"strategy is {candidate.strategy}{named}"
    )


def _no_column_reason(candidate: Candidate) -> str:
    if candidate.sensitive_columns is None:
        return (
            "the run records no sensitive column (no sensitive_columns in result.json, no "
            "dataset.json, no dataset.loader.sensitive) and no fairness metric: declare "
            "sensitive columns in the dataset config to measure fairness"
        )
    return (
        "the run has no sensitive column: declare sensitive columns in the dataset config "
        "(dataset.loader.sensitive) to measure fairness"
    )


def _objective_check(
    candidate: Candidate,
    objective: Objective,
    name: str,
    kind: str,
    metric: str,
    decision: str | None,
) -> Check:
    value = candidate.metrics.get(metric)
    problem = value_problem(metric, candidate.metrics)
    if problem is not None:
        detail = (
            f"{problem}, so the objective cannot be met: check that the evaluation computes it "
            "(see the run's result.json) and rerun, or remove the objective from the SLO set"
        )
        return _check(candidate, objective, name, kind, metric, value, detail, FAIL)
    decision = decision or objective.decision
    interval = candidate.ci95.get(metric)
    required = f"required {objective.op} {objective.threshold:.4g}"
    if decision == "ci" and interval is not None:
        low, high = interval
        bad = _interval_problem(metric, low, high)
        if bad is not None:
            return _check(candidate, objective, name, kind, metric, value, bad, FAIL)
        verdict = _interval_verdict(objective, low, high)
        where = {
            PASS: "lies wholly on the right side of",
            FAIL: "lies wholly on the wrong side of",
            INCONCLUSIVE: "straddles",
        }[verdict]
        detail = f"95% CI [{low:.4g}, {high:.4g}] {where} the bound; {required} (decision ci)"
        if verdict == INCONCLUSIVE:
            detail += f"; {_detectable_line(candidate, metric)}"
        return _check(candidate, objective, name, kind, metric, value, detail, verdict)
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
    return _check(candidate, objective, name, kind, metric, value, detail, verdict_of(passed))


def _interval_verdict(objective: Objective, low: float, high: float) -> str:
    """PASS when the whole interval meets the bound, FAIL when the whole of it misses it,
    INCONCLUSIVE when it straddles the bound."""
    if objective.is_met(low) and objective.is_met(high):
        return PASS
    if not objective.is_met(low) and not objective.is_met(high):
        return FAIL
    return INCONCLUSIVE


def _detectable_line(candidate: Candidate, metric: str) -> str:
    """The smallest distance from the bound this run's interval could resolve."""
    from harness.evaluate.power import detectable_difference

    record = candidate.record
    sizes = [record.get(k) for k in ("n_folds", "n_train", "n_test")]
    std = candidate.std.get(metric)
    if std is None or not all(isinstance(s, int | float) and s > 0 for s in sizes):
        return "the run records no fold spread or sizes to say what it could detect"
    n_folds, n_train, n_test = sizes
    return detectable_difference(float(std), int(n_folds), n_train, n_test, SHOWN_LEVEL).line()


def _interval_problem(metric: str, low: float, high: float) -> str | None:
    for side, bound in (("low", low), ("high", high)):
        problem = value_problem(metric, {metric: bound})
        if problem is not None:
            return f"the {side} bound of the 95% CI is invalid: {problem}"
    if low > high:
        return f"the 95% CI [{low:.4g}, {high:.4g}] of {metric} has low > high (a damaged record)"
    return None


def _check(
    candidate: Candidate,
    objective: Objective,
    name: str,
    kind: str,
    metric: str,
    value: float | None,
    detail: str,
    verdict: str = NOT_APPLICABLE,
) -> Check:
    return Check(
        name,
        kind,
        metric,
        value,
        objective.threshold,
        objective.op,
        verdict,
        detail,
        candidate.name,
    )


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
