"""The benchmark's statistics: on known differences, and on a real slice."""

import numpy as np
import pandas as pd
import pytest

from harness.report.benchmark_stats import (
    ROPE,
    calibration_change,
    gain_against_descriptors,
    model_rank_test,
    signed_rank,
    wins_ties_losses,
)
from harness.report.benchmark_table import collect_records, compact_table


def _compact(values: dict[str, list[float]], metric="test/g_mean", model="m") -> pd.DataFrame:
    rows = []
    for strategy, means in values.items():
        for index, mean in enumerate(means):
            rows.append(
                {"dataset": f"d{index}", "strategy": strategy, "model": model,
                 "metric": metric, "mean": mean}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_a_treatment_better_on_every_data_set_is_better():
    base = np.linspace(0.5, 0.8, 12)
    compact = _compact({"none": list(base), "adasyn": list(base + 0.1)})
    result = signed_rank(compact, "m", "adasyn", "none")
    assert result["n_datasets"] == 12
    assert result["p_better"] > 0.95
    assert result["median_difference"] == pytest.approx(0.1)
    reverse = signed_rank(compact, "m", "none", "adasyn")
    assert reverse["p_worse"] > 0.95


def test_differences_inside_the_rope_are_equivalent():
    base = np.linspace(0.5, 0.8, 12)
    compact = _compact({"none": list(base), "adasyn": list(base + ROPE / 10)})
    assert signed_rank(compact, "m", "adasyn", "none")["p_equivalent"] > 0.95


def test_lower_is_better_for_brier():
    base = np.linspace(0.1, 0.2, 12)
    compact = _compact({"none": list(base), "ros": list(base + 0.05)}, metric="test/brier")
    assert signed_rank(compact, "m", "ros", "none", "test/brier")["p_worse"] > 0.95


def test_too_few_data_sets_give_no_probability():
    compact = _compact({"none": [0.5, 0.6], "adasyn": [0.7, 0.8]})
    result = signed_rank(compact, "m", "adasyn", "none")
    assert result["n_datasets"] == 2 and np.isnan(result["p_better"])


def test_the_signed_rank_test_is_deterministic():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.4, 0.9, 20)
    compact = _compact({"none": list(base), "smote": list(base + rng.normal(0.01, 0.02, 20))})
    assert signed_rank(compact, "m", "smote", "none") == signed_rank(compact, "m", "smote", "none")


def test_an_incomplete_block_leaves_the_rank_test_by_name():
    values = {
        "none": [0.5, 0.6, 0.7, 0.4],
        "ros": [0.6, 0.7, 0.8, np.nan],
        "adasyn": [0.7, 0.75, 0.9, 0.5],
        "class_weight": [np.nan] * 4,
    }
    ranks = model_rank_test(_compact(values), "m")
    assert ranks.left_out_datasets == {"d3": ["ros"]}
    assert ranks.left_out_strategies == ["class_weight"]
    assert ranks.test.n_datasets == 3 and ranks.test.n_strategies == 3
    assert list(ranks.test.ranks.index) == ["adasyn", "ros", "none"]


def test_calibration_change_is_treatment_minus_none():
    frames = [
        _compact({"none": [0.5, 0.6], "ros": [0.7, 0.8]}),
        _compact({"none": [0.1, 0.1], "ros": [0.2, 0.1]}, metric="test/brier"),
        _compact({"none": [0.05, 0.05], "ros": [0.1, 0.1]}, metric="test/ece"),
    ]
    change = calibration_change(pd.concat(frames), "m", "ros")
    assert change["g_mean_gain"] == pytest.approx(0.2)
    assert change["brier_change"] == pytest.approx(0.05)
    assert change["ece_change"] == pytest.approx(0.05)
    assert change["brier_worse_share"] == pytest.approx(0.5)


def test_gain_against_descriptors_ranks_the_gain():
    gains = np.arange(8) / 100
    compact = _compact({"none": [0.5] * 8, "adasyn": list(0.5 + gains)})
    descriptors = pd.DataFrame(
        {"imbalance_ratio": np.arange(8) + 1.0, "minority_overlap": -np.arange(8.0)},
        index=pd.Index([f"d{i}" for i in range(8)], name="dataset"),
    )
    table, summary = gain_against_descriptors(compact, descriptors, "m")
    assert len(table) == 8
    assert summary["rho_imbalance_ratio"] == pytest.approx(1.0)
    assert summary["rho_minority_overlap"] == pytest.approx(-1.0)
    assert summary["rho_descriptors"] == pytest.approx(-1.0)


def test_wins_ties_losses_count_each_data_set_once(benchmark_slice):
    records = collect_records([benchmark_slice])
    counts = wins_ties_losses(records, "logistic_regression", "adasyn", "none")
    assert counts["wins"] + counts["ties"] + counts["losses"] == 2
    assert counts["untested"] == 0
    assert wins_ties_losses(records, "knn", "adasyn", "none")["untested"] == 0


def test_the_slice_gives_paired_differences(benchmark_slice):
    compact = compact_table(collect_records([benchmark_slice]))
    result = signed_rank(compact, "logistic_regression", "adasyn", "none")
    assert result["n_datasets"] == 2
    assert np.isfinite(result["median_difference"])
