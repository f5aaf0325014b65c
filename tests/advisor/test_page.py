"""docs/advisor.md from a fitted advisor: the validation table, its baselines and the goal."""

from harness.advisor.page import render_page, write_page


def test_the_page_names_the_training_data_the_baselines_and_the_command(fitted, tmp_path):
    text = render_page(fitted, command="harness advisor-fit docs/data/benchmark.csv.gz")
    assert "`harness advisor-fit docs/data/benchmark.csv.gz`" in text
    assert "knn 24, logistic_regression 24" in text
    assert "`decision_tree`, `hist_gradient_boosting`" in text  # not in the table: no advice
    for column in ("advisor", "IR only", "prior", "always none", "always ADASYN"):
        assert f"| {column} |" in text
    assert "Wilcoxon p =" in text
    path = write_page(fitted, tmp_path, command="x")
    assert path.read_text() == render_page(fitted, command="x")
