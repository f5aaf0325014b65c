import re

import pytest

from harness.export.names import SLI_METRIC_NAMES, prometheus_series, sanitize

VALID_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("test/minority_recall", ("harness_test_minority_recall", {})),
        ("gap/minority_f1", ("harness_gap_minority_f1", {})),
        ("memory/peak_bytes", ("harness_memory_peak_bytes", {})),
        (
            "fairness/sex/equalized_odds_difference",
            ("harness_fairness_equalized_odds_difference", {"sensitive": "sex"}),
        ),
        (
            "fairness/sex/group/F/recall",
            ("harness_fairness_group_recall", {"sensitive": "sex", "group": "F"}),
        ),
        (
            "fairness/race/group/Asian-Pac-Islander/selection_rate",
            (
                "harness_fairness_group_selection_rate",
                {"sensitive": "race", "group": "Asian-Pac-Islander"},
            ),
        ),
    ],
)
def test_prometheus_series_follows_the_naming_rule(key, expected):
    assert prometheus_series(key) == expected


def test_values_never_reach_the_metric_name():
    name, labels = prometheus_series('fairness/<script>/group/"x\ny"/recall')
    assert name == "harness_fairness_group_recall"
    assert labels == {"sensitive": "<script>", "group": '"x\ny"'}


@pytest.mark.parametrize("key", ["Test/Minority Recall", "time/fit-s", "a//b", "x/ü/é"])
def test_odd_keys_become_valid_snake_case_names(key):
    name, _ = prometheus_series(key)
    assert VALID_NAME.match(name)
    assert name == name.lower()
    assert "__" not in name


def test_sanitize_collapses_separators():
    assert sanitize("--Fit  Time--") == "fit_time"


def test_sli_names_are_the_test_quality_series():
    assert "harness_test_minority_recall" in SLI_METRIC_NAMES
    assert "harness_gap_minority_recall" in SLI_METRIC_NAMES
    assert all(VALID_NAME.match(name) for name in SLI_METRIC_NAMES)
