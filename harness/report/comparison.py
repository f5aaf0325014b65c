"""Compare strategies across the jobs of an experiment or sweep.

A comparison reads run folders only (``result.json`` and ``folds.csv``), so it works the same
for an in-process grid, a Hydra multirun, a resumed sweep, or folders copied from elsewhere.
It fails closed: an unreadable record, a record of another result schema or a folder with
unfinished jobs (:func:`harness.runs.incomplete_jobs`) is an error, unless the caller allows
missing jobs, and then every output names the jobs left out.

Given the SLO set the run is judged under and the verdicts under it
(:class:`harness.report.verdicts.VerdictSection`, filled by the pipeline from the gate), the
report opens with each strategy's verdict in words, its forest plots draw that set and colour
each strategy by its verdict, and the paired comparisons cover every metric an objective uses.
Every interval shown is clipped to its metric's range in the catalog.
"""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import InputDataError
from harness.evaluate.inference import compare_paired, holm, rank_test
from harness.metrics import catalog
from harness.metrics.catalog import greater_is_better, parse_key
from harness.report.cost_quality import write_cost_quality_section
from harness.report.group_fairness import (
    FAIRNESS_GROUP,
    POOLED_FAIRNESS_CI_METHOD,
    fairness_keys,
    group_fairness_section,
)
from harness.report.pages import (
    HEADLINE_METRICS,
    clipped_interval,
    forest_plot,
    format_ci,
    markdown_table,
    relative_lines,
    render_html,
    slo_lines,
    slo_metrics,
)
from harness.report.published import PublishedTable
from harness.report.replication import Replication, replicate, write_replication_section
from harness.report.verdicts import (
    VerdictSection,
    inline_html,
    verdict_html,
    verdict_markdown,
)
from harness.runs import (
    RESULT_SCHEMA_VERSION,
    ExperimentFolder,
    RunFolder,
    find_experiment_dirs,
    find_run_dirs,
    incomplete_jobs,
    write_bytes_atomic,
    write_text_atomic,
    writing,
)

log = logging.getLogger(__name__)

TEST_METRICS = (
    "test/minority_f1",
    "test/minority_recall",
    "test/pr_auc",
    "test/recall_at_precision",
)
REFERENCE_STRATEGY = "none"
RANK_METRIC = "test/minority_f1"
#: Half-width of the region of practical equivalence of the Bayesian test, in metric units.
ROPE = 0.01
MIN_FOLDS_FOR_A_TEST = 3


@dataclass(frozen=True)
class LeftOut:
    """A job a comparison could not include: its folder and why."""

    job: str
    reason: str


@dataclass
class Comparison:
    """The outcome of comparing every job found under one folder."""

    records: list[dict[str, Any]]
    table: pd.DataFrame
    tests: pd.DataFrame
    ranks: pd.DataFrame
    failed: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    """Jobs not in the comparison (only with ``allow_missing``), with the reason."""
    numbers: pd.DataFrame = field(default_factory=pd.DataFrame)
    """comparison.csv: one row per (job, metric) with numeric ``mean``, ``ci_low``,
    ``ci_high`` and ``n``."""
    rank_test: Any = None
    """The :class:`harness.evaluate.inference.RankTest` across data sets, when there is one."""
    slo: Any = None
    """The :class:`harness.slo.SLOSet` the report draws and the verdicts are under, if any."""
    verdicts: VerdictSection | None = None
    """Each strategy's verdict under :attr:`slo`, shown first in the report."""
    replication: Replication | None = None
    """The run beside the published table it replicates, when one was given."""


def _shown_metrics(records: list[dict[str, Any]], extra: Sequence[str] = ()) -> list[str]:
    """The headline metrics, the ``extra`` ones (those an SLO set's objectives use), then the
    pooled fairness gaps of every sensitive column."""
    fairness = sorted(
        {
            key
            for record in records
            for key in record.get("metrics", {})
            if (parsed := parse_key(key)) is not None
            and parsed.group is None
            and parsed.spec.name.endswith(
                ("equalized_odds_difference", "demographic_parity_difference")
            )
        }
    )
    return list(dict.fromkeys([*HEADLINE_METRICS, *extra, *fairness]))


def comparison_table(records: list[dict[str, Any]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """One row per job: identity, status and the shown metrics as ``mean [95% CI]`` text
    (headline metrics, ``extra``, fairness gaps), each interval clipped to its metric's range."""
    shown = _shown_metrics(records, extra)
    rows = []
    for record in records:
        row = {
            "dataset": record["dataset"],
            "resampler": record["resampler"],
            "model": record["model"],
            "seed": record["seed"],
            "status": record["status"],
        }
        for key in shown:
            mean = record.get("metrics", {}).get(key)
            interval = clipped_interval(key, record.get("ci95", {}).get(key))
            row[key] = format_ci(mean, interval) if mean is not None else ""
        rows.append(row)
    columns = ["dataset", "resampler", "model", "seed", "status", *shown]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["dataset", "model", "seed", "resampler"], ignore_index=True)


def comparison_numbers(records: list[dict[str, Any]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """comparison.csv: one row per (job, metric), the numbers as numbers.

    The metrics are those of the strategy table, then every other fairness value a job holds
    (per-group recall, selection rate and size, the worst group's recall, the count of small
    groups); those rows exist only for the jobs that hold them, and their ``ci_method`` is
    the pooled out-of-fold one. Every interval is clipped to its metric's range.
    """
    rows = []
    shown = _shown_metrics(records, extra)
    for record in records:
        metrics, intervals = record.get("metrics", {}), record.get("ci95", {})
        own = [k for k in fairness_keys([record]) if k not in shown]
        for key in [*shown, *own]:
            low, high = (clipped_interval(key, intervals.get(key)) or [None, None])[:2]
            rows.append(
                {
                    "dataset": record["dataset"],
                    "resampler": record["resampler"],
                    "strategy": record.get("strategy"),
                    "model": record["model"],
                    "seed": record["seed"],
                    "status": record["status"],
                    "metric": key,
                    "mean": metrics.get(key),
                    "ci_low": low,
                    "ci_high": high,
                    "n": record.get("n_folds"),
                    "ci_method": _ci_method(record, key),
                }
            )
    columns = [
        "dataset", "resampler", "strategy", "model", "seed", "status",
        "metric", "mean", "ci_low", "ci_high", "n", "ci_method",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("mean", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _ci_method(record: dict[str, Any], key: str) -> str | None:
    """How the interval of ``key`` was made: pooled for fairness values, else the record's."""
    parsed = parse_key(key)
    if parsed is not None and parsed.spec.group == FAIRNESS_GROUP:
        return POOLED_FAIRNESS_CI_METHOD
    return record.get("ci_method")


def _read_folds(record: dict[str, Any]) -> pd.DataFrame | None:
    return RunFolder(record["run_dir"]).read_folds()


def _fold_values(folds: pd.DataFrame | None, metric: str) -> pd.Series | None:
    if folds is None or metric not in folds.columns:
        return None
    return folds[metric]


def _kind(record: dict[str, Any]) -> str:
    return str(record.get("strategy") or record["resampler"])


def tested_metrics(slo: Any = None) -> list[str]:
    """The metrics of the paired comparisons: every metric a relative or an absolute objective
    of ``slo`` uses, then the fixed :data:`TEST_METRICS`."""
    return list(dict.fromkeys([*slo_metrics(slo), *TEST_METRICS]))


def paired_tests(
    records: list[dict[str, Any]],
    metrics: Sequence[str] = TEST_METRICS,
    rope: float = ROPE,
    reference: str = REFERENCE_STRATEGY,
) -> pd.DataFrame:
    """Paired comparisons across folds: every strategy vs ``reference``, and ADASYN vs SMOTE.

    Jobs are paired within the same data set, model and seed, so their folds are identical.
    Each row has the mean difference (candidate − reference) with its corrected 95 % interval,
    the corrected resampled t-test (Nadeau & Bengio 2003) with its Holm-adjusted p-value
    within the family (every pair compared on one metric, data set, model and seed), and the
    Bayesian correlated t-test's P(candidate better), P(equivalent within ±rope) and
    P(reference better) (Benavoli et al. 2017). A fold-level Wilcoxon test is not reported: it
    treats the overlapping folds as independent.

    A pair that cannot be tested on a metric has a row too, without numbers and with the reason
    in ``note``, outside the Holm family: a metric a job does not define (one that needs
    continuous scores, for a model with hard scores; one the job recorded as undefined), or
    one its ``folds.csv`` has no column for.
    """
    ok = [r for r in records if r["status"] == "success"]
    folds = {r["run_dir"]: _read_folds(r) for r in ok}  # each folds.csv read once
    rows = []
    key = lambda r: (r["dataset"], r["model"], r["seed"])  # noqa: E731
    for (dataset, model, seed), group in itertools.groupby(sorted(ok, key=key), key=key):
        by_kind = {_kind(r): r for r in group}
        pairs = [(s, reference) for s in sorted(by_kind) if s != reference]
        if "adasyn" in by_kind and "smote" in by_kind and reference != "smote":
            pairs.append(("adasyn", "smote"))
        for metric in metrics:
            family, untested = [], []
            for candidate, baseline in pairs:
                if baseline not in by_kind:
                    continue
                identity = (dataset, model, seed, candidate, baseline, metric)
                jobs = (by_kind[candidate], by_kind[baseline])
                reason = _not_defined(jobs, metric)
                a = _fold_values(folds[jobs[0]["run_dir"]], metric)
                b = _fold_values(folds[jobs[1]["run_dir"]], metric)
                if reason is None and (a is None or b is None):
                    reason = (
                        f"{metric} is not a column of the folds.csv of "
                        f"{jobs[0 if a is None else 1]['resampler']} (measured once per job, or "
                        "not computed): no fold-by-fold test"
                    )
                if reason is not None:
                    untested.append(_untested_row(*identity, reason))
                    continue
                a, b = a.align(b, join="inner")
                family.append(_paired_row(*identity, a, b, rope, jobs[0]))
            if family:
                adjusted = holm([row["p_value"] for row in family])
                for row, p in zip(family, adjusted, strict=True):
                    row["p_holm"] = float(p)
            rows.extend(family + untested)
    return pd.DataFrame(rows)


def _not_defined(jobs: Sequence[dict[str, Any]], metric: str) -> str | None:
    """Why ``metric`` is not defined for one of the two jobs, or ``None``."""
    parsed = parse_key(metric)
    needs = getattr(parsed.spec, "needs", None) if parsed is not None else None
    for job in jobs:
        undefined = (job.get("undefined") or {}).get(metric)
        if undefined:
            return f"{metric} is not defined for {job['resampler']}: {undefined}"
        if needs in getattr(catalog, "NEEDS_CONTINUOUS_SCORES", ()) and job.get("hard_scores"):
            levels = job.get("score_levels")
            count = f"{levels:g}" if isinstance(levels, int | float) else "few"
            return (
                f"{metric} needs continuous scores ({needs}); the model of "
                f"{job['resampler']} has hard scores ({count} distinct values per test fold), "
                "so it is not defined for it"
            )
    return None


def _untested_row(dataset, model, seed, candidate, reference, metric, reason) -> dict:
    row = dict.fromkeys(_PAIRED_NUMBERS, np.nan)
    return {
        "dataset": dataset,
        "model": model,
        "seed": seed,
        "candidate": candidate,
        "reference": reference,
        "metric": metric,
        "greater_is_better": greater_is_better(metric),
        **row,
        "rope": np.nan,
        "n_folds": 0,
        "note": reason,
    }


_PAIRED_NUMBERS = (
    "mean_difference", "ci_low", "ci_high", "corrected_t", "p_value", "p_holm",
    "p_candidate_better", "p_equivalent", "p_reference_better",
)  # fmt: skip


def _clip_difference(metric: str, low: float, high: float) -> tuple[float, float]:
    """A difference's interval clipped to what a difference of the metric can be (±its
    range's width, for a metric of bounded range)."""
    bounds = catalog.metric_range(metric)
    if bounds is None:
        return low, high
    width = bounds[1] - bounds[0]
    return float(np.clip(low, -width, width)), float(np.clip(high, -width, width))


def _paired_row(dataset, model, seed, candidate, reference, metric, a, b, rope, record) -> dict:
    n_train = float(record.get("n_train") or 0)
    n_test = float(record.get("n_test") or 0)
    result = compare_paired(a.to_numpy(), b.to_numpy(), n_train, n_test, rope=rope)
    note = ""
    if result.n < MIN_FOLDS_FOR_A_TEST:
        note = f"only {result.n} paired folds: no test can tell a difference"
    elif not np.isfinite(result.t):
        note = "zero variance of the differences: the t statistic is undefined"
    direction = greater_is_better(metric)
    ci_low, ci_high = _clip_difference(metric, result.ci_low, result.ci_high)
    return {
        "dataset": dataset,
        "model": model,
        "seed": seed,
        "candidate": candidate,
        "reference": reference,
        "metric": metric,
        "greater_is_better": direction,
        "mean_difference": result.mean_difference,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "corrected_t": result.t,
        "p_value": result.p_value,
        "p_holm": np.nan,
        "p_candidate_better": result.p_a_better if direction is not False else result.p_b_better,
        "p_equivalent": result.p_equivalent,
        "p_reference_better": result.p_b_better if direction is not False else result.p_a_better,
        "rope": result.rope,
        "n_folds": result.n,
        "note": note,
    }


def strategy_ranks(records: list[dict[str, Any]], metric: str = RANK_METRIC):
    """Strategies ranked across data sets with Friedman, Iman–Davenport and Nemenyi.

    Returns
    -------
    tuple of (DataFrame, RankTest or None)
        The rank table (empty with fewer than two data sets) and the full test.
    """
    ok = [r for r in records if r["status"] == "success" and metric in r.get("metrics", {})]
    if len({r["dataset"] for r in ok}) < 2:
        return pd.DataFrame(), None
    frame = pd.DataFrame(
        [{"dataset": r["dataset"], "strategy": _kind(r), "value": r["metrics"][metric]} for r in ok]
    )
    table = frame.pivot_table(index="dataset", columns="strategy", values="value", aggfunc="mean")
    result = rank_test(table, greater_is_better=greater_is_better(metric) is not False)
    ranks = result.ranks.assign(
        n_datasets=result.n_datasets,
        friedman_p=result.friedman_p,
        iman_davenport_p=result.iman_davenport_p,
        critical_difference=result.critical_difference,
    )
    return ranks, result


def critical_difference_png(result: Any) -> bytes | None:
    """The critical-difference diagram (scikit-posthocs) as PNG bytes, or ``None``."""
    if result is None or result.nemenyi.empty:
        return None
    import io

    import scikit_posthocs as sp

    from harness.report.figures import pyplot

    plt = pyplot()

    figure, axis = plt.subplots(figsize=(7, 2.2 + 0.15 * result.n_strategies))
    try:
        sp.critical_difference_diagram(
            result.ranks["average_rank"], result.nemenyi, ax=axis, cd=result.critical_difference
        )
        axis.set_title(
            f"Average rank across {result.n_datasets} data sets (Nemenyi, α = 0.05; "
            f"CD = {result.critical_difference:.2f})",
            fontsize=9,
            pad=24,
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(figure)
    return buffer.getvalue()


IDENTITY = ("dataset", "resampler", "model", "seed", "status")


def read_comparable_records(root: Path) -> tuple[list[dict[str, Any]], list[LeftOut]]:
    """Every record under ``root`` that a comparison can use, and the jobs it cannot.

    Left out: every job :func:`harness.runs.incomplete_jobs` lists (unfinished, or a run folder
    no manifest lists, e.g. one of an earlier run in the same folder), and every record that is
    unreadable, of another result schema or without the job's identity.

    Returns
    -------
    tuple of (list of dict, list of LeftOut)
        The records (each with its ``run_dir``) and what was left out.
    """
    try:
        problems = incomplete_jobs(root)
    except InputDataError as exc:
        problems = [f"{root}: {exc}"]
    left_out = [LeftOut(line.partition(": ")[0], line.partition(": ")[2]) for line in problems]
    listed = _listed_run_dirs(root)
    records: list[dict[str, Any]] = []
    for run_dir in find_run_dirs(root):
        if listed is not None and run_dir.resolve() not in listed:
            continue  # left out above, as a job no manifest lists
        folder = RunFolder(run_dir)
        try:
            record = folder.load_record()
        except InputDataError as exc:
            left_out.append(LeftOut(str(run_dir), str(exc)))
            continue
        reason = _unusable(record, folder)
        if reason is not None:
            left_out.append(LeftOut(str(run_dir), reason))
            continue
        record["run_dir"] = str(run_dir)
        records.append(record)
    return records, left_out


def _listed_run_dirs(root: Path) -> set[Path] | None:
    """The run folders the manifests under ``root`` list; ``None`` for a single run folder."""
    if RunFolder(root).is_finished():
        return None
    listed = set()
    for experiment in find_experiment_dirs(root):
        folder = ExperimentFolder(experiment)
        try:
            names = folder.expected_jobs()
        except InputDataError:
            continue  # reported by incomplete_jobs
        listed.update(folder.job(name).path.resolve() for name in names)
    return listed


def _unusable(record: dict[str, Any], folder: RunFolder) -> str | None:
    if record.get("schema") != RESULT_SCHEMA_VERSION:
        return (
            f"{folder.result} was written by another harness (result schema "
            f"{record.get('schema')}, this one reads {RESULT_SCHEMA_VERSION}): rerun it with "
            "`harness run ... resume=true`"
        )
    missing = [key for key in IDENTITY if key not in record]
    if missing:
        return f"{folder.result} has no {', '.join(missing)}: rerun it with `harness run`"
    return None


def compare(
    root: Path,
    *,
    write: bool = True,
    title: str | None = None,
    allow_missing: bool = False,
    slo: Any = None,
    verdicts: VerdictSection | None = None,
    published: PublishedTable | None = None,
) -> Comparison:
    """Compare every job found under ``root`` and write the comparison files there.

    Parameters
    ----------
    root : Path
        An experiment run folder or a sweep folder.
    write : bool
        Write ``comparison.csv``, ``paired_tests.csv``, ``ranks.csv``, ``report.md`` and
        ``report.html`` into ``root`` (and ``left_out.csv`` when jobs are left out).
    title : str, optional
        The report title.
    allow_missing : bool
        Compare what can be read and name the rest in every output, instead of failing.
    slo : SLOSet, optional
        The SLO set the run is judged under (:class:`harness.slo.SLOSet`, a custom file too):
        the forest plots draw its objectives, and the strategy table and the paired
        comparisons cover every metric its objectives use. Without it the plots say that no
        SLO set was given.
    verdicts : VerdictSection, optional
        Each strategy's verdict under ``slo`` (:func:`harness.pipeline.judge.verdict_section`):
        the report opens with it, and the forest plots colour each strategy by it.
    published : PublishedTable, optional
        The published table the run replicates (``experiment.replicates``): the report shows
        every published cell beside the harness's value and tests the table's claims
        (:mod:`harness.report.replication`), and its metrics join the strategy table.

    Returns
    -------
    Comparison

    Raises
    ------
    InputDataError
        Without ``allow_missing``, when a job is unfinished or its record cannot be used;
        the message names each file.
    """
    root = Path(root)
    records, left_out = read_comparable_records(root)
    if left_out and not allow_missing:
        shown = "\n  ".join(f"{item.job}: {item.reason}" for item in left_out)
        raise InputDataError(
            f"cannot compare {root}: {len(left_out)} job(s) are unfinished or unreadable:\n"
            f"  {shown}\nRerun them with `harness run ... resume=true`, or compare the rest "
            "with `harness compare --allow-missing` (every output then lists what was left "
            "out)."
        )
    objective_metrics = slo_metrics(slo)
    if published is not None:
        objective_metrics = list(dict.fromkeys([*objective_metrics, *published.values["metric"]]))
    table = comparison_table(records, objective_metrics)
    numbers = comparison_numbers(records, objective_metrics)
    if left_out:
        table = pd.concat([table, _left_out_rows(left_out)], ignore_index=True)
        numbers = pd.concat([numbers, _left_out_rows(left_out)], ignore_index=True)
    tests = paired_tests(records, tested_metrics(slo), reference=reference_of(slo))
    ranks, ranked = strategy_ranks(records)
    failed = [r for r in records if r["status"] != "success"]
    comparison = Comparison(
        records,
        table,
        tests,
        ranks,
        failed,
        left_out=left_out,
        numbers=numbers,
        rank_test=ranked,
        slo=slo,
        verdicts=verdicts,
        replication=replicate(records, published) if published is not None else None,
    )
    if write:
        with writing(root):
            comparison.files = _write(root, comparison, title or f"Comparison: {root.name}")
    return comparison


def reference_of(slo: Any) -> str:
    """The reference strategy: the SLO set's relative reference, else ``none``."""
    section = getattr(slo, "relative", None)
    return section.reference if section is not None else REFERENCE_STRATEGY


_TEST_COLUMNS = [
    "metric", "dataset", "model", "seed", "candidate", "reference", "mean_difference",
    "ci_low", "ci_high", "p_value", "p_holm", "p_candidate_better", "p_equivalent",
    "p_reference_better", "n_folds", "note",
]  # fmt: skip
TESTS_LEGEND = (
    "mean_difference = candidate − reference over paired folds, with its Nadeau–Bengio "
    "corrected 95 % interval; p_value from the corrected resampled t-test, p_holm adjusted by "
    "Holm within each (data set, model, seed, metric) family; p_candidate_better / "
    f"p_equivalent / p_reference_better from the Bayesian correlated t-test, rope ±{ROPE}. "
    "Two-sided and at the fixed rope: the gate's relative objectives test one side against "
    "their own bound, margin and α (the verdict section above). A row without numbers says in "
    "note why the pair cannot be tested on that metric. Fairness bounds are judged on pooled "
    "out-of-fold values, not fold by fold, so they have no paired test."
)

LEFT_OUT_STATUS = "left out"
LEFT_OUT_COLUMN = "left_out"


def _left_out_rows(left_out: list[LeftOut]) -> pd.DataFrame:
    """One row per job left out: status ``left out`` and, in column ``left_out``, which job
    and why (the column exists only when something was left out)."""
    rows = [
        {
            **dict.fromkeys(IDENTITY, ""),
            "status": LEFT_OUT_STATUS,
            LEFT_OUT_COLUMN: f"{item.job}: {item.reason}",
        }
        for item in left_out
    ]
    return pd.DataFrame(rows)


def _write_csv(path: Path, frame: pd.DataFrame, *, index: bool = False) -> None:
    write_bytes_atomic(path, lambda tmp: frame.to_csv(tmp, index=index))


SIGNIFICANCE_LEVEL = 0.05


def _significant(tests: pd.DataFrame, metric: str, reference: str) -> set[tuple]:
    """(dataset, model, seed, strategy) whose difference to the reference is significant."""
    if tests.empty:
        return set()
    chosen = tests[
        (tests["metric"] == metric)
        & (tests["reference"] == reference)
        & (tests["p_holm"] < SIGNIFICANCE_LEVEL)
    ]
    return {(r.dataset, r.model, r.seed, r.candidate) for r in chosen.itertuples(index=False)}


def _plot_rows(numbers: pd.DataFrame, metric: str) -> pd.DataFrame:
    if numbers.empty:
        return numbers
    rows = numbers[(numbers["metric"] == metric) & (numbers["status"] == "success")].copy()
    rows["strategy"] = rows["strategy"].fillna(rows["resampler"])
    return rows[np.isfinite(rows["mean"].astype(float))]


@dataclass(frozen=True)
class _Plots:
    """The forest plots of a report: PNG bytes and note by metric, and their Markdown lines."""

    images: dict[str, bytes]
    notes: dict[str, str]
    markdown: list[str]


def plotted_metrics(slo: Any = None) -> list[str]:
    """The metrics with a forest plot: the headline ones, then every other metric an objective
    of ``slo`` uses (a warning's metric gets its line on a plot, not a plot of its own)."""
    return list(dict.fromkeys([*HEADLINE_METRICS, *slo_metrics(slo)]))


def _forest_plots(folder: ExperimentFolder, comparison: Comparison) -> _Plots:
    """One forest plot per plotted metric, drawing the objectives of the comparison's SLO set
    and coloured by its verdicts: written to ``plots/`` and returned with their notes."""
    slo, section = comparison.slo, comparison.verdicts
    reference = reference_of(slo)
    plots = _Plots({}, {}, [])
    for metric in plotted_metrics(slo):
        rows = _plot_rows(comparison.numbers, metric)
        if rows.empty:
            continue
        plot = forest_plot(
            rows,
            metric,
            lines=slo_lines(metric, slo),
            relative=relative_lines(metric, slo),
            verdicts=section.verdicts_on(metric) if section and section.strategies else None,
            significant=_significant(comparison.tests, metric, reference),
            reference=reference,
            slo_name=getattr(slo, "name", None),
        )
        path = folder.forest_plot(metric)
        path.parent.mkdir(exist_ok=True)
        write_bytes_atomic(path, lambda tmp, png=plot.png: tmp.write_bytes(png))
        plots.images[metric] = plot.png
        plots.notes[metric] = plot.note
        plots.markdown.extend(
            [
                f"![forest plot of {metric}]({path.relative_to(folder.path)})",
                "",
                f"*{metric}:* {_markdown_text(plot.note)}",
                "",
            ]
        )
    return plots


def _markdown_text(text: str) -> str:
    """``text`` with its asterisks escaped (a note's ``*`` is a marker, not emphasis)."""
    return text.replace("*", r"\*")


def _no_verdict_lines(slo: Any) -> list[str]:
    """What the report says first when it was written without verdicts."""
    under = f" under the SLO set `{slo.name}`" if slo is not None else ""
    return [
        "## Verdict",
        "",
        f"Not judged in this report{under}: `harness compare FOLDER` judges the folder under "
        "the SLO set its runs were configured with (or `--slo NAME_OR_PATH`) and opens the "
        "report with each strategy's verdict; `harness gate --run-dir FOLDER` gives the same "
        "verdict for CI.",
        "",
    ]


def _ranked(table: pd.DataFrame, numbers: pd.DataFrame) -> pd.DataFrame:
    """The strategy table with each (data set, model, seed) block ranked by RANK_METRIC."""
    if table.empty or numbers.empty:
        return table
    rank = numbers[numbers["metric"] == RANK_METRIC].set_index(
        ["dataset", "model", "seed", "resampler"]
    )["mean"]
    rank = rank[~rank.index.duplicated()]
    key = pd.MultiIndex.from_frame(table[["dataset", "model", "seed", "resampler"]])
    descending = greater_is_better(RANK_METRIC) is not False
    score = rank.reindex(key).to_numpy(dtype=float)
    ordered = table.assign(_score=-score if descending else score)
    ordered = ordered.sort_values(["dataset", "model", "seed", "_score"], na_position="last")
    return ordered.drop(columns="_score").reset_index(drop=True)


PAPER_COLUMNS = {
    "test/accuracy": "OA",
    "test/minority_precision": "Precision",
    "test/minority_recall": "Recall",
    "test/minority_f1": "F-measure",
    "test/g_mean": "G-mean",
}


def paper_layout(records: list[dict[str, Any]]) -> pd.DataFrame:
    """OA, precision, recall, F-measure and G-mean per data set and method, as the ADASYN
    paper lays them out; only for runs of the paper-style protocol (``evaluation.folds``
    ``holdout``), empty otherwise."""
    rows = []
    for record in records:
        if record["status"] != "success":
            continue
        if (record.get("params") or {}).get("evaluation.folds") != "holdout":
            continue
        metrics = record.get("metrics", {})
        row = {"dataset": record["dataset"], "method": _kind(record), "model": record["model"]}
        for key, column in PAPER_COLUMNS.items():
            value = metrics.get(key)
            row[column] = None if value is None else round(float(value), 4)
        rows.append(row)
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).sort_values(["dataset", "model", "method"], ignore_index=True)


def _write(root: Path, comparison: Comparison, title: str) -> list[Path]:
    folder = ExperimentFolder(root)
    files = []
    _write_csv(folder.comparison_csv, comparison.numbers)
    files.append(folder.comparison_csv)
    _write_csv(folder.paired_tests_csv, comparison.tests)
    files.append(folder.paired_tests_csv)
    lines = [f"# {title}", ""]
    if comparison.verdicts is not None:
        lines += verdict_markdown(comparison.verdicts)
        lead = verdict_html(comparison.verdicts)
    else:
        heading, _, text, _ = _no_verdict_lines(comparison.slo)
        lines += [heading, "", text, ""]
        lead = (
            f"<section class='verdicts'><h2>{html.escape(heading.lstrip('# '))}</h2>"
            f"<p>{inline_html(text)}</p></section>"
        )
    tables = []
    if comparison.left_out:
        left_out = pd.DataFrame(
            [{"job": item.job, "reason": item.reason} for item in comparison.left_out]
        )
        _write_csv(folder.left_out_csv, left_out)
        files.append(folder.left_out_csv)
        heading = f"Left out: {len(left_out)} job(s) not in this comparison"
        lines += [f"## {heading}", "", markdown_table(left_out), ""]
        tables.append((heading, left_out))
    else:
        folder.left_out_csv.unlink(missing_ok=True)
    plots = _forest_plots(folder, comparison)
    files += [folder.forest_plot(metric) for metric in plots.images]
    images = {f"Forest plot: {metric}": png for metric, png in plots.images.items()}
    captions = {f"Forest plot: {metric}": note for metric, note in plots.notes.items()}
    if plots.markdown:
        lines += ["## Forest plots", "", *plots.markdown]
    lines += ["## Strategies (mean [95% CI] over folds, ranked)", ""]
    strategies = _ranked(comparison.table, comparison.numbers)
    lines.append(markdown_table(strategies))
    tables.append(("Strategies (mean [95% CI] over folds, ranked)", strategies))
    fairness = group_fairness_section(folder, comparison.records)
    files += fairness.files
    images.update(fairness.images)
    lines += fairness.markdown
    tables += fairness.tables
    paper = paper_layout(comparison.records)
    if comparison.replication is not None:
        files += write_replication_section(folder, comparison.replication, lines, tables)
    elif not paper.empty:
        heading = "The paper's layout (He et al. 2008): mean over repeated half/half splits"
        lines += ["", f"## {heading}", "", markdown_table(paper)]
        tables.append((heading, paper))
    if not comparison.tests.empty:
        heading = _tests_heading(comparison.slo, comparison.tests)
        shown = comparison.tests[_TEST_COLUMNS].round(4)
        lines += ["", f"## {heading}", "", TESTS_LEGEND, "", markdown_table(shown)]
        tables.append((heading, shown))
    if not comparison.ranks.empty:
        _write_csv(folder.ranks_csv, comparison.ranks, index=True)
        files.append(folder.ranks_csv)
        ranks = comparison.ranks.reset_index().round(4)
        heading = f"Average rank across data sets ({RANK_METRIC}, 1 = best)"
        lines += ["", f"## {heading}", "", markdown_table(ranks)]
        if comparison.rank_test is not None and comparison.rank_test.caveat:
            lines += ["", f"Note: {comparison.rank_test.caveat}."]
        tables.append((heading, ranks))
        png = critical_difference_png(comparison.rank_test)
        if png is not None:
            write_bytes_atomic(folder.critical_difference_png, lambda tmp: tmp.write_bytes(png))
            files.append(folder.critical_difference_png)
            lines += ["", f"![critical difference]({folder.critical_difference_png.name})"]
            images["Critical difference diagram"] = png
    files += write_cost_quality_section(folder, comparison.records, lines, tables, images)
    if comparison.failed:
        failed = pd.DataFrame(
            [
                {
                    "dataset": r["dataset"],
                    "resampler": r["resampler"],
                    "model": r["model"],
                    "error": r.get("error"),
                }
                for r in comparison.failed
            ]
        )
        lines += ["", "## Failed jobs", "", markdown_table(failed)]
        tables.append(("Failed jobs", failed))
    write_text_atomic(folder.report_md, "\n".join(lines) + "\n")
    page = render_html(title, tables, images, lead=lead, captions=captions)
    write_text_atomic(folder.report_html, page)
    files += [folder.report_md, folder.report_html]
    return files


def _tests_heading(slo: Any, tests: pd.DataFrame) -> str:
    metrics = ", ".join(dict.fromkeys(tests["metric"]))
    under = (
        f"every metric an objective of `{slo.name}` uses, then the fixed ones"
        if slo is not None
        else "the fixed metrics"
    )
    return f"Paired comparisons, corrected for overlapping folds: {under} ({metrics})"
