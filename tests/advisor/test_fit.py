"""Fitting: meta-features computed once per data set content, the model file's contents."""

import pandas as pd
import pytest

from harness.advisor.fit import benchmark_features, fit_advisor
from harness.components.datasets import load_dataset
from harness.errors import InputDataError
from harness.metrics.meta_features import META_FEATURES


def _refuse(name):
    raise AssertionError(f"{name} was loaded although its stored meta-features are current")


def test_stored_meta_features_are_kept_while_the_data_set_is_unchanged():
    fresh = benchmark_features(["iris0"], None, {}, load_dataset)
    digest = fresh.at["iris0", "digest"]
    kept = benchmark_features(["iris0"], fresh, {"iris0": digest}, _refuse)
    pd.testing.assert_frame_equal(kept, fresh)
    stale = fresh.copy()
    stale.loc["iris0", "f1v"] = 0.5
    again = benchmark_features(["iris0"], stale, {"iris0": "another digest"}, load_dataset)
    assert again.at["iris0", "f1v"] == fresh.at["iris0", "f1v"] != 0.5
    assert list(again.columns) == ["digest", *META_FEATURES, "note"]
    other = fresh.rename(index={"iris0": "elsewhere"})
    assert "elsewhere" in benchmark_features([], other, {"elsewhere": digest}, _refuse).index


def test_the_model_file_says_what_it_was_trained_on(fitted):
    training = fitted.document["training"]
    assert training["datasets_per_family"] == {"knn": 24, "logistic_regression": 24}
    assert training["benchmark_table_sha256"] == "0" * 64
    assert "paired mean difference of test/g_mean" in fitted.document["label"]
    assert set(fitted.document["validation"]) == {"knn", "logistic_regression"}


def test_too_few_data_sets_are_refused(benchmark):
    compact, features = benchmark
    few = compact[compact["dataset"].isin(features.index[:5])]
    with pytest.raises(InputDataError, match="10 data sets"):
        fit_advisor(few, features, table_sha256="0" * 64, bootstrap=10)
