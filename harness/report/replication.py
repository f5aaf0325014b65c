"""A run set beside a published table: every cell with the harness's interval, every claim tested.

For a table of :mod:`harness.report.published` (the ADASYN paper's Table II):

- **Cells**: each published value next to the harness's mean over the splits of the job of
  the same data set and method, its 95 % interval (the record's: the Nadeau–Bengio corrected
  t interval), the difference, whether the published value lies inside the interval, and the
  Monte-Carlo error of the mean over splits (``split_se`` = sd/√J).
- **Claims**: per data set, ADASYN against DT and against SMOTE on G-mean, recall and
  F-measure, with the sign of the published difference as the claim. Each is tested on the
  paired splits with the corrected resampled t-test (Nadeau & Bengio 2003; ``J`` splits and the
  ratio ``n_test/n_train`` of the jobs, 1 for half/half splits), Holm's adjustment over every
  tested claim of the table at α = 0.05. A claim is *replicated* when the harness finds the same
  sign significant, *contradicted* when it finds the opposite sign significant, *not
  confirmed* otherwise; *not tested* (with the reason) when a job or a fold column is missing.

Nothing is hidden when the run does not match the table: a missing job leaves its cells
without a value and says why, and a job whose settings differ from the table's protocol
(:func:`harness.report.published.protocol_differences`) says how in ``note``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.evaluate.inference import corrected_interval, corrected_ttest, holm
from harness.report.pages import clipped_interval, markdown_table
from harness.report.published import PublishedTable, protocol_differences
from harness.runs import ExperimentFolder, RunFolder, write_bytes_atomic

#: The claims tested: the candidate against each reference, on each metric.
CLAIM_PAIRS = (("adasyn", "none"), ("adasyn", "smote"))
CLAIM_METRICS = ("test/g_mean", "test/minority_recall", "test/minority_f1")
#: Family-wise level of the claims (Holm over every tested claim of the table).
ALPHA = 0.05

REPLICATED = "replicated"
CONTRADICTED = "contradicted"
NOT_CONFIRMED = "not confirmed"
NOT_TESTED = "not tested"
OUTCOMES = (REPLICATED, CONTRADICTED, NOT_CONFIRMED, NOT_TESTED)

INSIDE, OUTSIDE, NO_INTERVAL = "inside", "outside", "no interval"
#: Two independent means over J splits of one data set, each with Monte-Carlo error split_se,
#: differ by more than this many split_se with probability 5 % (1.96·√2).
SPLIT_ERROR_BOUND = 1.959963984540054 * math.sqrt(2.0)


@dataclass(frozen=True)
class Replication:
    """A run set compared with a published table.

    Attributes
    ----------
    table : PublishedTable
    cells : DataFrame
        One row per published cell (``replication.csv``).
    claims : DataFrame
        One row per claim (``replication_claims.csv``).
    """

    table: PublishedTable
    cells: pd.DataFrame
    claims: pd.DataFrame

    def cell_counts(self) -> dict[str, int]:
        """How many published values lie inside, outside or without a harness interval."""
        counts = self.cells["paper_value"].value_counts()
        return {key: int(counts.get(key, 0)) for key in (INSIDE, OUTSIDE, NO_INTERVAL)}

    def claim_counts(self) -> dict[str, int]:
        """How many claims are replicated, contradicted, not confirmed and not tested."""
        counts = self.claims["outcome"].value_counts()
        return {key: int(counts.get(key, 0)) for key in OUTCOMES}


def _kind(record: dict[str, Any]) -> str:
    return str(record.get("strategy") or record["resampler"])


def _job_of(records: list[dict[str, Any]], dataset: str, strategy: str):
    """The one successful job of ``dataset`` and ``strategy``, or ``None`` and why not."""
    found = [
        r
        for r in records
        if r.get("status") == "success" and r["dataset"] == dataset and _kind(r) == strategy
    ]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, f"no successful job of {dataset} with {strategy}"
    seeds = sorted(str(r.get("seed")) for r in found)
    return None, (
        f"{len(found)} jobs of {dataset} with {strategy} (seeds {', '.join(seeds)}): compare "
        "one run of the experiment at a time"
    )


def replication_cells(records: list[dict[str, Any]], table: PublishedTable) -> pd.DataFrame:
    """Each published value beside the harness's mean, 95 % interval and difference.

    Parameters
    ----------
    records : list of dict
        ``result.json`` records of the run (with ``run_dir``).
    table : PublishedTable

    Returns
    -------
    DataFrame
        One row per published cell, in the table's order: ``paper_dataset``,
        ``paper_method``, ``measure``, ``dataset``, ``strategy``, ``metric``, ``paper``,
        ``harness``, ``ci_low``, ``ci_high``, ``difference`` (harness − paper),
        ``paper_value`` (``inside``, ``outside`` or ``no interval``), ``split_se`` (sd/√J),
        ``beyond_split_error`` (``|difference| > 1.96·√2·split_se``: more than the choice of
        splits explains if the paper's spread equalled the harness's; ``False`` without a
        value), ``n_splits`` and ``note``.
    """
    rows = []
    for cell in table.values.itertuples(index=False):
        record, why = _job_of(records, cell.dataset, cell.strategy)
        row = {
            "paper_dataset": cell.paper_dataset,
            "paper_method": cell.paper_method,
            "measure": cell.measure,
            "dataset": cell.dataset,
            "strategy": cell.strategy,
            "metric": cell.metric,
            "paper": float(cell.value),
            **dict.fromkeys(("harness", "ci_low", "ci_high", "difference", "split_se"), math.nan),
            "paper_value": NO_INTERVAL,
            "beyond_split_error": False,
            "n_splits": 0,
            "note": why,
        }
        if record is not None:
            side = _harness_side(record, cell.metric, float(cell.value))
            notes = [side.pop("note", ""), *protocol_differences(table, record)]
            row.update(side, note="; ".join(note for note in notes if note))
        rows.append(row)
    return pd.DataFrame(rows)


def _number(value: Any) -> float:
    """A record's number as a float; NaN for ``None`` (NaN in JSON) and anything else."""
    is_number = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    return float(value) if is_number and math.isfinite(value) else math.nan


def _harness_side(record: dict[str, Any], metric: str, paper: float) -> dict[str, Any]:
    mean = _number(record.get("metrics", {}).get(metric))
    interval = clipped_interval(metric, record.get("ci95", {}).get(metric)) or [None, None]
    low, high = (_number(v) for v in interval[:2])
    n = int(record.get("n_folds") or 0)
    std = _number(record.get("std", {}).get(metric))
    side = {
        "harness": mean,
        "ci_low": low,
        "ci_high": high,
        "difference": mean - paper,
        "split_se": std / math.sqrt(n) if n > 0 else math.nan,
        "n_splits": n,
    }
    if math.isfinite(low) and math.isfinite(high) and math.isfinite(mean):
        side["paper_value"] = INSIDE if low <= paper <= high else OUTSIDE
    side["beyond_split_error"] = bool(abs(mean - paper) > SPLIT_ERROR_BOUND * side["split_se"])
    if not math.isfinite(mean):
        side["note"] = f"the job has no value of {metric}"
    return side


def replication_claims(records: list[dict[str, Any]], table: PublishedTable) -> pd.DataFrame:
    """The table's claims tested on the paired splits of the run.

    Parameters
    ----------
    records : list of dict
        ``result.json`` records of the run (with ``run_dir``); the folds are read from each
        job's ``folds.csv``.
    table : PublishedTable

    Returns
    -------
    DataFrame
        One row per (data set, pair, metric): the published values and their difference
        (``paper_difference``, candidate − reference), the harness's mean difference over the
        paired splits with its corrected 95 % interval, ``J`` (paired splits),
        ``test_train_ratio`` (``n_test/n_train``), ``corrected_t``, ``p_value``, ``p_holm``
        (over every tested claim), ``same_sign`` (the harness's mean difference has the
        published sign, significant or not; ``False`` when untested), ``outcome`` and ``note``.
    """
    published = table.values.set_index(["dataset", "strategy", "metric"])["value"]
    folds: dict[str, pd.DataFrame | None] = {}
    rows = []
    for dataset in table.datasets:
        for candidate, reference in CLAIM_PAIRS:
            for metric in CLAIM_METRICS:
                paper_a = float(published[(dataset, candidate, metric)])
                paper_b = float(published[(dataset, reference, metric)])
                row = {
                    "dataset": dataset,
                    "candidate": candidate,
                    "reference": reference,
                    "metric": metric,
                    "paper_candidate": paper_a,
                    "paper_reference": paper_b,
                    "paper_difference": paper_a - paper_b,
                }
                row.update(_tested(records, folds, dataset, candidate, reference, metric))
                rows.append(row)
    frame = pd.DataFrame(rows)
    frame["p_holm"] = holm(frame["p_value"].to_numpy(dtype=float))
    difference = frame["mean_difference"].to_numpy(dtype=float)
    frame["same_sign"] = np.sign(difference) == np.sign(frame["paper_difference"])
    frame["outcome"] = [
        _outcome(row.paper_difference, row.mean_difference, row.p_holm)
        for row in frame.itertuples(index=False)
    ]
    return frame[_CLAIM_COLUMNS]


_CLAIM_COLUMNS = [
    "dataset", "candidate", "reference", "metric", "paper_candidate", "paper_reference",
    "paper_difference", "mean_difference", "ci_low", "ci_high", "J", "test_train_ratio",
    "corrected_t", "p_value", "p_holm", "same_sign", "outcome", "note",
]  # fmt: skip


def _tested(records, folds, dataset, candidate, reference, metric) -> dict[str, Any]:
    """The corrected paired test of one claim, or why it cannot be tested."""
    untested = {
        **dict.fromkeys(("mean_difference", "ci_low", "ci_high", "corrected_t", "p_value")),
        "J": 0,
        "test_train_ratio": math.nan,
    }
    jobs = []
    for strategy in (candidate, reference):
        record, why = _job_of(records, dataset, strategy)
        if record is None:
            return {**untested, "note": why}
        jobs.append(record)
    values = []
    for record in jobs:
        run_dir = record["run_dir"]
        if run_dir not in folds:
            folds[run_dir] = RunFolder(run_dir).read_folds()
        table = folds[run_dir]
        if table is None or metric not in table.columns:
            return {**untested, "note": f"{run_dir} has no {metric} per split (folds.csv)"}
        values.append(pd.to_numeric(table[metric], errors="coerce"))
    a, b = values[0].align(values[1], join="inner")  # paired by (repeat, fold)
    d = (a - b).to_numpy(dtype=float)
    n_train, n_test = (_number(jobs[0].get(key)) for key in ("n_train", "n_test"))
    if not (n_train > 0 and n_test > 0):
        return {**untested, "note": f"the record of {jobs[0]['run_dir']} has no n_train/n_test"}
    interval = corrected_interval(d, n_train, n_test)
    if interval["n"] < 2:
        return {**untested, "note": f"only {interval['n']} paired splits with a value"}
    t, p = corrected_ttest(d, n_train, n_test)
    return {
        "mean_difference": interval["mean"],
        "ci_low": interval["ci_low"],
        "ci_high": interval["ci_high"],
        "J": interval["n"],
        "test_train_ratio": n_test / n_train,
        "corrected_t": t,
        "p_value": p,
        "note": "",
    }


def _outcome(paper_difference: float, mean_difference: Any, p_holm: float) -> str:
    """Replicated: the same sign, significant; contradicted: the opposite sign, significant."""
    if not math.isfinite(_number(p_holm)) or not math.isfinite(_number(mean_difference)):
        return NOT_TESTED
    if p_holm >= ALPHA or mean_difference == 0:
        return NOT_CONFIRMED
    return REPLICATED if np.sign(mean_difference) == np.sign(paper_difference) else CONTRADICTED


def replicate(records: list[dict[str, Any]], table: PublishedTable) -> Replication:
    """Compare the run's records with ``table``: its cells and its claims."""
    return Replication(
        table=table,
        cells=replication_cells(records, table),
        claims=replication_claims(records, table),
    )


def summary_lines(replication: Replication) -> list[str]:
    """The replication's result in two sentences (the report's and the terminal's)."""
    cells, claims = replication.cell_counts(), replication.claim_counts()
    n_cells, n_claims = len(replication.cells), len(replication.claims)
    tested = n_claims - claims[NOT_TESTED]
    beyond = int(replication.cells["beyond_split_error"].sum())
    same_sign = int(replication.claims["same_sign"].sum())
    return [
        f"{cells[INSIDE]} of {n_cells} published values lie inside the harness's 95 % interval, "
        f"{cells[OUTSIDE]} outside, {cells[NO_INTERVAL]} without a harness value; {beyond} "
        "differ from the harness's mean by more than the choice of splits explains.",
        f"Of the {n_claims} claims, {claims[REPLICATED]} replicated, {claims[CONTRADICTED]} "
        f"contradicted, {claims[NOT_CONFIRMED]} not confirmed, {claims[NOT_TESTED]} not tested "
        f"(corrected paired t-test, Holm over the {tested} tested at α = {ALPHA:g}); the "
        f"harness's mean difference has the published sign in {same_sign} of the {tested}.",
    ]


LIMITS = (
    "What these numbers cannot tell. The interval is the Nadeau–Bengio corrected t interval "
    "over J half/half splits: its variance factor 1/J + n_test/n_train is about 1.01, so it is "
    "about as wide as the spread of one split and says where the mean could lie on another "
    "sample of the same size; a published value inside it is compatible with the harness, not "
    "confirmed by it. `split_se` (sd/√J) is the Monte-Carlo error of the mean over splits of "
    "this very data set: a difference beyond 1.96·√2·split_se (`beyond_split_error`, assuming "
    "the paper's spread was the harness's) comes from the implementation (the tree, the KEEL "
    "files, the preprocessing, the samplers' random draws), not from the choice of splits. A "
    "claim not confirmed is not refuted: with n_test/n_train = 1 no number of splits brings "
    "the effect the corrected test detects at 80 % power (α = 0.05 two-sided, before Holm) "
    "below 2.8 standard deviations of one split's difference."
)


def write_replication_section(
    folder: ExperimentFolder,
    replication: Replication,
    lines: list[str],
    tables: list[tuple[str, pd.DataFrame]],
) -> list[Path]:
    """Write ``replication.csv`` and ``replication_claims.csv`` and add the report section.

    The section's Markdown is appended to ``lines`` and its tables to ``tables`` (the parts
    :func:`harness.report.comparison.compare` renders into report.md and report.html).

    Returns
    -------
    list of Path
        The files written.
    """
    write_bytes_atomic(
        folder.replication_csv, lambda tmp: replication.cells.to_csv(tmp, index=False)
    )
    write_bytes_atomic(
        folder.replication_claims_csv, lambda tmp: replication.claims.to_csv(tmp, index=False)
    )
    table = replication.table
    heading = f"Replication of {table.name}: every published cell"
    claims_heading = f"Replication of {table.name}: the claims, tested on paired splits"
    cells = replication.cells.drop(columns=["dataset", "strategy", "metric"]).round(4)
    claims = replication.claims.round(4)
    lines += [
        "",
        f"## Replication of a published table ({table.name})",
        "",
        f"Source: {table.source} {table.described}",
        "",
        *(f"**{line}**" for line in summary_lines(replication)),
        "",
        LIMITS,
        "",
        f"### {heading}",
        "",
        markdown_table(cells),
        "",
        f"### {claims_heading}",
        "",
        markdown_table(claims),
    ]
    tables += [(heading, cells), (claims_heading, claims)]
    return [folder.replication_csv, folder.replication_claims_csv]
