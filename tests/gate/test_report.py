"""Renderings of a gate result: terminal, Markdown, JUnit XML, JSON. Each states the counts,
names every run and folder covered and the jobs left out, and gives every failure and every
not-applicable check its reason."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pytest

from harness.errors import ConfigError
from harness.gate.checks import FAIL, NOT_APPLICABLE, OK, PASS, WARN, Check
from harness.gate.gate import GateResult
from harness.gate.relative import Comparison
from harness.gate.report import (
    format_value,
    strategy_verdicts,
    to_json,
    to_junit,
    to_markdown,
    to_terminal,
    write_outputs,
)

CHECKS = [
    Check("minority_recall", "slo", "test/minority_recall", 0.7999, 0.8, ">=", FAIL, "misses", "a"),
    Check("minority_f1", "slo", "test/minority_f1", 0.8, 0.75, ">=", PASS, "meets", "a"),
    Check(
        "synthetic_ratio_min",
        "synthetic",
        "resample/synthetic_ratio",
        None,
        0.1,
        ">=",
        NOT_APPLICABLE,
        "applies only to the strategies adasyn",
        "b",
    ),
    Check("data_drift", "drift", "share_drifted_columns", math.nan, 0.5, "<", PASS, "no drift"),
]
COVERS = ["a: outputs/runs/quick/1/jobs/a", "b: outputs/runs/quick/1/jobs/b"]
LEFT_OUT = ["outputs/runs/quick/1/jobs/c: no result.json"]
RESULT = GateResult(
    "default", ["a", "b"], None, CHECKS, "folder outputs/runs/quick/1", COVERS, LEFT_OUT
)


def test_format_value():
    assert [format_value(v) for v in (0.7999, 0.8, None, math.nan)] == ["0.7999", "0.8", "-", "nan"]


def test_counts_keep_not_applicable_apart():
    assert RESULT.counts() == "2 passed, 1 failed, 1 not applicable, 0 warnings"
    only_na = GateResult("default", ["b"], None, [CHECKS[2]])
    assert (
        only_na.verdict == FAIL
        and "no objective other than the run status passed" in only_na.reason
    )


def test_markdown_headline_coverage_table_and_reasons():
    text = to_markdown(RESULT)
    lines = text.splitlines()
    assert "FAIL" in lines[0] and "2 passed, 1 failed, 1 not applicable" in lines[0]
    assert "| a | minority_recall | test/minority_recall | 0.7999 | >= 0.8 | **FAIL** |" in lines
    assert (
        "| b | synthetic_ratio_min | resample/synthetic_ratio | - | >= 0.1 | NOT APPLICABLE |"
        in lines
    )
    assert any(line.startswith("- **minority_recall**") for line in lines)
    assert "- **synthetic_ratio_min** (b): applies only to the strategies adasyn" in lines
    for line in [RESULT.scope, *COVERS, *LEFT_OUT]:
        assert line in text


def test_junit_suites_cases_failures_not_applicable_and_coverage():
    root = ET.fromstring(to_junit(RESULT).split("\n", 1)[1])
    assert root.get("tests") == "4" and root.get("failures") == "1"
    assert root.get("skipped") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"gate a", "gate b", "gate data"}
    skipped = suites["gate b"].find("testcase/skipped")
    assert skipped.get("message") == "NOT APPLICABLE: applies only to the strategies adasyn"
    failure = suites["gate a"].find("testcase/failure")
    assert failure.get("message") == "test/minority_recall = 0.7999, required >= 0.8"
    properties = [(p.get("name"), p.get("value")) for p in suites["gate a"].iter("property")]
    assert ("gate.scope", RESULT.scope) in properties
    assert [v for n, v in properties if n == "gate.covers"] == COVERS
    assert [v for n, v in properties if n == "gate.left_out"] == LEFT_OUT


def test_json_is_strict_json_with_counts_and_coverage():
    data = json.loads(to_json(RESULT))
    assert data["verdict"] == "FAIL" and data["checks"][3]["value"] is None
    assert data["checks"][2]["verdict"] == "NOT APPLICABLE"
    assert (data["n_passed"], data["n_failed"], data["n_not_applicable"]) == (2, 1, 1)
    assert data["covers"] == COVERS and data["left_out"] == LEFT_OUT
    assert data["scope"] == RESULT.scope


def test_terminal_lists_failures_reasons_and_coverage():
    text = to_terminal(RESULT)
    assert "FAIL a minority_recall: misses" in text
    assert "NOT APPLICABLE b synthetic_ratio_min: applies only to the strategies adasyn" in text
    for line in [RESULT.scope, *COVERS, *LEFT_OUT]:
        assert line in text


def test_unwritable_outputs_are_a_config_error_naming_the_path(tmp_path):
    with pytest.raises(ConfigError, match="cannot write the gate output"):
        write_outputs(RESULT, junit=tmp_path)  # a folder, not a file
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=str(blocker)):
        write_outputs(RESULT, blocker / "out")


# -- warnings and the verdict per strategy ---------------------------------------------------------


def _pr_auc_worse(candidate: str, comparison: Comparison | None = None) -> Check:
    """A failed non-inferiority check on PR-AUC: 0.1 worse than the reference, margin 0.02."""
    return Check(
        "pr_auc_not_worse",
        "relative",
        "test/pr_auc",
        -0.1,
        -0.02,
        ">",
        FAIL,
        "worse",
        candidate,
        comparison,
    )


WARNED = Check("label_issues", "warning", "data/label_issues", 0.35, 0.1, "<=", WARN, "misses", "a")
CLEAR = Check("label_issues", "warning", "data/label_issues", 0.02, 0.1, "<=", OK, "meets", "b")
STRATEGY_CHECKS = [
    Check("run_status", "run", "status", None, None, "==", PASS, "finished", "pima/adasyn s0"),
    Check(
        "minority_f1", "slo", "test/minority_f1", 0.8, 0.75, ">=", PASS, "meets", "pima/adasyn s0"
    ),
    Check("run_status", "run", "status", None, None, "==", PASS, "finished", "vowel0/adasyn s0"),
    Check(
        "minority_f1",
        "slo",
        "test/minority_f1",
        0.5,
        0.75,
        ">=",
        FAIL,
        "misses",
        "vowel0/adasyn s0",
    ),
    _pr_auc_worse("vowel0/adasyn s0"),
    Check("run_status", "run", "status", None, None, "==", PASS, "finished", "pima/smote s0"),
    Check(
        "minority_f1", "slo", "test/minority_f1", 0.8, 0.75, ">=", PASS, "meets", "pima/smote s0"
    ),
    Check(
        "label_issues",
        "warning",
        "data/label_issues",
        0.3,
        0.1,
        "<=",
        WARN,
        "misses",
        "pima/smote s0",
    ),
    Check("run_status", "run", "status", None, None, "==", PASS, "finished", "pima/none s0"),
    Check(
        "minority_f1",
        "slo",
        "test/minority_f1",
        0.6,
        0.75,
        ">=",
        NOT_APPLICABLE,
        "applies only to the strategies smote; this run's strategy is none",
        "pima/none s0",
    ),
    Check("data_drift", "drift", "share_drifted_columns", 0.1, 0.5, "<", PASS, "no drift"),
]
STRATEGY_RESULT = GateResult(
    "default",
    ["pima/adasyn s0", "vowel0/adasyn s0", "pima/smote s0", "pima/none s0"],
    None,
    STRATEGY_CHECKS,
    strategies={
        "pima/adasyn s0": "adasyn",
        "vowel0/adasyn s0": "adasyn",
        "pima/smote s0": "smote",
        "pima/none s0": "none",
    },
)


def test_warnings_are_counted_and_listed_apart():
    result = GateResult("default", ["a", "b"], None, [*CHECKS, WARNED, CLEAR])
    assert result.counts() == "2 passed, 1 failed, 1 not applicable, 1 warning"
    assert result.verdict == FAIL  # the warnings change nothing
    assert GateResult("d", ["b"], None, [CHECKS[1], WARNED]).passed
    text = to_terminal(result)
    assert "WARN a label_issues: misses" in text
    assert "WARN b" not in text  # a met warning is in the table only
    markdown = to_markdown(result)
    assert "### Warnings (never counted as passed or failed)" in markdown
    assert "- **label_issues** (a): misses" in markdown
    data = json.loads(to_json(result))
    assert data["n_warnings"] == 1 and data["checks"][-1]["verdict"] == "OK"
    root = ET.fromstring(to_junit(result).split("\n", 1)[1])
    outputs = [
        case.find("system-out").text
        for case in root.iter("testcase")
        if case.get("name") == "label_issues"
    ]
    assert outputs == ["WARN: misses", "OK: meets"]
    assert root.get("failures") == "1" and root.get("skipped") == "1"


def test_strategy_verdicts_fold_every_run_of_a_strategy():
    verdicts = {v.strategy: v for v in strategy_verdicts(STRATEGY_RESULT)}
    assert list(verdicts) == ["adasyn", "smote", "none"]
    adasyn = verdicts["adasyn"]
    assert (adasyn.verdict, adasyn.n_runs, adasyn.n_failed_runs) == (FAIL, 2, 1)
    assert adasyn.failed == ("minority_f1", "pr_auc_not_worse")
    assert adasyn.line() == "adasyn: FAIL in 1 of 2 runs (minority_f1, pr_auc_not_worse)"
    assert verdicts["smote"].line() == "smote: PASS (1 run); warning: label_issues"
    assert verdicts["none"].verdict == NOT_APPLICABLE
    assert verdicts["none"].line() == (
        "none: NOT APPLICABLE (applies only to the strategies smote; this run's strategy is none)"
    )


def test_terminal_and_markdown_end_with_the_verdict_per_strategy():
    strategies = [
        "adasyn: FAIL in 1 of 2 runs (minority_f1, pr_auc_not_worse)",
        "smote: PASS (1 run); warning: label_issues",
        "none: NOT APPLICABLE (applies only to the strategies smote; this run's strategy is none)",
    ]
    lines = to_terminal(STRATEGY_RESULT).splitlines()
    assert lines[-4:] == ["Verdict per strategy:", *(f"  {line}" for line in strategies)]
    markdown = to_markdown(STRATEGY_RESULT).splitlines()
    assert markdown[-5:] == ["### Verdict per strategy", "", *(f"- {line}" for line in strategies)]


def test_a_relative_check_shows_its_test_in_the_threshold():
    comparison = Comparison(
        reference="pima/none s0",
        test="non_inferiority",
        effect=-0.1,
        ci_low=-0.15,
        ci_high=-0.05,
        confidence=0.95,
        bound=-0.02,
        p_value=0.9,
        p_adjusted=1.0,
        p_missed=0.001,
        p_missed_adjusted=0.002,
        detectable=0.03,
        alpha=0.025,
        family_size=2,
        p_candidate_better=0.0,
        p_equivalent=0.01,
        p_reference_better=0.99,
        rope=0.02,
        n_pairs=10,
    )
    check = _pr_auc_worse("a", comparison)
    result = GateResult("relative", ["a"], None, [check])
    assert "| a | pr_auc_not_worse | test/pr_auc | -0.1 | > -0.02, Holm p < 0.025 | **FAIL** |" in (
        to_markdown(result)
    )
    root = ET.fromstring(to_junit(result).split("\n", 1)[1])
    message = root.find(".//failure").get("message")
    assert message == (
        "test/pr_auc: improvement over pima/none s0 = -0.1, required > -0.02, Holm p < 0.025"
    )
    data = json.loads(to_json(result))["checks"][0]["comparison"]
    assert data["p_adjusted"] == 1.0 and data["family_size"] == 2
