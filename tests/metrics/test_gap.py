import math

import pytest

from harness.errors import InputDataError
from harness.metrics import train_test_gap


def test_gap_is_train_minus_test():
    train = {"minority_recall": 0.95, "minority_f1": 0.90, "g_mean": 0.9}
    test = {"minority_recall": 0.70, "minority_f1": 0.75, "g_mean": 0.8}
    assert train_test_gap(train, test) == pytest.approx(
        {"minority_recall": 0.25, "minority_f1": 0.15}
    )


def test_gap_can_be_negative_and_uses_chosen_keys():
    assert train_test_gap({"g_mean": 0.6}, {"g_mean": 0.7}, keys=("g_mean",)) == pytest.approx(
        {"g_mean": -0.1}
    )


def test_nan_side_gives_nan():
    gap = train_test_gap(
        {"minority_recall": math.nan}, {"minority_recall": 0.5}, keys=["minority_recall"]
    )
    assert math.isnan(gap["minority_recall"])


def test_missing_key_names_side_and_fix():
    with pytest.raises(InputDataError, match="missing from test"):
        train_test_gap({"minority_recall": 1.0, "minority_f1": 1.0}, {"minority_recall": 1.0})
