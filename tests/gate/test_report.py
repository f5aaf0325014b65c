"""Renderings of a gate result: terminal, Markdown, JUnit XML, JSON."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

from harness.gate.checks import Check
from harness.gate.gate import GateResult
from harness.gate.report import format_value, to_json, to_junit, to_markdown, to_terminal

CHECKS = [
    Check(
        "minority_recall", "slo", "test/minority_recall", 0.7999, 0.8, ">=", False, "misses", "a"
    ),
    Check("minority_f1", "slo", "test/minority_f1", 0.8, 0.75, ">=", True, "meets", "a"),
    Check(
        "synthetic_ratio_min",
        "synthetic",
        "resample/synthetic_ratio",
        None,
        0.1,
        ">=",
        True,
        "applies only to adasyn",
        "b",
        skipped=True,
    ),
    Check("data_drift", "drift", "share_drifted_columns", math.nan, 0.5, "<", True, "no drift"),
]
RESULT = GateResult("default", ["a", "b"], None, CHECKS)


def test_format_value():
    assert [format_value(v) for v in (0.7999, 0.8, None, math.nan)] == ["0.7999", "0.8", "-", "nan"]


def test_markdown_headline_table_and_failure_list():
    lines = to_markdown(RESULT).splitlines()
    assert "FAIL" in lines[0] and "3/4" in lines[0]
    assert "| a | minority_recall | test/minority_recall | 0.7999 | >= 0.8 | **FAIL** |" in lines
    assert "| b | synthetic_ratio_min | resample/synthetic_ratio | - | >= 0.1 | SKIP |" in lines
    assert any(line.startswith("- **minority_recall**") for line in lines)


def test_junit_suites_cases_failures_and_skips():
    root = ET.fromstring(to_junit(RESULT).split("\n", 1)[1])
    assert root.get("tests") == "4" and root.get("failures") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"gate a", "gate b", "gate data"}
    assert suites["gate b"].find("testcase/skipped") is not None
    failure = suites["gate a"].find("testcase/failure")
    assert failure.get("message") == "test/minority_recall = 0.7999, required >= 0.8"


def test_json_is_strict_json_and_terminal_lists_failures():
    data = json.loads(to_json(RESULT))
    assert data["verdict"] == "FAIL" and data["checks"][3]["value"] is None
    assert data["checks"][2]["verdict"] == "SKIP"
    text = to_terminal(RESULT)
    assert "FAIL a minority_recall: misses" in text
