"""The end of a sweep judges every job of it before the report is written."""

from __future__ import annotations

import pytest

from tests.support.cli import run_harness

FAST = ["evaluation=fast", "evaluation.progress=false", "tracking=none", "export=none"]


@pytest.mark.slow
def test_the_sweeps_report_opens_with_its_verdicts(tmp_path):
    result = run_harness(
        "run",
        "-m",
        "resampler=none,ros",
        "slo=relative",
        "hydra.launcher.n_jobs=1",
        "evaluation.job_report=false",
        *FAST,
        root=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (sweep,) = (tmp_path / "outputs" / "sweeps").iterdir()
    markdown = (sweep / "report.md").read_text()
    first = markdown.split("\n## ")[1]
    assert first.startswith("Verdict under the SLO set `relative` (the run's config)")
    assert "- **ros** vs none — **" in first and "- **none** (the reference) — **" in first
    page = (sweep / "report.html").read_text()
    assert page.index("<section class='verdicts'>") < page.index("<figure")
    assert "Verdicts under the 'relative' SLO set" not in result.stdout or "ros:" in result.stdout
