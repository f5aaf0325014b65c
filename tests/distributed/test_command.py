"""``harness resample`` errors that need no Ray cluster: they fail before Ray starts."""

import pandas as pd

from tests.distributed.conftest import run_resample


def test_missing_target_column_names_the_columns_and_the_fix(tmp_path):
    (tmp_path / "in").mkdir()
    pd.DataFrame({"a": [1.0, 2.0], "b": [0, 1]}).to_parquet(tmp_path / "in" / "p.parquet")
    completed = run_resample(tmp_path / "in", tmp_path / "out", "label", "--address", "127.0.0.1:1")
    assert completed.returncode == 2
    assert "'label' is not in the data set" in completed.stderr
    assert "--target" in completed.stderr


def test_empty_input_folder_says_what_to_pass(tmp_path):
    (tmp_path / "in").mkdir()
    completed = run_resample(tmp_path / "in", tmp_path / "out", "y")
    assert completed.returncode == 2
    assert "No .parquet file" in completed.stderr
