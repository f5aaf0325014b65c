"""`harness bench --part` for the statistical studies: the part's JSON and the table printed."""

from __future__ import annotations

import json

import pytest

from harness.bench.parts import STUDY_PARTS, part_path
from harness.bench.studies import STUDIES
from harness.commands.bench import bench_main
from harness.errors import ConfigError


def test_every_study_part_has_a_study():
    assert set(STUDY_PARTS) == set(STUDIES)


def test_a_study_part_writes_its_json_and_prints_its_table(tmp_path, capsys):
    argv = ["--part", "regression-gate", "--size", "2", "--datasets", "abalone9_18"]
    assert bench_main([*argv, "--out", str(tmp_path)]) == 0
    part = json.loads(part_path(tmp_path, "regression-gate").read_text())
    assert part["meta"]["size"] == 2 and part["studies"][0]["dataset"] == "abalone9_18"
    assert "| paired | 0.02 |" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["label-issues", "interval-coverage"])
def test_simulated_studies_refuse_data_sets(name):
    with pytest.raises(ConfigError, match="--datasets does not apply"):
        STUDIES[name].run(name, 2, ("pima",), print)


def test_a_study_needs_a_size_of_two(tmp_path):
    with pytest.raises(ConfigError, match="at least 2"):
        bench_main(["--part", "label-issues", "--size", "1", "--out", str(tmp_path)])
