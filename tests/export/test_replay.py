import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from harness.errors import ConfigError, InputDataError
from harness.export.replay import CovariateDrift, LabelShift, PushTarget, replay
from tests.export.streams import fitted_model_and_held_out_set, new_counter
from tests.support.prometheus import free_port


@pytest.fixture(scope="module")
def held_out():
    return fitted_model_and_held_out_set()


def test_one_pass_sends_every_row_once(held_out):
    model, X, y = held_out
    counter = new_counter()
    report = replay(model, X, y, rate_per_s=1e6, batch_size=64, counter=counter, random_state=0)
    assert report.rows == 200 and report.batches == 4
    outcomes = sum(counter.outcome_count(o) for o in ("tp", "fn", "fp", "tn"))
    assert outcomes == 200
    assert counter.outcome_count("tp") + counter.outcome_count("fn") == np.sum(y == 1)
    predicted = counter.prediction_count(0) + counter.prediction_count(1)
    assert predicted == 200


def test_duration_and_rate_bound_the_stream(held_out):
    model, X, y = held_out
    report = replay(
        model, X, y, rate_per_s=400, duration_s=0.5, batch_size=20, counter=new_counter()
    )
    assert report.rows == 200
    assert 0.4 <= report.elapsed_s < 2.0


def test_label_flips_lower_the_recall(held_out):
    model, X, y = held_out
    clean, flipped = new_counter(), new_counter()
    replay(model, X, y, rate_per_s=1e6, batch_size=50, counter=clean)
    report = replay(
        model,
        X,
        y,
        rate_per_s=1e6,
        batch_size=50,
        counter=flipped,
        label_shift=LabelShift(after_fraction=0.0, flip_minority=1.0),
    )
    assert report.shifted_rows == 200
    assert clean.outcome_count("tp") > 0
    assert flipped.outcome_count("tp") == 0 and flipped.outcome_count("fn") == 0


def test_prevalence_shift_changes_the_minority_share(held_out):
    model, X, y = held_out
    counter = new_counter()
    replay(
        model,
        X,
        y,
        rate_per_s=1e6,
        batch_size=50,
        counter=counter,
        label_shift=LabelShift(after_fraction=0.0, minority_prevalence=0.9),
    )
    minority = counter.outcome_count("tp") + counter.outcome_count("fn")
    assert minority / 200 > 0.75  # was about 0.2 before the shift


def test_covariate_drift_after_half_of_the_stream_moves_predictions():
    X = pd.DataFrame({"x": np.linspace(0, 1, 200), "kind": ["a"] * 200})
    y = (X["x"] > 0.9).astype(int).to_numpy()
    model = DecisionTreeClassifier(random_state=0).fit(X[["x"]].to_numpy(), y)

    class OnlyX:
        def predict(self, frame):
            return model.predict(frame[["x"]].to_numpy())

    counter = new_counter()
    report = replay(
        OnlyX(),
        X,
        y,
        rate_per_s=1e6,
        batch_size=20,
        counter=counter,
        drift=CovariateDrift(shift_std=5.0, after_fraction=0.5, columns=("x",)),
    )
    assert report.shifted_rows == 100
    # The shifted half is all predicted minority: about 100 + 10 minority predictions.
    assert counter.prediction_count(1) >= 100


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rate_per_s": 0}, "rate_per_s"),
        ({"duration_s": -1}, "duration_s"),
        ({"batch_size": 0}, "batch_size"),
        ({"drift": CovariateDrift(1.0, after_fraction=1.5)}, "after_fraction"),
        ({"label_shift": LabelShift(flip_minority=2)}, "flip_minority"),
    ],
)
def test_bad_arguments_are_config_errors(held_out, kwargs, match):
    model, X, y = held_out
    arguments = {"rate_per_s": 100, "batch_size": 10, **kwargs}
    with pytest.raises(ConfigError, match=match):
        replay(model, X, y, counter=new_counter(), **arguments)


def test_mismatched_data_is_an_input_error(held_out):
    model, X, y = held_out
    with pytest.raises(InputDataError, match="as many labels as rows"):
        replay(model, X, y[:10], rate_per_s=100, batch_size=10, counter=new_counter())


def test_unreachable_pushgateway_does_not_stop_the_replay(held_out):
    model, X, y = held_out
    target = PushTarget(f"http://127.0.0.1:{free_port()}", timeout_s=1)
    report = replay(model, X, y, rate_per_s=1e6, batch_size=100, counter=new_counter(), push=target)
    assert report.rows == 200 and report.push_failures == 2
