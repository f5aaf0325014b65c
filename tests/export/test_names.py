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


@pytest.mark.parametrize(
    ("key", "labels"),
    [
        (
            "fairness/race/group/Black/African American/recall",
            {"sensitive": "race", "group": "Black/African American"},
        ),
        ("fairness/race/group/A/B/recall", {"sensitive": "race", "group": "A/B"}),
        ("fairness/race/group/a/b/recall", {"sensitive": "race", "group": "a/b"}),
        ("fairness/race/ethnicity/group/x/recall", {"sensitive": "race/ethnicity", "group": "x"}),
        ("fairness/sex/group/group/recall", {"sensitive": "sex", "group": "group"}),
    ],
)
def test_a_slash_in_a_group_or_column_stays_in_the_label(key, labels):
    # These used to become names such as harness_fairness_group_black_african_american_recall.
    assert prometheus_series(key) == ("harness_fairness_group_recall", labels)


def test_a_slash_in_the_column_of_an_aggregate_metric_stays_in_the_label():
    assert prometheus_series("fairness/a/b/equalized_odds_difference") == (
        "harness_fairness_equalized_odds_difference",
        {"sensitive": "a/b"},
    )


@pytest.mark.parametrize(
    ("column", "group"),
    [("race", "Black/African American"), ("race/ethnicity", "100%/x%2F"), ("sex", "F")],
)
@pytest.mark.parametrize("metric", ["recall", "selection_rate"])
def test_escaped_catalog_keys_give_the_unescaped_values_as_labels(column, group, metric):
    from harness.metrics.catalog import fairness_key

    name, labels = prometheus_series(fairness_key(column, metric, group))
    assert name == f"harness_fairness_group_{metric}"
    assert labels == {"sensitive": column, "group": group}
    name, labels = prometheus_series(fairness_key(column, "min_group_recall"))
    assert (name, labels) == ("harness_fairness_min_group_recall", {"sensitive": column})


def test_groups_that_differ_only_in_case_or_punctuation_stay_distinct_series():
    keys = ["fairness/race/group/A/B/recall", "fairness/race/group/a/b/recall"]
    series = {(name, tuple(labels.items())) for name, labels in map(prometheus_series, keys)}
    assert len(series) == 2
