import math

import numpy as np
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from harness.errors import ConfigError, InputDataError
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


def outcomes(counter):
    return [counter.outcome_count(o) for o in ("tp", "fn", "fp", "tn")]


def test_text_labels_with_the_default_numeric_positive_label_are_refused():
    # These used to count as three true negatives without a word.
    counter = make_counter()
    with pytest.raises(InputDataError) as caught:
        counter.record_outcomes(["yes", "no", "yes"], ["yes", "no", "no"])
    message = str(caught.value)
    assert "'yes', 'no'" in message and "can never equal positive_label=1" in message
    assert "positive_label (and negative_label)" in message
    assert outcomes(counter) == [0.0, 0.0, 0.0, 0.0]


def test_text_predictions_with_a_numeric_positive_label_are_refused():
    counter = make_counter()
    with pytest.raises(InputDataError, match="y_pred holds label"):
        counter.record_predictions(["no", "no"])
    assert counter.prediction_count("no") == 0.0


def test_the_negative_label_is_learned_and_then_enforced():
    counter = make_counter(positive_label="yes")
    counter.record_outcomes(["yes", "no", "yes"], ["yes", "no", "no"])
    assert counter.negative_label == "no"
    assert outcomes(counter) == [1.0, 1.0, 0.0, 1.0]
    with pytest.raises(InputDataError) as caught:
        counter.record_outcomes(["maybe", "yes"], ["yes", "yes"])
    assert "'maybe' outside the two classes" in str(caught.value)
    assert outcomes(counter) == [1.0, 1.0, 0.0, 1.0]  # the refused batch counted nothing


def test_a_declared_negative_label_refuses_any_third_label():
    counter = make_counter(positive_label=1, negative_label=0)
    with pytest.raises(InputDataError, match="label\\(s\\) 2 outside the two classes"):
        counter.record_predictions([0, 1, 2])


def test_a_first_batch_with_two_candidate_negative_labels_is_refused():
    counter = make_counter()
    with pytest.raises(InputDataError, match="2 labels other than positive_label=1 \\(0, 2\\)"):
        counter.record_outcomes([0, 2, 1], [0, 0, 1])
    assert counter.negative_label is None


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing_labels_are_refused(missing):
    counter = make_counter()
    with pytest.raises(InputDataError, match="fill in missing labels"):
        counter.record_outcomes([0, missing, 1], [0, 0, 1])


def test_numbers_compare_by_value_across_types():
    counter = make_counter()
    counter.record_outcomes(np.array([1, 0, 1]), np.array([1.0, 1.0, 0.0]))
    counter.record_outcomes([True, False], [True, False])
    assert outcomes(counter) == [2.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("positive", "negative"), [(None, None), (1, "0"), ("yes", "yes"), (1 + 2j, None)]
)
def test_class_labels_that_cannot_work_are_refused_at_creation(positive, negative):
    with pytest.raises(ConfigError):
        make_counter(positive_label=positive, negative_label=negative)
