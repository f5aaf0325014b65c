"""Relative objectives: every strategy against the reference strategy, on paired folds.

For each candidate job the gate finds the job of the reference strategy (``relative.reference``
of the SLO set) with the same data set, model and seed among the runs of the gated folder (one
in the candidate's own experiment folder first), reads both ``folds.csv``, pairs the folds by
``(repeat, fold)`` and tests the improvement with the corrected resampled t-test and the
Bayesian correlated t-test (:func:`harness.evaluate.inference.compare_paired`), with
``n_train`` / ``n_test`` of ``result.json``. Every strategy compared with the same reference job
on one objective forms a family, whose p-values are adjusted with Holm's method
(:func:`harness.evaluate.inference.holm`).

Fails closed: a missing or failed reference job, a run without its folder or ``folds.csv``,
folds that do not pair, a missing metric column, a NaN, infinite or out-of-range fold value,
missing or different fold sizes and too few folds each fail the check with the reason, and
count in the family with p = 1. A ``folds.csv`` or ``result.json`` that cannot be read with
certainty is an :class:`~harness.errors.InputDataError` (exit 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.gate.checks import (
    FAIL,
    FAILED_RUN_REASON,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    PASS,
    Check,
    applies_to_reason,
    continuous_scores_reason,
)
from harness.gate.fold_tables import FoldCache, fold_sizes, values_problem
from harness.gate.sources import Candidate
from harness.metrics import catalog
from harness.runs import RunFolder
from harness.slo import (
    NON_INFERIORITY,
    SUPERIORITY,
    RelativeObjective,
    RelativeSection,
    SLOSet,
)

RELATIVE_KIND = "relative"
#: Fewer paired folds than this give no verdict: the t-test has too few degrees of freedom.
MIN_PAIRED_FOLDS = 3


@dataclass(frozen=True)
class Comparison:
    """The statistics behind one relative check.

    Attributes
    ----------
    reference : str
        The reference job the candidate was paired with (empty when none was found).
    test : str
        ``non_inferiority`` or ``superiority``.
    effect : float
        Mean improvement over the paired folds, in metric units and the metric's better
        direction (``candidate - reference`` when larger is better).
    ci_low, ci_high : float
        Nadeau–Bengio corrected two-sided ``confidence`` interval of the improvement.
    confidence : float
        ``1 - 2 alpha``: the lower bound is the one-sided ``1 - alpha`` bound.
    bound : float
        The improvement H1 claims to exceed: ``-margin`` or 0.
    p_value, p_adjusted : float
        One-sided corrected t-test p-value, raw and Holm-adjusted within the family (1 when
        the comparison could not be made).
    p_missed, p_missed_adjusted : float
        The same for the opposite hypothesis, H1: improvement < bound (the data show the
        objective missed), raw and Holm-adjusted within the family.
    detectable : float
        The smallest improvement beyond the bound this comparison detects at 80 % power
        (:func:`harness.evaluate.power.detectable_difference`); NaN when not computed.
    alpha : float
        Family-wise error rate the adjusted p-value is compared with.
    family_size : int
        Strategies compared with the same reference job on this objective.
    p_candidate_better, p_equivalent, p_reference_better : float
        Posterior probabilities of the Bayesian correlated t-test with ``rope``.
    rope : float
        Half-width of the region of practical equivalence.
    n_pairs : int
        Paired folds.
    """

    reference: str
    test: str
    effect: float
    ci_low: float
    ci_high: float
    confidence: float
    bound: float
    p_value: float
    p_adjusted: float
    p_missed: float
    p_missed_adjusted: float
    detectable: float
    alpha: float
    family_size: int
    p_candidate_better: float
    p_equivalent: float
    p_reference_better: float
    rope: float
    n_pairs: int


@dataclass
class _Trial:
    """One candidate against its reference on one objective, before the Holm adjustment."""

    candidate: Candidate
    reference: Candidate | None
    problem: str | None = None
    effect: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan
    p_missed: float = math.nan
    spread: float = math.nan
    bayes: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    n_pairs: int = 0
    note: str = ""
    not_applicable: str | None = None


def relative_checks(
    candidates: Sequence[Candidate], pool: Sequence[Candidate], slo: SLOSet
) -> list[list[Check]]:
    """Check every relative objective of ``slo`` on each candidate.

    Parameters
    ----------
    candidates : sequence of Candidate
        The runs gated.
    pool : sequence of Candidate
        Every run of the gated folder (the candidates among them), where reference jobs and
        the other members of each Holm family are found.
    slo : SLOSet
        Its ``relative`` section; without one, nothing is checked.

    Returns
    -------
    list of list of Check
        For each candidate, in order, one check per relative objective.

    Raises
    ------
    InputDataError
        When a ``folds.csv`` or the fold sizes of a ``result.json`` are malformed.
    """
    section = slo.relative
    if section is None:
        return [[] for _ in candidates]
    # A candidate stands in for its own entry of the pool (promote may pass a copy of it).
    pool = [next((c for c in candidates if _same_run(c, p)), p) for p in pool]
    pool += [c for c in candidates if not any(c is p for p in pool)]
    folds = FoldCache()
    out: list[list[Check]] = [[] for _ in candidates]
    for objective in section.objectives:
        members = [c for c in pool if _compared(c, objective, section)]
        references = {id(c): _find_reference(c, pool, section.reference) for c in members}
        families: dict[Any, list[Candidate]] = {}
        for member in members:
            found = references[id(member)]
            key = id(found) if isinstance(found, Candidate) else ("alone", id(member))
            families.setdefault(key, []).append(member)
        stats: dict[int, tuple[_Trial, float, float, int]] = {}
        for family in families.values():
            if not any(any(m is c for c in candidates) for m in family):
                continue  # no gated run in it: nothing to decide
            trials = [_trial(m, references[id(m)], objective, section, folds) for m in family]
            adjusted = _holm([1.0 if t.problem else t.p_value for t in trials])
            missed = _holm([1.0 if t.problem else t.p_missed for t in trials])
            for trial, p_adjusted, p_missed in zip(trials, adjusted, missed, strict=True):
                stats[id(trial.candidate)] = (trial, p_adjusted, p_missed, len(family))
        for index, candidate in enumerate(candidates):
            reason = _not_compared_reason(candidate, objective, section)
            if reason is not None:
                out[index].append(_not_applicable(candidate, objective, reason))
            else:
                trial, p_adjusted, p_missed, size = stats[id(candidate)]
                out[index].append(_check(trial, (p_adjusted, p_missed), size, objective, section))
    return out


# -- who is compared with whom ----------------------------------------------------------------


def _compared(candidate: Candidate, objective: RelativeObjective, section: RelativeSection) -> bool:
    """Whether ``candidate`` belongs to a family of ``objective`` (a failed job does, with p=1)."""
    if candidate.strategy == section.reference:
        return False
    return candidate.status != "success" or objective.applies(candidate.strategy)


def _same_run(a: Candidate, b: Candidate) -> bool:
    if a is b:
        return True
    if a.run_dir is not None or b.run_dir is not None:
        return a.run_dir is not None and b.run_dir is not None and a.run_dir == b.run_dir
    return a.mlflow_run_id is not None and a.mlflow_run_id == b.mlflow_run_id


def _not_compared_reason(
    candidate: Candidate, objective: RelativeObjective, section: RelativeSection
) -> str | None:
    if candidate.status != "success":
        return FAILED_RUN_REASON
    if candidate.strategy == section.reference:
        return (
            f"reference strategy ({section.reference}): the other strategies are compared with it"
        )
    if not objective.applies(candidate.strategy):
        return applies_to_reason(candidate, objective.applies_to)
    return continuous_scores_reason(candidate, objective.metric)


def _find_reference(candidate: Candidate, pool: list[Candidate], kind: str) -> Candidate | str:
    """The reference job of ``candidate``, or why there is none (a text)."""
    seed = candidate.record.get("seed")
    same = [
        p
        for p in pool
        if p.strategy == kind
        and (p.dataset, p.model, p.record.get("seed")) == (candidate.dataset, candidate.model, seed)
    ]
    if candidate.run_dir is not None:
        siblings = [
            p
            for p in same
            if p.run_dir is not None and p.run_dir.parent == candidate.run_dir.parent
        ]
        if len(siblings) == 1:
            return siblings[0]
    if len(same) == 1:
        return same[0]
    what = f"data set {candidate.dataset!r}, model {candidate.model!r} and seed {seed}"
    if not same:
        return (
            f"no job of the reference strategy {kind!r} with {what} among the runs gated: run "
            f"it in the same experiment (add {kind} to the resampler grid) and gate the "
            "experiment or sweep folder"
        )
    names = ", ".join(f"{p.name} ({p.source})" for p in same)
    return (
        f"{len(same)} jobs of the reference strategy {kind!r} with {what} ({names}) and none "
        "in the candidate's own experiment folder: gate one experiment folder at a time"
    )


# -- one comparison ---------------------------------------------------------------------------


def _trial(
    candidate: Candidate,
    reference: Candidate | str,
    objective: RelativeObjective,
    section: RelativeSection,
    folds: FoldCache,
) -> _Trial:
    if isinstance(reference, str):
        return _Trial(candidate, None, reference)
    trial = _Trial(candidate, reference)
    unfit = continuous_scores_reason(reference, objective.metric)
    if unfit is not None and reference.status == "success":
        trial.not_applicable = f"the reference job {reference.name}: {unfit}"
        trial.problem = trial.not_applicable  # no p-value: it counts in the family as p = 1
        return trial
    trial.problem = _pairing_problem(candidate, reference, objective.metric, folds)
    if trial.problem is not None:
        return trial
    a, b = folds.paired(candidate, reference, objective.metric)
    trial.n_pairs = len(a)
    if len(a) < MIN_PAIRED_FOLDS:
        trial.problem = (
            f"only {len(a)} paired fold(s): the corrected t-test cannot reach significance "
            f"with fewer than {MIN_PAIRED_FOLDS}; evaluate with more folds or repeats "
            "(evaluation.n_splits, evaluation.n_repeats)"
        )
        return trial
    _compare(trial, a, b, objective, section)
    return trial


def _pairing_problem(
    candidate: Candidate, reference: Candidate, metric: str, folds: FoldCache
) -> str | None:
    """Why the two jobs cannot be compared fold by fold, or ``None``."""
    if candidate.status != "success":
        return f"the job {candidate.name} failed, so it cannot be compared"
    if reference.status != "success":
        return (
            f"the reference job {reference.name} failed ({reference.record.get('error')}): fix "
            "it and rerun, the other strategies are compared with it"
        )
    for job in (candidate, reference):
        if job.run_dir is None:
            return (
                f"{job.name} was read from {job.source}, without its run folder, so its "
                "folds.csv cannot be read: gate the experiment folder (--run-dir)"
            )
    for job in (candidate, reference):
        if not job.record.get("dataset_digest"):
            return (
                f"{job.name} records no dataset_digest, so it cannot be shown to share the "
                "data of the job it is compared with: rerun it with this harness"
            )
    if candidate.record["dataset_digest"] != reference.record["dataset_digest"]:
        return (
            f"{candidate.name} and the reference job {reference.name} were run on different "
            "data (dataset_digest differs): rerun both on the same data"
        )
    sizes = [fold_sizes(job) for job in (candidate, reference)]
    for job, size in zip((candidate, reference), sizes, strict=True):
        if size is None:
            return (
                f"{job.name} records no n_train / n_test (the fold sizes the corrected tests "
                "need): it was written by an older harness, rerun it"
            )
    if sizes[0] != sizes[1]:
        return (
            f"the folds differ in size (n_train, n_test) = {sizes[0]} for {candidate.name}, "
            f"{sizes[1]} for the reference job {reference.name}: run both with the same "
            "evaluation settings"
        )
    for job in (candidate, reference):
        table = folds.get(job)
        if table is None:
            return (
                f"{RunFolder(job.run_dir).folds} does not exist: rerun the job with this "
                "harness (it writes folds.csv for every successful job)"
            )
        if metric not in table.columns:
            return (
                f"{metric} is not a column of the folds.csv of {job.name}: check that the "
                "evaluation computes it, or remove the objective from the SLO set"
            )
    ours, theirs = folds.get(candidate).index, folds.get(reference).index
    if not ours.sort_values().equals(theirs.sort_values()):
        only = len(ours.difference(theirs)) + len(theirs.difference(ours))
        return (
            f"the folds do not pair: {candidate.name} has {len(ours)} folds, the reference "
            f"job {reference.name} {len(theirs)}, {only} (repeat, fold) pairs are in only one "
            "of them; run both with the same evaluation settings and seed"
        )
    for job in (candidate, reference):
        problem = values_problem(folds.column(job, metric), metric)
        if problem is not None:
            return f"{problem} in the folds.csv of {job.name}, so the folds cannot be compared"
    return None


def _compare(
    trial: _Trial,
    a: np.ndarray,
    b: np.ndarray,
    objective: RelativeObjective,
    section: RelativeSection,
) -> None:
    """Fill the statistics of ``trial`` from the paired fold scores ``a`` (candidate), ``b``."""
    from harness.evaluate.inference import compare_paired, corrected_ttest

    if catalog.greater_is_better(objective.metric) is False:
        a, b = -a, -b  # the improvement is always "larger is better"
    n_train, n_test = fold_sizes(trial.candidate)
    result = compare_paired(
        a,
        b,
        n_train,
        n_test,
        rope=objective.rope,
        confidence=section.confidence,
        alternative="greater",
    )
    trial.effect, trial.ci_low, trial.ci_high = (
        result.mean_difference,
        result.ci_low,
        result.ci_high,
    )
    trial.bayes = (result.p_a_better, result.p_equivalent, result.p_b_better)
    differences = a - b
    beyond = differences - objective.bound  # the improvement past the bound H1 claims
    # H0: improvement <= bound, against H1: improvement > bound (the objective met) ...
    trial.p_value = corrected_ttest(beyond, n_train, n_test, "greater")[1]
    # ... and the opposite, H1: improvement < bound (the data show the objective missed).
    trial.p_missed = corrected_ttest(-beyond, n_train, n_test, "greater")[1]
    trial.spread = float(np.std(differences, ddof=1)) if len(differences) > 1 else math.nan
    if float(np.var(differences)) == 0.0:
        trial.note = (
            "the difference is the same on every fold (zero variance), so the t-test is "
            "degenerate: its p-value is 0 or 1 by construction"
        )


# -- the check --------------------------------------------------------------------------------


def _check(
    trial: _Trial,
    adjusted: tuple[float, float],
    family_size: int,
    objective: RelativeObjective,
    section: RelativeSection,
) -> Check:
    candidate, reference = trial.candidate, trial.reference
    if trial.not_applicable is not None:
        return _not_applicable(candidate, objective, trial.not_applicable)
    p_adjusted, p_missed = adjusted
    if trial.problem is not None:
        p_adjusted = p_missed = 1.0
    detectable = math.nan
    sizes = fold_sizes(candidate) if trial.problem is None else None
    if sizes is not None and math.isfinite(trial.spread) and trial.spread > 0.0:
        from harness.evaluate.power import detectable_difference

        detectable = detectable_difference(
            trial.spread, trial.n_pairs, *sizes, section.alpha, family_size
        )
    comparison = Comparison(
        reference=reference.name if reference is not None else "",
        test=objective.test,
        effect=trial.effect,
        ci_low=trial.ci_low,
        ci_high=trial.ci_high,
        confidence=section.confidence,
        bound=objective.bound,
        p_value=trial.p_value,
        p_adjusted=float(p_adjusted),
        p_missed=trial.p_missed,
        p_missed_adjusted=float(p_missed),
        detectable=detectable.now if not isinstance(detectable, float) else detectable,
        alpha=section.alpha,
        family_size=family_size,
        p_candidate_better=trial.bayes[0],
        p_equivalent=trial.bayes[1],
        p_reference_better=trial.bayes[2],
        rope=objective.rope,
        n_pairs=trial.n_pairs,
    )
    if trial.problem is not None:
        verdict = FAIL
        detail = f"{trial.problem}, so the objective cannot be met"
    else:
        if trial.spread == 0.0:
            # The same difference on every fold: nothing is uncertain and the t-tests are
            # degenerate, so the difference itself decides (an improvement of exactly 0 is not
            # the improvement superiority asks for).
            verdict = PASS if trial.effect > objective.bound else FAIL
        elif p_adjusted < section.alpha:
            verdict = PASS
        elif p_missed < section.alpha:
            verdict = FAIL
        else:
            verdict = INCONCLUSIVE
        detail = _detail(trial, comparison, objective, verdict)
        if verdict == INCONCLUSIVE and not isinstance(detectable, float):
            detail += f"; {detectable.line()}"
    value = None if math.isnan(trial.effect) else trial.effect
    return Check(
        objective.name,
        RELATIVE_KIND,
        objective.metric,
        value,
        objective.bound,
        ">",
        verdict,
        detail,
        candidate.name,
        comparison,
    )


def _detail(trial: _Trial, stats: Comparison, objective: RelativeObjective, verdict: str) -> str:
    ours, theirs = _label(trial.candidate), _label(trial.reference)
    if catalog.greater_is_better(objective.metric) is False:
        effect = f"improvement ({theirs} - {ours}, smaller is better)"
    else:
        effect = f"difference ({ours} - {theirs})"
    level = f"{stats.confidence:.0%}".replace(".0%", "%")
    hypothesis = (
        f"non-inferiority, H0: difference <= -{objective.margin:g}"
        if objective.test == NON_INFERIORITY
        else "superiority, H0: difference <= 0"
    )
    if stats.family_size > 1:
        adjustment = f"Holm-adjusted over {stats.family_size} strategies"
        met, missed = (f"adjusted p = {_p(v)}" for v in (stats.p_adjusted, stats.p_missed_adjusted))
    else:
        adjustment = "one strategy: no adjustment"
        met, missed = (f"p = {_p(v)}" for v in (stats.p_value, stats.p_missed))
    outcome = {
        (PASS, NON_INFERIORITY): f"not worse than {theirs}",
        (PASS, SUPERIORITY): f"better than {theirs}",
        (
            FAIL,
            NON_INFERIORITY,
        ): f"worse than {theirs} by more than the margin {objective.margin:g}",
        (FAIL, SUPERIORITY): f"worse than {theirs}",
    }.get((verdict, objective.test))
    if trial.spread == 0.0:
        if verdict == FAIL and objective.test == SUPERIORITY:
            outcome = f"not better than {theirs}"
        decision = f"the difference is {stats.effect:+.4g} on every fold, so it decides: {outcome}"
    elif verdict == PASS:
        decision = f"{met} < alpha {stats.alpha:g} ({adjustment}): {outcome}"
    elif verdict == FAIL:
        decision = (
            f"the opposite test, H1: difference < {objective.bound:g}, has {missed} < alpha "
            f"{stats.alpha:g} ({adjustment}): the data show it {outcome}"
        )
    else:
        decision = (
            f"{met} and, for the opposite hypothesis, {missed}, both >= alpha "
            f"{stats.alpha:g} ({adjustment}): the data show neither that the objective is met "
            "nor that it is missed"
        )
        if stats.p_value < stats.alpha <= stats.p_adjusted:
            decision += " (significant alone, not after the adjustment for several strategies)"
    parts = [
        f"{objective.metric} {effect} = {stats.effect:+.4g}, corrected {level} CI "
        f"[{stats.ci_low:+.4g}, {stats.ci_high:+.4g}] over {stats.n_pairs} paired folds "
        f"(reference job {stats.reference})",
        f"{hypothesis}: one-sided corrected t-test"
        + (f" p = {_p(stats.p_value)}, " if stats.family_size > 1 else ", ")
        + decision,
        f"Bayesian correlated t-test, rope {stats.rope:g}: P({ours} better) = "
        f"{stats.p_candidate_better:.3f}, P(equivalent) = {stats.p_equivalent:.3f}, "
        f"P({theirs} better) = {stats.p_reference_better:.3f}",
    ]
    if trial.note:
        parts.append(trial.note)
    return "; ".join(parts)


def _not_applicable(candidate: Candidate, objective: RelativeObjective, reason: str) -> Check:
    return Check(
        objective.name,
        RELATIVE_KIND,
        objective.metric,
        None,
        objective.bound,
        ">",
        NOT_APPLICABLE,
        reason,
        candidate.name,
    )


def _label(candidate: Candidate | None) -> str:
    if candidate is None:
        return "reference"
    return candidate.resampler or candidate.strategy or candidate.name


def _p(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3g}"


def _holm(p_values: list[float]) -> list[float]:
    from harness.evaluate.inference import holm

    values = [1.0 if math.isnan(p) else p for p in p_values]
    if len(values) == 1:  # Holm adjusts nothing in a family of one
        return values
    return [float(p) for p in holm(values)]
