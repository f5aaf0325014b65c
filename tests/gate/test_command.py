"""``harness gate`` end to end on results folders: exit codes and written summaries."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from harness.gate.command import gate_main
from tests.gate.conftest import PASSING_METRICS, make_record, write_run_dir


def _gate(*args, out=None):
    argv = [str(a) for a in args]
    if out is not None:
        argv += ["--out", str(out)]
    return gate_main(argv)


def test_a_run_meeting_every_slo_passes(run_dir, tmp_path, capsys):
    assert _gate("--run-dir", run_dir(), out=tmp_path / "gate") == 0
    assert "Model-quality gate: PASS" in capsys.readouterr().out
    summary = json.loads((tmp_path / "gate" / "gate.json").read_text())
    assert summary["passed"] is True and summary["n_failed"] == 0


def test_missing_recall_by_a_hair_fails_and_the_summary_names_it(run_dir, tmp_path):
    folder = run_dir(metrics={**PASSING_METRICS, "test/minority_recall": 0.7999})
    assert _gate("--run-dir", folder, out=tmp_path / "gate") == 1
    markdown = (tmp_path / "gate" / "summary.md").read_text()
    assert "FAIL" in markdown.splitlines()[0]
    row = next(line for line in markdown.splitlines() if "| minority_recall |" in line)
    assert "test/minority_recall" in row and "0.7999" in row and ">= 0.8" in row
    assert "**FAIL**" in row


def test_markdown_has_the_table_header_and_one_row_per_check(run_dir, tmp_path):
    _gate("--run-dir", run_dir(), out=tmp_path / "gate")
    lines = (tmp_path / "gate" / "summary.md").read_text().splitlines()
    assert "| candidate | check | metric | value | threshold | verdict |" in lines
    checks = json.loads((tmp_path / "gate" / "gate.json").read_text())["checks"]
    rows = [line for line in lines if line.startswith("| pima/")]
    assert len(rows) == len(checks)


def test_junit_has_one_testcase_per_check_and_failures_with_messages(run_dir, tmp_path):
    folder = run_dir(metrics={**PASSING_METRICS, "gap/minority_recall": 0.3})
    junit = tmp_path / "report.xml"
    assert _gate("--run-dir", folder, "--junit", junit, out=tmp_path / "gate") == 1
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase")
    checks = json.loads((tmp_path / "gate" / "gate.json").read_text())["checks"]
    assert len(cases) == len(checks)
    failures = [case for case in cases if case.find("failure") is not None]
    assert [case.get("name") for case in failures] == ["train_test_gap"]
    assert "gap/minority_recall = 0.3" in failures[0].find("failure").get("message")
    assert root.get("failures") == "1"


def test_decision_ci_keeps_a_noisy_metric_from_failing(run_dir):
    ci95 = {k: [v - 0.02, v + 0.02] for k, v in PASSING_METRICS.items()}
    ci95["test/minority_recall"] = [0.76, 0.82]
    folder = run_dir(metrics={**PASSING_METRICS, "test/minority_recall": 0.79}, ci95=ci95)
    assert _gate("--run-dir", folder) == 1
    assert _gate("--run-dir", folder, "--decision", "ci") == 0


def test_regression_against_a_baseline_folder(run_dir):
    baseline = run_dir("baseline", metrics={**PASSING_METRICS, "test/minority_recall": 0.90})
    candidate = run_dir("candidate")  # recall 0.85: 0.05 below the baseline
    common = ["--run-dir", candidate, "--baseline-run-dir", baseline]
    assert _gate(*common, "--regression-metrics", "test/minority_recall") == 1
    assert _gate(*common, "--min-absolute-change", "-0.06") == 0
    assert _gate(*common, "--min-absolute-change", "-0.04") == 1
    assert _gate(*common, "--min-relative-change", "-0.1") == 0


def test_a_sweep_folder_gates_every_run_and_filters_select(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    write_run_dir(sweep / "0", make_record(resampler="adasyn"))
    bad = {**PASSING_METRICS, "test/minority_recall": 0.5}
    write_run_dir(sweep / "1", make_record(bad, resampler="smote"))
    assert _gate("--run-dir", sweep) == 1
    assert "pima/smote" in capsys.readouterr().out
    assert _gate("--run-dir", sweep, "--resampler", "adasyn") == 0
    assert _gate("--run-dir", sweep, "--resampler", "ros") == 2


def test_markdown_is_appended_for_step_summaries(run_dir, tmp_path):
    summary = tmp_path / "step_summary.md"
    summary.write_text("# Earlier step\n")
    _gate("--run-dir", run_dir(), "--markdown", summary)
    text = summary.read_text()
    assert text.startswith("# Earlier step\n") and "Model-quality gate: PASS" in text


def test_exit_2_for_a_missing_run(tmp_path, capsys):
    assert _gate("--run-dir", tmp_path / "nowhere") == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert _gate("--run-dir", tmp_path / "empty") == 2


def test_exit_2_for_a_missing_slo_set(run_dir, capsys):
    assert _gate("--run-dir", run_dir(), "--slo", "no_such_set") == 2
    assert "no_such_set" in capsys.readouterr().err


def test_exit_2_for_a_malformed_slo_file(run_dir, tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nobjectives:\n  - metric: test/minority_recall\n    op: '=>'\n")
    assert _gate("--run-dir", run_dir(), "--slo", broken) == 2
    assert "threshold" in capsys.readouterr().err
    broken.write_text("objectives: [unclosed\n")
    assert _gate("--run-dir", run_dir(), "--slo", broken) == 2


def test_exit_2_for_bad_usage(run_dir, tmp_path, capsys):
    assert _gate() == 2
    assert _gate("--run-dir", run_dir(), "--reference", tmp_path / "a.csv") == 2
    assert "--current" in capsys.readouterr().err
    assert _gate("--run-dir", run_dir(), "--baseline-alias", "champion") == 2
    assert _gate("--run-dir", run_dir(), "--decision", "maybe") == 2


def test_a_failed_run_fails_the_gate(run_dir):
    assert _gate("--run-dir", run_dir(status="failed")) == 1
