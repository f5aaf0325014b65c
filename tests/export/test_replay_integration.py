"""Replayed serving counters as a real Prometheus sees them."""

import threading

import pytest

from harness.export.replay import PushTarget, ReplayPlan, ReplaySinks, replay
from tests.export.streams import fitted_model_and_held_out_set, new_counter
from tests.support.prometheus import free_port, running_prometheus, running_pushgateway

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def held_out():
    return fitted_model_and_held_out_set()


def test_replay_over_http_gives_prometheus_an_event_based_recall(held_out, tmp_path):
    model, X, y = held_out
    counter = new_counter()
    port = free_port()
    recall = (
        'sum(rate(harness_serving_outcomes_total{outcome="tp"}[10s])) / '
        'sum(rate(harness_serving_outcomes_total{outcome=~"tp|fn"}[10s]))'
    )
    with running_prometheus(tmp_path / "prom", targets=[f"127.0.0.1:{port}"]) as prom:
        prom.wait_for_targets(1)
        stream = threading.Thread(
            target=replay,
            args=(
                model,
                X,
                y,
                ReplayPlan(rate_per_s=200, duration_s=3, batch_size=20),
                ReplaySinks(counter, port=port, linger_s=3),
            ),
        )
        stream.start()
        try:
            result = prom.wait_for(recall, timeout_s=20)
        finally:
            stream.join(timeout=30)
    value = float(result[0]["value"][1])
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(counter.minority_recall(), abs=0.35)


def test_replay_pushes_counters_to_a_pushgateway(held_out, tmp_path):
    model, X, y = held_out
    counter = new_counter()
    with (
        running_pushgateway(tmp_path / "pgw") as gateway,
        running_prometheus(tmp_path / "prom", pushgateway=gateway) as prom,
    ):
        report = replay(
            model,
            X,
            y,
            ReplayPlan(rate_per_s=400, duration_s=1, batch_size=40),
            ReplaySinks(counter, push=PushTarget(gateway)),
        )
        assert report.push_failures == 0
        total = counter.outcome_count("tp") + counter.outcome_count("fn")
        result = prom.wait_for(
            'sum(harness_serving_outcomes_total{outcome=~"tp|fn", model="logreg"})',
            lambda r: bool(r) and float(r[0]["value"][1]) == total,
        )
        assert result[0]["value"][1] == str(int(total))
