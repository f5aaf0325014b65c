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


def test_the_baseline_that_lost_less_is_the_lowest_and_ties_go_by_name():
    from harness.advisor.validation import lower_regret_baseline

    regret = {"advisor": 0.02, "ir_only": 0.03, "prior": 0.01, "always_adasyn": 0.01}
    assert lower_regret_baseline(regret) == "always_adasyn"
    assert lower_regret_baseline({**regret, "advisor": 0.01}) is None
    assert lower_regret_baseline({**regret, "advisor": 0.005}) is None


def test_the_most_frequent_winner_is_the_highest_smoothed_share_ties_by_name():
    from harness.advisor.model import FamilyModels, Logistic, most_frequent_winner

    def model(wins, n):
        return Logistic((), (), (), 0.0, (), n, wins)

    family = FamilyModels("knn")
    family.beats = {
        ("smote", "none"): model(80, 100),
        ("ros", "none"): model(80, 100),
        ("adasyn", "none"): model(70, 100),
        ("adasyn", "decision_threshold"): model(99, 100),
    }
    assert most_frequent_winner(family) == "ros"
    assert most_frequent_winner(family, "decision_threshold") == "adasyn"
    assert family.beats[("ros", "none")].win_share == 81 / 102
