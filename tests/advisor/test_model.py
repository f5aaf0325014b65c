"""Outcomes, labels and the logistic models of the advisor."""

import numpy as np
import pandas as pd
import pytest

from harness.advisor.model import (
    MODEL_FEATURES,
    design_matrix,
    fit_family,
    fit_logistic,
    outcome_table,
)
from harness.errors import InputDataError


def _cell(dataset, strategy, g_mean, brier, model="knn"):
    return [
        {"dataset": dataset, "strategy": strategy, "model": model, "metric": m, "mean": v}
        for m, v in (("test/g_mean", g_mean), ("test/brier", brier))
    ]


def test_outcomes_are_paired_differences_by_hand():
    compact = pd.DataFrame(
        _cell("a", "none", 0.60, 0.10)
        + _cell("a", "smote", 0.65, 0.14)
        + _cell("a", "decision_threshold", 0.70, 0.10)
        + _cell("b", "smote", 0.50, 0.20)
    )
    table = outcome_table(compact).set_index(["dataset", "strategy"])
    assert table.at[("a", "smote"), "diff_none"] == pytest.approx(0.05)
    assert table.at[("a", "smote"), "diff_decision_threshold"] == pytest.approx(-0.05)
    assert table.at[("a", "smote"), "calibration_change"] == pytest.approx(0.04)
    assert table.at[("a", "none"), "diff_none"] == 0.0
    # b has no reference cell: no difference, never a zero
    assert np.isnan(table.at[("b", "smote"), "diff_none"])


def test_a_table_without_the_metric_or_a_column_is_refused():
    compact = pd.DataFrame(_cell("a", "none", 0.6, 0.1))
    with pytest.raises(InputDataError, match="no row of test/pr_auc"):
        outcome_table(compact, "test/pr_auc")
    with pytest.raises(InputDataError, match="lacks the columns"):
        outcome_table(compact.drop(columns="model"))


def test_design_matrix_takes_logs_and_refuses_nan(benchmark):
    _, features = benchmark
    X = design_matrix(features)
    assert X[0, 0] == pytest.approx(np.log10(features["rows"].iloc[0]))
    assert X[0, 4] == features["minority_overlap"].iloc[0]
    broken = features.copy()
    broken.iloc[0, broken.columns.get_loc("f1v")] = np.nan
    with pytest.raises(InputDataError, match="NaN"):
        design_matrix(broken)


def test_one_class_labels_give_the_smoothed_share():
    model = fit_logistic(np.zeros((8, 2)), np.ones(8), ("a", "b"))
    assert model.coef == ()
    assert model.probability(np.zeros((1, 2)))[0] == pytest.approx(9 / 10)


def test_the_model_learns_the_overlap_rule(benchmark):
    compact, features = benchmark
    models = fit_family(outcome_table(compact), features, "knn")
    smote = models.beats[("smote", "none")]
    coef = dict(zip(MODEL_FEATURES, smote.coef, strict=True))
    assert max(coef, key=lambda k: abs(coef[k])) == "minority_overlap"
    assert coef["minority_overlap"] < 0
    low, high = features.sort_values("minority_overlap").iloc[[0, -1]].index
    p = smote.probability(design_matrix(features.loc[[low, high]]))
    assert p[0] > 0.8 > 0.2 > p[1]
    assert models.calibration["smote"].predict(design_matrix(features))[0] == pytest.approx(
        0.03, abs=1e-3
    )
