"""Regression against a baseline: MLflow's MetricThreshold, the catalog's direction."""

from __future__ import annotations

import math

import pytest

from harness.errors import ConfigError
from harness.gate.checks import FAIL, PASS
from harness.gate.regression import (
    DEFAULT_REGRESSION_METRICS,
    finite_change,
    parse_regression_metrics,
    regression_checks,
)
from harness.gate.sources import candidate_from_record
from tests.gate.conftest import PASSING_METRICS, make_record


def _candidate(**changes):
    metrics = {**PASSING_METRICS, **changes}
    return candidate_from_record(make_record({k: v for k, v in metrics.items() if v is not ...}))


def _by_name(checks):
    return {check.name: check for check in checks}


@pytest.mark.parametrize(
    ("candidate_recall", "change", "verdict"),
    [
        (0.80, -0.02, PASS),  # within the allowed drop of 0.02
        (0.77, -0.02, FAIL),  # dropped 0.05: beyond the allowed drop
        (0.85, None, PASS),  # default: no worse than the baseline
        (0.81, None, FAIL),
        (0.86, 0.03, PASS),  # required improvement of 0.03 (MLflow min_absolute_change)
        (0.83, 0.03, FAIL),
    ],
)
def test_regression_against_a_baseline(candidate_recall, change, verdict):
    baseline = _candidate(**{"test/minority_recall": 0.82})
    candidate = _candidate(**{"test/minority_recall": candidate_recall})
    (check,) = regression_checks(
        candidate, baseline, ["test/minority_recall"], min_absolute_change=change
    )
    assert check.verdict == verdict
    assert check.kind == "regression" and check.op == ">="
    if verdict == FAIL:
        assert "test/minority_recall" in check.detail


def test_relative_regression_and_the_catalog_direction():
    baseline = _candidate(**{"test/minority_f1": 0.80, "gap/minority_recall": 0.05})
    worse = _candidate(**{"test/minority_f1": 0.70, "gap/minority_recall": 0.09})
    checks = _by_name(
        regression_checks(
            worse,
            baseline,
            ["test/minority_f1", "gap/minority_recall"],
            min_absolute_change=None,
            min_relative_change=-0.05,
        )
    )
    f1, gap = checks["regression[test/minority_f1]"], checks["regression[gap/minority_recall]"]
    assert f1.verdict == FAIL and f1.threshold == pytest.approx(0.76)
    assert gap.verdict == FAIL and gap.op == "<=" and gap.threshold == pytest.approx(0.0525)
    same = regression_checks(baseline, baseline, ["gap/minority_recall"], min_relative_change=-0.05)
    assert same[0].verdict == PASS


@pytest.mark.parametrize("value", [..., None, math.nan, math.inf, 1.5])
def test_regression_fails_when_a_side_has_no_usable_value(value):
    broken = _candidate(**{"test/pr_auc": value})
    (check,) = regression_checks(_candidate(), broken, ["test/pr_auc"])
    assert check.verdict == FAIL and "baseline" in check.detail
    (check,) = regression_checks(broken, _candidate(), ["test/pr_auc"])
    assert check.verdict == FAIL and "test/pr_auc" in check.detail


def test_regression_metrics_are_parsed_and_checked_in_the_catalog():
    assert parse_regression_metrics(" test/minority_recall, ,gap/minority_recall") == (
        "test/minority_recall",
        "gap/minority_recall",
    )
    assert parse_regression_metrics(",".join(DEFAULT_REGRESSION_METRICS)) == (
        DEFAULT_REGRESSION_METRICS
    )
    for empty in ("", " , ", []):
        with pytest.raises(ConfigError, match="names no metric"):
            parse_regression_metrics(empty)
    with pytest.raises(ConfigError, match="unknown metric"):
        parse_regression_metrics("test/minority_recal")
    with pytest.raises(ConfigError, match="no better direction"):
        parse_regression_metrics("resample/synthetic_ratio")


def test_changes_must_be_finite():
    assert finite_change(-0.02, "--min-absolute-change") == -0.02
    assert finite_change(None, "--min-absolute-change") is None
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ConfigError, match="--min-absolute-change must be a finite"):
            finite_change(value, "--min-absolute-change")
