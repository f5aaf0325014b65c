"""SLO, fairness and regression checks on in-memory candidates."""

from __future__ import annotations

import math

import pytest

from harness.gate.checks import (
    fairness_checks,
    greater_is_better,
    regression_checks,
    slo_checks,
    status_check,
)
from harness.gate.sources import candidate_from_record
from harness.slo import load_slo_set, parse_slo_set
from tests.gate.conftest import PASSING_METRICS, make_record


@pytest.fixture(scope="module")
def slo():
    return load_slo_set("default")


def _candidate(resampler="adasyn", ci95=None, **changes):
    metrics = {**PASSING_METRICS, **changes}
    metrics = {k: v for k, v in metrics.items() if v is not None}
    return candidate_from_record(make_record(metrics, resampler=resampler, ci95=ci95))


def _by_name(checks):
    return {check.name: check for check in checks}


def test_every_objective_passes_on_a_good_run(slo):
    checks = slo_checks(_candidate(), slo)
    assert [c.name for c in checks] == [o.name for o in slo.objectives]
    assert all(c.passed and not c.skipped for c in checks)


def test_a_hair_below_the_threshold_fails(slo):
    check = _by_name(slo_checks(_candidate(**{"test/minority_recall": 0.7999}), slo))[
        "minority_recall"
    ]
    assert not check.passed
    assert (check.value, check.threshold, check.op) == (0.7999, 0.80, ">=")
    assert "0.7999" in check.detail


def test_a_missing_metric_fails_and_says_so(slo):
    check = _by_name(slo_checks(_candidate(**{"test/minority_precision": None}), slo))[
        "minority_precision"
    ]
    assert not check.passed and check.value is None
    assert "missing" in check.detail


def test_a_nan_metric_fails(slo):
    check = _by_name(slo_checks(_candidate(**{"test/minority_f1": math.nan}), slo))["minority_f1"]
    assert not check.passed
    assert "NaN" in check.detail


def test_applies_to_skips_objectives_of_other_resamplers(slo):
    checks = _by_name(slo_checks(_candidate(resampler="class_weight"), slo))
    assert checks["synthetic_ratio_min"].skipped and checks["synthetic_ratio_min"].passed
    assert not checks["minority_recall"].skipped


def test_overfitting_and_synthetic_ratio_have_their_own_kind(slo):
    checks = _by_name(
        slo_checks(
            _candidate(**{"gap/minority_recall": 0.15, "resample/synthetic_ratio": 0.7}), slo
        )
    )
    assert checks["train_test_gap"].kind == "overfitting" and not checks["train_test_gap"].passed
    assert checks["synthetic_ratio_max"].kind == "synthetic"
    assert not checks["synthetic_ratio_max"].passed
    assert checks["synthetic_ratio_min"].passed


def test_ci_decision_keeps_a_noisy_metric_whose_ci_straddles_the_threshold(slo):
    candidate = _candidate(
        ci95={"test/minority_recall": [0.74, 0.86]}, **{"test/minority_recall": 0.79}
    )
    point = _by_name(slo_checks(candidate, slo))["minority_recall"]
    ci = _by_name(slo_checks(candidate, slo, decision="ci"))["minority_recall"]
    assert not point.passed
    assert ci.passed and "CI" in ci.detail


def test_ci_decision_fails_when_the_whole_ci_is_below(slo):
    candidate = _candidate(
        ci95={"test/minority_recall": [0.70, 0.78]}, **{"test/minority_recall": 0.74}
    )
    assert not _by_name(slo_checks(candidate, slo, decision="ci"))["minority_recall"].passed


def test_ci_decision_from_the_slo_file():
    raw = {
        "name": "noisy",
        "objectives": [
            {"metric": "test/minority_recall", "op": ">=", "threshold": 0.8, "decision": "ci"}
        ],
    }
    candidate = _candidate(
        ci95={"test/minority_recall": [0.75, 0.85]}, **{"test/minority_recall": 0.79}
    )
    assert slo_checks(candidate, parse_slo_set(raw))[0].passed


def test_fairness_bounds_are_checked_per_sensitive_column(slo):
    candidate = _candidate(
        **{
            "fairness/race/equalized_odds_difference": 0.35,
            "fairness/race/demographic_parity_difference": 0.05,
        }
    )
    checks = _by_name(fairness_checks(candidate, slo))
    assert checks["equalized_odds[sex]"].passed
    assert not checks["equalized_odds[race]"].passed
    assert checks["equalized_odds[race]"].metric == "fairness/race/equalized_odds_difference"
    assert all(c.kind == "fairness" for c in checks.values())


def test_fairness_without_sensitive_columns_is_skipped_not_failed(slo):
    metrics = {k: v for k, v in PASSING_METRICS.items() if not k.startswith("fairness/")}
    candidate = candidate_from_record(make_record(metrics))
    checks = fairness_checks(candidate, slo)
    assert len(checks) == len(slo.fairness)
    assert all(c.skipped and c.passed for c in checks)


def test_failed_run_status_fails():
    assert status_check(candidate_from_record(make_record(status="failed"))).passed is False
    assert status_check(_candidate()).passed


def test_direction_of_metrics(slo):
    assert greater_is_better("test/minority_recall", slo)
    assert not greater_is_better("gap/minority_recall", slo)
    assert not greater_is_better("time/fit_seconds")
    assert not greater_is_better("fairness/sex/equalized_odds_difference")


@pytest.mark.parametrize(
    ("candidate_recall", "change", "passed"),
    [
        (0.80, -0.02, True),  # within the allowed drop of 0.02
        (0.77, -0.02, False),  # dropped 0.05: beyond the allowed drop
        (0.85, None, True),  # default: no worse than the baseline
        (0.81, None, False),
        (0.86, 0.03, True),  # required improvement of 0.03 (MLflow min_absolute_change)
        (0.83, 0.03, False),
    ],
)
def test_regression_against_a_baseline(candidate_recall, change, passed):
    baseline = _candidate(**{"test/minority_recall": 0.82})
    candidate = _candidate(**{"test/minority_recall": candidate_recall})
    (check,) = regression_checks(
        candidate, baseline, ["test/minority_recall"], min_absolute_change=change
    )
    assert check.passed is passed
    assert check.kind == "regression" and check.op == ">="
    if not passed:
        assert "test/minority_recall" in check.detail


def test_relative_regression_and_lower_is_better(slo):
    baseline = _candidate(**{"test/minority_f1": 0.80, "gap/minority_recall": 0.05})
    worse = _candidate(**{"test/minority_f1": 0.70, "gap/minority_recall": 0.09})
    checks = _by_name(
        regression_checks(
            worse,
            baseline,
            ["test/minority_f1", "gap/minority_recall"],
            min_absolute_change=None,
            min_relative_change=-0.05,
            slo=slo,
        )
    )
    f1, gap = checks["regression[test/minority_f1]"], checks["regression[gap/minority_recall]"]
    assert not f1.passed and f1.threshold == pytest.approx(0.76)
    assert not gap.passed and gap.op == "<=" and gap.threshold == pytest.approx(0.0525)
    same = regression_checks(
        baseline, baseline, ["gap/minority_recall"], min_relative_change=-0.05, slo=slo
    )
    assert same[0].passed


def test_regression_fails_when_a_side_lacks_the_metric():
    baseline = _candidate(**{"test/pr_auc": None})
    (check,) = regression_checks(_candidate(), baseline, ["test/pr_auc"])
    assert not check.passed and "baseline" in check.detail
    (check,) = regression_checks(baseline, _candidate(), ["test/pr_auc"])
    assert not check.passed and "missing" in check.detail
