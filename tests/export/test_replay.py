import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from harness.errors import ConfigError, InputDataError
from harness.export.replay import (
    CovariateDrift,
    LabelShift,
    Phase,
    PushTarget,
    ReplayPlan,
    ReplaySinks,
    replay,
)
from tests.export.streams import fitted_model_and_held_out_set, new_counter
from tests.support.prometheus import free_port


@pytest.fixture(scope="module")
def held_out():
    return fitted_model_and_held_out_set()


def test_one_pass_sends_every_row_once(held_out):
    model, X, y = held_out
    counter = new_counter()
    plan = ReplayPlan(rate_per_s=1e6, batch_size=64)
    report = replay(model, X, y, plan, ReplaySinks(counter), random_state=0)
    assert report.rows == 200 and report.batches == 4
    outcomes = sum(counter.outcome_count(o) for o in ("tp", "fn", "fp", "tn"))
    assert outcomes == 200
    assert counter.outcome_count("tp") + counter.outcome_count("fn") == np.sum(y == 1)
    predicted = counter.prediction_count(0) + counter.prediction_count(1)
    assert predicted == 200


def test_duration_and_rate_bound_the_stream(held_out):
    model, X, y = held_out
    plan = ReplayPlan(rate_per_s=400, duration_s=0.5, batch_size=20)
    report = replay(model, X, y, plan, ReplaySinks(new_counter()))
    assert report.rows == 200
    assert 0.4 <= report.elapsed_s < 2.0


def _clean_and_shifted(data, shift: LabelShift, **plan):
    """Replay ``data`` (model, X, y) as it is and with ``shift``, each into a new counter.

    ``plan`` holds :class:`ReplayPlan` fields (at once, in batches of 50, by default); returns
    the two counters and the report of the shifted replay.
    """
    model, X, y = data
    plan = {"rate_per_s": 1e6, "batch_size": 50, **plan}
    clean, shifted = new_counter(), new_counter()
    replay(model, X, y, ReplayPlan(**plan), ReplaySinks(clean))
    report = replay(model, X, y, ReplayPlan(**plan, label_shift=shift), ReplaySinks(shifted))
    return clean, shifted, report


def test_label_flips_lower_the_recall(held_out):
    shift = LabelShift(after_fraction=0.0, flip_minority=1.0)
    clean, flipped, report = _clean_and_shifted(held_out, shift)
    assert report.shifted_rows == 200
    assert clean.outcome_count("tp") > 0
    assert flipped.outcome_count("tp") == 0 and flipped.outcome_count("fn") == 0


def test_prevalence_shift_changes_the_minority_share(held_out):
    model, X, y = held_out
    counter = new_counter()
    shift = LabelShift(after_fraction=0.0, minority_prevalence=0.9)
    replay(
        model,
        X,
        y,
        ReplayPlan(rate_per_s=1e6, batch_size=50, label_shift=shift),
        ReplaySinks(counter),
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
    drift = CovariateDrift(shift_std=5.0, after_fraction=0.5, columns=("x",))
    plan = ReplayPlan(rate_per_s=1e6, batch_size=20, drift=drift)
    report = replay(OnlyX(), X, y, plan, ReplaySinks(counter))
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
def test_a_bad_plan_is_refused_when_it_is_built(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        ReplayPlan(**{"rate_per_s": 100, "batch_size": 10, **kwargs})


def test_a_plan_keeps_its_phases_as_a_tuple():
    phases = [Phase(1.0, name="clean")]
    plan = ReplayPlan(rate_per_s=100, phases=phases)
    phases.append(Phase(0))  # a later change to the list does not reach the checked plan
    assert plan.phases == (Phase(1.0, name="clean"),)


def test_mismatched_data_is_an_input_error(held_out):
    model, X, y = held_out
    with pytest.raises(InputDataError, match="as many labels as rows"):
        replay(
            model, X, y[:10], ReplayPlan(rate_per_s=100, batch_size=10), ReplaySinks(new_counter())
        )


def test_unreachable_pushgateway_does_not_stop_the_replay(held_out):
    model, X, y = held_out
    target = PushTarget(f"http://127.0.0.1:{free_port()}", timeout_s=1)
    plan = ReplayPlan(rate_per_s=1e6, batch_size=100)
    report = replay(model, X, y, plan, ReplaySinks(new_counter(), push=target))
    assert report.rows == 200 and report.push_failures == 2


def _precision(counter):
    tp, fp = counter.outcome_count("tp"), counter.outcome_count("fp")
    return tp / (tp + fp)


@pytest.fixture(scope="module")
def oracle(held_out):
    """A model that predicts the held-out labels exactly (recall and precision 1)."""
    from sklearn.neighbors import KNeighborsClassifier

    _, X, y = held_out
    return KNeighborsClassifier(n_neighbors=1).fit(X, y), X, y


def test_minority_to_majority_flips_lower_precision_not_recall(oracle):
    # The label-flip game day: recall cannot see it, precision does.
    shift = LabelShift(after_fraction=0.0, flip_minority=0.8)
    clean, flipped, _ = _clean_and_shifted(oracle, shift, rate_per_s=2000, duration_s=1)
    assert clean.minority_recall() == flipped.minority_recall() == 1.0
    assert _precision(clean) == 1.0
    assert _precision(flipped) < 0.4


def test_majority_to_minority_flips_lower_recall(oracle):
    shift = LabelShift(after_fraction=0.0, flip_majority=0.5)
    clean, flipped, _ = _clean_and_shifted(oracle, shift)
    assert clean.minority_recall() == 1.0
    assert flipped.minority_recall() < 0.5


def test_phases_apply_their_shifts_in_order(held_out):
    model, X, y = held_out
    counter = new_counter()
    started = []
    phases = [
        Phase(0.1, name="clean"),
        Phase(0.1, label_shift=LabelShift(flip_minority=1.0), name="label-flip"),
        Phase(0.1, name="clean"),
    ]
    report = replay(
        model,
        X,
        y,
        ReplayPlan(rate_per_s=1000, batch_size=30, phases=phases),
        ReplaySinks(counter),
        on_phase=lambda index, phase: started.append((index, phase.name)),
    )
    assert started == [(0, "clean"), (1, "label-flip"), (2, "clean")]
    assert report.rows == 300 and report.shifted_rows == 100
    # Batches never straddle a phase: 100 rows per phase in batches of 30, 30, 30, 10.
    assert report.batches == 12


def test_phases_exclude_duration_and_after_fraction_shifts():
    with pytest.raises(ConfigError, match="either phases or"):
        ReplayPlan(rate_per_s=100, duration_s=1, phases=[Phase(1.0)])
    with pytest.raises(ConfigError, match="either phases or"):
        ReplayPlan(rate_per_s=100, label_shift=LabelShift(), phases=[Phase(1.0)])
    with pytest.raises(ConfigError, match="phases is empty"):
        ReplayPlan(rate_per_s=100, phases=[])
    with pytest.raises(ConfigError, match="positive number of seconds"):
        ReplayPlan(rate_per_s=100, phases=[Phase(0)])


def test_cohorts_and_drift_monitor_receive_every_labelled_batch(held_out):
    from prometheus_client import CollectorRegistry

    from harness.export.cohorts import CohortOutcomeCounter
    from harness.export.drift_monitor import MinorityDriftMonitor
    from harness.export.serving import MinorityOutcomeCounter

    model, X, y = held_out
    registry = CollectorRegistry()
    counter = MinorityOutcomeCounter(registry, model="logreg", dataset="synthetic")
    cohorts = CohortOutcomeCounter(registry, model="logreg", dataset="synthetic", sensitive="g")
    seen = []

    def test(reference, current, drift_share):
        seen.append(current.to_numpy().mean())
        return 1.0, True

    times = iter(range(1000))
    monitor = MinorityDriftMonitor(
        registry,
        model="logreg",
        dataset="synthetic",
        reference=X[y == 1],
        window_s=1,
        min_rows=1,
        test=test,
        clock=lambda: float(next(times)),
    )
    groups = np.where(np.arange(len(y)) % 2 == 0, "even", "odd")
    replay(
        model,
        X,
        y,
        ReplayPlan(
            rate_per_s=1e6, batch_size=20, drift=CovariateDrift(shift_std=10.0, after_fraction=0.0)
        ),
        ReplaySinks(counter, cohort_counter=cohorts, drift_monitor=monitor),
        cohorts=groups,
    )
    caught = sum(cohorts.outcome_count(g, "tp") for g in ("even", "odd"))
    assert caught == counter.outcome_count("tp")
    # The monitor sees the rows as served, after the drift.
    assert seen and min(seen) > 5


def test_a_cohort_counter_without_cohorts_is_a_config_error(held_out):
    from prometheus_client import CollectorRegistry

    from harness.export.cohorts import CohortOutcomeCounter

    model, X, y = held_out
    cohorts = CohortOutcomeCounter(CollectorRegistry(), model="m", dataset="d", sensitive="g")
    with pytest.raises(ConfigError, match="pass cohorts="):
        replay(
            model,
            X,
            y,
            ReplayPlan(rate_per_s=100),
            ReplaySinks(new_counter(), cohort_counter=cohorts),
        )
