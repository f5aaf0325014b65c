"""A run beside the ADASYN paper's Table II: the 75 cells and the 30 claims, on run folders."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from harness.evaluate.inference import corrected_interval
from harness.evaluate.power import detectable_difference
from harness.report.published import load_published
from harness.report.replication import (
    CONTRADICTED,
    INSIDE,
    NO_INTERVAL,
    NOT_CONFIRMED,
    NOT_TESTED,
    OUTSIDE,
    REPLICATED,
    SPLIT_ERROR_BOUND,
    replicate,
    summary_lines,
)
from harness.runs import RunFolder
from tests.report.test_published import PAPER_PARAMS as PROTOCOL

TABLE = load_published("he2008_table2")
PAPER = TABLE.values.set_index(["dataset", "strategy", "metric"])["value"]
J = 100


def _job(root, dataset, strategy, values, *, seed=0, n_train=384, n_test=384):
    """A finished job's record and folds.csv: ``values`` maps each metric to its J splits."""
    run_dir = root / f"{dataset}__{strategy}__seed{seed}"
    run_dir.mkdir(parents=True)
    frame = pd.DataFrame({"repeat": range(J), "fold": 0, **values})
    frame.to_csv(RunFolder(run_dir).folds, index=False)
    summaries = {k: corrected_interval(v, n_train, n_test) for k, v in values.items()}
    return {
        "dataset": dataset,
        "resampler": strategy,
        "strategy": strategy,
        "model": "decision_tree",
        "seed": seed,
        "status": "success",
        "run_dir": str(run_dir),
        "params": PROTOCOL,
        "n_folds": J,
        "n_train": n_train,
        "n_test": n_test,
        "metrics": {k: s["mean"] for k, s in summaries.items()},
        "std": {k: s["std"] for k, s in summaries.items()},
        "ci95": {k: [s["ci_low"], s["ci_high"]] for k, s in summaries.items()},
    }


def _run(root, sd, shift=0.0, swap=(), seed=0):
    """One job per published (data set, method), each split the paper's value + shift + noise.

    ``swap`` lists data sets whose ADASYN and DT values trade places (the claims vs DT flip).
    """
    rng = np.random.default_rng(seed)
    records = []
    for dataset in TABLE.datasets:
        for strategy in ("none", "smote", "adasyn"):
            source = strategy
            if dataset in swap and strategy in ("none", "adasyn"):
                source = "adasyn" if strategy == "none" else "none"
            values = {
                metric: PAPER[(dataset, source, metric)] + shift + rng.normal(0, sd, J)
                for metric in TABLE.values["metric"].unique()
            }
            records.append(_job(root, dataset, strategy, values))
    return records


def test_a_faithful_run_matches_every_cell_and_replicates_every_claim(tmp_path):
    result = replicate(_run(tmp_path, sd=1e-4), TABLE)
    assert len(result.cells) == 75 and len(result.claims) == 30
    assert result.cell_counts() == {INSIDE: 75, OUTSIDE: 0, NO_INTERVAL: 0}
    assert result.claim_counts()[REPLICATED] == 30
    assert result.claims["same_sign"].all()
    assert "has the published sign in 30 of the 30" in summary_lines(result)[1]
    assert not result.cells["beyond_split_error"].any()
    assert set(result.cells["note"]) == {""}
    accuracy = result.cells[result.cells["measure"] == "OA"]
    assert len(accuracy) == 15 and (accuracy["metric"] == "test/accuracy").all()


def test_a_shifted_run_lands_outside_and_beyond_the_split_error(tmp_path):
    result = replicate(_run(tmp_path, sd=1e-3, shift=0.05), TABLE)
    cells = result.cells
    assert (cells["paper_value"] == OUTSIDE).all()
    assert cells["beyond_split_error"].all()
    assert np.allclose(cells["difference"], 0.05, atol=1e-3)
    assert np.allclose(cells["difference"], cells["harness"] - cells["paper"])


def test_opposite_significant_differences_contradict_the_claims(tmp_path):
    result = replicate(_run(tmp_path, sd=1e-4, swap=("vehicle0",)), TABLE)
    claims = result.claims.set_index(["dataset", "reference", "metric"]).sort_index()
    assert (claims.loc[("vehicle0", "none"), "outcome"] == CONTRADICTED).all()
    assert not claims.loc[("vehicle0", "none"), "same_sign"].any()
    assert (claims.loc[("pima", "none"), "outcome"] == REPLICATED).all()


def test_noise_wider_than_the_differences_confirms_nothing(tmp_path):
    result = replicate(_run(tmp_path, sd=0.3), TABLE)
    counts = result.claim_counts()
    assert counts[REPLICATED] + counts[CONTRADICTED] == 0
    assert counts[NOT_CONFIRMED] == 30
    assert (result.cells["paper_value"] == INSIDE).mean() > 0.8


def test_the_test_uses_j_splits_and_the_half_half_ratio(tmp_path):
    records = _run(tmp_path, sd=0.01)
    claim = replicate(records, TABLE).claims.iloc[0]  # vehicle0, adasyn vs none, G-mean
    assert (claim["J"], claim["test_train_ratio"]) == (100, 1.0)
    jobs = {r["strategy"]: r for r in records if r["dataset"] == "vehicle0"}
    d = np.array(
        RunFolder(jobs["adasyn"]["run_dir"]).read_folds()["test/g_mean"]
        - RunFolder(jobs["none"]["run_dir"]).read_folds()["test/g_mean"]
    )
    half = stats.t.ppf(0.975, J - 1) * d.std(ddof=1) * math.sqrt(1 / J + 1.0)
    assert claim["ci_low"] == pytest.approx(d.mean() - half)
    assert claim["ci_high"] == pytest.approx(d.mean() + half)
    t = d.mean() / (d.std(ddof=1) * math.sqrt(1 / J + 1.0))
    assert claim["corrected_t"] == pytest.approx(t)
    assert claim["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), J - 1))


def test_holm_runs_over_the_30_claims(tmp_path):
    claims = replicate(_run(tmp_path, sd=0.02), TABLE).claims
    p = np.sort(claims["p_value"].to_numpy())
    smallest = claims.loc[claims["p_value"].idxmin(), "p_holm"]
    assert smallest == pytest.approx(min(1.0, 30 * p[0]))


def test_missing_and_ambiguous_jobs_leave_cells_and_claims_without_a_value(tmp_path):
    records = _run(tmp_path, sd=1e-4)
    records = [r for r in records if (r["dataset"], r["strategy"]) != ("pima", "smote")]
    extra = dict(next(r for r in records if r["dataset"] == "vowel0" and r["strategy"] == "none"))
    records.append({**extra, "seed": 1})
    result = replicate(records, TABLE)
    cells = result.cells.set_index(["dataset", "strategy"]).sort_index()
    assert (cells.loc[("pima", "smote"), "paper_value"] == NO_INTERVAL).all()
    assert (cells.loc[("pima", "smote"), "note"] == "no successful job of pima with smote").all()
    assert cells.loc[("vowel0", "none"), "note"].str.contains("2 jobs of vowel0 with none").all()
    assert result.cell_counts()[NO_INTERVAL] == 10
    claims = result.claims
    untested = claims[claims["outcome"] == NOT_TESTED]
    assert len(untested) == 6  # pima vs smote (3) and vowel0 vs DT (3)
    assert untested["p_value"].isna().all() and untested["p_holm"].isna().all()
    assert not untested["same_sign"].any()
    assert "Holm over the 24 tested" in summary_lines(result)[1]


def test_a_job_off_the_protocol_or_without_a_value_says_so(tmp_path):
    records = _run(tmp_path, sd=1e-4)
    job = next(r for r in records if r["dataset"] == "ionosphere" and r["strategy"] == "adasyn")
    job["params"] = {**PROTOCOL, "resampler.sampler.d_th": None}
    job["metrics"] = {**job["metrics"], "test/accuracy": None}
    cells = replicate(records, TABLE).cells.set_index(["dataset", "strategy", "measure"])
    assert "d_th=None (the paper: 0.75)" in cells.loc[("ionosphere", "adasyn", "Recall"), "note"]
    oa = cells.loc[("ionosphere", "adasyn", "OA")]
    assert oa["paper_value"] == NO_INTERVAL and not oa["beyond_split_error"]
    assert "no value of test/accuracy" in oa["note"]


def test_a_claim_without_its_fold_column_is_not_tested(tmp_path):
    records = _run(tmp_path, sd=1e-4)
    job = next(r for r in records if r["dataset"] == "abalone9_18" and r["strategy"] == "adasyn")
    folds = RunFolder(job["run_dir"]).read_folds().drop(columns="test/g_mean")
    folds.to_csv(RunFolder(job["run_dir"]).folds)
    claims = replicate(records, TABLE).claims.set_index(["dataset", "metric"]).sort_index()
    rows = claims.loc[("abalone9_18", "test/g_mean")]
    assert (rows["outcome"] == NOT_TESTED).all()
    assert rows["note"].str.contains("has no test/g_mean per split").all()


def test_the_split_error_bound_and_the_limits_stated():
    bound = stats.norm.ppf(0.975) * math.sqrt(2)
    assert bound == pytest.approx(SPLIT_ERROR_BOUND)
    # LIMITS: at n_test/n_train = 1 the corrected test detects no less than 2.8 sd.
    floor = detectable_difference(1.0, J, 1.0, 1.0, alpha=0.025).floor
    assert floor == pytest.approx(2.8, abs=0.01)
