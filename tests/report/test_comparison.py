"""`harness compare` fails closed: an unreadable or missing result is an error, never a skip.

With ``--allow-missing`` it compares what it can read and names every job it left out in every
output: the terminal, report.md, comparison.csv and left_out.csv.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.report.comparison import compare
from harness.runs import ExperimentFolder
from tests.support.cli import run_harness

OVERRIDES = [
    "evaluation=fast",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "tracking=none",
    "export=none",
    "experiment.grid={resampler: [none, ros]}",
]
NONE_JOB = "pima__none__decision_tree__seed0"
ROS_JOB = "pima__ros__decision_tree__seed0"


@pytest.fixture(scope="module")
def finished(tmp_path_factory, run_grid) -> Path:
    """A finished two-job experiment folder; tests change only their own copy of it."""
    return run_grid(tmp_path_factory.mktemp("finished"), OVERRIDES).path


@pytest.fixture
def experiment(finished, tmp_path) -> ExperimentFolder:
    copy = tmp_path / "exp"
    shutil.copytree(finished, copy)
    return ExperimentFolder(copy)


def harness_compare(experiment: ExperimentFolder, *options: str) -> subprocess.CompletedProcess:
    """``harness compare`` of ``experiment`` in a subprocess, its root the folder's parent."""
    folder = experiment.path
    return run_harness("compare", str(folder), *options, root=folder.parent, timeout=300)


def test_a_complete_folder_compares(experiment):
    comparison = compare(experiment.path)
    assert len(comparison.records) == 2 and comparison.left_out == []
    assert not experiment.left_out_csv.exists()


def test_an_unreadable_result_fails_with_exit_2_naming_it(experiment):
    damaged = experiment.job(ROS_JOB).result
    damaged.write_text('{"status": "success", "metr')
    before = experiment.comparison_csv.read_text()
    result = harness_compare(experiment)
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(damaged) in result.stderr
    assert "--allow-missing" in result.stderr
    assert "skipping" not in result.stderr + result.stdout
    assert experiment.comparison_csv.read_text() == before


def test_allow_missing_names_the_left_out_job_in_every_output(experiment):
    damaged = experiment.job(ROS_JOB).result
    original = damaged.read_text()
    damaged.write_text("not json")
    result = harness_compare(experiment, "--allow-missing")
    assert result.returncode == 0, result.stderr[-3000:]
    job = str(experiment.job(ROS_JOB).path)
    assert "LEFT OUT 1 job(s)" in result.stdout and job in result.stdout
    assert job in result.stderr
    assert job in experiment.report_md.read_text()
    table = pd.read_csv(experiment.comparison_csv)
    # comparison.csv has one row per (job, metric), then one row per job left out.
    assert set(table["status"]) == {"success", "left out"}
    assert list(table["status"]).count("left out") == 1
    assert table["status"].iloc[-1] == "left out" and job in table["left_out"].iloc[-1]
    left_out = pd.read_csv(experiment.left_out_csv)
    assert list(left_out["job"]) == [job]
    assert "not valid JSON" in left_out["reason"].iloc[0]

    # Once the job is rerun, nothing is left out and the sidecar goes away.
    damaged.write_text(original)
    compare(experiment.path)
    assert not experiment.left_out_csv.exists()


def test_an_unfinished_job_is_refused_unless_allowed(experiment):
    experiment.job(NONE_JOB).result.unlink()  # killed before it committed
    result = harness_compare(experiment)
    assert result.returncode == 2
    assert f"{experiment.job(NONE_JOB).path}: no result.json" in result.stderr
    comparison = compare(experiment.path, allow_missing=True)
    assert [r["resampler"] for r in comparison.records] == ["ros"]
    assert [item.job for item in comparison.left_out] == [str(experiment.job(NONE_JOB).path)]


def test_a_job_no_manifest_lists_is_not_compared(experiment, finished):
    # A run folder of another run copied (or left) into this one must not join its report.
    stray = experiment.jobs_dir / "pima__smote__decision_tree__seed7"
    shutil.copytree(finished / "jobs" / ROS_JOB, stray)
    with pytest.raises(InputDataError, match="not listed in any manifest.json"):
        compare(experiment.path)
    comparison = compare(experiment.path, allow_missing=True)
    assert len(comparison.records) == 2
    assert [item.job for item in comparison.left_out] == [str(stray)]


def test_a_record_of_another_schema_is_refused(experiment):
    path = experiment.job(ROS_JOB).result
    record = json.loads(path.read_text())
    record["schema"] = 1
    path.write_text(json.dumps(record))
    with pytest.raises(InputDataError, match="result schema 1"):
        compare(experiment.path)


def test_paper_layout_only_for_the_paper_protocol():
    from harness.report.comparison import paper_layout

    record = {
        "status": "success",
        "dataset": "pima",
        "strategy": "adasyn",
        "resampler": "adasyn",
        "model": "decision_tree",
        "params": {"evaluation.folds": "holdout"},
        "metrics": {
            "test/accuracy": 0.7,
            "test/minority_precision": 0.55,
            "test/minority_recall": 0.64,
            "test/minority_f1": 0.59,
            "test/g_mean": 0.67,
        },
    }
    table = paper_layout([record])
    assert list(table.columns) == [
        "dataset", "method", "model", "OA", "Precision", "Recall", "F-measure", "G-mean",
    ]  # fmt: skip
    assert table.iloc[0]["OA"] == 0.7
    other = dict(record, params={"evaluation.folds": "stratified"})
    assert paper_layout([other]).empty


@pytest.fixture(scope="module")
def fairness(tmp_path_factory, run_grid) -> ExperimentFolder:
    """Two strategies on arrests (sensitive columns race, sex, citizen, age group)."""
    overrides = [
        "experiment=fairness_arrests",
        *OVERRIDES[:-1],
        "experiment.grid={resampler: [none, ros]}",
        "evaluation.n_splits=3",
        "evaluation.precision_target=null",
        "evaluation.label_issues=false",
        "evaluation.job_report=false",
        # Female (443 of 5226 rows) and the over-45s (154) fall below it: flagged as small.
        "evaluation.min_group_size=500",
    ]
    return run_grid(tmp_path_factory.mktemp("fairness"), overrides)


@pytest.mark.slow
def test_the_report_of_a_run_with_sensitive_columns_has_a_table_and_plot_per_column(fairness):
    markdown = fairness.report_md.read_text()
    page = fairness.report_html.read_text()
    for column in ("race", "sex", "citizen", "age_group"):
        plot = fairness.group_recall_plot(column)
        assert plot.read_bytes().startswith(b"\x89PNG") and plot.stat().st_size > 5000
        assert f"({plot.relative_to(fairness.path)})" in markdown
        assert f"alt='Recall per group: {column}'" in page
        assert f"<h2>Per group: {column}</h2>" in page
    section = markdown.split("### Per group: sex")[1].split("\n#")[0]
    rows = [line for line in section.splitlines() if line.startswith("| arrests")]
    assert len(rows) == 4  # 2 strategies x 2 groups
    female = [row for row in rows if "| Female |" in row]
    assert all("| 443 |" in row and "yes (n < 500)" in row for row in female)
    assert all("yes (n < 500)" not in row for row in rows if "| Male |" in row)
    assert all(row.count("[") == 2 for row in rows)  # recall and selection rate intervals


@pytest.mark.slow
def test_comparison_csv_carries_every_group_value_with_its_interval(fairness):
    numbers = pd.read_csv(fairness.comparison_csv)
    black = numbers[numbers["metric"].str.startswith("fairness/race/group/Black/")]
    assert len(black) == 6  # n, recall, selection_rate for each of 2 strategies
    sizes = black[black["metric"].str.endswith("/n")]["mean"]
    assert set(sizes) == {1288.0}
    recall = black[black["metric"].str.endswith("/recall")]
    assert (recall["ci_low"] <= recall["mean"]).all() and (
        recall["mean"] <= recall["ci_high"]
    ).all()
    assert recall["ci_method"].str.contains("Wilson").all()


def test_a_run_without_sensitive_columns_has_no_group_section(finished):
    markdown = (finished / "report.md").read_text()
    assert "per sensitive group" not in markdown and "Per group:" not in markdown
    assert not list((finished / "plots").glob("group_recall_*"))
    numbers = pd.read_csv(finished / "comparison.csv")
    assert not numbers["metric"].str.contains("/group/").any()


# -- the answer first, the set the run is judged under, every objective's metric -------------


def test_the_report_opens_with_the_verdicts_under_the_runs_slo_set(finished):
    markdown = (finished / "report.md").read_text()
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    # The jobs ran with the config's default SLO set, and the pipeline judged them first.
    assert headings[0] == "## Verdict under the SLO set `default` (the run's config)"
    verdicts = markdown.split(headings[0])[1].split(headings[1])[0]
    assert verdicts.count("\n- **") == 2  # one bullet per strategy: none and ros
    assert "**Verdict: " in verdicts
    page = (finished / "report.html").read_text()
    assert "<h2>Verdict under the SLO set <code>default</code>" in page
    assert page.index("<section class='verdicts'>") < page.index("<figure")
    assert page.index("<section class='verdicts'>") < page.index("<table")


def test_a_report_without_verdicts_says_so_first(experiment):
    compare(experiment.path)
    markdown = experiment.report_md.read_text()
    assert markdown.split("\n## ")[1].startswith("Verdict\n\nNot judged in this report")
    # ... and its plots draw no SLO set rather than a hard-coded one.
    assert "No SLO set was given, so no objective is drawn" in markdown
    assert "(>= 0.8)" not in markdown


CUSTOM_SLO = """\
name: mine
objectives:
  - name: recall_floor
    metric: test/minority_recall
    op: ">="
    threshold: {threshold}
"""


def _custom(tmp_path: Path, threshold: float):
    from harness.slo import load_slo_set

    path = tmp_path / f"mine_{threshold}.yaml"
    path.write_text(CUSTOM_SLO.format(threshold=threshold))
    return load_slo_set(path)


def test_forest_plots_draw_the_set_given_a_custom_file_too(experiment, tmp_path):
    plot = experiment.forest_plot("test/minority_recall")
    compare(experiment.path, slo=_custom(tmp_path, 0.05))
    markdown, low = experiment.report_md.read_text(), plot.read_bytes()
    assert "Black dashed: the bound of recall_floor (>= 0.05)" in markdown
    assert "Green: the mean meets every objective line" in markdown
    compare(experiment.path, slo=_custom(tmp_path, 0.95))
    markdown, high = experiment.report_md.read_text(), plot.read_bytes()
    assert "Black dashed: the bound of recall_floor (>= 0.95)" in markdown
    assert "Red: the mean misses an objective line" in markdown
    assert low != high
    page = experiment.report_html.read_text()
    assert "Black dashed: the bound of recall_floor (&gt;= 0.95)" in page  # the caption


def test_paired_comparisons_cover_every_metric_an_objective_uses(experiment):
    from harness.report.pages import slo_metrics
    from harness.slo import load_slo_set

    slo = load_slo_set("relative")
    comparison = compare(experiment.path, slo=slo)
    tests = pd.read_csv(experiment.paired_tests_csv)
    wanted = set(slo_metrics(slo))
    assert {"test/pr_auc", "test/recall_at_precision", "gap/minority_recall"} <= wanted
    assert wanted <= set(tests["metric"])
    assert set(comparison.tests["metric"]) == set(tests["metric"])
    # A decision tree's scores are hard: the metrics that need a ranking or an operating point
    # are not tested, and the row says why (as the gate does: the job's own reason first).
    for metric in ("test/pr_auc", "test/recall_at_precision"):
        rows = tests[tests["metric"] == metric]
        assert len(rows) == 1 and rows["mean_difference"].isna().all()
        assert "is not defined for" in rows["note"].iloc[0]
    pr_auc = tests.loc[tests["metric"] == "test/pr_auc", "note"].iloc[0]
    assert "needs continuous scores (ranking)" in pr_auc and "hard scores" in pr_auc
    gap = tests[tests["metric"] == "gap/minority_recall"]
    assert gap["mean_difference"].notna().all() and gap["n_folds"].iloc[0] == 3
    markdown = experiment.report_md.read_text()
    assert "every metric an objective of `relative` uses" in markdown
    assert "| test/pr_auc | pima |" in markdown


def test_no_interval_shown_is_below_its_metrics_lower_bound(finished):
    import re

    from harness.metrics.catalog import parse_key

    numbers = pd.read_csv(finished / "comparison.csv")
    for row in numbers.dropna(subset=["ci_low"]).itertuples(index=False):
        spec = parse_key(row.metric).spec
        assert spec.low <= row.ci_low <= row.ci_high <= spec.high, row
    interval = re.compile(r"^\| (\S+) \| (-?[\d.]+) \[(-?[\d.]+), (-?[\d.]+)\]")
    checked = 0
    for report in (finished / "jobs").glob("*/report.md"):
        for line in report.read_text().splitlines():
            found = interval.match(line)
            if found and parse_key(found[1]) is not None:
                assert float(found[3]) >= parse_key(found[1]).spec.low, line
                checked += 1
    assert checked > 20
