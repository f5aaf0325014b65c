"""What the labels allow: the bound, the evidence test sized for the rate, and the notes."""

from __future__ import annotations

import math

import pytest

from harness.errors import ConfigError
from harness.export.label_rate import (
    bernoulli_kl,
    evidence_test,
    false_alarm_threshold,
    label_supply_notes,
    rate_needed,
    recall_pair,
    sequential_bound_hours,
)
from harness.slo import DetectionTarget, LabelSupply


def test_the_pair_straddles_the_objective_and_stays_inside_zero_and_one():
    assert recall_pair(0.8) == (0.85, 0.75)
    healthy, degraded = recall_pair(0.99)
    assert degraded < 0.99 < healthy < 1.0
    with pytest.raises(ConfigError, match=r"in \(0, 1\)"):
        recall_pair(1.0)


def test_kl_is_zero_on_equal_recalls_and_matches_the_formula():
    assert bernoulli_kl(0.8, 0.8) == pytest.approx(0.0)
    expected = 0.75 * math.log(0.75 / 0.85) + 0.25 * math.log(0.25 / 0.15)
    assert bernoulli_kl(0.75, 0.85) == pytest.approx(expected)


def test_the_bound_is_ln_one_over_alpha_over_kl_labels_plus_the_delay():
    # alpha: one false alarm per 30 days of labels at 50 per hour.
    assert false_alarm_threshold(50) == pytest.approx(math.log(720 * 50))
    labels = math.log(720 * 50) / bernoulli_kl(0.70, 0.85)
    assert sequential_bound_hours(0.8, 0.7, 50, delay_hours=1) == pytest.approx(1 + labels / 50)
    # More labels, a sooner bound; a larger fall, a sooner bound.
    assert sequential_bound_hours(0.8, 0.7, 200) < sequential_bound_hours(0.8, 0.7, 50)
    assert sequential_bound_hours(0.8, 0.6, 50) < sequential_bound_hours(0.8, 0.7, 50)


def test_the_rate_needed_is_where_the_bound_meets_the_target():
    needed = rate_needed(0.8, 0.1, within_hours=4, delay_hours=1)
    assert sequential_bound_hours(0.8, 0.7, needed, 1) == pytest.approx(4, rel=1e-6)
    assert sequential_bound_hours(0.8, 0.7, needed * 0.9, 1) > 4
    assert rate_needed(0.8, 0.1, within_hours=1, delay_hours=1) is None  # the delay alone


@pytest.mark.parametrize("rate", [10, 50, 200])
def test_the_windows_double_and_the_longest_holds_twice_the_labels_needed(rate):
    test = evidence_test(0.8, rate)
    minutes = [int(w[:-1]) for w in test.windows]
    assert minutes == sorted(minutes) and minutes[0] >= 5
    needed = test.threshold / bernoulli_kl(test.degraded, test.healthy)
    assert test.expected_labels(test.windows[-1]) == pytest.approx(2 * needed, rel=0.01)
    assert all(
        b / a == pytest.approx(2, rel=0.1) for a, b in zip(minutes[5:], minutes[6:], strict=False)
    )
    assert test.threshold == pytest.approx(math.log(720 * rate))
    # A miss is evidence of the fall, a hit against it; at the objective they nearly cancel.
    assert test.miss_weight > 0 > test.hit_weight
    drift_at_objective = 0.2 * test.miss_weight + 0.8 * test.hit_weight
    assert abs(drift_at_objective) < 0.01


def test_notes_say_when_a_target_is_reachable_and_what_rate_would_reach_it():
    reachable = label_supply_notes(0.8, LabelSupply(50, "1h", DetectionTarget(0.1, "6h")))
    assert reachable[-1].startswith("detection target reachable")
    assert len(reachable) == 4  # one line per fall of 0.05, 0.10, 0.20, then the target
    slow = label_supply_notes(0.8, LabelSupply(10, "1h", DetectionTarget(0.1, "4h")))[-1]
    assert slow.startswith("detection target unreachable: at 10 minority labels/h")
    needed = math.ceil(rate_needed(0.8, 0.1, 4, 1))
    assert f"4h needs at least {needed} labels/h" in slow
    late = label_supply_notes(0.8, LabelSupply(200, "6h", DetectionTarget(0.1, "6h")))[-1]
    assert "no rate reaches 6h: the 6h label delay alone is as long" in late
