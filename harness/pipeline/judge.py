"""Judge a finished run folder: each strategy's verdict under the run's SLO set.

The gate decides (:func:`harness.gate.gate.run_gate`, what ``harness gate --run-dir`` runs);
this module turns its result into what the terminal prints (one line per strategy) and into the
report's data shape (:class:`harness.report.verdicts.VerdictSection`), so the report, which
stands below the gate, can open with the answer without importing it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.gate.checks import INCONCLUSIVE, PASS, SHOWN_LEVEL, Check
from harness.gate.gate import GateOptions, GateResult, run_gate
from harness.gate.report import strategy_verdicts
from harness.gate.selection import select_folder
from harness.gate.sources import Candidate
from harness.report import verdicts as words
from harness.report.verdicts import ObjectiveOutcome, StrategyOutcome, VerdictSection

#: Where the pipeline's SLO set comes from, as the report names it.
RUN_CONFIG_SOURCE = "the run's config"
#: Gate check kinds and the report's outcome kinds.
_KINDS = {
    "relative": words.RELATIVE,
    "fairness": words.FAIRNESS,
    "warning": words.WARNING,
    "run": words.RUN,
}


@dataclass(frozen=True)
class Judgement:
    """A folder judged: the report's verdict section and the terminal's lines."""

    section: VerdictSection
    lines: list[str]


def judge_folder(
    folder: Path,
    slo: Any,
    *,
    source: str = RUN_CONFIG_SOURCE,
    allow_incomplete: bool = False,
    inconclusive: str = "fail",
) -> Judgement:
    """Gate the folder with ``slo`` and say each strategy's verdict.

    What ``harness gate --run-dir FOLDER --slo ...`` would conclude, so a user sees it without
    running the gate; a folder the gate cannot judge says why instead.

    Parameters
    ----------
    folder : Path
        A run, experiment or sweep folder.
    slo : SLOSet
        The SLO set the folder is judged under.
    source : str
        Where the SLO set came from, in words (named in the report's heading).
    allow_incomplete : bool
        Judge the finished jobs of an incomplete folder (``harness compare --allow-missing``).
    inconclusive : {"fail", "pass"}
        What an INCONCLUSIVE objective counts as.

    Returns
    -------
    Judgement
    """
    try:
        selection = select_folder(Path(folder), allow_incomplete=allow_incomplete)
        result = run_gate(
            selection.candidates,
            slo,
            options=GateOptions(inconclusive=inconclusive),
            scope=selection.scope,
            left_out=selection.left_out,
            pool=selection.pool,
        )
    except HarnessError as exc:
        return Judgement(words.no_verdict(slo.name, str(exc), source), [f"no verdict: {exc}"])
    nothing = result.nothing_judged()
    if nothing is not None:
        return Judgement(words.no_verdict(slo.name, nothing, source), [f"no verdict: {nothing}"])
    section = verdict_section(result, selection.runs, slo, source=source)
    return Judgement(section, [verdict.line() for verdict in strategy_verdicts(result)])


def strategy_verdict_lines(output_dir: Path, slo: Any) -> list[str]:
    """Each strategy's verdict line under ``slo`` (:func:`judge_folder`)."""
    return judge_folder(output_dir, slo).lines


def verdict_section(
    result: GateResult, candidates: Sequence[Candidate], slo: Any, *, source: str = ""
) -> VerdictSection:
    """The report's verdict section from a gate result.

    Parameters
    ----------
    result : GateResult
        The gate's result on the folder.
    candidates : sequence of Candidate
        The runs gated (and their pool): where each check's run, interval and fold sizes are
        read.
    slo : SLOSet
        The set the result is under.
    source : str
        Where the set came from, in words.

    Returns
    -------
    VerdictSection
        One :class:`StrategyOutcome` per strategy, in the gate's order, each with one
        :class:`ObjectiveOutcome` per check of its runs (the run status only when it failed).
    """
    by_name = {candidate.name: candidate for candidate in candidates}
    section = getattr(slo, "relative", None)
    reference = section.reference if section is not None else ""
    strategies = []
    for verdict in strategy_verdicts(result):
        checks = [
            check
            for check in result.checks
            if check.candidate
            and result.strategies.get(check.candidate, check.candidate) == verdict.strategy
        ]
        runs = [by_name.get(check.candidate) for check in checks]
        kinds = {run.strategy for run in runs if run is not None}
        outcomes = tuple(
            _outcome(check, run, verdict.strategy, slo, reference)
            for check, run in zip(checks, runs, strict=True)
        )
        strategies.append(
            StrategyOutcome(
                strategy=verdict.strategy,
                verdict=verdict.verdict,
                n_runs=verdict.n_runs,
                n_failed_runs=verdict.n_failed_runs,
                outcomes=outcomes,
                reference=(verdict.strategy if reference in kinds else reference),
                reason=verdict.reason,
            )
        )
    return VerdictSection(
        slo_set=result.slo_set,
        source=source,
        verdict=result.verdict,
        strategies=tuple(strategies),
        inconclusive=result.inconclusive,
        reference=reference,
    )


def _outcome(
    check: Check, run: Candidate | None, strategy: str, slo: Any, reference: str
) -> ObjectiveOutcome:
    record = run.record if run is not None else {}
    kind = _KINDS.get(check.kind, words.ABSOLUTE)
    outcome = ObjectiveOutcome(
        strategy=strategy,
        objective=check.name,
        metric=check.metric,
        kind=kind,
        verdict=check.verdict,
        dataset=run.dataset if run is not None else "",
        model=run.model if run is not None else "",
        seed=record.get("seed"),
        value=_number(check.value),
        op=check.op,
        bound=_number(check.threshold),
        reason=check.detail,
    )
    if kind == words.RELATIVE:
        return _relative(outcome, check, record, slo, reference)
    if kind == words.RUN or run is None:
        return outcome
    interval = run.ci95.get(check.metric)
    if interval is not None and len(interval) == 2:
        low, high = (_number(v) for v in interval)
        outcome = replace(outcome, ci_low=low, ci_high=high)
    if check.verdict == INCONCLUSIVE:
        detectable, advice = _absolute_detectable(run, check.metric)
        outcome = replace(outcome, detectable=detectable, advice=advice)
    return outcome


def _relative(
    outcome: ObjectiveOutcome, check: Check, record: dict, slo: Any, reference: str
) -> ObjectiveOutcome:
    try:
        test = slo.relative_objective(check.name).test
    except (KeyError, AttributeError):
        test = ""
    outcome = replace(outcome, test=test, reference=reference, op=">")
    stats = check.comparison
    if stats is None:
        return outcome
    return replace(
        outcome,
        test=stats.test or test,
        value=_number(stats.effect),
        ci_low=_number(stats.ci_low),
        ci_high=_number(stats.ci_high),
        confidence=stats.confidence,
        bound=_number(stats.bound),
        p_adjusted=_number(stats.p_adjusted),
        p_missed=_number(stats.p_missed_adjusted),
        family_size=int(stats.family_size),
        detectable=_number(stats.detectable),
        advice=_relative_advice(stats, record) if check.verdict != PASS else "",
    )


def _relative_advice(stats: Any, record: dict) -> str:
    """What would shrink a relative check's detectable difference, in words.

    The detectable difference grows linearly with the spread of the fold differences, so the
    design's floor and its value with twice the repeats scale with it: computed for a unit
    spread and scaled to the gate's value.
    """
    from harness.evaluate.power import detectable_difference

    sizes = [record.get(key) for key in ("n_train", "n_test")]
    if not math.isfinite(stats.detectable) or not all(_positive(s) for s in sizes):
        return ""
    try:
        unit = detectable_difference(
            1.0, stats.n_pairs, sizes[0], sizes[1], stats.alpha, max(stats.family_size, 1)
        )
    except HarnessError:
        return ""
    if not math.isfinite(unit.now) or unit.now <= 0:
        return ""
    scale = stats.detectable / unit.now
    scaled = replace(
        unit,
        now=stats.detectable,
        floor=unit.floor * scale,
        doubled_repeats=unit.doubled_repeats * scale,
    )
    return scaled.advice()


def _absolute_detectable(run: Candidate, metric: str) -> tuple[float, str]:
    """The smallest distance from the bound an absolute check's interval could resolve."""
    from harness.evaluate.power import detectable_difference

    record = run.record
    sizes = [record.get(key) for key in ("n_folds", "n_train", "n_test")]
    std = run.std.get(metric)
    if not _positive(std) or not all(_positive(s) for s in sizes):
        return math.nan, ""
    try:
        found = detectable_difference(float(std), int(sizes[0]), sizes[1], sizes[2], SHOWN_LEVEL)
    except HarnessError:
        return math.nan, ""
    return found.now, found.advice()


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _number(value: Any) -> float:
    """A finite float, or NaN for None and anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return math.nan
