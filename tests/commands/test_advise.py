"""``harness advise`` on a built-in data set and on a user CSV, with the shipped advisor."""

import numpy as np
import pandas as pd
import pytest

from harness.advisor.store import StoredAdvisor
from harness.commands.advise import advise_main
from harness.components.datasets import load_dataset

pytestmark = pytest.mark.slow


def _advice(capsys, *overrides):
    code = advise_main(list(overrides))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _without_timing(text):
    return "\n".join(line for line in text.splitlines() if "computed in" not in line)


def test_a_built_in_data_set_gets_the_same_advice_twice_words_first(capsys):
    code, out, err = _advice(capsys, "dataset=iris0")
    assert code == 0, err
    assert out.startswith("Should you resample iris0? (150 rows, 50 minority")
    for family in StoredAdvisor().families:
        assert f"- {family}: " in out
    assert out.index("- ") < out.index("Treatments per model family:")
    assert "Most similar benchmark data sets" in out
    assert "Validation, leaving one data set out" in out
    again = _advice(capsys, "dataset=iris0")[1]
    assert _without_timing(again) == _without_timing(out)


def test_a_user_csv_is_advised(capsys, tmp_path):
    dataset = load_dataset("glass1")
    path = tmp_path / "mine.csv"
    dataset.X.assign(label=np.where(dataset.y == 1, "rare", "common")).to_csv(path, index=False)
    code, out, err = _advice(
        capsys,
        "dataset=table",
        f"dataset.loader.path={path}",
        "dataset.loader.target=label",
        "dataset.loader.positive_label=rare",
        "dataset.name=mine",
    )
    assert code == 0, err
    assert out.startswith(f"Should you resample mine? ({len(dataset.y)} rows")


def test_too_few_minority_rows_exit_2_saying_why(capsys, tmp_path):
    code, out, err = _advice(capsys, "dataset=lymphography")
    assert code == 2
    assert out == ""
    assert "has 4 minority and 144 majority rows" in err
    assert "at least 6" in err
    frame = pd.DataFrame({"x": np.arange(40.0), "y": [1] * 3 + [0] * 37})
    frame.to_csv(tmp_path / "tiny.csv", index=False)
    code, _, err = _advice(
        capsys,
        "dataset=table",
        f"dataset.loader.path={tmp_path / 'tiny.csv'}",
        "dataset.loader.target=y",
        "dataset.loader.positive_label=1",
        "dataset.loader.min_minority=2",
    )
    assert code == 2
    assert "3 minority" in err


def test_an_unknown_override_exits_2(capsys):
    code, _, err = _advice(capsys, "dataset=no_such_set")
    assert code == 2
    assert err.startswith("error: ")
