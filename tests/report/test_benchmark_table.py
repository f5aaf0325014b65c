"""The benchmark's records as tables, on a real slice of experiment=benchmark."""

import math

import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.report.benchmark_table import (
    BENCHMARK_METRICS,
    cell_table,
    collect_records,
    compact_table,
    dataset_descriptors,
)


def test_the_slice_runs_every_cell_and_follows_the_small_minority_rule(benchmark_slice):
    records = collect_records([benchmark_slice])
    assert len(records) == 4
    glass = next(
        r for r in records if r["dataset"] == "glass_0_4_vs_5" and r["strategy"] == "adasyn"
    )
    assert glass["params"]["evaluation.n_splits"] == 4
    assert glass["params"]["resampler.sampler.n_neighbors"] == 3
    other = next(r for r in records if r["dataset"] == "appendicitis" and r["strategy"] == "adasyn")
    assert other["params"]["resampler.sampler.n_neighbors"] == 5


def test_cell_table_has_one_successful_row_per_cell(benchmark_slice):
    cells = cell_table(collect_records([benchmark_slice]))
    assert len(cells) == 4
    assert set(cells["status"]) == {"success"}
    assert (cells["seconds"] > 0).all()
    assert set(cells["n_folds"]) == {8, 10}


def test_compact_table_holds_every_metric_of_a_continuous_model(benchmark_slice):
    compact = compact_table(collect_records([benchmark_slice]))
    assert len(compact) == 4 * len(BENCHMARK_METRICS)
    g_mean = compact[compact["metric"] == "test/g_mean"]
    assert g_mean["mean"].between(0, 1).all()
    assert (g_mean["ci_low"] <= g_mean["mean"]).all() and (
        g_mean["mean"] <= g_mean["ci_high"]
    ).all()
    # A value is missing exactly when the row says why.
    assert (compact["mean"].isna() == (compact["missing"] != "")).all()


def test_ranking_metrics_are_left_out_for_hard_scores(benchmark_slice):
    records = collect_records([benchmark_slice])
    hard = [dict(r, hard_scores=True, score_levels=2.0) for r in records]
    compact = compact_table(hard)
    ranking = compact[compact["metric"].isin(["test/pr_auc", "test/recall_at_precision"])]
    assert ranking["mean"].isna().all()
    assert ranking["missing"].str.startswith("hard scores").all()
    assert compact.loc[compact["metric"] == "test/g_mean", "mean"].notna().all()


def test_descriptors_come_from_the_none_cells(benchmark_slice):
    frame = dataset_descriptors(collect_records([benchmark_slice]))
    assert set(frame.index) == {"glass_0_4_vs_5", "appendicitis"}
    assert frame["minority_overlap"].between(0, 1).all()


def test_a_cell_recorded_twice_keeps_the_latest(benchmark_slice, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(benchmark_slice, copy)
    records = collect_records([benchmark_slice, copy])
    assert len(records) == 4


def test_a_folder_without_records_is_refused(tmp_path):
    with pytest.raises(InputDataError, match="holds no result.json"):
        collect_records([tmp_path])
    with pytest.raises(InputDataError, match="is not a folder"):
        collect_records([tmp_path / "missing"])


def test_compact_columns_are_plain_numbers(benchmark_slice):
    compact = compact_table(collect_records([benchmark_slice]))
    assert pd.api.types.is_float_dtype(compact["mean"])
    assert not any(isinstance(v, float) and math.isinf(v) for v in compact["mean"])
