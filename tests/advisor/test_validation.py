"""Leave-one-data-set-out validation: no leak, regrets by hand, intervals around the figures."""

import numpy as np
import pandas as pd
import pytest

from harness.advisor.model import outcome_table
from harness.advisor.validation import (
    choices,
    family_validation,
    goal_reached,
    lodo_predictions,
    regrets,
)


@pytest.fixture(scope="module")
def validated(benchmark):
    compact, features = benchmark
    outcomes = outcome_table(compact)
    predictions = lodo_predictions(outcomes, features, "knn")
    return outcomes, features, predictions


def test_a_held_out_data_set_never_trains_its_own_prediction(validated):
    outcomes, features, predictions = validated
    name = "set03"
    flipped = outcomes.copy()
    mine = flipped["dataset"] == name
    flipped.loc[mine, ["diff_none", "diff_decision_threshold"]] *= -1
    again = lodo_predictions(flipped, features, "knn")
    pick = predictions["dataset"] == name
    cols = ["advisor", "ir_only", "prior"]
    assert np.allclose(again.loc[pick, cols].to_numpy(), predictions.loc[pick, cols].to_numpy())
    assert not again.loc[~pick, cols].equals(predictions.loc[~pick, cols])


def test_regret_and_choices_by_hand():
    outcomes = pd.DataFrame(
        {
            "dataset": ["a"] * 3 + ["b"] * 3,
            "model": "knn",
            "strategy": ["none", "smote", "adasyn"] * 2,
            "value": [0.5, 0.7, 0.6, 0.8, 0.6, 0.7],
        }
    )
    predictions = pd.DataFrame(
        {
            "dataset": ["a", "a", "b", "b"],
            "strategy": ["smote", "adasyn", "smote", "adasyn"],
            "reference": "none",
            "advisor": [0.9, 0.6, 0.4, 0.3],
            "ir_only": [0.2, 0.7, 0.6, 0.9],
            "prior": 0.5,
        }
    )
    assert choices(predictions, "advisor").to_dict() == {"a": "smote", "b": "none"}
    table = regrets(outcomes, predictions, "knn")
    assert table.loc["a"].to_dict() == pytest.approx(
        {"advisor": 0.0, "ir_only": 0.1, "prior": 0.2, "always_none": 0.2, "always_adasyn": 0.1}
    )
    assert table.loc["b"].to_dict() == pytest.approx(
        {"advisor": 0.0, "ir_only": 0.1, "prior": 0.0, "always_none": 0.0, "always_adasyn": 0.1}
    )


def test_figures_have_intervals_and_the_advisor_beats_the_ir_baseline_on_its_rule(validated):
    outcomes, _, predictions = validated
    found = family_validation(outcomes, predictions, "knn", bootstrap=200)
    again = family_validation(outcomes, predictions, "knn", bootstrap=200)
    assert found == again
    for measure in ("auc", "brier", "regret"):
        for figure in found[measure].values():
            assert figure.low <= figure.value <= figure.high
    assert found["auc"]["advisor"].value > 0.9
    assert found["paired"]["auc"].low > 0  # better than the imbalance ratio alone
    assert found["regret"]["advisor"].value < found["regret"]["always_adasyn"].value
    assert goal_reached(found)["auc"]
