"""Per-group table and plot of an experiment report, from records' pooled fairness values."""

from __future__ import annotations

from harness.metrics.catalog import fairness_key
from harness.report.group_fairness import group_fairness_section, group_tables, group_values
from harness.runs import ExperimentFolder

PNG = b"\x89PNG"


def record(strategy: str, column: str, groups: dict[str, tuple[float, float, float]]) -> dict:
    """A successful job's record with (size, recall, selection rate) per group."""
    metrics, ci95 = {}, {}
    for group, (size, recall, selection) in groups.items():
        metrics[fairness_key(column, "n", group)] = size
        for name, value in (("recall", recall), ("selection_rate", selection)):
            key = fairness_key(column, name, group)
            metrics[key] = value
            ci95[key] = [value - 0.05, value + 0.05]
    return {
        "dataset": "arrests",
        "model": "logistic_regression",
        "seed": 0,
        "resampler": strategy,
        "strategy": strategy,
        "status": "success",
        "params": {"evaluation.min_group_size": 30},
        "metrics": metrics,
        "ci95": ci95,
    }


RECORDS = [
    record("none", "race/ethnicity", {"A": (400, 0.2, 0.1), "B": (12, 0.5, 0.3)}),
    record("adasyn", "race/ethnicity", {"A": (400, 0.7, 0.4), "B": (12, 0.6, 0.5)}),
]


def test_one_row_per_strategy_and_group_with_size_interval_and_small_flag():
    [(column, table)] = group_tables(group_values(RECORDS))
    assert column == "race/ethnicity"
    rows = table.set_index(["group", "strategy"])
    assert rows.loc[("A", "adasyn"), "recall [95% CI]"] == "0.700 [0.650, 0.750]"
    assert rows.loc[("B", "none"), "selection_rate [95% CI]"] == "0.300 [0.250, 0.350]"
    assert rows.loc[("B", "none"), "n"] == "12"
    assert rows.loc[("B", "adasyn"), "small group"] == "yes (n < 30)"
    assert rows.loc[("A", "none"), "small group"] == ""


def test_a_group_without_an_interval_shows_its_value_alone():
    plain = record("none", "sex", {"F": (50, 0.4, 0.2)})
    plain["ci95"] = {}
    [(_, table)] = group_tables(group_values([plain]))
    assert table.loc[0, "recall [95% CI]"] == "0.400"


def test_the_section_writes_one_plot_per_column_under_plots(tmp_path):
    folder = ExperimentFolder(tmp_path)
    section = group_fairness_section(folder, RECORDS)
    [path] = section.files
    assert path == folder.group_recall_plot("race/ethnicity")
    assert path.parent == folder.plots and "/" not in path.name.removeprefix("group_recall_")
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 5000
    assert section.images["Recall per group: race/ethnicity"] == path.read_bytes()
    assert f"]({path.relative_to(tmp_path)})" in "\n".join(section.markdown)


def test_a_column_name_that_needs_escaping_never_shares_a_file():
    folder = ExperimentFolder("exp")
    assert folder.group_recall_plot("a/b") != folder.group_recall_plot("a_b")
    assert folder.group_recall_plot("race").name == "group_recall_race.png"


def test_jobs_without_sensitive_columns_add_nothing(tmp_path):
    plain = dict(RECORDS[0], metrics={"test/minority_recall": 0.5}, ci95={})
    section = group_fairness_section(ExperimentFolder(tmp_path), [plain])
    assert section.files == [] and section.markdown == [] and section.tables == []
    assert not (tmp_path / "plots").exists()


def test_a_value_outside_its_interval_is_still_plotted(tmp_path):
    # A fold mean can lie outside the pooled Wilson interval of a small group (seen on a user's
    # table): the plot draws the interval as it is instead of failing on a negative error bar.
    outside = record("none", "gender", {"female": (8, 0.0, 0.1), "male": (9, 0.6, 0.2)})
    outside["ci95"][fairness_key("gender", "recall", "female")] = [0.02, 0.3]
    section = group_fairness_section(ExperimentFolder(tmp_path), [outside])
    [path] = section.files
    assert path.read_bytes().startswith(PNG)
