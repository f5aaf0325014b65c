"""Reports: data-set strings are escaped, Markdown tables stay tables, plots are embedded."""

import base64
import re

import numpy as np
import pandas as pd
import pytest

from harness.report.pages import (
    ThresholdLine,
    forest_plot_png,
    format_ci,
    grouped_metrics,
    markdown_table,
    render_html,
)

PNG = b"\x89PNG"

HOSTILE = "<script>alert('x')</script>"


def test_html_report_escapes_dataset_strings():
    frame = pd.DataFrame({HOSTILE: [1.0], "group": [HOSTILE]})
    page = render_html(f"Run on {HOSTILE}", [(HOSTILE, frame)], {HOSTILE: b"\x89PNG"})
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_markdown_table_escapes_pipes_and_newlines():
    table = markdown_table(pd.DataFrame({"a|b": ["x|y\nz"], "n": [float("nan")]}))
    header, rule, row = table.splitlines()
    assert header == "| a\\|b | n |"
    assert rule == "|---|---|"
    assert row == "| x\\|y z | n/a |"


def test_format_ci():
    assert format_ci(0.5, [0.4, 0.6]) == "0.500 [0.400, 0.600]"
    assert format_ci(0.5, [None, None]) == "0.500"
    assert format_ci(None, None) == "n/a"


def _images(page: str) -> dict[str, bytes]:
    """Caption -> decoded PNG of every image embedded in a report page."""
    found = re.findall(r"<figure><img alt='([^']*)' src='data:image/png;base64,([^']*)'>", page)
    return {alt: base64.b64decode(data) for alt, data in found}


def test_job_metrics_are_grouped_by_the_catalog_with_units():
    metrics = {
        "test/minority_recall": 0.7,
        "memory/peak_bytes": 175301.6,
        "time/resample_seconds": 0.25,
        "test/balanced_accuracy": 0.8,
    }
    ci95 = {"memory/peak_bytes": [2 * 2**20, 4 * 2**20], "test/minority_recall": [0.6, 0.8]}
    groups = dict(grouped_metrics(metrics, ci95))
    assert list(groups) == ["minority SLIs", "time and memory"]
    slis = groups["minority SLIs"]
    assert list(slis["metric"]) == ["test/minority_recall", "test/balanced_accuracy"]  # headline
    time_memory = groups["time and memory"].set_index("metric")["mean [95% CI]"]
    assert time_memory["memory/peak_bytes"] == "0.167 [2.000, 4.000] MiB"
    assert time_memory["time/resample_seconds"] == "0.250 s"


def test_job_report_intervals_never_leave_the_metrics_range():
    # A corrected t interval of a tiny time or a near-perfect recall runs past its range.
    metrics = {"time/predict_seconds": 0.001, "test/minority_recall": 0.99, "unknown/x": 0.1}
    ci95 = {
        "time/predict_seconds": [-0.001, 0.003],
        "test/minority_recall": [0.97, 1.01],
        "unknown/x": [-0.2, 0.4],
    }
    shown = {
        row.metric: row[1]
        for _, table in grouped_metrics(metrics, ci95)
        for row in table[["metric", "mean [95% CI]"]].itertuples(index=False)
    }
    assert shown["time/predict_seconds"] == "0.001 [0.000, 0.003] s"
    assert shown["test/minority_recall"] == "0.990 [0.970, 1.000]"
    assert shown["unknown/x"] == "0.100 [-0.200, 0.400]"  # the catalog gives it no range


def test_clipped_interval_keeps_missing_bounds_missing():
    from harness.report.pages import clipped_interval

    assert clipped_interval("time/fit_seconds", [None, 0.2]) == [None, 0.2]
    assert clipped_interval("time/fit_seconds", [float("nan"), -0.1]) == [None, 0.0]
    assert clipped_interval("time/fit_seconds", None) is None


def _rows(means=(0.5, 0.7, 0.6)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": ["pima"] * 3,
            "model": ["tree"] * 3,
            "seed": [0] * 3,
            "strategy": ["none", "adasyn", "smote"],
            "mean": list(means),
            "ci_low": [m - 0.1 for m in means],
            "ci_high": [m + 0.1 for m in means],
        }
    )


def test_forest_plot_colours_by_the_gates_verdicts_and_explains_each_colour():
    from harness.report.pages import RelativeLine, forest_plot

    verdicts = {
        ("pima", "tree", 0, "adasyn"): "INCONCLUSIVE",
        ("pima", "tree", 0, "none"): "PASS",
    }
    plot = forest_plot(
        _rows(),
        "test/pr_auc",
        relative=[RelativeLine("pr_auc_not_worse", "non_inferiority", 0.02)],
        verdicts=verdicts,
        reference="none",
        slo_name="relative",
    )
    assert plot.png.startswith(PNG)
    note = plot.note
    assert "Amber: INCONCLUSIVE" in note  # adasyn
    assert "Green: PASS, the gate's verdict under the SLO set 'relative'" in note  # none
    assert "Blue: no objective of the SLO set 'relative' on this metric judged it" in note
    assert "Square: the reference 'none'" in note and "grey dotted line: its mean" in note
    assert "pr_auc_not_worse: not worse than 'none' by more than 0.02" in note
    assert "dash-dot line: 'none''s mean − 0.02" in note
    assert "Red" not in note  # no row is red, so red is not explained


def test_forest_plot_without_an_slo_set_says_so():
    from harness.report.pages import forest_plot

    note = forest_plot(_rows(), "test/minority_recall").note
    assert "No SLO set was given" in note
    assert "Blue: not judged." in note
    assert "Green" not in note and "dashed" not in note


def test_forest_plot_lines_follow_the_set_given():
    from harness.report.pages import forest_plot

    def plot(threshold: float):
        line = ThresholdLine("recall", ">=", threshold, ("oversampler",))
        return forest_plot(_rows(), "test/minority_recall", lines=[line], slo_name="mine")

    low, high = plot(0.55), plot(0.65)
    assert "Black dashed: the bound of recall (>= 0.55, only oversampler)" in low.note
    assert "Green: the mean meets every objective line" in low.note  # adasyn 0.7, smote 0.6
    assert "Red" not in low.note
    assert "Red: the mean misses an objective line" in high.note  # smote 0.6 < 0.65
    assert low.png != high.png


def test_a_threshold_line_covers_the_families_it_names():
    line = ThresholdLine("ratio", ">=", 0.1, ("oversampler",))
    assert line.applies("adasyn") and line.applies("ros")
    assert not line.applies("none")


def test_forest_plot_marks_slo_lines_and_baseline():
    rows = pd.DataFrame(
        {
            "dataset": ["pima"] * 3,
            "model": ["tree"] * 3,
            "seed": [0] * 3,
            "strategy": ["none", "adasyn", "smote"],
            "mean": [0.5, 0.7, 0.6],
            "ci_low": [0.4, 0.6, 0.5],
            "ci_high": [0.6, 0.8, 0.7],
        }
    )
    line = ThresholdLine("recall", ">=", 0.65)
    assert line.met(0.7) and not line.met(0.6)
    png = forest_plot_png(
        rows, "test/minority_recall", lines=[line], significant={("pima", "tree", 0, "adasyn")}
    )
    assert png.startswith(PNG)


def _png_height(png: bytes) -> int:
    import io

    from PIL import Image

    return Image.open(io.BytesIO(png)).size[1]


def test_forest_plot_stacks_seeds_in_one_row_per_strategy():
    rng = np.random.default_rng(0)
    strategies = ["none", "smote", "adasyn"]

    def table(n_seeds: int) -> pd.DataFrame:
        means = rng.uniform(0.4, 0.8, size=3 * n_seeds)
        return pd.DataFrame(
            {
                "dataset": "pima",
                "model": "tree",
                "seed": np.repeat(np.arange(n_seeds), 3),
                "strategy": strategies * n_seeds,
                "mean": means,
                "ci_low": means - 0.05,
                "ci_high": means + 0.05,
            }
        )

    one, five = forest_plot_png(table(1), "test/pr_auc"), forest_plot_png(table(5), "test/pr_auc")
    assert one.startswith(PNG) and five.startswith(PNG)
    # Five seeds take the rows of one seed (the panel title and a note line aside), not five
    # times their height.
    assert _png_height(five) < 1.3 * _png_height(one)


def test_forest_plot_keeps_two_configurations_of_one_strategy_apart():
    rows = pd.DataFrame(
        {
            "dataset": "pima",
            "model": "tree",
            "seed": 0,
            "strategy": ["none", "adasyn", "adasyn"],
            "resampler": ["none", "adasyn_b0.5", "adasyn_b1"],
            "mean": [0.5, 0.6, 0.7],
            "ci_low": [0.4, 0.5, 0.6],
            "ci_high": [0.6, 0.7, 0.8],
        }
    )
    merged = rows.assign(resampler=["none", "adasyn", "adasyn"])
    # Three rows are taller than two (the two adasyn configurations are not merged).
    assert _png_height(forest_plot_png(rows, "test/pr_auc")) > _png_height(
        forest_plot_png(merged, "test/pr_auc")
    )


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, run_grid):
    overrides = [
        "experiment=quick",
        "experiment.grid.resampler=[none,adasyn,class_weight]",
        "evaluation=fast",
        "evaluation.n_jobs=1",
        "evaluation.progress=false",
        "evaluation.track_memory=true",
        "tracking=none",
        "export=none",
    ]
    return run_grid(tmp_path_factory.mktemp("quick"), overrides)


@pytest.mark.slow
def test_experiment_report_shows_a_forest_plot_per_headline_metric(quick_run):
    images = _images(quick_run.report_html.read_text())
    for metric in ("test/minority_recall", "test/minority_f1", "test/pr_auc"):
        png = images[f"Forest plot: {metric}"]
        assert png.startswith(PNG) and len(png) > 1000
        assert quick_run.forest_plot(metric).read_bytes() == png
        assert f"({quick_run.forest_plot(metric).relative_to(quick_run.path)})" in (
            quick_run.report_md.read_text()
        )
    assert all(png.startswith(PNG) and len(png) > 1000 for png in images.values())


@pytest.mark.slow
def test_experiment_report_ranks_strategies_and_fits_the_page(quick_run):
    page = quick_run.report_html.read_text()
    assert "white-space:nowrap" in page and "overflow-x:auto" in page
    numbers = pd.read_csv(quick_run.comparison_csv)
    f1 = numbers[numbers["metric"] == "test/minority_f1"].set_index("resampler")["mean"]
    strategies = page.split("Strategies (mean [95% CI] over folds, ranked)")[1]
    order = sorted(f1.index, key=lambda name: strategies.index(f"<td>{name}</td>"))
    assert order == list(f1.sort_values(ascending=False).index)


@pytest.mark.slow
def test_job_report_has_grouped_metrics_and_a_pr_curve_with_its_baseline(quick_run):
    job = quick_run.job(next(p.name for p in quick_run.jobs_dir.iterdir()))
    page = job.report_html.read_text()
    images = _images(page)
    assert images["pr_curve"].startswith(PNG) and len(images["pr_curve"]) > 1000
    assert "<h2>Minority SLIs</h2>" in page and "<h2>Time and memory</h2>" in page
    assert " MiB" in page and "175301" not in page
    assert "![pr_curve](plots/pr_curve.png)" in job.report_md.read_text()


@pytest.mark.slow
def test_job_report_shows_the_confusion_matrix_of_its_predictions(quick_run):
    for job in sorted(quick_run.jobs_dir.iterdir()):
        folder = quick_run.job(job.name)
        images = _images(folder.report_html.read_text())
        png = folder.plot("confusion_matrix").read_bytes()
        assert png.startswith(PNG) and images["confusion_matrix"] == png
        assert "![confusion_matrix](plots/confusion_matrix.png)" in folder.report_md.read_text()


def test_wide_tables_put_intervals_under_means_and_break_headers():
    import pandas as pd

    from harness.report.pages import render_html

    frame = pd.DataFrame(
        {"resampler": ["<b>smote</b>"], "test/minority_recall": ["0.617 [0.516, 0.719]"]}
    )
    page = render_html("t", [("Strategies", frame)], {})
    assert "<td>0.617<span class='ci'>[0.516, 0.719]</span></td>" in page
    assert "<th>test/<wbr>minority_<wbr>recall</th>" in page
    assert "&lt;b&gt;smote&lt;/b&gt;" in page  # data values stay escaped
