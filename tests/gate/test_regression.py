"""Regression against a baseline: both runs' uncertainty, paired on shared folds, three verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.errors import ConfigError
from harness.gate.checks import FAIL, INCONCLUSIVE, PASS
from harness.gate.regression import (
    DEFAULT_REGRESSION_METRICS,
    change_bound,
    finite_change,
    parse_regression_metrics,
    regression_checks,
)
from harness.gate.sources import candidate_from_record, load_run_dir
from tests.gate.conftest import (
    PASSING_METRICS,
    fold_scores,
    make_record,
    write_folds,
    write_run_dir,
)

RECALL = "test/minority_recall"
FOLD_SETTINGS = {
    "evaluation.folds": "stratified",
    "evaluation.n_splits": 5,
    "evaluation.n_repeats": 2,
}


def _candidate(std: float = 0.01, **changes):
    metrics = {**PASSING_METRICS, **changes}
    record = make_record({k: v for k, v in metrics.items() if v is not ...})
    record["std"] = {k: std for k in record["std"]}
    return candidate_from_record(record)


def _check(candidate, baseline, metric=RECALL, **options):
    (check,) = regression_checks(candidate, baseline, [metric], **options)
    return check


@pytest.mark.parametrize(
    ("candidate_recall", "change", "verdict"),
    [
        (0.85, None, INCONCLUSIVE),  # equal means, no margin: the data show neither
        (0.80, None, FAIL),  # 0.05 below, spread 0.01: a regression
        (0.80, -0.02, FAIL),  # below the margin too
        (0.82, -0.05, PASS),  # 0.03 below, within the margin of 0.05
        (0.83, -0.02, INCONCLUSIVE),  # 0.02 below: on the margin
        (0.90, 0.03, PASS),  # required improvement of 0.03, improved by 0.05
        (0.86, 0.03, FAIL),
    ],
)
def test_unpaired_verdicts_use_both_intervals(candidate_recall, change, verdict):
    baseline = _candidate(**{RECALL: 0.85})
    candidate = _candidate(**{RECALL: candidate_recall})
    check = _check(candidate, baseline, min_absolute_change=change)
    assert check.verdict == verdict, check.detail
    assert check.kind == "regression" and check.op == ">="
    # Both values, both intervals and the margin are in the message; no MLflow text.
    for words in (f"candidate {candidate_recall:.4g}", "baseline", "0.85", "95% CI", "unpaired"):
        assert words in check.detail
    assert "threshold =" not in check.detail
    if verdict == INCONCLUSIVE:
        assert "smallest change" in check.detail


def test_the_users_case_from_the_issue_is_inconclusive_not_failed():
    """Recall 0.615 against 0.641 whose interval is about ±0.11, margin 0.02."""
    baseline = _candidate(std=0.19, **{RECALL: 0.641})  # corrected half-width ≈ 0.11
    candidate = _candidate(std=0.19, **{RECALL: 0.615})
    check = _check(candidate, baseline, min_absolute_change=-0.02)
    assert check.verdict == INCONCLUSIVE
    assert "0.615" in check.detail and "0.641" in check.detail and "0.02" in check.detail
    point = _check(candidate, baseline, min_absolute_change=-0.02, decision="point")
    assert point.verdict == FAIL and "uncertainty ignored" in point.detail


def _job(tmp_path, name, recall_folds, *, seed=0, params=FOLD_SETTINGS, std=0.02):
    record = make_record({**PASSING_METRICS, RECALL: float(np.mean(recall_folds))}, seed=seed)
    record["params"] = {**record["params"], **params}
    record["std"][RECALL] = std
    folder = write_run_dir(tmp_path / name, record)
    write_folds(folder, {RECALL: recall_folds})
    return load_run_dir(folder)


def test_shared_folds_are_compared_paired_and_gain_power(tmp_path):
    """A drop of 0.02 on every fold with fold noise 0.05: the paired difference shows it, the
    unpaired comparison of two noisy means cannot."""
    champion_folds = fold_scores(0.80, 0.05, seed=3)
    noise = fold_scores(0.0, 0.004, seed=4)
    candidate_folds = [v - 0.02 + n for v, n in zip(champion_folds, noise, strict=True)]
    champion = _job(tmp_path, "champion", champion_folds, std=0.05)
    candidate = _job(tmp_path, "candidate", candidate_folds, std=0.05)
    check = _check(candidate, champion)
    assert check.verdict == FAIL and "paired over 10 folds" in check.detail
    # Other fold seeds: the same numbers can only be compared unpaired, which cannot tell.
    other = _job(tmp_path, "other-seed", candidate_folds, seed=1, std=0.05)
    check = _check(other, champion)
    assert check.verdict == INCONCLUSIVE
    assert "unpaired" in check.detail and "fold seeds differ" in check.detail


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"params": {}}, "do not record the fold settings"),
        ({"params": {**FOLD_SETTINGS, "evaluation.n_repeats": 3}}, "fold settings differ"),
    ],
)
def test_folds_that_cannot_be_shown_equal_are_compared_unpaired(tmp_path, changes, why):
    champion = _job(tmp_path, "champion", fold_scores(0.8, 0.02, seed=1))
    candidate = _job(tmp_path, "candidate", fold_scores(0.8, 0.02, seed=2), **changes)
    check = _check(candidate, champion)
    assert "unpaired" in check.detail and why in check.detail


def test_a_nan_fold_value_on_shared_folds_fails_closed(tmp_path):
    folds = fold_scores(0.8, 0.02, seed=1)
    champion = _job(tmp_path, "champion", folds)
    candidate = _job(tmp_path, "candidate", folds)
    write_folds(candidate.run_dir, {RECALL: [math.nan, *folds[1:]]})
    check = _check(candidate, champion, min_absolute_change=-0.5)
    assert check.verdict == FAIL and "NaN" in check.detail


def test_a_run_without_its_spread_fails_closed():
    baseline = _candidate(**{RECALL: 0.85})
    record = make_record({**PASSING_METRICS, RECALL: 0.95})
    del record["n_folds"]
    check = _check(candidate_from_record(record), baseline, min_absolute_change=-0.5)
    assert check.verdict == FAIL and "uncertainty is unknown" in check.detail


def test_zero_spread_lets_the_change_decide():
    baseline = _candidate(std=0.0, **{RECALL: 0.85})
    assert _check(_candidate(std=0.0, **{RECALL: 0.85}), baseline).verdict == PASS
    assert _check(_candidate(std=0.0, **{RECALL: 0.84}), baseline).verdict == FAIL


def test_relative_change_and_the_catalog_direction():
    baseline = _candidate(std=0.001, **{"test/minority_f1": 0.80, "gap/minority_recall": 0.05})
    worse = _candidate(std=0.001, **{"test/minority_f1": 0.70, "gap/minority_recall": 0.09})
    checks = {
        c.metric: c
        for c in regression_checks(
            worse,
            baseline,
            ["test/minority_f1", "gap/minority_recall"],
            min_absolute_change=None,
            min_relative_change=-0.05,
        )
    }
    f1, gap = checks["test/minority_f1"], checks["gap/minority_recall"]
    assert f1.verdict == FAIL and f1.threshold == pytest.approx(0.76)
    assert gap.verdict == FAIL and gap.op == "<=" and gap.threshold == pytest.approx(0.0525)
    better_gap = _candidate(std=0.001, **{"gap/minority_recall": 0.01})
    assert _check(better_gap, baseline, "gap/minority_recall").verdict == PASS
    assert change_bound(0.8, -0.02, -0.05) == pytest.approx(-0.02)  # the stricter bound
    assert change_bound(0.8, None, None) == 0.0


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
