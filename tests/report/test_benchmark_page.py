"""docs/benchmark.md and the compact table written from a real slice; the check of a
committed table against a rerun."""

import gzip
from pathlib import Path

import pandas as pd

from harness.report.benchmark_page import table_matches, write_benchmark
from harness.report.benchmark_table import BENCHMARK_METRICS, collect_records


def test_the_page_says_what_ran_and_what_did_not(benchmark_slice, tmp_path):
    records = collect_records([benchmark_slice])
    page = write_benchmark(records, tmp_path, command="harness benchmark-report run")
    text = page.page.read_text()
    assert "4 cells of 1 model(s) (logistic_regression) on 2 of 117 data sets" in text
    assert "models decision_tree, knn, hist_gradient_boosting" in text
    assert "\nharness benchmark-report run\n" in text
    assert "| glass_0_4_vs_5 | 9 | 4 | 3 | yes |" in text
    assert "### logistic_regression" in text
    table = pd.read_csv(page.table)
    assert len(table) == 4 * len(BENCHMARK_METRICS)
    assert all(path.is_file() for path in page.figures)


def test_the_table_is_written_the_same_twice(benchmark_slice, tmp_path):
    records = collect_records([benchmark_slice])
    first = write_benchmark(records, tmp_path / "a").table.read_bytes()
    second = write_benchmark(records, tmp_path / "b").table.read_bytes()
    assert first == second
    assert (tmp_path / "a" / "benchmark.md").read_text() == (
        tmp_path / "b" / "benchmark.md"
    ).read_text()


def test_a_committed_table_matches_its_records_and_a_changed_value_is_found(
    benchmark_slice, tmp_path
):
    records = collect_records([benchmark_slice])
    table = write_benchmark(records, tmp_path).table
    assert table_matches(table, records) == []
    frame = pd.read_csv(table)
    frame.loc[frame["metric"] == "test/g_mean", "mean"] += 0.01
    with gzip.open(table, "wt") as handle:
        frame.to_csv(handle, index=False)
    problems = table_matches(table, records)
    assert len(problems) == 4 and all("test/g_mean" in p for p in problems)


COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "data" / "benchmark.csv.gz"


def test_a_rerun_of_a_committed_cell_gives_the_committed_numbers(benchmark_runner, tmp_path):
    run = benchmark_runner(tmp_path, ["glass_0_1_5_vs_2"], ("none", "ros"), "logistic_regression")
    records = collect_records([run])
    assert len(records) == 2
    committed = pd.read_csv(COMMITTED)
    cells = committed[
        (committed["dataset"] == "glass_0_1_5_vs_2") & (committed["model"] == "logistic_regression")
    ]
    assert set(cells["strategy"]) >= {"none", "ros"}
    assert table_matches(COMMITTED, records) == []


def _cells(datasets, seconds=1.0, status="success"):
    return pd.DataFrame(
        [
            {"model": "knn", "strategy": s, "dataset": d, "status": status, "seconds": seconds}
            for d in datasets
            for s in ("none", "adasyn")
        ]
    )


def test_a_complete_grid_says_so_and_a_partial_one_lists_what_is_missing():
    from harness.report.benchmark_page import _coverage, _not_run_lines

    cells = _cells(["pima", "glass1"])
    complete = _not_run_lines(_coverage(cells), [], [], cells.iloc[0:0])
    assert complete[0].startswith("- **Complete**") and "To run it again" in complete[2]
    partial = _not_run_lines(
        _coverage(cells), ["hist_gradient_boosting"], ["yeast4"], cells.iloc[0:0]
    )
    assert "hist_gradient_boosting" in partial[0] and "yeast4" in partial[0]
    assert "To run the rest" in partial[2]
    failed = cells.assign(status=["success", "failed", "success", "success"])
    failures = failed[failed.status == "failed"]
    assert "Not run" in _not_run_lines(_coverage(failed), [], [], failures)[0]


def test_the_cost_sums_what_ran_on_every_set_and_scales_the_median_otherwise():
    from harness.data.common_sets import read_summary
    from harness.report.benchmark_page import _cost_section

    summary = read_summary()
    everywhere = _cells(list(summary["name"]), seconds=2.0)
    text = "\n".join(_cost_section(everywhere, summary, "context"))
    # 117 sets x 2 strategies x 2 s, measured: 0.13 h; two in parallel, 0.07 h.
    assert "| knn | none | 117 | 2.000 | 0.065 | measured sum |" in text
    assert "`knn`: 0.13 h of job time for one part; with two jobs in parallel 0.07 h" in text
    some = _cells(["pima", "glass1"], seconds=2.0)
    text = "\n".join(_cost_section(some, summary, "context"))
    assert "| knn | none | 2 | 2.000 | 0.065 | median x 117 |" in text
