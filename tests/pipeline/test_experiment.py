"""An experiment end to end: the paper replication's report, files and terminal summary."""

import pandas as pd

from harness.runs import ExperimentFolder

#: experiment=paper_replication on one data set and three splits: every output, in seconds.
SMALL_REPLICATION = [
    "experiment=paper_replication",
    "dataset=pima",
    "evaluation.n_repeats=3",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "evaluation.label_issues=false",
    "evaluation.job_report=false",
    "tracking=none",
    "export=none",
]


def test_the_paper_replication_compares_every_published_cell(tmp_path, run_grid):
    folder: ExperimentFolder = run_grid(tmp_path, SMALL_REPLICATION)
    cells = pd.read_csv(folder.replication_csv, keep_default_na=False)
    assert len(cells) == 75
    pima = cells[cells["dataset"] == "pima"]
    assert len(pima) == 15 and set(pima["paper_value"]) <= {"inside", "outside"}
    assert (pima["n_splits"] == 3).all()
    assert (pima["note"] == "3 splits (the paper: 100)").all()  # N = 200, d_th, tree: as published
    others = cells[cells["dataset"] != "pima"]
    assert (others["paper_value"] == "no interval").all()
    claims = pd.read_csv(folder.replication_claims_csv, keep_default_na=False)
    tested = claims[claims["outcome"] != "not tested"]
    assert len(claims) == 30 and set(tested["dataset"]) == {"pima"} and len(tested) == 6
    assert (tested["J"] == 3).all()
    comparison = pd.read_csv(folder.comparison_csv)
    assert "test/accuracy" in set(comparison["metric"])
    report = folder.report_md.read_text()
    assert "## Replication of a published table (he2008_table2)" in report
    assert "doi:10.1109/IJCNN.2008.4633969" in report
    assert "60 without a harness value" in report
    assert "Replication of he2008_table2: every published cell" in folder.report_html.read_text()
