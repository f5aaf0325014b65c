import numpy as np
import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.metrics._checks import frames_alike, two_d_frame


def test_a_list_of_mixed_rows_keeps_numbers_as_numbers():
    frame = two_d_frame([["a", 1.5], ["b", 2.0]], "X")
    assert frame[0].tolist() == ["a", "b"]
    assert frame[1].dtype == float


def test_an_array_gets_prefixed_names_and_a_frame_keeps_its_own():
    assert list(two_d_frame(np.zeros((2, 3)), "X", prefix="x").columns) == ["x0", "x1", "x2"]
    frame = pd.DataFrame({"age": [1, 2]}, index=[7, 9])
    converted = two_d_frame(frame, "X", prefix="x")
    assert list(converted.columns) == ["age"] and list(converted.index) == [0, 1]


@pytest.mark.parametrize("values", [np.zeros(3), np.zeros((2, 2, 2)), [1, 2, 3]])
def test_anything_but_a_table_is_refused_by_name(values):
    with pytest.raises(InputDataError, match="X_train must be a 2-D table"):
        two_d_frame(values, "X_train")


def test_tables_with_other_columns_are_refused_with_the_fix():
    with pytest.raises(InputDataError, match="pass matching rows"):
        frames_alike(np.zeros((2, 2)), "a", np.zeros((2, 3)), "b", "pass matching rows")
