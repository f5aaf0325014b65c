"""Per-window drift of the served minority rows against the training minority rows."""

import sys

import numpy as np
import pandas as pd
import pytest
from prometheus_client import CollectorRegistry

from harness.errors import ConfigError, MissingExtraError
from harness.export.drift_monitor import MinorityDriftMonitor, evidently_drift_test

LABELS = {"model": "m", "dataset": "d"}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def shifted_mean_test(reference, current, drift_share):
    """A stand-in for Evidently: a column drifts when its mean moved by more than one std."""
    moved = (current.mean() - reference.mean()).abs() > reference.std()
    share = float(moved.mean())
    return share, share >= drift_share


def make_monitor(registry, clock, **kwargs):
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    return MinorityDriftMonitor(
        registry,
        model="m",
        dataset="d",
        reference=reference,
        window_s=10,
        test=kwargs.pop("test", shifted_mean_test),
        clock=clock,
        **kwargs,
    )


def batch(shift=0.0, rows=50, minority=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, 4)) + shift, columns=list("abcd"))
    y = (rng.random(rows) < minority).astype(int)
    return X, y


def value(registry, name):
    return registry.get_sample_value(name, LABELS)


def test_each_closed_window_is_tested_on_its_minority_rows():
    registry, clock = CollectorRegistry(), Clock()
    seen = []

    def recording_test(reference, current, drift_share):
        seen.append(len(current))
        return shifted_mean_test(reference, current, drift_share)

    monitor = make_monitor(registry, clock, test=recording_test)
    X, y = batch()
    monitor.observe(X, y)  # window 1 opens at t=0
    clock.now = 5
    monitor.observe(*batch(seed=1))
    clock.now = 10  # window 1 closes when the next batch arrives
    monitor.observe(*batch(shift=3.0, seed=2))
    assert seen == [int(y.sum()) + int(batch(seed=1)[1].sum())]
    assert value(registry, "harness_serving_minority_drift_detected") == 0
    clock.now = 20
    monitor.observe(*batch(seed=3))
    assert value(registry, "harness_serving_minority_drift_detected") == 1
    assert value(registry, "harness_serving_minority_drift_share") == 1.0
    assert monitor.window_count("stable") == 1 and monitor.window_count("drifted") == 1


def test_windows_with_too_few_minority_rows_are_not_tested():
    registry, clock = CollectorRegistry(), Clock()
    monitor = make_monitor(registry, clock, min_rows=20)
    monitor.observe(*batch(rows=10))
    clock.now = 11
    monitor.observe(*batch(rows=10))
    assert monitor.window_count("too_few_rows") == 1
    assert value(registry, "harness_serving_minority_drift_share") == 0.0


def test_a_failing_test_is_counted_and_serving_goes_on():
    registry, clock = CollectorRegistry(), Clock()

    def broken(reference, current, drift_share):
        raise RuntimeError("boom")

    monitor = make_monitor(registry, clock, test=broken)
    monitor.observe(*batch())
    clock.now = 11
    monitor.observe(*batch())
    assert monitor.window_count("error") == 1


def test_the_background_thread_tests_windows_and_stops():
    registry, clock = CollectorRegistry(), Clock()
    monitor = make_monitor(registry, clock).start()
    try:
        monitor.observe(*batch(shift=3.0))
        clock.now = 11
        monitor.observe(*batch(shift=3.0, seed=1))
    finally:
        monitor.stop()
    assert monitor.window_count("drifted") == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"window_s": 0}, "positive"), ({"drift_share": 1.5}, "drift_share")],
)
def test_bad_settings_are_config_errors(kwargs, match):
    reference = pd.DataFrame({"a": [1.0, 2.0]})
    arguments = {"window_s": 10, **kwargs}
    with pytest.raises(ConfigError, match=match):
        MinorityDriftMonitor(
            CollectorRegistry(), model="m", dataset="d", reference=reference, **arguments
        )


def test_an_empty_reference_is_refused():
    with pytest.raises(ConfigError, match="training rows of the minority class"):
        MinorityDriftMonitor(
            CollectorRegistry(),
            model="m",
            dataset="d",
            reference=pd.DataFrame({"a": []}),
            window_s=1,
        )


@pytest.mark.slow
def test_evidently_sees_a_shift_of_three_standard_deviations():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    same = pd.DataFrame(rng.normal(size=(150, 4)), columns=list("abcd"))
    moved = same + 3.0
    assert evidently_drift_test(reference, moved, 0.5) == (1.0, True)
    share, drifted = evidently_drift_test(reference, same, 0.5)
    assert share < 0.5 and not drifted


def test_the_default_drift_test_without_evidently_is_refused_when_the_monitor_is_made(
    monkeypatch,
):
    monkeypatch.setitem(sys.modules, "evidently", None)  # as on the default install
    with pytest.raises(MissingExtraError, match=r"--drift-window; 0 turns it off.*\[drift\]"):
        MinorityDriftMonitor(
            CollectorRegistry(), model="m", dataset="d", reference=np.ones((5, 2)), window_s=60
        )
