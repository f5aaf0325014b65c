"""Plan a run before running it: the smallest effect each objective can detect.

``harness plan <overrides>`` composes the run ``harness run <overrides>`` would start
(:func:`harness.runner.experiment.plan_run`), and for every gating objective of its SLO set
says which difference the design can detect at 80 % power
(:func:`harness.evaluate.power.detectable_difference`): per strategy for a relative objective
(each strategy against the reference on paired folds, Holm over the strategies compared), per
objective for an absolute bound (the noisiest strategy it applies to binds).

The spread behind each figure comes from a stated source, never a guess:

1. **a previous run of the same data set** (the same ``dataset_digest`` as the data the plan
   loads) and model under the outputs folder: for a relative objective one experiment folder
   holding both the strategy and the reference strategy (same seed, folds paired by
   ``(repeat, fold)``), the standard deviation of the paired fold differences in the metric's
   better direction; for an absolute objective, of the metric's fold values. The one with the
   most folds is used, the newest among equals;
2. otherwise **a short pilot**: the planned jobs that need it, evaluated in memory with a small
   design (:data:`PILOT_SPLITS`-fold × :data:`PILOT_REPEATS` repeat, label issues off, the
   precision target kept only when an objective needs it), timed. Nothing is written and no
   tracking starts; a spread from so few folds is itself uncertain, and the plan says how much.

A spread measured on test folds of another size is rescaled to the planned one (a fold
metric's spread falls roughly as ``1/sqrt(n_test)``, :mod:`harness.evaluate.power`), and the
plan says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from harness.components.job import JobComponents, load_dataset_from_config
from harness.data import Dataset
from harness.errors import ConfigError, InputDataError
from harness.evaluate.power import POWER, DetectableDifference, detectable_difference
from harness.evaluate.settings import EvaluationSettings
from harness.evaluate.summaries import MIN_SCORE_LEVELS, hard_scores, undefined_metrics
from harness.metrics import catalog
from harness.runner.experiment import Job
from harness.runs import FOLD_INDEX, JOBS_DIR, RunFolder, find_run_dirs, metric_column
from harness.slo import NON_INFERIORITY, Objective, RelativeObjective, SLOSet, parse_slo_set

#: Folds per repeat and repeats of a pilot.
PILOT_SPLITS = 3
PILOT_REPEATS = 1
#: One-sided level of an absolute objective's decision: an end of its 95 % interval.
ABSOLUTE_ALPHA = 0.025
#: Confidence of the stated uncertainty of a pilot's spread.
SPREAD_CONFIDENCE = 0.95
#: A spread is rescaled (and the plan says so) when the test folds differ by more than this.
RESCALE_TOLERANCE = 0.01
#: Scopes of the metrics measured on the test fold, whose spread is rescaled with its size
#: (``gap/`` is train minus test: its spread is mostly the test fold's).
TEST_FOLD_SCOPES = ("test", "gap")
PREVIOUS, PILOT = "previous run", "pilot"


# -- the design ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """The folds a run evaluates: how many, and how large."""

    scheme: str
    n_splits: int
    n_repeats: int
    n_folds: int
    n_train: int
    n_test: int

    def describe(self) -> str:
        """``5-fold × 2 repeats = 10 folds (stratified), n_train 614, n_test 154``."""
        if self.scheme == "holdout":
            shape = f"{_count(self.n_repeats, 'random train/test split')}"
        else:
            shape = f"{self.n_splits}-fold × {_count(self.n_repeats, 'repeat')}"
        return (
            f"{shape} = {self.n_folds} folds ({self.scheme}), n_train {self.n_train}, "
            f"n_test {self.n_test}"
        )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def design_of(dataset: Dataset, settings: EvaluationSettings, seed: int) -> Design:
    """The folds ``settings`` make on ``dataset``, with their mean sizes (as the protocol
    records ``n_train`` and ``n_test``)."""
    from harness.evaluate.protocol import dataset_splits

    splits = dataset_splits(dataset, settings, seed)
    return Design(
        scheme=settings.folds,
        n_splits=settings.n_splits,
        n_repeats=settings.n_repeats,
        n_folds=len(splits),
        n_train=int(np.mean([len(s[2]) for s in splits])),
        n_test=int(np.mean([len(s[3]) for s in splits])),
    )


# -- where a spread comes from -----------------------------------------------------------------


@dataclass(frozen=True)
class FoldValues:
    """The fold metrics of one evaluated job, from a run folder or a pilot."""

    table: pd.DataFrame
    """One row per fold, indexed by ``(repeat, fold)``."""
    n_test: float
    hard: bool
    levels: float
    undefined: dict[str, str]
    kind: str
    """:data:`PREVIOUS` or :data:`PILOT`."""
    where: str
    """The experiment folder (relative to the root when under it), or ``pilot``."""


@dataclass(frozen=True)
class Spread:
    """A standard deviation of fold values (or of paired fold differences), and its source."""

    std: float
    n_folds: int
    n_test: float
    kind: str
    where: str
    strategy: str

    metric: str

    @property
    def on_test_fold(self) -> bool:
        """Whether the metric is measured on the test fold (its spread follows its size)."""
        return self.metric.split("/", 1)[0] in TEST_FOLD_SCOPES

    def at(self, n_test: float) -> float:
        """The spread on test folds of ``n_test`` rows (``∝ 1/sqrt(n_test)`` for a metric
        measured on the test fold; unchanged for the others)."""
        if not self.on_test_fold:
            return self.std
        return self.std * math.sqrt(self.n_test / n_test)

    def rescaled(self, n_test: float) -> bool:
        """Whether :meth:`at` changes the spread noticeably."""
        return self.on_test_fold and abs(self.n_test / n_test - 1.0) > RESCALE_TOLERANCE

    def source(self) -> str:
        """``previous run outputs/runs/quick/<time>`` or ``pilot``, with the folds used."""
        if self.kind == PILOT:
            return f"pilot ({self.n_folds} folds)"
        return f"previous run {self.where} ({self.n_folds} folds)"


def _needs_scores_reason(values: FoldValues, metric: str, who: str) -> str | None:
    """Why ``metric`` means nothing for these folds, when it needs continuous scores."""
    parsed = catalog.parse_key(metric)
    needs = parsed.spec.needs if parsed is not None else None
    if needs not in catalog.NEEDS_CONTINUOUS_SCORES:
        return None
    where = "the pilot" if values.kind == PILOT else values.where
    undefined = values.undefined.get(metric)
    if undefined:
        return f"{who} in {where}: {undefined}"
    if values.hard:
        count = f"{values.levels:g}" if math.isfinite(values.levels) else "no"
        missing = "a ranking" if needs == "ranking" else "a threshold to tune"
        return (
            f"the model's scores take {count} distinct values per test fold of {who} in {where} "
            f"(hard scores: fewer than {MIN_SCORE_LEVELS}), so {metric} has {missing} only in "
            "name: plan it on a model with continuous scores (e.g. model=logistic_regression), "
            "or on recall, precision, F1 and G-mean"
        )
    return None


def _column(values: FoldValues, metric: str) -> pd.Series | None:
    if metric not in values.table.columns:
        return None
    return metric_column(values.table, metric, Path(values.where))


def paired_spread(
    candidate: FoldValues, reference: FoldValues, metric: str, strategy: str
) -> Spread | str | None:
    """The spread of the paired differences (candidate − reference, in the metric's better
    direction), why there is none to plan with (a text), or ``None`` when these folds cannot
    give one (another source may)."""
    for values, who in ((candidate, strategy), (reference, "the reference")):
        reason = _needs_scores_reason(values, metric, who)
        if reason is not None:
            return reason
    a, b = _column(candidate, metric), _column(reference, metric)
    if a is None or b is None:
        return None
    joined = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner")
    joined = joined[np.isfinite(joined["a"]) & np.isfinite(joined["b"])]
    if len(joined) < 2:
        return None
    differences = (joined["a"] - joined["b"]).to_numpy(dtype=float)
    if catalog.greater_is_better(metric) is False:
        differences = -differences
    return Spread(
        float(np.std(differences, ddof=1)),
        len(differences),
        candidate.n_test,
        candidate.kind,
        candidate.where,
        strategy,
        metric,
    )


def single_spread(values: FoldValues, metric: str, strategy: str) -> Spread | str | None:
    """The spread of one job's fold values of ``metric``; a text when there is none to plan
    with; ``None`` when these folds cannot give one."""
    reason = _needs_scores_reason(values, metric, strategy)
    if reason is not None:
        return reason
    column = _column(values, metric)
    if column is None:
        return None
    finite = column[np.isfinite(column)].to_numpy(dtype=float)
    if len(finite) < 2:
        return None
    return Spread(
        float(np.std(finite, ddof=1)),
        len(finite),
        values.n_test,
        values.kind,
        values.where,
        strategy,
        metric,
    )


@dataclass
class _Entry:
    record: dict[str, Any]
    folder: RunFolder
    experiment: Path

    @property
    def seed(self) -> Any:
        return self.record.get("seed")

    @property
    def order(self) -> tuple[int, str]:
        """Sorted in reverse: most folds first, then the newest."""
        folds = self.record.get("n_folds")
        return (folds if _number(folds) else 0, str(self.record.get("finished_at") or ""))


class PreviousRuns:
    """The finished runs of one data set (by digest) and model under an outputs folder.

    Parameters
    ----------
    outputs : Path
        Where ``harness run`` writes (``<root>/outputs``); missing is fine.
    digest : str
        ``dataset_digest`` the runs must have.
    model : str
        ``model`` (the config's ``model.name``) the runs must have.
    root : Path
        Folders are named relative to it when they are under it.
    """

    def __init__(self, outputs: Path, digest: str, model: str, root: Path) -> None:
        self.root = Path(root)
        self.entries: list[_Entry] = []
        self.left_out: list[str] = []
        self._folds: dict[Path, FoldValues | None] = {}
        run_dirs = find_run_dirs(outputs) if Path(outputs).is_dir() else []
        for run_dir in run_dirs:
            folder = RunFolder(run_dir)
            try:
                record = folder.read_record()
            except InputDataError as exc:
                self.left_out.append(str(exc))
                continue
            if not record or record.get("status") != "success":
                continue
            if record.get("dataset_digest") != digest or record.get("model") != model:
                continue
            if not all(_positive(record.get(k)) for k in ("n_train", "n_test")):
                continue
            parent = run_dir.parent
            experiment = parent.parent if parent.name == JOBS_DIR else parent
            self.entries.append(_Entry(record, folder, experiment))
        self.entries.sort(key=lambda e: e.order, reverse=True)

    def folds(self, entry: _Entry) -> FoldValues | None:
        """The fold values of a run folder (``None`` without a readable folds file)."""
        path = entry.folder.path
        if path not in self._folds:
            try:
                table = entry.folder.read_folds()
            except InputDataError as exc:
                self.left_out.append(str(exc))
                table = None
            if table is None:
                self._folds[path] = None
            else:
                hard, levels = entry.record.get("hard_scores"), entry.record.get("score_levels")
                if not isinstance(hard, bool):
                    hard, levels = hard_scores(table.reset_index())
                self._folds[path] = FoldValues(
                    table=table,
                    n_test=float(entry.record["n_test"]),
                    hard=hard,
                    levels=float(levels) if _number(levels) else math.nan,
                    undefined=dict(entry.record.get("undefined") or {}),
                    kind=PREVIOUS,
                    where=_shown(entry.experiment, self.root),
                )
        return self._folds[path]

    def _of(self, resampler: str, strategy: str) -> list[_Entry]:
        return [
            e
            for e in self.entries
            if e.record.get("strategy") == strategy and e.record.get("resampler") == resampler
        ]

    def paired(
        self, resampler: str, strategy: str, reference: str, metric: str
    ) -> Spread | str | None:
        """The spread of the paired differences from the best experiment folder holding both
        the job and a job of the reference strategy (same seed); ``None`` when none can."""
        for entry in self._of(resampler, strategy):
            partners = [
                e
                for e in self.entries
                if e.record.get("strategy") == reference
                and e.experiment == entry.experiment
                and e.seed == entry.seed
            ]
            for partner in partners:
                ours, theirs = self.folds(entry), self.folds(partner)
                if ours is None or theirs is None:
                    continue
                found = paired_spread(ours, theirs, metric, resampler)
                if found is not None:
                    return found
        return None

    def single(self, resampler: str, strategy: str, metric: str) -> Spread | str | None:
        """The spread of the job's fold values from its best previous run; ``None`` when none
        can give one."""
        for entry in self._of(resampler, strategy):
            values = self.folds(entry)
            if values is not None:
                found = single_spread(values, metric, resampler)
                if found is not None:
                    return found
        return None


def _positive(value: Any) -> bool:
    return _number(value) and value > 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# -- the pilot ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pilot:
    """What a pilot evaluated, and how long it took."""

    strategies: tuple[str, ...]
    design: Design
    seconds: float
    values: dict[str, FoldValues]
    """By job name."""

    def describe(self) -> str:
        """``3-fold × 1 repeat of none, smote: 4.2 s``, with the uncertainty of its spread."""
        dof = self.design.n_folds - 1
        low, high = spread_uncertainty(dof)
        return (
            f"a pilot of {self.design.n_folds} folds ({self.design.describe()}) of "
            f"{', '.join(self.strategies)}, evaluated in memory (nothing written, no tracking) "
            f"in {self.seconds:.1f} s. A spread from {self.design.n_folds} folds is itself "
            f"uncertain: with {_count(dof, 'degree')} of freedom the true one may be {low:.2f} to "
            f"{high:.2g} times the estimate ({SPREAD_CONFIDENCE:.0%}, folds taken as "
            "independent), and every figure below scales with it; a previous run of the same "
            "data set gives a firmer one"
        )


def spread_uncertainty(dof: int, confidence: float = SPREAD_CONFIDENCE) -> tuple[float, float]:
    """The factors a standard deviation from ``dof`` degrees of freedom may be off by: the
    chi-square interval of ``sigma / s`` (NaN below one degree of freedom)."""
    if dof < 1:
        return math.nan, math.nan
    from scipy import stats

    tail = (1.0 - confidence) / 2.0
    return (
        math.sqrt(dof / stats.chi2.ppf(1.0 - tail, dof)),
        math.sqrt(dof / stats.chi2.ppf(tail, dof)),
    )


def pilot_settings(
    evaluation: Any, *, operating_point: bool, splits: int, repeats: int
) -> EvaluationSettings:
    """A pilot's settings: the planned fold scheme with few folds, label issues, memory
    tracing, lineage and the model off; the precision target kept only when ``operating_point``."""
    values = dict(OmegaConf.to_container(evaluation, resolve=True))
    scheme = values.get("folds", "stratified")
    values.update(
        n_splits=splits,
        n_repeats=splits * repeats if scheme == "holdout" else repeats,
        n_jobs=1,
        label_issues=False,
        track_memory=False,
        save_model=False,
        realism_report=False,
        progress=False,
        job_report=False,
        lineage="none",
    )
    if scheme == "time":
        values["n_repeats"] = 1
    if not operating_point:
        values["precision_target"] = None
    return EvaluationSettings.from_config(values)


def run_pilot(
    dataset: Dataset,
    jobs: Sequence[Job],
    settings: EvaluationSettings,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> Pilot:
    """Evaluate ``jobs`` on ``dataset`` with ``settings``, in memory, and time it."""
    from harness.evaluate.protocol import evaluate_folds

    values: dict[str, FoldValues] = {}
    started = clock()
    n_train = n_test = folds = 0
    for job in jobs:
        components = _components(job)
        result = evaluate_folds(
            dataset,
            components.sampler_copy,
            components.model_copy,
            settings,
            seed=components.seed,
        )
        hard, levels = hard_scores(result.folds)
        values[job.name] = FoldValues(
            table=result.folds.set_index(list(FOLD_INDEX)),
            n_test=float(result.n_test),
            hard=hard,
            levels=levels,
            undefined=undefined_metrics(result.folds, settings.precision_target),
            kind=PILOT,
            where=PILOT,
        )
        n_train, n_test = result.n_train, result.n_test
        folds = len(result.folds)
    seconds = clock() - started
    design = Design(settings.folds, settings.n_splits, settings.n_repeats, folds, n_train, n_test)
    strategies = tuple(str(job.cfg.resampler.name) for job in jobs)
    return Pilot(strategies, design, seconds, values)


def _components(job: Job) -> JobComponents:
    components = job.components
    if components is None:
        raise ConfigError(
            f"the sampler of {job.name} cannot be built ({job._components}): fix "
            "resampler.sampler in its config"
        )
    return components


# -- one planned figure -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """What one objective (for one strategy, when relative) can detect with the design."""

    objective: str
    metric: str
    test: str
    subject: str
    alpha: float
    family_size: int
    bound_text: str
    detectable: DetectableDifference | None = None
    spread: Spread | None = None
    std: float = math.nan
    not_applicable: str | None = None
    effect_text: Callable[[float], str] | None = field(default=None, repr=False, compare=False)

    def sentence(self, design: Design) -> str:
        """The figure in words."""
        if self.not_applicable is not None or self.detectable is None or self.spread is None:
            return f"{self.subject}: not applicable: {self.not_applicable}"
        d, spread = self.detectable, self.spread
        if not math.isfinite(d.now):
            return f"{self.subject}: {d.line()}"
        scaled = (
            f", rescaled from test folds of {spread.n_test:g} rows to {design.n_test}"
            if spread.rescaled(design.n_test)
            else ""
        )
        effect = f" ({self.effect_text(d.now)})" if self.effect_text is not None else ""
        return (
            f"{self.subject}: with {d.n_folds} folds this design detects, at {POWER:.0%} "
            f"power, a true effect {d.now:.3g} beyond {self.bound_text}{effect}; spread "
            f"{self.std:.3g} from the {spread.source()}{scaled}. {_capital(d.advice())}."
        )

    def cells(self) -> list[str]:
        """The row of the table."""
        base = [self.objective, self.metric, self.test, self.subject]
        if self.not_applicable is not None or self.detectable is None or self.spread is None:
            return [*base, "n/a", "n/a", "n/a", "-", "not applicable (why: above)"]
        d = self.detectable
        return [
            *base,
            _figure(d.now),
            _figure(d.doubled_repeats),
            _figure(d.floor),
            self.spread.source(),
            d.advice(),
        ]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _figure(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "none"


TABLE_HEADER = (
    "objective",
    "metric",
    "test",
    "strategy",
    f"now ({POWER:.0%} power)",
    "2x repeats",
    "floor",
    "variance source",
    "advice",
)


# -- the plan -----------------------------------------------------------------------------------


@dataclass
class GroupPlan:
    """The plan of the jobs of one data set and model."""

    dataset: str
    model: str
    rows_of_data: int
    digest: str
    seed: int
    seeds: tuple[int, ...]
    design: Design
    strategies: tuple[str, ...]
    rows: list[PlanRow]
    headings: dict[str, str]
    pilot: Pilot | None = None
    pilot_reason: str = ""
    left_out: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """What ``harness plan`` prints: one :class:`GroupPlan` per data set and model."""

    experiment: str
    slo: SLOSet
    outputs: str
    groups: list[GroupPlan]
    notes: list[str]

    def render(self) -> str:
        """The plan in words, then a table."""
        lines = [
            f"Plan of experiment {self.experiment!r} against the SLO set {self.slo.name!r}: the "
            f"smallest true effect each objective can detect at {POWER:.0%} power, before "
            "running anything.",
        ]
        for group in self.groups:
            lines += ["", *self._group_words(group)]
        lines += [f"note: {note}" for note in self.notes]
        lines += ["", *self._table()]
        return "\n".join(lines)

    def _group_words(self, group: GroupPlan) -> list[str]:
        lines = [
            f"{group.dataset} ({group.rows_of_data} rows, digest {group.digest[:12]}), model "
            f"{group.model}, {self._seed_text(group)}, strategies "
            f"{', '.join(group.strategies)}:",
            f"  design: {group.design.describe()}",
        ]
        folders = sorted(
            {r.spread.where for r in group.rows if r.spread and r.spread.kind == PREVIOUS}
        )
        if folders:
            lines.append(
                "  variance source: a previous run of the same data set (same digest) and model: "
                + ", ".join(folders)
            )
        if group.pilot is not None:
            lines.append(f"  variance source: {group.pilot_reason}, so {group.pilot.describe()}")
        for problem in group.left_out:
            lines.append(f"  left out: {problem}")
        for objective, heading in group.headings.items():
            lines.append(f"  {heading}")
            lines += [
                f"    {row.sentence(group.design)}"
                for row in group.rows
                if row.objective == objective
            ]
        return lines

    @staticmethod
    def _seed_text(group: GroupPlan) -> str:
        if len(group.seeds) == 1:
            return f"seed {group.seed}"
        listed = ", ".join(str(s) for s in group.seeds)
        return (
            f"seed {group.seed} (of {listed}: each seed is judged on its own, with the same design)"
        )

    def _table(self) -> list[str]:
        several = len(self.groups) > 1
        header = (["dataset", "model"] if several else []) + list(TABLE_HEADER)
        body = [
            ([g.dataset, g.model] if several else []) + row.cells()
            for g in self.groups
            for row in g.rows
        ]
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header) - 1)]

        def line(cells: list[str]) -> str:
            head = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True))
            return f"{head}  {cells[-1]}"

        return [line(header), *(line(cells) for cells in body)]


def _test_text(objective: RelativeObjective) -> str:
    if objective.test == NON_INFERIORITY:
        return f"non-inferiority, margin {objective.margin:g}"
    return "superiority"


def _absolute_test(objective: Objective) -> str:
    how = "95 % interval" if objective.decision == "ci" else "mean (decision point)"
    return f"{objective.op} {objective.threshold:g}, {how}"


def _effect_text(objective: RelativeObjective, reference: str) -> Callable[[float], str]:
    def text(delta: float) -> str:
        return f"an improvement of at least {objective.bound + delta:+.3g} over {reference}"

    return text


def _absolute_effect(objective: Objective) -> Callable[[float], str]:
    def text(delta: float) -> str:
        above = objective.op in (">=", ">")
        value = objective.threshold + delta if above else objective.threshold - delta
        return f"a true mean {'above' if above else 'below'} {value:.3g}"

    return text


def make_plan(
    cfg: DictConfig,
    jobs: Sequence[Job],
    *,
    outputs: Path,
    root: Path,
    force_pilot: bool = False,
    pilot_splits: int = PILOT_SPLITS,
    pilot_repeats: int = PILOT_REPEATS,
    clock: Callable[[], float] = time.perf_counter,
) -> Plan:
    """Plan the run ``jobs`` describe: every gating objective's detectable difference.

    Parameters
    ----------
    cfg : DictConfig
        The primary config (:func:`harness.runner.experiment.plan_run`): its ``slo`` is the
        SLO set the run would be judged with.
    jobs : sequence of Job
        The jobs the run would start.
    outputs : Path
        Where previous runs are looked for (``<root>/outputs``).
    root : Path
        The harness root: folders are named relative to it.
    force_pilot : bool
        Run a pilot even when a previous run gives the spreads.
    pilot_splits, pilot_repeats : int
        The pilot's folds per repeat and repeats.
    clock : callable
        Seconds, for timing the pilot.

    Returns
    -------
    Plan

    Raises
    ------
    ConfigError
        A bad SLO set or evaluation setting, a sampler that cannot be built.
    """
    slo = parse_slo_set(OmegaConf.to_container(cfg.slo, resolve=True), source="cfg.slo")
    notes = []
    if slo.fairness:
        notes.append(
            f"the {len(slo.fairness)} fairness bound(s) are judged on pooled out-of-fold "
            "predictions with bootstrap intervals, not on fold spreads: not planned here"
        )
    groups: dict[tuple[str, str], list[Job]] = {}
    for job in jobs:
        groups.setdefault((str(job.cfg.dataset.name), str(job.cfg.model.name)), []).append(job)
    planned = [
        _plan_group(
            group,
            slo,
            outputs=Path(outputs),
            root=Path(root),
            force_pilot=force_pilot,
            pilot=(pilot_splits, pilot_repeats),
            clock=clock,
        )
        for group in groups.values()
    ]
    return Plan(str(cfg.experiment.name), slo, _shown(outputs, root), planned, notes)


def _shown(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when it is under it."""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


@dataclass
class _Request:
    """One figure to fill: its row fields and the spreads it needs."""

    objective: str
    metric: str
    test: str
    subject: str
    alpha: float
    family_size: int
    bound_text: str
    effect_text: Callable[[float], str] | None
    needs: list[tuple[Job, Job | None]]
    """(job, its reference job or None for a single job's spread)."""
    not_applicable: str | None = None
    pooled: bool = False
    """Whether the figure is that of the noisiest of several jobs (an absolute objective)."""


def _requests(slo: SLOSet, jobs: list[Job]) -> tuple[list[_Request], dict[str, str]]:
    kinds = {job.name: _components(job).strategy for job in jobs}
    requests: list[_Request] = []
    headings: dict[str, str] = {}
    section = slo.relative
    for objective in section.objectives if section else ():
        compared = [j for j in jobs if kinds[j.name] != section.reference]
        compared = [j for j in compared if objective.applies(kinds[j.name])]
        references = [j for j in jobs if kinds[j.name] == section.reference]
        family = len(compared)
        headings[objective.name] = (
            f"{objective.name} ({objective.metric}, {_test_text(objective)}, each strategy "
            f"against {section.reference} on paired folds; one-sided alpha {section.alpha:g}"
            + (f", Holm over {family} strategies" if family > 1 else "")
            + "):"
        )
        base = {
            "objective": objective.name,
            "metric": objective.metric,
            "test": _test_text(objective),
            "alpha": section.alpha,
            "family_size": max(family, 1),
            "bound_text": f"the bound {objective.bound:+g}",
            "effect_text": _effect_text(objective, section.reference),
        }
        if not compared:
            requests.append(
                _Request(
                    **base,
                    subject="no strategy",
                    needs=[],
                    not_applicable=(
                        "no planned strategy is compared with the reference "
                        f"{section.reference!r} on it"
                    ),
                )
            )
            continue
        for job in compared:
            subject = f"{job.cfg.resampler.name} vs {section.reference}"
            if not references:
                requests.append(
                    _Request(
                        **base,
                        subject=subject,
                        needs=[],
                        not_applicable=(
                            f"the plan has no job of the reference strategy "
                            f"{section.reference!r}: add it to the resampler grid"
                        ),
                    )
                )
            else:
                requests.append(_Request(**base, subject=subject, needs=[(job, references[0])]))
    for objective in slo.objectives:
        subjects = [j for j in jobs if objective.applies(kinds[j.name])]
        headings[objective.name] = (
            f"{objective.name} ({objective.metric} {_absolute_test(objective)}; the end of a "
            f"95 % interval, one-sided {ABSOLUTE_ALPHA:g}; the noisiest strategy it applies "
            "to binds):"
        )
        request = _Request(
            objective=objective.name,
            metric=objective.metric,
            test=_absolute_test(objective),
            subject="every strategy" if objective.applies_to is None else "its strategies",
            alpha=ABSOLUTE_ALPHA,
            family_size=1,
            bound_text=f"the bound {objective.threshold:g}",
            effect_text=_absolute_effect(objective),
            needs=[(job, None) for job in subjects],
            pooled=True,
        )
        if not subjects:
            request.not_applicable = (
                f"applies only to the strategies {', '.join(objective.applies_to or ())}; the "
                "plan has none of them"
            )
        requests.append(request)
    return requests, headings


def _plan_group(
    jobs: list[Job],
    slo: SLOSet,
    *,
    outputs: Path,
    root: Path,
    force_pilot: bool,
    pilot: tuple[int, int],
    clock: Callable[[], float],
) -> GroupPlan:
    first = jobs[0]
    seed = int(first.cfg.seed)
    seeds = tuple(sorted({int(job.cfg.seed) for job in jobs}))
    jobs = [job for job in jobs if int(job.cfg.seed) == seed]
    dataset = load_dataset_from_config(first.cfg)
    settings = EvaluationSettings.from_config(first.cfg.evaluation)
    design = design_of(dataset, settings, seed)
    requests, headings = _requests(slo, jobs)
    kinds = {job.name: _components(job).strategy for job in jobs}
    model = str(first.cfg.model.name)
    previous = None if force_pilot else PreviousRuns(outputs, dataset.digest, model, root)

    def from_previous(metric: str, job: Job, reference: Job | None) -> Spread | str | None:
        if previous is None:
            return None
        resampler = str(job.cfg.resampler.name)
        if reference is None:
            return previous.single(resampler, kinds[job.name], metric)
        return previous.paired(resampler, kinds[job.name], kinds[reference.name], metric)

    found: dict[int, list[Spread | str | None]] = {}
    for index, request in enumerate(requests):
        found[index] = [from_previous(request.metric, j, r) for j, r in request.needs]
    missing = [
        (request, need)
        for index, request in enumerate(requests)
        for need, spread in zip(request.needs, found[index], strict=True)
        if spread is None
    ]
    ran = None
    if missing:
        needed = {j.name for _, pair in missing for j in pair if j is not None}
        operating_point = any(_needs(request.metric) == "operating_point" for request, _ in missing)
        pilot_jobs = [job for job in jobs if job.name in needed]
        settings_pilot = pilot_settings(
            first.cfg.evaluation,
            operating_point=operating_point,
            splits=pilot[0],
            repeats=pilot[1],
        )
        ran = run_pilot(dataset, pilot_jobs, settings_pilot, clock=clock)
        for index, request in enumerate(requests):
            for position, (job, reference) in enumerate(request.needs):
                if found[index][position] is not None:
                    continue
                ours = ran.values[job.name]
                if reference is None:
                    spread = single_spread(ours, request.metric, str(job.cfg.resampler.name))
                else:
                    spread = paired_spread(
                        ours,
                        ran.values[reference.name],
                        request.metric,
                        str(job.cfg.resampler.name),
                    )
                found[index][position] = spread if spread is not None else _no_folds(request)
    rows = [_row(request, found[i], design) for i, request in enumerate(requests)]
    if force_pilot:
        reason = "previous runs were not read (--pilot)"
    elif any(row.spread is not None and row.spread.kind == PREVIOUS for row in rows):
        reason = (
            f"no previous run under {_shown(outputs, root)} gives the spread of every figure "
            "(those from the pilot say so)"
        )
    else:
        reason = (
            f"no previous run of this data set (digest {dataset.digest[:12]}) and model under "
            f"{_shown(outputs, root)} gives a spread"
        )
    return GroupPlan(
        dataset=str(first.cfg.dataset.name),
        model=model,
        rows_of_data=len(dataset.y),
        digest=dataset.digest,
        seed=seed,
        seeds=seeds,
        design=design,
        strategies=tuple(str(job.cfg.resampler.name) for job in jobs),
        rows=rows,
        headings=headings,
        pilot=ran,
        pilot_reason=reason,
        left_out=previous.left_out if previous is not None else [],
    )


def _needs(metric: str) -> str | None:
    parsed = catalog.parse_key(metric)
    return parsed.spec.needs if parsed is not None else None


def _no_folds(request: _Request) -> str:
    return (
        f"{request.metric} has fewer than two finite fold values in the pilot (it is not "
        "measured fold by fold, or is undefined on these folds), so it has no fold spread to "
        "plan with"
    )


def _row(request: _Request, spreads: list[Spread | str | None], design: Design) -> PlanRow:
    fields = {
        "objective": request.objective,
        "metric": request.metric,
        "test": request.test,
        "subject": request.subject,
        "alpha": request.alpha,
        "family_size": request.family_size,
        "bound_text": request.bound_text,
        "effect_text": request.effect_text,
    }
    if request.not_applicable is not None:
        return PlanRow(**fields, not_applicable=request.not_applicable)
    measured = [s for s in spreads if isinstance(s, Spread)]
    if not measured:  # every strategy has a reason (one, for a relative figure)
        return PlanRow(**fields, not_applicable=next(s for s in spreads if isinstance(s, str)))
    widest = max(measured, key=lambda s: s.at(design.n_test))
    if request.pooled:
        noisiest = "noisiest: " if len(request.needs) > 1 else ""
        fields["subject"] = f"{request.subject} ({noisiest}{widest.strategy})"
    std = widest.at(design.n_test)
    detectable = detectable_difference(
        std,
        design.n_folds,
        design.n_train,
        design.n_test,
        request.alpha,
        request.family_size,
    )
    return PlanRow(**fields, detectable=detectable, spread=widest, std=std)
