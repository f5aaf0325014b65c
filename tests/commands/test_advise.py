"""``harness advise`` on a built-in data set and on a user CSV.

The advisor here is fitted by the real code on outcomes that follow a known rule over the
stored meta-features of 20 benchmark data sets (tests/advisor/conftest.py), passed with
``--advisor``, so the command's behaviour does not depend on the benchmark's progress.
"""

import numpy as np
import pandas as pd
import pytest

from harness.advisor.fit import fit_advisor
from harness.advisor.store import FEATURES_FILE, FOLDER, StoredAdvisor, write_model
from harness.commands.advise import advise_main
from harness.components.datasets import load_dataset
from tests.advisor.conftest import synthetic_compact

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def advisor(tmp_path_factory):
    features = pd.read_csv(FOLDER / FEATURES_FILE, index_col="dataset")
    features = features[features["note"].isna()].iloc[:20]
    features["note"] = features["note"].fillna("")
    fitted = fit_advisor(synthetic_compact(features), features, table_sha256="0" * 64, bootstrap=50)
    folder = tmp_path_factory.mktemp("advisor")
    write_model(folder, fitted.document, fitted.features, fitted.outcomes)
    return folder


def _advice(capsys, *overrides):
    code = advise_main(list(overrides))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _without_timing(text):
    return "\n".join(line for line in text.splitlines() if "computed in" not in line)


def test_a_built_in_data_set_gets_the_same_advice_twice_words_first(capsys, advisor):
    code, out, err = _advice(capsys, "dataset=iris0", "--advisor", str(advisor))
    assert code == 0, err
    assert out.startswith("Should you resample iris0? (150 rows, 50 minority")
    for family in StoredAdvisor(advisor).families:
        assert f"- {family}: " in out
    assert out.index("- ") < out.index("Treatments per model family:")
    assert "Most similar benchmark data sets" in out
    assert "Validation, leaving one data set out" in out
    again = _advice(capsys, "dataset=iris0", "--advisor", str(advisor))[1]
    assert _without_timing(again) == _without_timing(out)


def test_a_user_csv_is_advised(capsys, tmp_path, advisor):
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
        "--advisor",
        str(advisor),
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


def test_an_unknown_override_or_a_missing_advisor_exits_2(capsys, tmp_path):
    code, _, err = _advice(capsys, "dataset=no_such_set")
    assert code == 2
    assert err.startswith("error: ")
    code, _, err = _advice(capsys, "dataset=iris0", "--advisor", str(tmp_path))
    assert code == 2
    assert "advisor.json is missing: regenerate it with `harness advisor-fit" in err
