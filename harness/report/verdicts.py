"""The answer first: each strategy's verdict under an SLO set, in words, for the reports.

The gate (:mod:`harness.gate`) decides; this module only holds what a report needs to say it
(:class:`VerdictSection`, :class:`StrategyOutcome`, :class:`ObjectiveOutcome`, plain frozen
data) and renders it to Markdown and HTML. The pipeline turns a gate result into this shape
(:func:`harness.pipeline.judge.verdict_section`), so the report never imports the gate.

A strategy's entry reads, for example::

    - **adasyn** vs none — **INCONCLUSIVE** on recall at the precision target (1 run)
      - recall at the precision target better than none: **INCONCLUSIVE** — +0.015
        [−0.050, +0.080] (difference to none, 95 % CI), not significant either way; smallest
        detectable difference 0.09 (four times the rows would roughly halve it ...)
      - PR-AUC not worse than none by more than 0.02: **PASS** — −0.003 [−0.015, +0.009],
        shown not worse (Holm p = 0.001)
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

#: The verdicts, spelt as the gate spells them (``harness.gate.checks``).
PASS, FAIL, INCONCLUSIVE, NOT_APPLICABLE = "PASS", "FAIL", "INCONCLUSIVE", "NOT APPLICABLE"
#: A warning's verdicts: breached (or not judgeable) and met; never gating.
WARN, OK = "WARN", "OK"
#: Outcome kinds: a relative objective (a strategy against the reference on paired folds), an
#: absolute bound on one run's metric, a fairness bound, a warning, the run's own status.
RELATIVE, ABSOLUTE, FAIRNESS, WARNING, RUN = "relative", "absolute", "fairness", "warning", "run"
#: Tests of a relative objective (``harness.slo``).
NON_INFERIORITY, SUPERIORITY = "non_inferiority", "superiority"

#: How an objective's verdicts rank when one strategy has several runs or objectives.
_SEVERITY = {FAIL: 0, INCONCLUSIVE: 1, WARN: 2, PASS: 3, OK: 4, NOT_APPLICABLE: 5}
#: Runs listed by name under one objective before the rest are counted only.
MAX_LISTED_RUNS = 8

#: Short names of the metrics objectives most often use; any other key is shown as it is.
METRIC_LABELS = {
    "test/pr_auc": "PR-AUC",
    "test/roc_auc": "ROC-AUC",
    "test/recall_at_precision": "recall at the precision target",
    "test/minority_recall": "recall",
    "test/minority_precision": "precision",
    "test/minority_f1": "F1",
    "test/g_mean": "G-mean",
    "test/balanced_accuracy": "balanced accuracy",
    "gap/minority_recall": "train−test recall gap",
    "resample/synthetic_ratio": "synthetic share of the training rows",
    "resample/invalid_value_share": "share of synthetic rows with an invalid value",
    "data/label_issues": "likely mislabelled rows",
}

VERDICT_LEGEND = (
    "PASS: the data show the objective met. FAIL: the data show it missed, or it could not be "
    "checked (the reason is given). INCONCLUSIVE: the data show neither (the interval "
    "straddles the bound); the smallest detectable difference says how large a true difference "
    "this run could have shown at 80 % power. NOT APPLICABLE: the objective does not apply to "
    "the strategy or its model (the reason is given). Differences are the strategy minus the "
    "reference on the same folds, in the metric's better direction, with their corrected "
    "interval (Nadeau–Bengio), Holm-adjusted over the strategies compared with one reference."
)


@dataclass(frozen=True)
class ObjectiveOutcome:
    """One objective's outcome on one run of a strategy.

    Attributes
    ----------
    strategy : str
        The strategy's name (the run's resampler).
    objective : str
        The objective's name in the SLO set (``pr_auc_not_worse``).
    metric : str
        The metric key judged (``test/pr_auc``; for a fairness bound, the column's key).
    kind : str
        :data:`RELATIVE`, :data:`ABSOLUTE`, :data:`FAIRNESS`, :data:`WARNING` or :data:`RUN`.
    verdict : str
        ``PASS``, ``FAIL``, ``INCONCLUSIVE``, ``NOT APPLICABLE`` (a warning: ``WARN`` or ``OK``).
    dataset, model : str
        The run's data set and model.
    seed : int or None
        The run's seed.
    value : float
        An absolute bound: the run's mean. A relative objective: the effect, the mean
        improvement over the reference in the metric's better direction. NaN when none.
    ci_low, ci_high : float
        The interval of ``value`` (NaN when none), at ``confidence``.
    confidence : float
        Level of the interval.
    op : str
        The comparison that must hold: ``value op bound``.
    bound : float
        An absolute bound: the threshold. A relative objective: the effect it must exceed
        (``-margin`` for non-inferiority, 0 for superiority).
    test : str
        A relative objective's test (:data:`NON_INFERIORITY` or :data:`SUPERIORITY`), else "".
    reference : str
        The reference strategy a relative objective compares with, else "".
    p_adjusted : float
        A relative objective's Holm-adjusted one-sided p-value of "met" (NaN otherwise).
    p_missed : float
        The same for the opposite hypothesis, "missed" (what a FAIL is decided on).
    family_size : int
        Strategies compared with the same reference job on the objective (Holm's family).
    detectable : float
        The smallest difference (beyond the bound) this run could detect at 80 % power; NaN
        when not computed.
    advice : str
        What would shrink ``detectable``, in words ("" when unknown).
    reason : str
        The gate's own words: why the objective does not apply, or why it could not be checked.
    """

    strategy: str
    objective: str
    metric: str
    kind: str
    verdict: str
    dataset: str = ""
    model: str = ""
    seed: int | None = None
    value: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    confidence: float = 0.95
    op: str = ""
    bound: float = math.nan
    test: str = ""
    reference: str = ""
    p_adjusted: float = math.nan
    p_missed: float = math.nan
    family_size: int = 1
    detectable: float = math.nan
    advice: str = ""
    reason: str = ""

    @property
    def run(self) -> str:
        """``pima / logistic_regression / seed 0``: which run of the strategy this is."""
        parts = [part for part in (self.dataset, self.model) if part]
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return " / ".join(parts) or self.strategy

    @property
    def judged(self) -> bool:
        """Whether the objective judged the run (PASS, FAIL or INCONCLUSIVE, not a warning)."""
        return self.kind != WARNING and self.verdict in (PASS, FAIL, INCONCLUSIVE)

    def claim(self) -> str:
        """What the objective asks, in words: ``PR-AUC not worse than none by more than 0.02``."""
        label = metric_label(self.metric)
        if self.kind == RELATIVE:
            reference = self.reference or "the reference"
            if self.test == NON_INFERIORITY:
                return f"{label} not worse than {reference} by more than {-self.bound:g}"
            return f"{label} better than {reference}"
        if self.kind == RUN:
            return "the run finished"
        if self.op and math.isfinite(self.bound):
            return f"{label} {self.op} {self.bound:g}"
        return label

    def words(self) -> str:
        """The outcome in one sentence: claim, verdict, numbers, what they mean."""
        text = f"{self.claim()}: **{self.verdict}**"
        if self.verdict == NOT_APPLICABLE:
            return f"{text} — {self.reason or 'the objective does not apply'}"
        numbers = self._numbers()
        if not numbers:  # nothing was measured: the gate's reason is the answer
            return f"{text} — {self.reason}" if self.reason else text
        return f"{text} — {numbers}{self._meaning()}"

    def _numbers(self) -> str:
        if not math.isfinite(self.value):
            return ""
        interval = ""
        if math.isfinite(self.ci_low) and math.isfinite(self.ci_high):
            level = f"{self.confidence:.0%}".replace("%", " %")
            if self.kind == RELATIVE:
                interval = (
                    f" [{signed(self.ci_low)}, {signed(self.ci_high)}] "
                    f"(difference to {self.reference or 'the reference'}, {level} CI)"
                )
            else:
                interval = f" [{number(self.ci_low)}, {number(self.ci_high)}] ({level} CI)"
        elif self.kind == RELATIVE:
            interval = f" (difference to {self.reference or 'the reference'})"
        value = signed(self.value) if self.kind == RELATIVE else number(self.value)
        return f"{value}{interval}"

    def _meaning(self) -> str:
        if self.kind == RELATIVE:
            meaning = {
                PASS: "shown not worse" if self.test == NON_INFERIORITY else "shown better",
                FAIL: (
                    f"shown worse by more than {-self.bound:g}"
                    if self.test == NON_INFERIORITY
                    else "shown worse"
                ),
                INCONCLUSIVE: "not significant either way",
            }.get(self.verdict, "")
            text = f", {meaning}{self._p_values()}" if meaning else ""
        else:
            meaning = {
                PASS: "met",
                OK: "met (warning, not gated)",
                FAIL: "missed",
                WARN: "breached (warning, not gated)",
                INCONCLUSIVE: "the interval straddles the bound",
            }.get(self.verdict, "")
            text = f", {meaning}" if meaning else ""
        if self.verdict == INCONCLUSIVE:
            text += "; " + self.detectable_words()
        return text

    def _p_values(self) -> str:
        """The Holm-adjusted p-value the verdict rests on, and why an interval that clears
        the bound can still be INCONCLUSIVE."""
        met, missed = self.p_adjusted, self.p_missed
        if self.verdict == PASS and math.isfinite(met):
            return f" (Holm p = {met:.2g})"
        if self.verdict == FAIL and math.isfinite(missed):
            return f" (Holm p = {missed:.2g}, that it is missed)"
        if self.verdict != INCONCLUSIVE or not (math.isfinite(met) and math.isfinite(missed)):
            return ""
        text = f" (Holm p = {met:.2g} that it is met, {missed:.2g} that it is missed)"
        clears = (
            math.isfinite(self.ci_low)
            and math.isfinite(self.ci_high)
            and (self.ci_low > self.bound or self.ci_high < self.bound)
        )
        if clears and self.family_size > 1:
            text += (
                f"; the unadjusted interval clears the bound, but not the test after Holm's "
                f"adjustment over {self.family_size} strategies"
            )
        return text

    def detectable_words(self) -> str:
        """``smallest detectable difference 0.09 (what would change it)``."""
        if not math.isfinite(self.detectable):
            return (
                "the smallest detectable difference was not computed (too few folds or no fold "
                "spread recorded)"
            )
        text = f"smallest detectable difference {self.detectable:.2g}"
        return f"{text} ({self.advice})" if self.advice else text


@dataclass(frozen=True)
class StrategyOutcome:
    """One strategy's verdict, over every run of it and every objective that applies.

    Attributes
    ----------
    strategy : str
        The strategy's name.
    verdict : str
        ``FAIL`` when an objective failed on one of its runs, else ``INCONCLUSIVE`` when one
        was inconclusive, else ``PASS`` when one passed, else ``NOT APPLICABLE``.
    n_runs, n_failed_runs : int
        Its runs judged, and those with a failed (or, for ``INCONCLUSIVE``, an inconclusive)
        objective.
    outcomes : tuple of ObjectiveOutcome
        Every objective on every run, in the order of the SLO set.
    reference : str
        The reference strategy of the relative objectives ("" when the set has none); equal to
        ``strategy`` for the reference itself.
    reason : str
        Why a ``NOT APPLICABLE`` strategy was not judged.
    """

    strategy: str
    verdict: str
    n_runs: int
    n_failed_runs: int = 0
    outcomes: tuple[ObjectiveOutcome, ...] = ()
    reference: str = ""
    reason: str = ""

    def deciding(self) -> list[ObjectiveOutcome]:
        """The outcomes behind the verdict: the failed ones for FAIL, the inconclusive ones for
        INCONCLUSIVE, none otherwise."""
        if self.verdict not in (FAIL, INCONCLUSIVE):
            return []
        return [o for o in self.outcomes if o.verdict == self.verdict and o.kind != WARNING]


@dataclass(frozen=True)
class VerdictSection:
    """The verdict section of a report: the SLO set and each strategy's verdict under it.

    Attributes
    ----------
    slo_set : str
        The SLO set's name.
    source : str
        Where the set came from, in words (``the run's config``, ``--slo my_slos.yaml``).
    verdict : str
        The gate's overall verdict (``PASS`` or ``FAIL``); "" when there is none.
    strategies : tuple of StrategyOutcome
        In the order the gate checked them.
    inconclusive : {"fail", "pass"}
        What an INCONCLUSIVE objective counted as.
    note : str
        Why there is no verdict, or anything else the reader must know first.
    """

    slo_set: str
    source: str = ""
    verdict: str = ""
    strategies: tuple[StrategyOutcome, ...] = ()
    inconclusive: str = "fail"
    note: str = ""
    reference: str = ""
    """The reference strategy of the set's relative objectives ("" when it has none)."""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    """Anything else worth saying under the verdict (one sentence each)."""

    def outcomes(self) -> list[ObjectiveOutcome]:
        """Every outcome of every strategy."""
        return [o for s in self.strategies for o in s.outcomes]

    def verdicts_on(self, metric: str) -> dict[tuple, str]:
        """The gated verdict of each run on ``metric``: ``(dataset, model, seed, strategy)`` ->
        FAIL if an objective on the metric failed, else INCONCLUSIVE, else PASS; runs no
        objective on the metric judged are left out."""
        found: dict[tuple, str] = {}
        for outcome in self.outcomes():
            if outcome.metric != metric or not outcome.judged:
                continue
            key = (outcome.dataset, outcome.model, outcome.seed, outcome.strategy)
            now = found.get(key)
            if now is None or _SEVERITY[outcome.verdict] < _SEVERITY[now]:
                found[key] = outcome.verdict
        return found


# -- words ------------------------------------------------------------------------------------


def metric_label(metric: str) -> str:
    """A metric's short name in words (``PR-AUC``); the key itself when it has none."""
    return METRIC_LABELS.get(metric, f"`{metric}`")


def signed(value: float) -> str:
    """``+0.015`` / ``−0.050`` (a true minus sign), three decimals."""
    return f"{value:+.3f}".replace("-", "−")


def number(value: float) -> str:
    """Three decimals, or four significant digits for values far from 1."""
    text = f"{value:.3f}" if 0.001 <= abs(value) < 1000 or value == 0 else f"{value:.4g}"
    return text.replace("-", "−")


@dataclass(frozen=True)
class _Item:
    """One bullet: its text (Markdown inline: ``**bold**``, ```code```) and its sub-bullets."""

    text: str
    children: tuple[_Item, ...] = ()


def _strategy_item(strategy: StrategyOutcome) -> _Item:
    runs = f"{strategy.n_runs} run{'' if strategy.n_runs == 1 else 's'}"
    name = f"**{strategy.strategy}**"
    if strategy.reference and strategy.reference != strategy.strategy:
        name += f" vs {strategy.reference}"
    elif strategy.reference:
        name += " (the reference)"
    head = f"{name} — **{strategy.verdict}**"
    deciding = strategy.deciding()
    if deciding:
        claims = list(dict.fromkeys(o.claim() for o in deciding))
        failed = f"{strategy.n_failed_runs} of {runs}" if strategy.n_runs > 1 else runs
        head += f" on {'; '.join(claims)} ({failed})"
    elif strategy.verdict == PASS:
        head += f": every objective that applies is met ({runs})"
    elif strategy.verdict == NOT_APPLICABLE:
        head += f": {strategy.reason or 'no objective of the set applies to it'}"
    else:
        head += f" ({runs})"
    return _Item(head, tuple(_objective_items(strategy)))


def _objective_items(strategy: StrategyOutcome) -> Iterable[_Item]:
    shown = [o for o in strategy.outcomes if not (o.kind == RUN and o.verdict == PASS)]
    by_objective: dict[str, list[ObjectiveOutcome]] = {}
    for outcome in shown:
        by_objective.setdefault(outcome.objective, []).append(outcome)
    items: list[tuple[int, _Item]] = []
    not_applicable: dict[str, list[str]] = {}
    for objective, outcomes in by_objective.items():
        if all(o.verdict == NOT_APPLICABLE for o in outcomes):
            not_applicable.setdefault(outcomes[0].reason, []).append(objective)
            continue
        worst = min(_SEVERITY[o.verdict] for o in outcomes)
        items.append((worst, _objective_item(objective, outcomes, strategy.n_runs)))
    items.sort(key=lambda pair: pair[0])  # stable: the set's order within one severity
    out = [item for _, item in items]
    for reason, objectives in not_applicable.items():
        names = ", ".join(f"`{name}`" for name in objectives)
        out.append(_Item(f"not applicable: {names} — {reason or 'the objective does not apply'}"))
    return out


def _objective_item(objective: str, outcomes: list[ObjectiveOutcome], n_runs: int) -> _Item:
    if len(outcomes) == 1:
        outcome = outcomes[0]
        prefix = f"{outcome.run}: " if n_runs > 1 else ""
        return _Item(f"{prefix}{outcome.words()} (`{objective}`)")
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.verdict] = counts.get(outcome.verdict, 0) + 1
    ordered = sorted(counts, key=_SEVERITY.__getitem__)
    tally = ", ".join(f"**{verdict}** in {counts[verdict]}" for verdict in ordered)
    head = f"{outcomes[0].claim()}: {tally} of {len(outcomes)} runs (`{objective}`)"
    listed = sorted(outcomes, key=lambda o: _SEVERITY[o.verdict])
    children = [_Item(f"{o.run}: {_after_claim(o)}") for o in listed[:MAX_LISTED_RUNS]]
    if len(listed) > MAX_LISTED_RUNS:
        children.append(
            _Item(f"and {len(listed) - MAX_LISTED_RUNS} more runs (`harness gate` lists them all)")
        )
    return _Item(head, tuple(children))


def _after_claim(outcome: ObjectiveOutcome) -> str:
    """The outcome's words without its claim (the parent bullet states it)."""
    words = outcome.words()
    return words.removeprefix(f"{outcome.claim()}: ")


def _summary(section: VerdictSection) -> str:
    counts: dict[str, int] = {}
    for strategy in section.strategies:
        counts[strategy.verdict] = counts.get(strategy.verdict, 0) + 1
    parts = [
        f"{counts[v]} {word}"
        for v, word in (
            (FAIL, "fail"),
            (INCONCLUSIVE, "inconclusive"),
            (PASS, "pass"),
            (NOT_APPLICABLE, "not applicable"),
        )
        if counts.get(v)
    ]
    n = len(section.strategies)
    policy = (
        "INCONCLUSIVE counts as passed (`--inconclusive pass`)"
        if section.inconclusive == "pass"
        else "INCONCLUSIVE is not a pass"
    )
    return (
        f"**Verdict: {section.verdict}** — of {n} strateg{'y' if n == 1 else 'ies'}, "
        f"{', '.join(parts)}; {policy}. This is what `harness gate --run-dir` concludes on this "
        f"folder with `--slo {section.slo_set}`."
    )


def _heading(section: VerdictSection) -> str:
    source = f" ({section.source})" if section.source else ""
    return f"Verdict under the SLO set `{section.slo_set}`{source}"


def _paragraphs(section: VerdictSection) -> list[str]:
    paragraphs = []
    if section.note:
        paragraphs.append(section.note)
    if section.verdict:
        paragraphs.append(_summary(section))
    elif not section.note:
        paragraphs.append("No verdict.")
    paragraphs += list(section.warnings)
    return paragraphs


def verdict_markdown(section: VerdictSection) -> list[str]:
    """The section as Markdown lines: heading, the overall verdict, one bullet per strategy
    (its objectives as sub-bullets), and how to read the verdicts."""
    lines = [f"## {_heading(section)}", ""]
    for paragraph in _paragraphs(section):
        lines += [paragraph, ""]
    if section.strategies:
        for strategy in section.strategies:
            lines += _markdown_item(_strategy_item(strategy), 0)
        lines += ["", VERDICT_LEGEND, ""]
    return lines


def _markdown_item(item: _Item, depth: int) -> list[str]:
    lines = [f"{'  ' * depth}- {_one_line(item.text)}"]
    for child in item.children:
        lines += _markdown_item(child, depth + 1)
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def inline_html(text: str) -> str:
    """Markdown inline text (``**bold**``, ```code```) as HTML; everything else escaped."""
    escaped = html.escape(_one_line(text), quote=True)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def verdict_html(section: VerdictSection) -> str:
    """The section as an HTML fragment (every text escaped), for the top of report.html."""
    parts = [f"<section class='verdicts'><h2>{inline_html(_heading(section))}</h2>"]
    parts += [f"<p>{inline_html(paragraph)}</p>" for paragraph in _paragraphs(section)]
    if section.strategies:
        parts.append("<ul>")
        parts += [_html_item(_strategy_item(strategy)) for strategy in section.strategies]
        parts.append("</ul>")
        parts.append(f"<p class='legend'>{inline_html(VERDICT_LEGEND)}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _html_item(item: _Item) -> str:
    children = ""
    if item.children:
        children = "<ul>" + "".join(_html_item(child) for child in item.children) + "</ul>"
    return f"<li>{inline_html(item.text)}{children}</li>"


def no_verdict(slo_set: str, reason: str, source: str = "") -> VerdictSection:
    """A section that says why there is no verdict (the gate could not judge the folder)."""
    return VerdictSection(slo_set=slo_set, source=source, note=f"No verdict: {reason}")
