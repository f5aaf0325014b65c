"""``harness compare`` on a replication's folder compares it with the published table again."""

import pytest

from harness.commands.compare import compare_main, recorded_published_table
from harness.errors import ConfigError
from harness.runs import ExperimentFolder, RunFolder
from tests.pipeline.test_experiment import SMALL_REPLICATION
from tests.report.conftest import run_grid  # noqa: F401  (a fixture, used by name)


def test_compare_rewrites_the_replication_of_the_table_the_jobs_name(tmp_path, run_grid):  # noqa: F811
    folder: ExperimentFolder = run_grid(tmp_path, SMALL_REPLICATION)
    assert recorded_published_table(folder.path).name == "he2008_table2"
    folder.replication_csv.unlink()
    folder.replication_claims_csv.unlink()
    assert compare_main([str(folder.path)]) == 0
    assert folder.replication_csv.is_file() and folder.replication_claims_csv.is_file()
    assert "## Replication of a published table (he2008_table2)" in folder.report_md.read_text()

    job = RunFolder(next(folder.jobs_dir.iterdir()))
    job.config.write_text(job.config.read_text().replace("he2008_table2", "he2009_table1"))
    with pytest.raises(ConfigError, match="replicate different published tables"):
        recorded_published_table(folder.path)
