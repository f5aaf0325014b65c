"""Run every check of the gate on a list of candidates and collect one verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.gate import checks as gc
from harness.gate.regression import DEFAULT_REGRESSION_METRICS, regression_checks
from harness.gate.relative import relative_checks
from harness.gate.sources import Candidate
from harness.slo import SLOSet


@dataclass(frozen=True)
class GateOptions:
    """What the gate checks besides the SLO set.

    Attributes
    ----------
    decision : {"point", "ci"} or None
        Override of every objective's ``decision``; ``point`` also makes the regression checks
        compare the means alone.
    regression_metrics : sequence of str
        Metric keys compared with the baseline.
    min_absolute_change, min_relative_change : float or None
        See :func:`harness.gate.regression.regression_checks`.
    reference, current : Path or None
        Data files for the Evidently drift checks (both or neither).
    target : str or None
        Label column of the data files (enables the minority-slice drift check).
    minority_label : str
        Value of ``target`` that marks the minority class.
    synthetic_checks : bool
        Test the realism and privacy of each run's synthetic rows (needs its fold0 files).
    out_dir : Path or None
        Where HTML reports go.
    inconclusive : {"fail", "pass"}
        What an INCONCLUSIVE objective counts as (``--inconclusive``): not a pass by default.
    """

    decision: str | None = None
    regression_metrics: Sequence[str] = DEFAULT_REGRESSION_METRICS
    min_absolute_change: float | None = 0.0
    min_relative_change: float | None = None
    reference: Path | None = None
    current: Path | None = None
    target: str | None = None
    minority_label: str = "1"
    synthetic_checks: bool = False
    out_dir: Path | None = None
    inconclusive: str = "fail"


@dataclass(frozen=True)
class GateResult:
    """All checks of one gate run, and what they cover.

    Attributes
    ----------
    slo_set : str
        Name of the SLO set used.
    candidates : list of str
        Names of the candidates checked.
    baseline : str or None
        Name of the baseline, when regression was checked.
    checks : list of Check
        Every check, candidate by candidate; data checks have an empty ``candidate``.
    scope : str
        What was selected, in words (a folder, an MLflow run, an experiment's latest run).
    covers : list of str
        Every run the verdict covers, with where it was read (``name: folder``), and the
        baseline.
    left_out : list of str
        Jobs of the selection that were not gated (``--allow-incomplete``).
    strategies : dict
        Candidate name -> the strategy it ran (its resampler's name), for the verdict per
        strategy.
    inconclusive : {"fail", "pass"}
        What an INCONCLUSIVE objective counted as; every output records it.
    """

    slo_set: str
    candidates: list[str]
    baseline: str | None
    checks: list[gc.Check] = field(default_factory=list)
    scope: str = ""
    covers: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    strategies: dict[str, str] = field(default_factory=dict)
    inconclusive: str = "fail"

    @property
    def passed(self) -> bool:
        """At least one objective other than the run status passed and nothing failed; a
        not-applicable check never passes, a warning never passes nor fails, and an
        INCONCLUSIVE objective fails unless :attr:`inconclusive` is ``pass``."""
        return gc.all_passed(self.checks, self.inconclusive)

    @property
    def inconclusive_checks(self) -> list[gc.Check]:
        """The objectives the data could neither show met nor show missed."""
        return [check for check in self.checks if check.inconclusive]

    def nothing_judged(self) -> str | None:
        """Why nothing was judged, when no objective applied to any run and nothing failed.

        Returns
        -------
        str or None
            Each objective that applied to nothing with its reason, in words; ``None`` when an
            objective was judged (PASS or FAIL) or a check failed.
        """
        if gc.judged(self.checks) or self.failures:
            return None
        reasons: dict[str, str] = {}
        for check in self.checks:
            if check.kind == "run" or check.kind == gc.WARNING_KIND:
                continue
            reasons.setdefault(check.name.split("[", 1)[0], check.detail)
        listed = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
        return (
            f"no objective of the SLO set {self.slo_set!r} applies to any run selected "
            f"({', '.join(self.candidates)}), so there is nothing to judge"
            + (f" ({listed})" if listed else " (the set has no objective for these runs)")
            + ": choose an SLO set whose objectives apply to these runs, or select the runs "
            "they apply to"
        )

    @property
    def verdict(self) -> str:
        """``PASS`` or ``FAIL``."""
        return gc.verdict_of(self.passed)

    @property
    def failures(self) -> list[gc.Check]:
        """The checks that failed."""
        return [check for check in self.checks if check.failed]

    @property
    def not_applicable(self) -> list[gc.Check]:
        """The checks that do not apply, each with its reason."""
        return [check for check in self.checks if check.not_applicable]

    @property
    def warnings(self) -> list[gc.Check]:
        """The warnings raised (verdict ``WARN``): never a pass, never a failure."""
        return [check for check in self.checks if check.warned]

    @property
    def n_passed(self) -> int:
        """How many checks passed."""
        return sum(1 for check in self.checks if check.passed)

    @property
    def reason(self) -> str:
        """Why the gate failed when no check did: objectives INCONCLUSIVE, or none judged."""
        if self.passed or self.failures:
            return ""
        if self.inconclusive_checks:
            return (
                f"{len(self.inconclusive_checks)} objective(s) INCONCLUSIVE: the data show "
                "neither that they are met nor that they are missed, which is not a pass "
                "(--inconclusive pass counts them as passed)"
            )
        return (
            "no objective other than the run status passed, so nothing was judged: the verdict "
            "cannot be PASS"
        )

    def counts(self) -> str:
        """``12 passed, 2 failed, 1 inconclusive, 3 not applicable, 1 warning``."""
        n_warnings = len(self.warnings)
        inconclusive = ""
        if self.inconclusive_checks:
            counted = " (counted as passed)" if self.inconclusive == "pass" else ""
            inconclusive = f"{len(self.inconclusive_checks)} inconclusive{counted}, "
        return (
            f"{self.n_passed} passed, {len(self.failures)} failed, {inconclusive}"
            f"{len(self.not_applicable)} not applicable, "
            f"{n_warnings} warning{'' if n_warnings == 1 else 's'}"
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "passed": self.passed,
            "verdict": self.verdict,
            "reason": self.reason,
            "slo_set": self.slo_set,
            "scope": self.scope,
            "covers": self.covers,
            "left_out": self.left_out,
            "candidates": self.candidates,
            "baseline": self.baseline,
            "n_checks": len(self.checks),
            "n_passed": self.n_passed,
            "n_failed": len(self.failures),
            "n_inconclusive": len(self.inconclusive_checks),
            "inconclusive": self.inconclusive,
            "n_not_applicable": len(self.not_applicable),
            "n_warnings": len(self.warnings),
            "strategies": dict(self.strategies),
            "checks": [check.as_dict() for check in self.checks],
        }


def run_gate(
    candidates: Sequence[Candidate],
    slo: SLOSet,
    baseline: Candidate | None = None,
    options: GateOptions | None = None,
    *,
    scope: str = "",
    left_out: Sequence[str] = (),
    pool: Sequence[Candidate] | None = None,
) -> GateResult:
    """Check each candidate against the SLO set, the baseline and the optional data checks.

    Parameters
    ----------
    candidates : sequence of Candidate
        Runs to gate; the gate passes only when none fails.
    slo : SLOSet
        Objectives, fairness bounds, warnings and relative objectives.
    baseline : Candidate, optional
        Run the candidates must not regress from.
    options : GateOptions, optional
        Decision override, regression rule and data checks.
    scope : str
        What was selected, named in every output.
    left_out : sequence of str
        Jobs of the selection not gated, named in every output.
    pool : sequence of Candidate, optional
        Every run of the gated folder, filters aside: where the relative objectives find each
        candidate's reference job and the other strategies of its Holm family. Defaults to
        ``candidates``.

    Returns
    -------
    GateResult
    """
    from harness.gate import data_checks

    options = options or GateOptions()
    result: list[gc.Check] = []
    relative = relative_checks(candidates, candidates if pool is None else pool, slo)
    for candidate, relative_of_candidate in zip(candidates, relative, strict=True):
        result.append(gc.status_check(candidate))
        result += gc.slo_checks(candidate, slo, options.decision)
        result += gc.fairness_checks(candidate, slo, options.decision)
        result += relative_of_candidate
        result += gc.warning_checks(candidate, slo, options.decision)
        if baseline is not None:
            result += regression_checks(
                candidate,
                baseline,
                options.regression_metrics,
                min_absolute_change=options.min_absolute_change,
                min_relative_change=options.min_relative_change,
                decision=options.decision,
            )
        if options.synthetic_checks:
            result += data_checks.synthetic_checks(candidate, options.out_dir)
    if options.reference is not None and options.current is not None:
        result += data_checks.drift_checks(
            options.reference,
            options.current,
            options.out_dir,
            target=options.target,
            minority_label=options.minority_label,
        )
    if options.out_dir is not None:
        for candidate in candidates:
            data_checks.log_reports(candidate, options.out_dir)
    covers = [f"{c.name}: {c.source}" for c in candidates]
    if baseline is not None:
        covers.append(f"baseline {baseline.name}: {baseline.source}")
    return GateResult(
        slo_set=slo.name,
        candidates=[c.name for c in candidates],
        baseline=baseline.name if baseline else None,
        checks=result,
        scope=scope,
        covers=covers,
        left_out=list(left_out),
        strategies={c.name: c.resampler or c.strategy or c.name for c in candidates},
        inconclusive=options.inconclusive,
    )
