"""The cost/quality section: Pareto fronts, when the report shows it, and a real trimmed run of
``experiment=cost_quality`` whose plot reaches the report and the MLflow store."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.report.cost_quality import (
    FRONT_ALL,
    FRONT_COLUMNS,
    GAIN_COLUMN,
    HEADING,
    cost_quality_table,
    pareto_front,
    shows_cost_quality,
)

REPO = Path(__file__).resolve().parents[2]
TIME, MEMORY = FRONT_COLUMNS["time/resample_seconds"], FRONT_COLUMNS["memory/peak_bytes"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- the front --------------------------------------------------------------------------------


def test_a_point_worse_in_every_objective_is_off_the_front():
    # (cost: smaller is better, gain: greater is better)
    points = [[1.0, 0.10], [2.0, 0.30], [3.0, 0.20], [0.5, 0.0]]
    assert pareto_front(points, [False, True]).tolist() == [True, True, False, True]


def test_equal_in_one_objective_and_worse_in_the_other_is_dominated():
    points = [[1.0, 0.2], [1.0, 0.1], [2.0, 0.2]]
    assert pareto_front(points, [False, True]).tolist() == [True, False, False]


def test_identical_points_stay_on_the_front_together():
    points = [[1.0, 0.2], [1.0, 0.2], [2.0, 0.1]]
    assert pareto_front(points, [False, True]).tolist() == [True, True, False]


def test_identical_points_both_dominated_leave_the_front_together():
    points = [[2.0, 0.1], [2.0, 0.1], [1.0, 0.3]]
    assert pareto_front(points, [False, True]).tolist() == [False, False, True]


def test_a_single_point_is_its_own_front():
    assert pareto_front([[5.0, -1.0]], [False, True]).tolist() == [True]


def test_directions_are_honoured():
    points = [[1.0, 1.0], [2.0, 2.0]]
    assert pareto_front(points, [True, True]).tolist() == [False, True]
    assert pareto_front(points, [False, False]).tolist() == [True, False]
    assert pareto_front(points, [False, True]).tolist() == [True, True]


def test_the_front_matches_pairwise_domination_on_random_points():
    rng = np.random.default_rng(0)
    # coarse values, so ties in one or several objectives are frequent
    points = rng.integers(0, 4, size=(60, 3)).astype(float)
    maximise = [True, False, False]
    signs = np.where(maximise, 1.0, -1.0)

    def dominates(a, b):
        a, b = a * signs, b * signs
        return bool((a >= b).all() and (a > b).any())

    expected = [
        not any(dominates(points[j], points[i]) for j in range(len(points)) if j != i)
        for i in range(len(points))
    ]
    front = pareto_front(points, maximise)
    assert front.tolist() == expected
    assert 0 < front.sum() < len(points)


@pytest.mark.parametrize(
    ("points", "maximise", "message"),
    [
        ([1.0, 2.0], [True], "2-D array"),
        ([[1.0, 2.0]], [True], "1 direction"),
        ([[1.0, math.nan]], [True, False], "NaN"),
        ([[1.0, math.inf]], [True, False], "infinite"),
    ],
)
def test_bad_input_is_refused_with_the_fix(points, maximise, message):
    with pytest.raises(ValueError, match=message):
        pareto_front(points, maximise)


# -- when the section applies, and its table ----------------------------------------------------


def _record(resampler, strategy, recall, seconds, peak_bytes, *, dataset="pima", **sampler):
    params = {f"resampler.sampler.{key}": value for key, value in sampler.items()}
    metrics = {"test/minority_recall": recall, "time/resample_seconds": seconds}
    if peak_bytes is not None:
        metrics["memory/peak_bytes"] = peak_bytes
    return {
        "dataset": dataset,
        "model": "decision_tree",
        "seed": 0,
        "resampler": resampler,
        "strategy": strategy,
        "status": "success",
        "params": params,
        "metrics": metrics,
    }


MIB = 2**20
BETA_RECORDS = [
    _record("none", "none", 0.50, 0.01, 0.1 * MIB),
    _record("adasyn_b0.5", "adasyn", 0.60, 0.10, 1.0 * MIB, beta=0.5, n_neighbors=5),
    _record("adasyn_b1.0", "adasyn", 0.58, 0.20, 2.0 * MIB, beta=1.0, n_neighbors=5),
    _record("smote", "smote", 0.65, 0.30, 0.5 * MIB, k_neighbors=5),
]


def test_the_section_applies_to_two_settings_of_one_kind_next_to_none():
    assert shows_cost_quality(BETA_RECORDS)


def test_the_section_does_not_apply_without_a_varied_setting_or_without_none():
    one_setting_each = [BETA_RECORDS[0], BETA_RECORDS[1], BETA_RECORDS[3]]
    assert not shows_cost_quality(one_setting_each)
    assert not shows_cost_quality(BETA_RECORDS[1:])
    failed_baseline = [{**BETA_RECORDS[0], "status": "failed"}, *BETA_RECORDS[1:]]
    assert not shows_cost_quality(failed_baseline)
    other_dataset = [{**BETA_RECORDS[0], "dataset": "yeast4"}, *BETA_RECORDS[1:]]
    assert not shows_cost_quality(other_dataset)


def test_the_table_has_gains_costs_and_fronts():
    table = cost_quality_table(BETA_RECORDS).set_index("resampler")
    assert table[GAIN_COLUMN].to_dict() == pytest.approx(
        {"none": 0.0, "adasyn_b0.5": 0.10, "adasyn_b1.0": 0.08, "smote": 0.15}
    )
    assert table.loc["adasyn_b0.5", "setting"] == "beta=0.5"  # n_neighbors does not vary
    assert table.loc["smote", "setting"] == ""
    assert table.loc["adasyn_b1.0", "memory/peak_bytes (MiB)"] == pytest.approx(2.0)
    # adasyn_b1.0 gains less than adasyn_b0.5 at a higher cost: off every front
    assert table[TIME].to_dict() == {
        "adasyn_b0.5": True, "adasyn_b1.0": False, "none": True, "smote": True,
    }  # fmt: skip
    # smote gains most with less memory than adasyn_b0.5: adasyn_b0.5 leaves that front
    assert table[MEMORY].to_dict() == {
        "adasyn_b0.5": False, "adasyn_b1.0": False, "none": True, "smote": True,
    }  # fmt: skip
    assert table[FRONT_ALL].to_dict() == {
        "adasyn_b0.5": True, "adasyn_b1.0": False, "none": True, "smote": True,
    }  # fmt: skip
    assert table["ci_low"].isna().all()  # no folds.csv: no interval, never a made-up one


def test_a_job_without_a_memory_measure_is_on_no_front_that_needs_it():
    records = [*BETA_RECORDS[:2], _record("adasyn_b1.0", "adasyn", 0.9, 0.2, None, beta=1.0)]
    table = cost_quality_table(records).set_index("resampler")
    assert math.isnan(table.loc["adasyn_b1.0", "memory/peak_bytes (MiB)"])
    assert table.loc["adasyn_b1.0", TIME]
    assert not table.loc["adasyn_b1.0", MEMORY]
    assert not table.loc["adasyn_b1.0", FRONT_ALL]


# -- a real run -------------------------------------------------------------------------------


def _point(beta: float) -> str:
    return f"{{resampler:adasyn,resampler.name:adasyn_b{beta},resampler.sampler.beta:{beta}}}"


@pytest.mark.slow
def test_a_trimmed_cost_quality_run_plots_the_fronts_into_the_report_and_mlflow(tmp_path):
    import mlflow

    trimmed = [
        "dataset=pima",
        f"experiment.grid.resampler=[none,{_point(0.5)},{_point(1.0)}]",
        "evaluation.n_splits=3",
        "evaluation.label_issues=false",
        "evaluation.progress=false",
    ]
    command = [sys.executable, "-m", "harness.cli", "run", "experiment=cost_quality", *trimmed]
    env = dict(os.environ, HARNESS_ROOT=str(tmp_path), MLFLOW_DISABLE_TELEMETRY="true")
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    (folder,) = (tmp_path / "outputs" / "runs" / "cost_quality").iterdir()
    png = (folder / "plots" / "cost_quality.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000

    table = pd.read_csv(folder / "cost_quality.csv")
    assert sorted(table["resampler"]) == ["adasyn_b0.5", "adasyn_b1.0", "none"]
    assert set(table["setting"].dropna()) == {"beta=0.5", "beta=1.0"}
    paired = table[table["resampler"] != "none"]
    assert (paired["ci_low"] <= paired[GAIN_COLUMN]).all()
    assert (paired[GAIN_COLUMN] <= paired["ci_high"]).all()
    assert (table["memory/peak_bytes (MiB)"] > 0).all()
    full_balance = table.set_index("resampler").loc["adasyn_b1.0", "resample/synthetic_ratio"]
    half = table.set_index("resampler").loc["adasyn_b0.5", "resample/synthetic_ratio"]
    assert 0 < half < full_balance

    report = (folder / "report.md").read_text()
    assert f"## {HEADING}" in report
    assert "![cost and quality](plots/cost_quality.png)" in report
    assert HEADING in (folder / "report.html").read_text()

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("cost_quality")
    logged = [
        artifact.path
        for run in client.search_runs([experiment.experiment_id])
        for artifact in client.list_artifacts(run.info.run_id, "plots")
    ]
    assert "plots/cost_quality.png" in logged


def test_every_beta_point_of_the_experiment_is_its_own_job():
    from harness.runner.experiment import plan_run

    _, jobs = plan_run(["experiment=cost_quality"])
    names = sorted(job.name for job in jobs)
    assert len(names) == 15
    betas = {
        job.name: job.cfg.resampler.sampler.beta for job in jobs if job.cfg.resampler.name != "none"
    }
    assert sorted(set(betas.values())) == [0.25, 0.5, 0.75, 1.0]
    for name, beta in betas.items():
        assert f"__adasyn_b{beta}__" in name
    assert {job.cfg.dataset.name for job in jobs} == {"pima", "page_blocks0", "yeast4"}
    assert {job.cfg.model.name for job in jobs} == {"logistic_regression"}
