"""Status, SLO and fairness checks on in-memory candidates: every configured objective ends
PASS, FAIL or NOT APPLICABLE with its reason."""

from __future__ import annotations

import math

import pytest

from harness.gate.checks import (
    FAIL,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    OK,
    PASS,
    WARN,
    Check,
    all_passed,
    fairness_checks,
    slo_checks,
    status_check,
    value_problem,
    warning_checks,
)
from harness.gate.sources import candidate_from_record
from harness.metrics.catalog import fairness_key
from harness.slo import load_slo_set, parse_slo_set
from tests.gate.conftest import PASSING_METRICS, make_record

EQUALIZED_ODDS = "equalized_odds_difference"
PARITY = "demographic_parity_difference"


@pytest.fixture(scope="module")
def slo():
    return load_slo_set("default")


def _candidate(resampler="adasyn", ci95=None, strategy=None, sensitive=("sex",), **changes):
    metrics = {**PASSING_METRICS, **changes}
    metrics = {k: v for k, v in metrics.items() if v is not ...}
    record = make_record(
        metrics, resampler=resampler, strategy=strategy, ci95=ci95, sensitive_columns=sensitive
    )
    return candidate_from_record(record)


def _by_name(checks):
    return {check.name: check for check in checks}


def test_every_objective_passes_on_a_good_run(slo):
    checks = slo_checks(_candidate(), slo)
    assert [c.name for c in checks] == [o.name for o in slo.objectives]
    assert all(c.verdict == PASS for c in checks)


def test_a_hair_below_the_threshold_fails(slo):
    check = _by_name(slo_checks(_candidate(**{"test/minority_recall": 0.7999}), slo))[
        "minority_recall"
    ]
    assert check.verdict == FAIL
    assert (check.value, check.threshold, check.op) == (0.7999, 0.80, ">=")
    assert "0.7999" in check.detail


#: Values no check can judge (``...``: the key is missing), with the words naming why.
UNJUDGEABLE = [(..., "missing"), (None, "null"), (math.nan, "NaN"), (math.inf, "infinite")]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        *UNJUDGEABLE,
        (-math.inf, "infinite"),
        (5.0, "outside its possible range [0, 1]"),
        (-0.1, "outside its possible range [0, 1]"),
    ],
)
def test_an_unusable_metric_fails_with_the_reason_in_words(slo, value, words):
    check = _by_name(slo_checks(_candidate(**{"test/minority_recall": value}), slo))[
        "minority_recall"
    ]
    assert check.verdict == FAIL
    assert words in check.detail


def test_an_impossible_gap_fails(slo):
    checks = _by_name(slo_checks(_candidate(**{"gap/minority_recall": -math.inf}), slo))
    assert checks["train_test_gap"].verdict == FAIL
    assert "infinite" in checks["train_test_gap"].detail
    checks = _by_name(slo_checks(_candidate(**{"gap/minority_recall": -1.5}), slo))
    assert checks["train_test_gap"].verdict == FAIL


def test_value_problem_accepts_only_finite_values_in_range():
    assert value_problem("test/minority_recall", {"test/minority_recall": 1.0}) is None
    assert value_problem("gap/minority_recall", {"gap/minority_recall": -1.0}) is None
    assert "outside" in value_problem("memory/peak_bytes", {"memory/peak_bytes": -1.0})
    assert value_problem("memory/peak_bytes", {"memory/peak_bytes": 1e12}) is None


def test_applies_to_matches_the_strategy_kind_not_the_display_name(slo):
    # A renamed ADASYN run is still ADASYN: its synthetic ratio of 0.58 fails the bound.
    for name in ("adasyn_b2", "ADASYN"):
        candidate = _candidate(
            resampler=name, strategy="adasyn", **{"resample/synthetic_ratio": 0.58}
        )
        checks = _by_name(slo_checks(candidate, slo))
        assert checks["synthetic_ratio_max"].verdict == FAIL
        assert checks["synthetic_ratio_min"].verdict == PASS


def test_applies_to_makes_other_strategies_not_applicable_with_the_reason(slo):
    candidate = _candidate(resampler="weights", strategy="class_weight")
    checks = _by_name(slo_checks(candidate, slo))
    check = checks["synthetic_ratio_min"]
    assert check.verdict == NOT_APPLICABLE and not check.passed
    assert "class_weight" in check.detail and "'weights'" in check.detail
    assert checks["minority_recall"].verdict == PASS


def test_the_untreated_reference_is_gated_like_every_model(slo):
    # Most production models are untreated: an absolute objective applies to `none` too.
    candidate = _candidate(resampler="none", **{"test/minority_recall": 0.3})
    checks = _by_name(slo_checks(candidate, slo) + fairness_checks(candidate, slo))
    assert checks["minority_recall"].verdict == FAIL
    assert checks["minority_recall"].value == 0.3
    assert checks["equalized_odds[sex]"].verdict == PASS
    # Only applies_to narrows an objective: the synthetic-ratio bounds are for oversamplers.
    assert checks["synthetic_ratio_min"].verdict == NOT_APPLICABLE
    failed = candidate_from_record(make_record(resampler="none", status="failed"))
    assert status_check(failed).verdict == FAIL


def test_overfitting_and_synthetic_ratio_have_their_own_kind(slo):
    checks = _by_name(
        slo_checks(
            _candidate(**{"gap/minority_recall": 0.15, "resample/synthetic_ratio": 0.7}), slo
        )
    )
    assert checks["train_test_gap"].kind == "overfitting"
    assert checks["train_test_gap"].verdict == FAIL
    assert checks["synthetic_ratio_max"].kind == "synthetic"
    assert checks["synthetic_ratio_max"].verdict == FAIL
    assert checks["synthetic_ratio_min"].verdict == PASS


def test_ci_decision_calls_a_ci_that_straddles_the_threshold_inconclusive(slo):
    # The data show neither met nor missed: INCONCLUSIVE, not a false FAIL and not a PASS.
    candidate = _candidate(
        ci95={"test/minority_recall": [0.74, 0.86]}, **{"test/minority_recall": 0.79}
    )
    point = _by_name(slo_checks(candidate, slo))["minority_recall"]
    ci = _by_name(slo_checks(candidate, slo, decision="ci"))["minority_recall"]
    assert point.verdict == FAIL
    assert ci.verdict == INCONCLUSIVE and "CI" in ci.detail


def test_ci_decision_passes_when_the_whole_ci_is_above(slo):
    candidate = _candidate(
        ci95={"test/minority_recall": [0.81, 0.90]}, **{"test/minority_recall": 0.85}
    )
    check = _by_name(slo_checks(candidate, slo, decision="ci"))["minority_recall"]
    assert check.verdict == PASS


def test_ci_decision_fails_when_the_whole_ci_is_below(slo):
    candidate = _candidate(
        ci95={"test/minority_recall": [0.70, 0.78]}, **{"test/minority_recall": 0.74}
    )
    check = _by_name(slo_checks(candidate, slo, decision="ci"))["minority_recall"]
    assert check.verdict == FAIL


def test_ci_decision_fails_on_an_impossible_interval(slo):
    for interval in ([0.7, 5.0], [0.9, 0.8]):
        candidate = _candidate(
            ci95={"test/minority_recall": interval}, **{"test/minority_recall": 0.85}
        )
        check = _by_name(slo_checks(candidate, slo, decision="ci"))["minority_recall"]
        assert check.verdict == FAIL and "CI" in check.detail


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
    assert slo_checks(candidate, parse_slo_set(raw))[0].verdict == INCONCLUSIVE


def test_fairness_bounds_are_checked_per_sensitive_column(slo):
    candidate = _candidate(
        sensitive=("sex", "race"),
        **{fairness_key("race", EQUALIZED_ODDS): 0.35, fairness_key("race", PARITY): 0.05},
    )
    checks = _by_name(fairness_checks(candidate, slo))
    assert checks["equalized_odds[sex]"].verdict == PASS
    assert checks["equalized_odds[race]"].verdict == FAIL
    assert checks["equalized_odds[race]"].metric == "fairness/race/equalized_odds_difference"
    assert all(c.kind == "fairness" for c in checks.values())


def test_a_sensitive_column_with_a_slash_is_checked(slo):
    column = "race/ethnicity"
    candidate = _candidate(
        sensitive=(column,),
        **{
            fairness_key("sex", EQUALIZED_ODDS): ...,
            fairness_key("sex", PARITY): ...,
            fairness_key(column, EQUALIZED_ODDS): 0.32,
            fairness_key(column, PARITY): 0.05,
        },
    )
    checks = _by_name(fairness_checks(candidate, slo))
    assert set(checks) == {"equalized_odds[race/ethnicity]", "demographic_parity[race/ethnicity]"}
    assert checks["equalized_odds[race/ethnicity]"].verdict == FAIL
    assert checks["equalized_odds[race/ethnicity]"].value == 0.32
    assert checks["demographic_parity[race/ethnicity]"].verdict == PASS


@pytest.mark.parametrize(("value", "words"), [(..., "missing"), (None, "null")])
def test_a_configured_sensitive_column_without_its_metric_fails(slo, value, words):
    candidate = _candidate(**{fairness_key("sex", EQUALIZED_ODDS): value})
    checks = _by_name(fairness_checks(candidate, slo))
    assert checks["equalized_odds[sex]"].verdict == FAIL
    assert words in checks["equalized_odds[sex]"].detail
    assert checks["demographic_parity[sex]"].verdict == PASS


def test_sensitive_columns_fall_back_to_the_dataset_param(slo):
    record = make_record(sensitive_columns=None)
    del record["metrics"][fairness_key("sex", EQUALIZED_ODDS)]
    record["params"]["dataset.loader.sensitive"] = "['sex', 'race/ethnicity']"
    checks = _by_name(fairness_checks(candidate_from_record(record), slo))
    assert checks["equalized_odds[sex]"].verdict == FAIL
    assert checks["equalized_odds[race/ethnicity]"].verdict == FAIL


def test_a_run_without_sensitive_columns_is_not_applicable_with_the_reason(slo):
    metrics = {k: v for k, v in PASSING_METRICS.items() if not k.startswith("fairness/")}
    for declared in ((), None):
        record = make_record(metrics, sensitive_columns=declared)
        checks = fairness_checks(candidate_from_record(record), slo)
        assert len(checks) == len(slo.fairness)
        assert all(c.verdict == NOT_APPLICABLE and not c.passed for c in checks)
        assert all("no sensitive column" in c.detail for c in checks)


def test_failed_run_status_fails_with_its_error():
    check = status_check(candidate_from_record(make_record(status="failed")))
    assert check.verdict == FAIL and "ValueError: boom" in check.detail
    assert status_check(_candidate()).verdict == PASS


def test_a_check_is_never_not_applicable_without_a_reason():
    with pytest.raises(ValueError, match="reason"):
        Check("x", "slo", "test/minority_recall", None, 0.8, ">=", NOT_APPLICABLE, " ")
    with pytest.raises(ValueError, match="verdict"):
        Check("x", "slo", "test/minority_recall", None, 0.8, ">=", "SKIP", "why")


def test_not_applicable_never_counts_as_a_pass():
    na = Check("x", "slo", "m", None, 0.8, ">=", NOT_APPLICABLE, "why")
    ok = Check("y", "slo", "m", 0.9, 0.8, ">=", PASS, "meets")
    assert not all_passed([na])
    assert all_passed([na, ok])
    assert not all_passed([])


def test_objectives_of_a_failed_run_are_not_applicable_and_its_status_fails(slo):
    record = {**make_record({}, status="failed"), "strategy": None, "sensitive_columns": None}
    candidate = candidate_from_record(record)
    checks = slo_checks(candidate, slo) + fairness_checks(candidate, slo)
    assert {c.verdict for c in checks} == {NOT_APPLICABLE}
    assert all("the run failed" in c.detail for c in checks)
    assert status_check(candidate).verdict == FAIL


# -- warnings: reported with the verdict, never gating --------------------------------------------


def test_label_quality_is_a_warning_not_a_failing_objective(slo):
    assert "data/label_issues" not in [o.metric for o in slo.objectives]
    noisy = _candidate(**{"data/label_issues": 0.35})
    (check,) = warning_checks(noisy, slo)
    assert (check.verdict, check.kind, check.value) == (WARN, "warning", 0.35)
    assert not check.passed and not check.failed and check.warned
    assert "misses <= 0.1" in check.detail and "not gated" in check.detail
    assert all(c.verdict == PASS for c in slo_checks(noisy, slo))
    (clean,) = warning_checks(_candidate(**{"data/label_issues": 0.04}), slo)
    assert clean.verdict == OK and not clean.passed and not clean.warned


@pytest.mark.parametrize(("value", "words"), [*UNJUDGEABLE, (-1.0, "outside")])
def test_a_warning_that_cannot_be_judged_warns_with_the_reason(slo, value, words):
    (check,) = warning_checks(_candidate(**{"data/label_issues": value}), slo)
    assert check.verdict == WARN
    assert words in check.detail and "cannot be cleared" in check.detail


def test_a_warning_applies_to_the_reference_too_but_not_to_a_failed_run(slo):
    (reference,) = warning_checks(_candidate(resampler="none", **{"data/label_issues": 0.3}), slo)
    assert reference.verdict == WARN
    failed = candidate_from_record(make_record(status="failed"))
    (check,) = warning_checks(failed, slo)
    assert check.verdict == NOT_APPLICABLE and "the run failed" in check.detail


def test_a_warning_limited_by_applies_to_names_the_strategies():
    raw = {
        "objectives": [{"metric": "test/minority_recall", "op": ">=", "threshold": 0.5}],
        "warnings": [
            {
                "metric": "resample/synthetic_ratio",
                "op": "<=",
                "threshold": 0.2,
                "applies_to": ["adasyn"],
            }
        ],
    }
    slo = parse_slo_set(raw)
    (check,) = warning_checks(_candidate(resampler="none"), slo)
    assert (
        check.verdict == NOT_APPLICABLE and "applies only to the strategies adasyn" in check.detail
    )
    (check,) = warning_checks(_candidate(), slo)
    assert check.verdict == WARN


def test_warnings_never_count_as_pass_or_fail():
    warned = Check("w", "warning", "data/label_issues", 0.3, 0.1, "<=", WARN, "misses")
    ok = Check("o", "warning", "data/label_issues", 0.0, 0.1, "<=", OK, "meets")
    assert not all_passed([warned, ok])
    passed = Check("y", "slo", "m", 0.9, 0.8, ">=", PASS, "meets")
    assert all_passed([warned, ok, passed])
    with pytest.raises(ValueError, match="reason"):
        Check("w", "warning", "data/label_issues", 0.3, 0.1, "<=", WARN, "")
