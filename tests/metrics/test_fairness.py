import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    equalized_odds_difference,
    selection_rate,
)
from sklearn.metrics import recall_score

from harness.errors import InputDataError
from harness.metrics import group_fairness


@pytest.fixture
def predictions():
    rng = np.random.default_rng(7)
    groups = rng.choice(["F", "M", "X"], size=300, p=[0.5, 0.4, 0.1])
    y_true = (rng.random(300) < 0.2).astype(int)
    # the model misses more positives of group F
    miss = (groups == "F") & (rng.random(300) < 0.5)
    y_pred = np.where(miss, 0, y_true)
    y_pred = np.where(rng.random(300) < 0.05, 1 - y_pred, y_pred)
    return y_true, y_pred, groups


def test_numbers_equal_fairlearn_called_directly(predictions):
    y_true, y_pred, groups = predictions
    result = group_fairness(y_true, y_pred, groups)
    frame = MetricFrame(
        metrics={"recall": recall_score, "selection_rate": selection_rate},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    for group in ("F", "M", "X"):
        assert result[f"group/{group}/recall"] == pytest.approx(frame.by_group.loc[group, "recall"])
        assert result[f"group/{group}/selection_rate"] == pytest.approx(
            frame.by_group.loc[group, "selection_rate"]
        )
        mask = groups == group
        assert result[f"group/{group}/recall"] == pytest.approx(
            recall_score(y_true[mask], y_pred[mask])
        )
    assert result["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y_true, y_pred, sensitive_features=groups)
    )
    assert result["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
    )
    assert result["min_group_recall"] == pytest.approx(frame.group_min()["recall"])
    assert result["min_group_recall"] == result["group/F/recall"]
    assert all(type(value) is float for value in result.values())


def test_group_without_positives_has_nan_recall_and_is_skipped_by_min():
    y_true = np.array([1, 1, 0, 0, 0, 0])
    y_pred = np.array([1, 0, 0, 1, 1, 0])
    groups = pd.Series(["a", "a", "a", "b", "b", "b"])
    result = group_fairness(y_true, y_pred, groups)
    assert math.isnan(result["group/b/recall"])
    assert result["group/b/selection_rate"] == pytest.approx(2 / 3)
    assert result["min_group_recall"] == pytest.approx(0.5)


def test_pos_label_other_than_one():
    y_true = np.array(["yes", "no", "yes", "no"])
    y_pred = np.array(["yes", "no", "no", "yes"])
    result = group_fairness(y_true, y_pred, ["g", "g", "h", "h"], pos_label="yes")
    assert result["group/g/recall"] == 1.0
    assert result["group/h/recall"] == 0.0


def test_several_columns_or_missing_groups_rejected():
    y = np.array([1, 0, 1, 0])
    with pytest.raises(InputDataError, match="one sensitive column"):
        group_fairness(y, y, pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 2, 1, 2]}))
    with pytest.raises(InputDataError, match="fillna"):
        group_fairness(y, y, pd.Series(["a", None, "b", "b"]))


def test_group_names_with_a_slash_split_back_exactly():
    from harness.metrics.catalog import split_group_key

    y = np.array([1, 0, 1, 0, 1, 0])
    result = group_fairness(y, y, ["a/b", "a/b", "a", "a", "b", "b"])
    per_group = sorted(split_group_key(k) for k in result if split_group_key(k) is not None)
    assert per_group == [
        ("a", "recall"),
        ("a", "selection_rate"),
        ("a/b", "recall"),
        ("a/b", "selection_rate"),
        ("b", "recall"),
        ("b", "selection_rate"),
    ]
    assert split_group_key("equalized_odds_difference") is None
    assert split_group_key("group/x") is None
