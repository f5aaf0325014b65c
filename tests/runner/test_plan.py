"""Planning a run: which spread each figure comes from, and what the figures do.

Run folders are written here by hand (a ``result.json`` and a ``folds.csv`` of known values), so
the spreads can be checked exactly; ``tests/commands/test_plan.py`` plans on a real run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from harness.evaluate.power import detectable_difference
from harness.runner.experiment import plan_run
from harness.runner.plan import PILOT, PREVIOUS, PreviousRuns, make_plan, spread_uncertainty
from harness.runs import ExperimentFolder

DIGEST = "d" * 64
#: Two strategies of the quick experiment: a pilot of them takes seconds.
QUICK_TWO = ("experiment=quick", "experiment.grid.resampler=[none,ros]")


def _job(experiment, name, strategy, values, **record):
    """A finished run folder under ``experiment`` whose folds hold ``values``."""
    folder = ExperimentFolder(experiment).job(name)
    folder.path.mkdir(parents=True)
    n = len(next(iter(values.values())))
    table = pd.DataFrame({"repeat": [i // 5 for i in range(n)], "fold": [i % 5 for i in range(n)]})
    for key, column in values.items():
        table[key] = column
    table.to_csv(folder.folds, index=False)
    folder.write_record(
        {
            "schema": 3,
            "status": "success",
            "dataset": "pima",
            "dataset_digest": DIGEST,
            "model": "logistic_regression",
            "resampler": strategy,
            "strategy": strategy,
            "seed": 0,
            "n_folds": n,
            "n_train": 614,
            "n_test": 154,
            "hard_scores": False,
            "score_levels": 154.0,
            "finished_at": "2026-01-01T00:00:00+00:00",
            **record,
        }
    )
    return folder


def _pair(root, folder_name, smote, none, **record):
    """An experiment folder of smote and none whose folds hold ``test/pr_auc`` (or, given
    mappings, those columns)."""
    experiment = root / "outputs" / "runs" / "quick" / folder_name
    smote = smote if isinstance(smote, dict) else {"test/pr_auc": smote}
    none = none if isinstance(none, dict) else {"test/pr_auc": none}
    _job(experiment, "a__smote", "smote", smote, **record)
    _job(experiment, "a__none", "none", none, **record)
    return experiment


#: Every fold column the quick experiment's objectives read.
QUICK_METRICS = (
    "test/pr_auc",
    "test/recall_at_precision",
    "gap/minority_recall",
    "resample/synthetic_ratio",
    "resample/invalid_value_share",
)


def _columns(seed: int, n: int = 5) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    return {key: list(rng.uniform(0.2, 0.8, n)) for key in QUICK_METRICS}


def test_the_spread_is_that_of_the_paired_differences_and_names_its_folder(tmp_path):
    smote, none = [0.60, 0.64, 0.61, 0.70, 0.66], [0.58, 0.65, 0.60, 0.66, 0.61]
    _pair(tmp_path, "t1", smote, none)
    runs = PreviousRuns(tmp_path / "outputs", DIGEST, "logistic_regression", tmp_path)
    spread = runs.paired("smote", "smote", "none", "test/pr_auc")
    assert spread.kind == PREVIOUS
    assert spread.where == "outputs/runs/quick/t1"
    expected = np.std(np.subtract(smote, none), ddof=1)
    assert spread.std == pytest.approx(expected, rel=1e-12)
    assert spread.n_folds == 5


def test_a_smaller_is_better_metric_is_differenced_in_its_better_direction(tmp_path):
    experiment = tmp_path / "outputs" / "runs" / "quick" / "t1"
    _job(experiment, "a__smote", "smote", {"test/brier": [0.1, 0.2, 0.15]})
    _job(experiment, "a__none", "none", {"test/brier": [0.12, 0.1, 0.2]})
    runs = PreviousRuns(tmp_path / "outputs", DIGEST, "logistic_regression", tmp_path)
    spread = runs.paired("smote", "smote", "none", "test/brier")
    assert spread.std == pytest.approx(np.std([0.02, -0.1, 0.05], ddof=1))


def test_other_data_another_model_or_a_lone_strategy_give_no_spread(tmp_path):
    _pair(tmp_path, "t1", [0.6, 0.7, 0.65], [0.5, 0.6, 0.7], dataset_digest="e" * 64)
    _pair(tmp_path, "t2", [0.6, 0.7, 0.65], [0.5, 0.6, 0.7], model="random_forest")
    alone = tmp_path / "outputs" / "runs" / "quick" / "t3"
    _job(alone, "a__smote", "smote", {"test/pr_auc": [0.6, 0.7, 0.65]})
    runs = PreviousRuns(tmp_path / "outputs", DIGEST, "logistic_regression", tmp_path)
    assert runs.paired("smote", "smote", "none", "test/pr_auc") is None
    single = runs.single("smote", "smote", "test/pr_auc")
    assert single.where == "outputs/runs/quick/t3"  # a bound on one run needs no reference


def test_the_run_with_the_most_folds_is_used(tmp_path):
    _pair(tmp_path, "t1", [0.6, 0.7, 0.65], [0.5, 0.6, 0.7])
    _pair(tmp_path, "t2", [0.6, 0.7, 0.65, 0.6, 0.62, 0.6], [0.5, 0.6, 0.7, 0.6, 0.6, 0.61])
    runs = PreviousRuns(tmp_path / "outputs", DIGEST, "logistic_regression", tmp_path)
    assert runs.paired("smote", "smote", "none", "test/pr_auc").where.endswith("t2")


def test_hard_scores_of_a_previous_run_make_a_ranking_metric_not_applicable(tmp_path):
    _pair(tmp_path, "t1", [0.6, 0.7, 0.65], [0.5, 0.6, 0.7], hard_scores=True, score_levels=2.0)
    runs = PreviousRuns(tmp_path / "outputs", DIGEST, "logistic_regression", tmp_path)
    reason = runs.paired("smote", "smote", "none", "test/pr_auc")
    assert isinstance(reason, str)
    assert "2 distinct values per test fold" in reason and "hard scores" in reason


def test_an_unreadable_record_is_left_out_and_named(tmp_path):
    folder = ExperimentFolder(tmp_path / "outputs" / "runs" / "quick" / "t1").job("x")
    folder.path.mkdir(parents=True)
    folder.result.write_text("{not json")
    runs = PreviousRuns(tmp_path / "outputs", DIGEST, "logistic_regression", tmp_path)
    assert runs.entries == [] and len(runs.left_out) == 1


def test_a_pilot_has_few_folds_and_says_how_uncertain_its_spread_is():
    low, high = spread_uncertainty(2)
    assert low == pytest.approx(0.52, abs=0.01) and high == pytest.approx(6.28, abs=0.05)
    assert all(math.isnan(v) for v in spread_uncertainty(0))


@pytest.fixture(scope="module")
def pilot_plan(tmp_path_factory):
    """The quick experiment with two strategies, planned from a pilot (no outputs folder)."""
    root = tmp_path_factory.mktemp("pilot")
    cfg, jobs = plan_run([*QUICK_TWO])
    ticks = iter([10.0, 12.5])
    plan = make_plan(cfg, jobs, outputs=root / "outputs", root=root, clock=lambda: next(ticks))
    return root, plan


def test_without_a_previous_run_a_pilot_is_run_in_memory_and_timed(pilot_plan):
    root, plan = pilot_plan
    (group,) = plan.groups
    assert group.pilot is not None and group.pilot.seconds == pytest.approx(2.5)
    assert group.pilot.design.n_folds == 3
    text = plan.render()
    assert "a pilot of 3 folds" in text and "in 2.5 s" in text
    assert "itself uncertain" in text
    measured = [row for row in group.rows if row.spread is not None]
    assert measured and {row.spread.kind for row in measured} == {PILOT}
    assert list(root.iterdir()) == []  # nothing written


def test_the_pilot_figures_are_the_power_formula_on_its_spread_at_the_planned_design(pilot_plan):
    _, plan = pilot_plan
    (group,) = plan.groups
    design = group.design
    assert (design.n_folds, design.n_train, design.n_test) == (10, 614, 153)  # as recorded
    row = next(r for r in group.rows if r.objective == "pr_auc_not_worse")
    assert row.subject == "ros vs none" and row.family_size == 1
    std = row.spread.std * math.sqrt(row.spread.n_test / design.n_test)  # from 3-fold tests
    assert row.spread.n_test == 256 and row.std == pytest.approx(std)
    expected = detectable_difference(std, 10, 614, 153, 0.025, 1)
    assert row.detectable == expected
    assert "rescaled from test folds of 256 rows to 153" in row.sentence(design)


def test_an_absolute_objective_is_bound_by_its_noisiest_strategy(pilot_plan):
    _, plan = pilot_plan
    (group,) = plan.groups
    row = next(r for r in group.rows if r.objective == "train_test_gap")
    assert row.alpha == 0.025 and row.subject.startswith("every strategy (noisiest: ")
    ratio = next(r for r in group.rows if r.objective == "synthetic_ratio_min")
    assert ratio.subject == "its strategies (ros)"  # none adds no rows
    invalid = next(r for r in group.rows if r.objective == "invalid_synthetic_values")
    assert "the plan has none of them" in invalid.not_applicable  # ros does not interpolate


def test_more_repeats_lower_the_figure_but_never_below_the_floor(tmp_path):
    from harness.components.job import load_dataset_from_config

    overrides = ["experiment=quick", "experiment.grid.resampler=[none,smote]"]
    figures = []
    for repeats in (1, 2, 8):
        cfg, jobs = plan_run([*overrides, f"evaluation.n_repeats={repeats}"])
        if not figures:  # a fabricated run of the data the plan loads (same digest)
            digest = load_dataset_from_config(jobs[0].cfg).digest
            _pair(tmp_path, "t1", _columns(1), _columns(2), dataset_digest=digest)
        plan = make_plan(cfg, jobs, outputs=tmp_path / "outputs", root=tmp_path)
        assert plan.groups[0].pilot is None  # every spread came from the run
        (row,) = [r for r in plan.groups[0].rows if r.objective == "pr_auc_not_worse"]
        assert row.spread.kind == PREVIOUS
        figures.append(row.detectable)
    nows = [d.now for d in figures]
    assert nows[0] > nows[1] > nows[2]
    assert all(d.now >= d.floor for d in figures)
    assert figures[0].floor == pytest.approx(figures[2].floor)
    assert figures[0].doubled_repeats == pytest.approx(figures[1].now)


def test_hard_scores_in_a_pilot_make_ranking_objectives_not_applicable(tmp_path):
    cfg, jobs = plan_run([*QUICK_TWO, "model=decision_tree"])
    plan = make_plan(cfg, jobs, outputs=tmp_path / "outputs", root=tmp_path)
    (row,) = [r for r in plan.groups[0].rows if r.objective == "pr_auc_not_worse"]
    assert row.detectable is None
    assert "hard scores" in row.not_applicable and "in the pilot" in row.not_applicable
    assert "ros vs none: not applicable: " in plan.render()
