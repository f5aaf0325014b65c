"""invalid_value_share: synthetic rows with a value no real training row could have."""

import math

import numpy as np
import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.metrics.validity import invalid_value_share

TRAIN = pd.DataFrame(
    {
        "age": [20.0, 35.0, 50.0, 65.0],
        "children": [0, 1, 2, 3],
        "sex_F": [1.0, 0.0, 1.0, 0.0],
        "sex_M": [0.0, 1.0, 0.0, 1.0],
        "region": ["north", "south", "south", "east"],
    }
)
SPEC = {
    "categorical": ["region"],
    "integer": ["children"],
    "one_hot_groups": [["sex_F", "sex_M"]],
}


def _rows(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=TRAIN.columns)


VALID = {"age": 40.0, "children": 2, "sex_F": 0.0, "sex_M": 1.0, "region": "east"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"region": "west"}, "a category not seen in training"),
        ({"sex_F": 0.28, "sex_M": 0.72}, "a fractional one-hot value"),
        ({"sex_F": 1.0, "sex_M": 1.0}, "two categories at once"),
        ({"sex_F": 0.0, "sex_M": 0.0}, "no category, when every training row has one"),
        ({"children": 1.5}, "a fractional integer column"),
        ({"age": 80.0}, "above the training maximum"),
        ({"children": -1}, "below the training minimum"),
        ({"age": np.nan}, "missing where training has no missing value"),
    ],
)
def test_each_kind_of_invalid_value_makes_its_row_invalid(change, why):
    synthetic = _rows(VALID, {**VALID, **change})
    assert invalid_value_share(TRAIN, synthetic, **SPEC) == 0.5, why


def test_rows_inside_the_domain_are_valid():
    assert invalid_value_share(TRAIN, _rows(VALID, VALID), **SPEC) == 0.0


def test_positions_work_for_arrays():
    train = TRAIN.drop(columns="region").to_numpy()
    synthetic = np.array([[40.0, 2, 0.5, 0.5], [40.0, 2, 0.0, 1.0], [40.0, 2.5, 1.0, 0.0]])
    share = invalid_value_share(train, synthetic, integer=[1], one_hot_groups=[[2, 3]])
    assert share == pytest.approx(2 / 3)


def test_no_synthetic_row_gives_nan():
    assert math.isnan(invalid_value_share(TRAIN, TRAIN.iloc[:0], **SPEC))


def test_unknown_columns_and_mismatched_frames_are_refused_with_the_fix():
    with pytest.raises(InputDataError, match="which X_train does not have"):
        invalid_value_share(TRAIN, TRAIN, categorical=["colour"])
    with pytest.raises(InputDataError, match="pass the synthetic rows with the training columns"):
        invalid_value_share(TRAIN, TRAIN.drop(columns="age"))
