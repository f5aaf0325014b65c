"""The gate's strict reading of result.json records."""

from __future__ import annotations

import pytest

from harness.errors import InputDataError
from harness.gate.records import check_record, sensitive_columns
from harness.runs import RESULT_SCHEMA_VERSION
from tests.gate.conftest import make_record


def test_a_record_of_this_harness_is_accepted():
    check_record(make_record(), "result.json")
    check_record(make_record(status="failed"), "result.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema": 1}, r"older harness \(schema 1\).*rerun"),
        ({"schema": None}, r"older harness \(schema None\)"),
        ({"schema": RESULT_SCHEMA_VERSION + 1}, "schema"),
        ({"strategy": None}, "strategy None is not a sampler kind"),
        ({"strategy": ""}, "strategy '' is not a sampler kind"),
        ({"strategy": 3}, "strategy 3 is not a sampler kind"),
        ({"status": None}, "status None is not one of"),
        ({"status": "running"}, "status 'running'"),
        ({"error": "ValueError: boom"}, "status 'success' but carries the error"),
        ({"metrics": {"test/minority_recall": "NaN"}}, "is not a number"),
        ({"metrics": {"test/minority_recall": True}}, "is not a number"),
        ({"metrics": {"test/minority_recall": [0.8]}}, "is not a number"),
        ({"metrics": [0.8]}, "must be a mapping"),
        ({"std": {"test/minority_recall": "x"}}, "is not a number"),
        ({"ci95": {"test/minority_recall": [0.7]}}, r"is not \[low, high\]"),
        ({"ci95": {"test/minority_recall": ["a", 0.9]}}, r"is not \[low, high\]"),
        ({"params": ["a"]}, "'params' must be a mapping"),
        ({"params": 0}, "'params' must be a mapping"),
        ({"tracking": 5}, "'tracking' must be a mapping"),
        ({"resampler": 3}, "'resampler' must be a text"),
        ({"sensitive_columns": "sex"}, "must be a list of texts"),
    ],
)
def test_malformed_records_are_refused(change, message):
    record = {**make_record(), **change}
    with pytest.raises(InputDataError, match=message):
        check_record(record, "result.json")


def test_a_record_without_strategy_was_written_by_an_older_harness():
    record = make_record()
    del record["strategy"]
    with pytest.raises(InputDataError, match=r"no 'strategy'.*older harness.*rerun"):
        check_record(record, "result.json")


def test_a_job_that_failed_before_its_sampler_was_built_may_have_no_strategy():
    record = {**make_record(status="failed"), "strategy": None, "sensitive_columns": None}
    check_record(record, "result.json")


def test_a_missing_status_is_refused():
    record = make_record()
    del record["status"]
    with pytest.raises(InputDataError, match="status None"):
        check_record(record, "result.json")


def test_sensitive_columns_sources_in_order(tmp_path):
    assert sensitive_columns(make_record(sensitive_columns=["a/b"])) == ("a/b",)
    record = make_record(sensitive_columns=None)
    assert sensitive_columns(record) is None
    record["params"]["dataset.loader.sensitive"] = "['sex']"
    assert sensitive_columns(record) == ("sex",)
    record["params"]["dataset.loader.sensitive"] = ["race"]
    assert sensitive_columns(record) == ("race",)
    (tmp_path / "dataset.json").write_text('{"sensitive": ["age"]}')
    assert sensitive_columns(record, tmp_path) == ("age",)
