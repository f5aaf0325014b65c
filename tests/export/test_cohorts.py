"""Outcomes per cohort of a sensitive column, with a cardinality guard."""

import logging

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from harness.errors import ConfigError, InputDataError
from harness.export.cohorts import MISSING, OTHER, CohortOutcomeCounter


def counter(max_cohorts=20, registry=None):
    return CohortOutcomeCounter(
        registry or CollectorRegistry(),
        model="m",
        dataset="d",
        sensitive="race",
        max_cohorts=max_cohorts,
    )


def test_recall_per_cohort():
    cohorts = counter()
    cohorts.record_outcomes([1, 1, 1, 1, 0], [1, 0, 1, 1, 1], ["a", "a", "b", "b", "b"])
    assert cohorts.recall("a") == 0.5
    assert cohorts.recall("b") == 1.0
    assert cohorts.outcome_count("b", "fp") == 1
    assert cohorts.cohorts == ["a", "b"]


def test_every_outcome_series_of_a_cohort_exists_from_its_first_row():
    registry = CollectorRegistry()
    cohorts = counter(registry=registry)
    cohorts.record_outcomes([0], [0], ["a"])
    for outcome in ("tp", "fn", "fp", "tn"):
        labels = {"model": "m", "dataset": "d", "sensitive": "race", "cohort": "a"}
        value = registry.get_sample_value(
            "harness_serving_cohort_outcomes_total", {**labels, "outcome": outcome}
        )
        assert value == (1.0 if outcome == "tn" else 0.0)


def test_cohorts_beyond_the_limit_share_one_label_and_are_counted(caplog):
    registry = CollectorRegistry()
    cohorts = counter(max_cohorts=3, registry=registry)
    values = [f"group {i}" for i in range(10)]
    with caplog.at_level(logging.WARNING):
        cohorts.record_outcomes(np.ones(10), np.ones(10), values)
    assert cohorts.cohorts == ["group 0", "group 1", "group 2", OTHER]
    assert cohorts.outcome_count(OTHER, "tp") == 7
    overflow = registry.get_sample_value(
        "harness_serving_cohort_overflow_total", {"model": "m", "dataset": "d", "sensitive": "race"}
    )
    assert overflow == 7
    assert "max_cohorts" in caplog.text
    # Series: 4 cohorts x 4 outcomes, never one per value.
    families = {f.name: f for f in registry.collect()}
    samples = [
        s for s in families["harness_serving_cohort_outcomes"].samples if s.name.endswith("_total")
    ]
    assert len(samples) == 16


def test_missing_cohort_values_get_their_own_label():
    cohorts = counter()
    cohorts.record_outcomes([1, 1], [1, 1], [None, float("nan")])
    assert cohorts.cohorts == [MISSING]
    assert cohorts.outcome_count(MISSING, "tp") == 2


def test_lengths_must_match():
    with pytest.raises(InputDataError, match="cohort of exactly the rows"):
        counter().record_outcomes([1, 0], [1, 0], ["a"])


@pytest.mark.parametrize(("sensitive", "max_cohorts"), [("", 5), ("sex", 0), ("sex", True)])
def test_bad_settings_are_config_errors(sensitive, max_cohorts):
    with pytest.raises(ConfigError):
        CohortOutcomeCounter(
            CollectorRegistry(),
            model="m",
            dataset="d",
            sensitive=sensitive,
            max_cohorts=max_cohorts,
        )
