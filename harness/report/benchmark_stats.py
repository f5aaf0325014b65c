"""The benchmark's statistics across data sets, per model.

- **Ranks**: average ranks of the strategies with Friedman / Iman–Davenport and Nemenyi
  (Demšar 2006; :func:`harness.evaluate.inference.rank_test`) on the data sets where every
  strategy of the model has a value (complete blocks); a data set missing a cell leaves the
  model's test and is listed by name with the cells it lacks. A strategy with no value on any
  data set (a cell not applicable to the model) is left out of that model's test, named.
- **Bayesian signed-rank** (Benavoli et al. 2014, ``baycomp.SignedRankTest``) of a treatment
  against a reference across data sets, on the per-data-set means, with a ROPE:
  P(better), P(equivalent), P(worse). It treats each data set's mean as exact: the fold-level
  uncertainty enters only through the wins/ties/losses below (the hierarchical test that
  would carry both needs pystan).
- **Wins/ties/losses**: per data set, the corrected resampled t-test of Nadeau & Bengio on the
  paired folds (:func:`harness.evaluate.inference.compare_paired`), two-sided, α = 0.05, not
  adjusted across data sets (each count is one data set's own verdict).
- **Calibration change** and **gain against data-set descriptors** (imbalance ratio, minority
  overlap) with Spearman's ρ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from harness.evaluate.inference import RankTest, compare_paired, rank_test
from harness.metrics.catalog import greater_is_better
from harness.runs import RunFolder, metric_column, read_folds

STRATEGIES = (
    "none",
    "class_weight",
    "decision_threshold",
    "ros",
    "smote",
    "borderline_smote",
    "adasyn",
)
REFERENCES = ("none", "decision_threshold")
MAIN_METRIC = "test/g_mean"
#: Half-width of the region of practical equivalence, in metric units: one point of G-mean,
#: F1, PR-AUC or recall; a hundredth of Brier's and ECE's range of use.
ROPE = 0.01
ALPHA = 0.05
#: Posterior samples of the Bayesian signed-rank test (its Monte Carlo error is about
#: 0.5 / sqrt(n), i.e. 0.005 on a probability).
SIGNED_RANK_SAMPLES = 10_000
MIN_SIGNED_RANK_DATASETS = 5


@dataclass(frozen=True)
class ModelRanks:
    """The rank test of one model's strategies on one metric.

    Attributes
    ----------
    model, metric : str
    test : RankTest or None
        ``None`` when fewer than two complete data sets or strategies remain.
    left_out_datasets : dict of str to list of str
        Data sets out of the test, each with the strategies it has no value for.
    left_out_strategies : list of str
        Strategies with no value on any data set (not applicable to the model).
    """

    model: str
    metric: str
    test: RankTest | None
    left_out_datasets: dict[str, list[str]] = field(default_factory=dict)
    left_out_strategies: list[str] = field(default_factory=list)


def _means(compact: pd.DataFrame, model: str, metric: str) -> pd.DataFrame:
    rows = compact[(compact["model"] == model) & (compact["metric"] == metric)]
    table = rows.pivot_table(index="dataset", columns="strategy", values="mean", aggfunc="mean")
    present = [s for s in STRATEGIES if s in table.columns]
    others = sorted(c for c in table.columns if c not in STRATEGIES)
    return table.reindex(columns=[*present, *others])


def model_rank_test(compact: pd.DataFrame, model: str, metric: str = MAIN_METRIC) -> ModelRanks:
    """Friedman / Iman–Davenport / Nemenyi over the complete blocks of one model.

    Parameters
    ----------
    compact : DataFrame
        :func:`harness.report.benchmark_table.compact_table`.
    model, metric : str

    Returns
    -------
    ModelRanks
    """
    table = _means(compact, model, metric)
    all_datasets = sorted(set(compact.loc[compact["model"] == model, "dataset"]))
    ran = set(compact["strategy"])
    expected = [s for s in STRATEGIES if s in ran or s in table.columns]
    table = table.reindex(
        index=all_datasets, columns=[*expected, *table.columns.drop(expected, errors="ignore")]
    )
    empty = [s for s in table.columns if table[s].isna().all()]
    table = table.drop(columns=empty)
    incomplete = {
        str(name): [str(s) for s in table.columns[row.isna().to_numpy()]]
        for name, row in table.iterrows()
        if row.isna().any()
    }
    complete = table.dropna(axis=0, how="any")
    test = None
    if len(complete) >= 2 and complete.shape[1] >= 3:
        test = rank_test(complete, greater_is_better=greater_is_better(metric) is not False)
    return ModelRanks(model, metric, test, incomplete, empty)


def signed_rank(
    compact: pd.DataFrame,
    model: str,
    treatment: str,
    reference: str,
    metric: str = MAIN_METRIC,
    *,
    rope: float = ROPE,
    seed: int = 0,
) -> dict[str, Any]:
    """Bayesian signed-rank test of ``treatment`` against ``reference`` across data sets.

    Returns
    -------
    dict
        ``p_better``, ``p_equivalent``, ``p_worse`` (NaN with fewer than
        :data:`MIN_SIGNED_RANK_DATASETS` paired data sets), ``n_datasets``, ``median_difference``
        (treatment − reference, in metric units) and ``rope``.
    """
    from baycomp import SignedRankTest

    table = _means(compact, model, metric)
    result = {
        "model": model,
        "treatment": treatment,
        "reference": reference,
        "metric": metric,
        "rope": rope,
        "n_datasets": 0,
        "median_difference": math.nan,
        "p_better": math.nan,
        "p_equivalent": math.nan,
        "p_worse": math.nan,
    }
    if treatment not in table or reference not in table:
        return result
    pair = table[[treatment, reference]].dropna()
    result["n_datasets"] = len(pair)
    if len(pair) == 0:
        return result
    sign = 1.0 if greater_is_better(metric) is not False else -1.0
    x = sign * pair[treatment].to_numpy(dtype=float)
    y = sign * pair[reference].to_numpy(dtype=float)
    result["median_difference"] = float(np.median(pair[treatment] - pair[reference]))
    if len(pair) < MIN_SIGNED_RANK_DATASETS:
        return result
    if np.all(x == y):
        result.update(p_better=0.0, p_equivalent=1.0, p_worse=0.0)
        return result
    # baycomp's "left" is x better than y (its differences are y - x).
    p_left, p_rope, p_right = SignedRankTest.probs(
        x, y, rope=rope, nsamples=SIGNED_RANK_SAMPLES, random_state=seed
    )
    result.update(p_better=float(p_left), p_equivalent=float(p_rope), p_worse=float(p_right))
    return result


class FoldReader:
    """Reads each job's ``folds.csv`` once (strictly: a damaged file stops the analysis)."""

    def __init__(self) -> None:
        self._tables: dict[str, pd.DataFrame | None] = {}

    def values(self, record: dict[str, Any], metric: str) -> pd.Series | None:
        """The fold values of ``metric`` in ``record``'s job, indexed by (repeat, fold)."""
        run_dir = str(record["run_dir"])
        if run_dir not in self._tables:
            self._tables[run_dir] = read_folds(RunFolder(run_dir).folds)
        table = self._tables[run_dir]
        if table is None or metric not in table:
            return None
        return metric_column(table, metric, RunFolder(run_dir).folds)


def wins_ties_losses(
    records: list[dict[str, Any]],
    model: str,
    treatment: str,
    reference: str,
    metric: str = MAIN_METRIC,
    *,
    reader: FoldReader | None = None,
    alpha: float = ALPHA,
) -> dict[str, Any]:
    """Per data set, the corrected t-test of ``treatment`` against ``reference`` on its folds.

    Returns
    -------
    dict
        ``wins``, ``ties``, ``losses`` and ``untested`` (data sets where either cell is missing
        or the metric has fewer than two finite paired folds).
    """
    reader = reader or FoldReader()
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        if record["model"] == model and record["status"] == "success":
            cells[(record["dataset"], str(record.get("strategy")))] = record
    better = greater_is_better(metric) is not False
    counts = {"wins": 0, "ties": 0, "losses": 0, "untested": 0}
    for dataset in sorted({d for d, _ in cells}):
        a, b = cells.get((dataset, treatment)), cells.get((dataset, reference))
        if a is None or b is None:
            counts["untested"] += 1
            continue
        va, vb = reader.values(a, metric), reader.values(b, metric)
        if va is None or vb is None:
            counts["untested"] += 1
            continue
        joined = pd.concat([va.rename("a"), vb.rename("b")], axis=1, join="inner").dropna()
        if len(joined) < 2:
            counts["untested"] += 1
            continue
        result = compare_paired(
            joined["a"], joined["b"], float(a["n_train"]), float(a["n_test"]), rope=ROPE
        )
        if not result.p_value < alpha:
            counts["ties"] += 1
        elif (result.mean_difference > 0) == better:
            counts["wins"] += 1
        else:
            counts["losses"] += 1
    return counts


def paired_differences(
    compact: pd.DataFrame, model: str, treatment: str, reference: str, metric: str
) -> pd.Series:
    """Per data set, the treatment's mean minus the reference's (both present)."""
    table = _means(compact, model, metric)
    if treatment not in table or reference not in table:
        return pd.Series(dtype=float)
    return (table[treatment] - table[reference]).dropna()


def calibration_change(compact: pd.DataFrame, model: str, treatment: str) -> dict[str, Any]:
    """The treatment's median change against ``none``: G-mean gain next to Brier and ECE.

    Returns
    -------
    dict
        ``g_mean_gain``, ``brier_change``, ``ece_change`` (medians over data sets, treatment −
        none; a positive Brier or ECE change is worse calibration), ``brier_worse_share`` (the
        share of data sets whose Brier score got worse by more than the ROPE) and
        ``n_datasets``.
    """
    gain = paired_differences(compact, model, treatment, "none", MAIN_METRIC)
    brier = paired_differences(compact, model, treatment, "none", "test/brier")
    ece = paired_differences(compact, model, treatment, "none", "test/ece")
    return {
        "model": model,
        "treatment": treatment,
        "n_datasets": int(len(gain)),
        "g_mean_gain": float(gain.median()) if len(gain) else math.nan,
        "brier_change": float(brier.median()) if len(brier) else math.nan,
        "ece_change": float(ece.median()) if len(ece) else math.nan,
        "brier_worse_share": float((brier > ROPE).mean()) if len(brier) else math.nan,
    }


def gain_against_descriptors(
    compact: pd.DataFrame,
    descriptors: pd.DataFrame,
    model: str,
    treatment: str = "adasyn",
    reference: str = "none",
    metric: str = MAIN_METRIC,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A treatment's gain per data set next to its imbalance ratio and minority overlap.

    Parameters
    ----------
    descriptors : DataFrame
        Index ``dataset``; columns ``imbalance_ratio`` and ``minority_overlap``.

    Returns
    -------
    tuple of (DataFrame, dict)
        The per-data-set table (``gain``, ``imbalance_ratio``, ``minority_overlap``) and
        Spearman's ρ and p of the gain against each descriptor, and ``rho_descriptors`` of the
        two descriptors against each other (NaN below 5 data sets).
    """
    gain = paired_differences(compact, model, treatment, reference, metric).rename("gain")
    table = descriptors.join(gain, how="inner").dropna(subset=["gain"])
    summary: dict[str, Any] = {"model": model, "treatment": treatment, "n_datasets": len(table)}
    for column in ("imbalance_ratio", "minority_overlap"):
        pair = table[["gain", column]].dropna()
        rho = p = math.nan
        if len(pair) >= MIN_SIGNED_RANK_DATASETS and pair["gain"].nunique() > 1:
            rho, p = stats.spearmanr(pair["gain"], pair[column])
        summary[f"rho_{column}"] = float(rho)
        summary[f"p_{column}"] = float(p)
    both = table[["imbalance_ratio", "minority_overlap"]].dropna()
    rho = math.nan
    if len(both) >= MIN_SIGNED_RANK_DATASETS:
        rho = float(stats.spearmanr(both["imbalance_ratio"], both["minority_overlap"])[0])
    summary["rho_descriptors"] = rho
    return table, summary
