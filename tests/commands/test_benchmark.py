"""``harness benchmark-report``: writes the page from run folders, checks a committed table,
and refuses what it cannot read with exit 2."""

import pytest

from harness.commands.benchmark import benchmark_main, shown_folder
from tests.report.conftest import run_benchmark_slice


@pytest.fixture(scope="module")
def slice_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("benchmark-command")
    return run_benchmark_slice(root, ["glass_0_4_vs_5"], ("none", "ros"), "logistic_regression")


def test_the_report_and_its_check(slice_run, tmp_path, capsys):
    docs = tmp_path / "docs"
    assert benchmark_main([str(slice_run), "--docs", str(docs), "--context", "a test"]) == 0
    page = (docs / "benchmark.md").read_text()
    assert "--context 'a test'" in page and str(tmp_path) not in page
    table = docs / "data" / "benchmark.csv.gz"
    assert benchmark_main([str(slice_run), "--check", str(table)]) == 0
    assert "0 differ" in capsys.readouterr().out


def test_a_missing_table_or_folder_is_exit_2(slice_run, tmp_path, capsys):
    assert benchmark_main([str(slice_run), "--check", str(tmp_path / "none.csv.gz")]) == 2
    assert benchmark_main([str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_the_page_names_folders_from_outputs_on(tmp_path):
    folder = tmp_path / "outputs" / "runs" / "benchmark" / "2026"
    assert shown_folder(folder) == "outputs/runs/benchmark/2026"
    assert shown_folder(tmp_path / "elsewhere") == "elsewhere"
