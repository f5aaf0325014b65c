"""Regression against a baseline (a champion) run, with the uncertainty of both runs.

For each regression metric the gate estimates the change from the baseline to the candidate,
oriented so that a positive change is an improvement (the catalog's ``greater_is_better``), and
compares its 95 % interval with the *bound* the options set:

- ``--min-absolute-change c``: the bound is ``c`` (``-0.02``: a drop of up to 0.02 allowed, the
  non-inferiority margin; ``0``: no worse; ``0.01``: an improvement of at least 0.01 required);
- ``--min-relative-change r``: the bound is ``r·|baseline|``; with both, the stricter one.

PASS when the whole interval lies above the bound (the data show the candidate within the
margin), FAIL when it lies wholly below (the data show a regression beyond it), INCONCLUSIVE
when it straddles the bound, with the smallest change the comparison could detect. The interval
is one-sided ``1 - SHOWN_LEVEL`` on each side, as for every objective of the gate.

**Paired** when the two runs were evaluated on the same data (``dataset_digest``) and the same
folds (the seed, the fold scheme settings, the fold sizes and the ``(repeat, fold)`` pairs of
``folds.csv``): the corrected resampled interval of the paired fold differences (Nadeau &
Bengio 2003). **Unpaired** otherwise: a Welch interval from both runs' corrected standard
errors (:mod:`harness.evaluate.change`). ``--decision point`` compares the means alone.

The A/A false-fail rate and the power of both paths are measured by
``harness bench --part regression-gate`` (docs/statistics.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.errors import ConfigError, InputDataError
from harness.evaluate.change import (
    ChangeEstimate,
    RunSpread,
    paired_change,
    unpaired_change,
)
from harness.gate.checks import FAIL, INCONCLUSIVE, PASS, SHOWN_LEVEL, Check, value_problem
from harness.gate.fold_tables import FoldCache, fold_sizes, values_problem
from harness.gate.sources import Candidate
from harness.metrics import catalog

DEFAULT_REGRESSION_METRICS = ("test/minority_recall", "test/minority_f1", "test/pr_auc")
#: The settings that, with the seed and the data, decide the folds of a run (flat params).
FOLD_PARAMS = (
    "evaluation.folds",
    "evaluation.n_splits",
    "evaluation.n_repeats",
    "evaluation.test_size",
    "dataset.loader.group",
    "dataset.loader.time",
)
#: Those a record must hold for its folds to be shown equal to another's.
REQUIRED_FOLD_PARAMS = FOLD_PARAMS[:3]
CONFIDENCE = 1.0 - 2.0 * SHOWN_LEVEL


def parse_regression_metrics(text: str | Iterable[str]) -> tuple[str, ...]:
    """The regression metric keys of ``--regression-metrics``, each checked in the catalog.

    Parameters
    ----------
    text : str or iterable of str
        Comma-separated keys, or the keys.

    Returns
    -------
    tuple of str

    Raises
    ------
    ConfigError
        When no key is left, or a key is unknown, renamed or has no better direction.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    keys = tuple(dict.fromkeys(k.strip() for k in items if k.strip()))
    if not keys:
        raise ConfigError(
            "--regression-metrics names no metric, which would drop every regression check: "
            f"list metric keys, e.g. {','.join(DEFAULT_REGRESSION_METRICS)}, or omit the "
            "option for that default."
        )
    for key in keys:
        try:
            spec = catalog.spec_of(key)
        except InputDataError as exc:
            raise ConfigError(f"--regression-metrics: {exc}") from exc
        if spec.greater_is_better is None:
            raise ConfigError(
                f"--regression-metrics: {key} has no better direction (neither larger nor "
                "smaller is better), so it cannot regress; bound it in the SLO set instead."
            )
    return keys


def finite_change(value: float | None, option: str) -> float | None:
    """Return ``value`` when it is ``None`` or finite.

    Raises
    ------
    ConfigError
        For NaN or an infinity, naming ``option``.
    """
    if value is not None and not math.isfinite(value):
        raise ConfigError(f"{option} must be a finite number, got {value}; e.g. -0.02 or 0.01.")
    return value


def change_bound(
    reference: float, min_absolute_change: float | None, min_relative_change: float | None
) -> float:
    """The bound on the improvement (candidate - baseline, in the better direction).

    The stricter of ``min_absolute_change`` and ``min_relative_change·|reference|``; 0 (no
    worse) when neither is given.
    """
    bounds = []
    if min_absolute_change is not None:
        bounds.append(float(min_absolute_change))
    if min_relative_change is not None:
        bounds.append(float(min_relative_change) * abs(reference))
    return max(bounds) if bounds else 0.0


def change_verdict(estimate: ChangeEstimate, bound: float) -> str:
    """PASS when the interval of the improvement lies above ``bound``, FAIL when it lies below,
    INCONCLUSIVE when it straddles it; with no spread at all, the improvement itself decides
    (an improvement equal to the bound meets it)."""
    if estimate.se == 0.0:
        return PASS if estimate.effect >= bound else FAIL
    if estimate.ci_low > bound:
        return PASS
    if estimate.ci_high < bound:
        return FAIL
    return INCONCLUSIVE


def regression_checks(
    candidate: Candidate,
    baseline: Candidate,
    metrics: Sequence[str] = DEFAULT_REGRESSION_METRICS,
    *,
    min_absolute_change: float | None = 0.0,
    min_relative_change: float | None = None,
    decision: str | None = None,
) -> list[Check]:
    """Compare ``candidate`` with ``baseline`` on every regression metric.

    Parameters
    ----------
    candidate, baseline : Candidate
        The run under test and the run it must not regress from.
    metrics : sequence of str
        Metric keys to compare (see :func:`parse_regression_metrics`).
    min_absolute_change : float or None
        The bound on the improvement in metric units (module docstring); ``None`` to skip.
    min_relative_change : float or None
        The bound as a share of ``|baseline|`` in [-1, 1]; ``None`` to skip.
    decision : {"point", "ci"} or None
        ``point`` compares the means alone (uncertainty ignored); otherwise the intervals.

    Returns
    -------
    list of Check
        One per metric, kind ``regression``; ``threshold`` is the bound placed on the
        candidate's value. A value missing, null, non-finite or out of range on either side,
        or a run without the spread its interval needs, fails.
    """
    finite_change(min_absolute_change, "--min-absolute-change")
    finite_change(min_relative_change, "--min-relative-change")
    folds = FoldCache()
    checks = []
    for metric in parse_regression_metrics(metrics):
        higher = bool(catalog.greater_is_better(metric))
        verdict, bound, detail = _compare(
            _Pair(candidate, baseline, metric, higher, folds),
            min_absolute_change,
            min_relative_change,
            decision,
        )
        checks.append(
            Check(
                f"regression[{metric}]",
                "regression",
                metric,
                candidate.metrics.get(metric),
                bound,
                ">=" if higher else "<=",
                verdict,
                detail,
                candidate.name,
            )
        )
    return checks


@dataclass(frozen=True)
class _Pair:
    """A candidate and its baseline, on one metric."""

    candidate: Candidate
    baseline: Candidate
    metric: str
    higher: bool
    folds: FoldCache

    @property
    def sign(self) -> float:
        return 1.0 if self.higher else -1.0


def _compare(
    pair: _Pair,
    min_absolute_change: float | None,
    min_relative_change: float | None,
    decision: str | None,
) -> tuple[str, float | None, str]:
    """The verdict, the bound on the candidate's value and the reason, for one metric."""
    metric, candidate, baseline = pair.metric, pair.candidate, pair.baseline
    problem = value_problem(metric, baseline.metrics)
    if problem is not None:
        return (
            FAIL,
            None,
            f"the baseline {baseline.name}: {problem}: choose a baseline that measured it or "
            "drop it from --regression-metrics",
        )
    reference = float(baseline.metrics[metric])
    bound = change_bound(reference, min_absolute_change, min_relative_change)
    threshold = reference + pair.sign * bound
    problem = value_problem(metric, candidate.metrics)
    if problem is not None:
        detail = f"{problem}, so it cannot be compared with the baseline {baseline.name}"
        return FAIL, threshold, detail
    value = float(candidate.metrics[metric])
    improvement = pair.sign * (value - reference)
    rule = _rule(bound, metric)
    if decision == "point":
        verdict = PASS if improvement >= bound else FAIL
        detail = (
            f"{metric}: candidate {value:.4g}, baseline {baseline.name} {reference:.4g}; {rule}; "
            f"change {improvement:+.4g} (decision point: the means alone, their uncertainty "
            "ignored)"
        )
        return verdict, threshold, detail
    estimate, how = _estimate(pair)
    if isinstance(estimate, str):
        return FAIL, threshold, f"{estimate}, so the regression cannot be judged"
    verdict = change_verdict(estimate, bound)
    return verdict, threshold, _detail(pair, value, reference, rule, estimate, how, verdict, bound)


def _rule(bound: float, metric: str) -> str:
    """The bound in words, in the metric's better direction."""
    better = "higher" if catalog.greater_is_better(metric) else "lower"
    if bound < 0:
        return f"margin: a change of up to {-bound:.4g} for the worse allowed ({better} is better)"
    if bound == 0:
        return f"margin 0: no worse than the baseline ({better} is better)"
    return f"an improvement of at least {bound:.4g} required ({better} is better)"


def _estimate(pair: _Pair) -> tuple[ChangeEstimate | str, str]:
    """The change estimate (paired when the folds pair, else unpaired) and how it was made;
    a text instead of the estimate when neither can be made."""
    why_not, unusable = _pairing_problem(pair)
    if why_not is None:
        a, b = pair.folds.paired(pair.candidate, pair.baseline, pair.metric)
        sizes = fold_sizes(pair.candidate)
        estimate = paired_change(pair.sign * a, pair.sign * b, *sizes, confidence=CONFIDENCE)
        return estimate, (
            f"paired over {estimate.n_folds} folds (same data and folds): corrected resampled "
            "interval of the fold differences"
        )
    if unusable:  # the folds pair but a fold value is unusable: fail closed
        return why_not, ""
    spreads = []
    for run in (pair.candidate, pair.baseline):
        spread = _spread(run, pair.metric)
        if isinstance(spread, str):
            return spread, ""
        spreads.append(spread)
    candidate, baseline = (
        RunSpread(pair.sign * s.mean, s.std, s.n_folds, s.n_train, s.n_test) for s in spreads
    )
    estimate = unpaired_change(candidate, baseline, confidence=CONFIDENCE)
    return estimate, (
        f"unpaired (Welch interval of both runs' corrected standard errors) because {why_not}"
    )


def _pairing_problem(pair: _Pair) -> tuple[str | None, bool]:
    """Why the two runs cannot be compared fold by fold (``None`` when they can), and whether
    that is because the folds pair but a fold value is unusable (then no verdict at all)."""
    candidate, baseline, metric = pair.candidate, pair.baseline, pair.metric
    if candidate.run_dir is None or baseline.run_dir is None:
        return (
            "the runs were not both read from run folders, so their folds.csv are not at hand",
            False,
        )
    digests = [run.record.get("dataset_digest") for run in (candidate, baseline)]
    if not all(digests) or digests[0] != digests[1]:
        return "the runs do not record the same dataset_digest (other data, or not recorded)", False
    keys = (candidate.record.get("seed"), baseline.record.get("seed"))
    if keys[0] is None or keys[0] != keys[1]:
        return f"the fold seeds differ ({keys[0]} and {keys[1]}), so the folds differ", False
    missing = [
        k for k in REQUIRED_FOLD_PARAMS if k not in candidate.params or k not in baseline.params
    ]
    if missing:
        return f"the runs do not record the fold settings ({', '.join(missing)})", False
    differ = [k for k in FOLD_PARAMS if candidate.params.get(k) != baseline.params.get(k)]
    if differ:
        return f"the fold settings differ ({', '.join(differ)})", False
    sizes = [fold_sizes(run) for run in (candidate, baseline)]
    if sizes[0] is None or sizes[0] != sizes[1]:
        return (
            f"the fold sizes (n_train, n_test) differ or are missing ({sizes[0]}, {sizes[1]})",
            False,
        )
    for run in (candidate, baseline):
        table = pair.folds.get(run)
        if table is None or metric not in table.columns:
            return f"the folds.csv of {run.name} does not hold {metric}", False
    ours, theirs = pair.folds.get(candidate).index, pair.folds.get(baseline).index
    if not ours.sort_values().equals(theirs.sort_values()):
        return "their folds.csv list different (repeat, fold) pairs", False
    for run in (candidate, baseline):
        problem = values_problem(pair.folds.column(run, metric), metric)
        if problem is not None:
            return f"{problem} in the folds.csv of {run.name}", True
    return None, False


def _spread(run: Candidate, metric: str) -> RunSpread | str:
    """The run's mean, fold spread and sizes of ``metric``, or why it has none."""
    record = run.record
    std = run.std.get(metric)
    n_folds = record.get("n_folds")
    sizes = fold_sizes(run)
    numbers = isinstance(n_folds, int) and not isinstance(n_folds, bool)
    if std is None or not math.isfinite(std) or std < 0 or not numbers or sizes is None:
        return (
            f"{run.name} records no usable fold spread of {metric} with its fold count and "
            "sizes (std, n_folds, n_train, n_test of result.json), so its uncertainty is "
            "unknown: gate a run folder written by `harness run`, or an MLflow run with its "
            "result.json artifact (`harness sync`)"
        )
    if n_folds < 2:
        return f"{run.name} has {n_folds} fold(s): an interval needs at least 2"
    return RunSpread(float(run.metrics[metric]), float(std), n_folds, *sizes)


def _interval(run: Candidate, metric: str) -> str:
    interval = run.ci95.get(metric)
    if interval is None:
        return "no interval recorded"
    return f"95% CI [{interval[0]:.4g}, {interval[1]:.4g}]"


def _detail(
    pair: _Pair,
    value: float,
    reference: float,
    rule: str,
    estimate: ChangeEstimate,
    how: str,
    verdict: str,
    bound: float,
) -> str:
    metric, baseline = pair.metric, pair.baseline
    level = f"{estimate.confidence:.0%}"
    outcome = {
        PASS: f"lies wholly above the bound {bound:+.4g}: the data show no regression beyond "
        "the margin",
        FAIL: f"lies wholly below the bound {bound:+.4g}: the data show a regression beyond "
        "the margin",
        INCONCLUSIVE: f"straddles the bound {bound:+.4g}: the data show neither a regression "
        "beyond the margin nor its absence",
    }[verdict]
    if estimate.se == 0.0:
        outcome = f"has no spread at all, so the change itself decides ({verdict})"
    parts = [
        f"{metric}: candidate {value:.4g} ({_interval(pair.candidate, metric)}), baseline "
        f"{baseline.name} {reference:.4g} ({_interval(baseline, metric)})",
        rule,
        f"change {estimate.effect:+.4g} (in the better direction), {level} CI "
        f"[{estimate.ci_low:+.4g}, {estimate.ci_high:+.4g}], {how}",
        f"the interval {outcome}",
    ]
    if verdict == INCONCLUSIVE:
        detectable = estimate.detectable(SHOWN_LEVEL)
        parts.append(
            f"smallest change beyond the bound this comparison could detect at 80% power: "
            f"{detectable:.3g} (more repeats, more rows, or a paired evaluation on the same "
            "folds would lower it)"
        )
    return "; ".join(parts)
