"""The Dataset record: conveniences, summary and content digest."""

import json

import numpy as np
import pandas as pd
import pytest

from harness.data import Dataset, content_digest
from harness.errors import InputDataError


def make(y=(0, 0, 0, 1), **kwargs):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "c": ["x", "y", "x", "y"]})
    y = np.array(y)
    fields = {
        "name": "toy",
        "X": X,
        "y": y,
        "positive_label": "yes",
        "categorical": ["c"],
        "sensitive": pd.DataFrame({"sex": ["F", "M", "F", "M"]}),
        "digest": content_digest(X, y, pd.DataFrame(), "yes"),
        "source": "test",
    }
    fields.update(kwargs)
    return Dataset(**fields)


def test_conveniences():
    dataset = make()
    assert (dataset.n_rows, dataset.n_features, dataset.n_minority) == (4, 2, 1)
    assert dataset.imbalance_ratio == 3.0


def test_summary_is_json_ready():
    summary = make(positive_label=np.int64(1)).summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["positive_label"] == 1
    assert summary["rows"] == 4 and summary["imbalance_ratio"] == 3.0
    assert summary["sensitive"] == ["sex"] and summary["categorical"] == ["c"]


def test_digest_is_stable_and_content_sensitive():
    X = pd.DataFrame({"a": [1.0, 2.0], "b": ["u", "v"]})
    y = np.array([0, 1])
    base = content_digest(X, y, pd.DataFrame(), 1)
    assert base == content_digest(X.copy(), y.copy(), pd.DataFrame(), 1)
    assert base != content_digest(X.assign(a=[1.0, 2.5]), y, pd.DataFrame(), 1)
    assert base != content_digest(X, np.array([1, 0]), pd.DataFrame(), 1)
    assert base != content_digest(X.rename(columns={"a": "z"}), y, pd.DataFrame(), 1)
    assert base != content_digest(X, y, pd.DataFrame({"s": ["F", "M"]}), 1)


def test_dataset_is_frozen():
    dataset = make()
    with pytest.raises(AttributeError):
        dataset.name = "other"


def test_misaligned_y_is_refused():
    with pytest.raises(InputDataError, match="one label per row"):
        make(y=(0, 1))


def test_misaligned_sensitive_is_refused():
    with pytest.raises(InputDataError, match="row-aligned"):
        make(sensitive=pd.DataFrame({"sex": ["F", "M"]}))


def test_unknown_categorical_is_refused():
    with pytest.raises(InputDataError, match="only feature columns"):
        make(categorical=["nope"])


@pytest.mark.parametrize("role", ["X", "sensitive"])
def test_duplicate_column_names_are_refused(role):
    frames = {
        "X": pd.DataFrame([[1.0, 2.0]] * 4, columns=["a", "a"]),
        "sensitive": pd.DataFrame([["F", "x"], ["M", "y"]] * 2, columns=["sex", "sex"]),
    }
    with pytest.raises(InputDataError, match=rf"{role} has duplicate column names \['\w+'\]"):
        make(**{role: frames[role]}, categorical=[])
