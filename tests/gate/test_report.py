"""Renderings of a gate result: terminal, Markdown, JUnit XML, JSON. Each states the counts,
names every run and folder covered and the jobs left out, and gives every failure and every
not-applicable check its reason."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pytest

from harness.errors import ConfigError
from harness.gate.checks import FAIL, NOT_APPLICABLE, PASS, Check
from harness.gate.gate import GateResult
from harness.gate.report import (
    format_value,
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
    assert RESULT.counts() == "2 passed, 1 failed, 1 not applicable"
    only_na = GateResult("default", ["b"], None, [CHECKS[2]])
    assert only_na.verdict == FAIL and "no check passed" in only_na.reason


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
