"""The strict readers: settings fields and JSON files."""

import json

import pytest

from harness.errors import ConfigError, InputDataError
from harness.strict import duration, finite_number, read_json_object, strict_mapping

FIX = "rerun the job"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"a": 1, "a": 2}', "the key 'a' appears twice"),
        ('{"m": {"x": 0.5, "x": 0.1}}', "the key 'x' appears twice"),
        ('{"a": NaN}', "NaN is not a number JSON allows"),
        ('{"a": -Infinity}', "-Infinity is not a number JSON allows"),
        ("[1, 2]", "must hold a JSON object"),
        ("{", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
    ],
)
def test_a_json_file_that_is_not_one_plain_object_is_refused(tmp_path, text, problem):
    path = tmp_path / "f.json"
    path.write_text(text)
    with pytest.raises(InputDataError, match="f.json") as caught:
        read_json_object(path, fix=FIX)
    assert problem in str(caught.value) and FIX in str(caught.value)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "f.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(InputDataError, match="is not valid JSON"):
        read_json_object(path, fix=FIX)


def test_a_plain_object_is_read_as_written(tmp_path):
    path = tmp_path / "f.json"
    payload = {"a": 1, "b": {"c": [1.5, None]}, "d": "x"}
    path.write_text(json.dumps(payload))
    assert read_json_object(path, fix=FIX) == payload


def test_a_mapping_with_an_unknown_key_is_refused_with_a_guess():
    with pytest.raises(ConfigError, match=r"unknown key 'thresold' \(did you mean 'threshold'\?\)"):
        strict_mapping({"thresold": 1}, "x", ("threshold", "op"))
    with pytest.raises(ConfigError, match=r"x is missing 'op'; add it \(see a.yaml\)"):
        strict_mapping({}, "x", ("op",), required=("op",), see="a.yaml")


@pytest.mark.parametrize("value", [True, "0.8", float("nan"), float("inf")])
def test_a_number_field_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ConfigError):
        finite_number(value, "x", example="0.8")


@pytest.mark.parametrize("value", ["5", "1h30m", 30, "5 m"])
def test_a_duration_is_one_prometheus_unit(value):
    with pytest.raises(ConfigError, match="is not a Prometheus duration"):
        duration(value, "x")
