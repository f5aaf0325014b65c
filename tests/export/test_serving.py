import math

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from harness.errors import InputDataError
from harness.export.serving import MinorityOutcomeCounter


def make_counter(**kwargs):
    return MinorityOutcomeCounter(model="tree", dataset="pima", **kwargs)


def test_outcomes_are_counted_against_the_minority_class():
    counter = make_counter()
    counter.record_outcomes([1, 1, 1, 0, 0, 1], [1, 0, 1, 1, 0, 0])
    counter.record_outcomes([1], [1])
    assert [counter.outcome_count(o) for o in ("tp", "fn", "fp", "tn")] == [3.0, 2.0, 1.0, 1.0]
    assert counter.minority_recall() == pytest.approx(3 / 5)


def test_predictions_are_counted_by_predicted_class():
    counter = make_counter()
    counter.record_predictions([0, 0, 1, 0])
    counter.record_predictions([1])
    assert counter.prediction_count(0) == 3.0
    assert counter.prediction_count(1) == 2.0


def test_string_positive_label():
    counter = make_counter(positive_label="bad")
    counter.record_outcomes(["bad", "good", "bad"], ["bad", "bad", "good"])
    assert counter.outcome_count("tp") == 1.0
    assert counter.outcome_count("fp") == 1.0
    assert counter.outcome_count("fn") == 1.0


def test_every_outcome_series_exists_before_any_event():
    counter = make_counter()
    text = generate_latest(counter.registry).decode()
    for outcome in ("tp", "fn", "fp", "tn"):
        assert (
            f'harness_serving_outcomes_total{{dataset="pima",model="tree",outcome="{outcome}"}} 0.0'
            in text
        )
    assert math.isnan(counter.minority_recall())


def test_counters_use_the_given_registry_and_never_the_global_one():
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    counter = make_counter(registry=registry)
    counter.record_predictions([1])
    assert counter.registry is registry
    assert (
        registry.get_sample_value(
            "harness_serving_predictions_total",
            {"model": "tree", "dataset": "pima", "predicted_class": "1"},
        )
        == 1.0
    )
    assert (
        REGISTRY.get_sample_value(
            "harness_serving_predictions_total",
            {"model": "tree", "dataset": "pima", "predicted_class": "1"},
        )
        is None
    )
    # Two counters side by side do not clash.
    make_counter().record_predictions([0])


def test_mismatched_lengths_name_the_fix():
    with pytest.raises(InputDataError, match="exactly the rows"):
        make_counter().record_outcomes([1, 0], [1])
