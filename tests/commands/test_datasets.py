"""``harness datasets``: every built-in set listed from the stored summary; the dataset
configs are exactly what the generator writes."""

from pathlib import Path

import pytest

from harness.commands.datasets import dataset_config_text, datasets_main
from harness.config_dir import suggest_fix
from harness.data import BUILTIN_DATASETS
from harness.data.catalog import CATALOG_COLUMNS
from harness.data.common_sets import read_summary

CONF = Path(__file__).resolve().parents[2] / "conf" / "dataset"


@pytest.mark.parametrize("row", read_summary().to_dict("records"), ids=lambda r: r["name"])
def test_each_dataset_config_is_the_generated_one(row):
    expected = dataset_config_text(row, BUILTIN_DATASETS[row["name"]].description)
    assert (CONF / f"{row['name']}.yaml").read_text() == expected


def test_listing_shows_every_common_set_and_arrests(capsys):
    assert datasets_main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == list(CATALOG_COLUMNS)
    assert len(lines) == 1 + 117 + 1
    assert any(line.startswith("lymphography ") and " 4 " in line for line in lines)


def test_listing_filters_by_source_and_sorts(capsys):
    assert datasets_main(["--source", "krnn", "--sort", "minority"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len(rows) == 8
    assert all("(KRNN)" in row for row in rows)
    minority = [int(row.split()[3]) for row in rows]
    assert minority == sorted(minority)


def test_a_small_minority_config_carries_its_rule():
    text = (CONF / "zoo_3.yaml").read_text()
    assert "small_minority:\n  n_splits: 2\n  k_neighbors: 1\n  precision_target: null\n" in text
    assert "small_minority" not in (CONF / "pima.yaml").read_text()


def test_a_misspelt_common_set_gets_a_did_you_mean():
    assert "did you mean dataset=glass_0_1_6_vs_5?" in suggest_fix("dataset=glass_0_1_6_vs5")
