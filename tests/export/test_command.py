"""`harness replay` and `harness dashboards` from the command line, in a subprocess."""

from __future__ import annotations

from functools import partial

import pytest

from tests.support.cli import run_harness
from tests.support.prometheus import free_port

harness = partial(run_harness, timeout=300)


def test_replay_help_reads_as_written(tmp_path):
    result = harness("replay", "--help", root=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "fit a model on 70 % of a data set" in text
    assert "%%" not in text
    for option in ("--duration", "--linger", "--phase", "--label-flip", "--majority-flip"):
        assert option in text
    assert "precision drops" in text and "recall drops" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phase", "10:drift"], "add --drift 3"),
        (["--phase", "ten:clean"], "SECONDS:KIND"),
        (["--phase", "10:storm"], "clean, drift, label-flip, majority-flip"),
        (["--phase", "10:clean", "--duration", "5"], "drop --duration"),
        (["--model-name", " "], "--model-name is empty"),
    ],
)
def test_bad_phases_exit_2_naming_the_fix(tmp_path, args, message):
    result = harness("replay", "--port", str(free_port()), *args, root=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_replay_without_a_target_exits_2(tmp_path):
    result = harness("replay", root=tmp_path)
    assert result.returncode == 2
    assert "--port" in result.stderr and "--pushgateway" in result.stderr


def test_dashboards_with_a_missing_monitoring_file_exits_2(tmp_path):
    result = harness(
        "dashboards", "--out", str(tmp_path / "out"), "--monitoring", "nope.yaml", root=tmp_path
    )
    assert result.returncode == 2
    assert "leave --monitoring out" in result.stderr


@pytest.mark.slow
def test_a_cohort_column_that_the_data_set_lacks_names_the_choices(tmp_path):
    result = harness("replay", "--port", str(free_port()), "--cohort-column", "sex", root=tmp_path)
    assert result.returncode == 2
    assert "not a sensitive column of pima" in result.stderr


@pytest.mark.slow
def test_replay_runs_its_phases_with_cohorts(tmp_path):
    result = harness(
        "replay",
        "--dataset=arrests",
        "--cohort-column=sex",
        "--rate=500",
        "--majority-flip=0.3",
        "--phase=1:clean",
        "--phase=1:majority-flip",
        f"--port={free_port()}",
        "--linger=0",
        "--drift-window=0",
        root=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "phase 1/2 clean: 1 s" in result.stdout
    assert "phase 2/2 majority-flip: 1 s" in result.stdout
    assert "done: 1000 rows" in result.stdout
