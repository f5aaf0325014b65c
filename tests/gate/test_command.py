"""``harness gate`` end to end on results folders: exit codes and written summaries.

The reported fail-open cases run ``harness gate`` in a subprocess, as CI runs it; the rest
drive :func:`harness.commands.gate.gate_main` in-process.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from harness.commands.gate import gate_main
from harness.metrics.catalog import fairness_key
from harness.slo import CONF_SLO_DIR
from tests.gate.conftest import (
    KINDS,
    PASSING_METRICS,
    harness_gate,
    make_record,
    write_experiment,
    write_run_dir,
    write_sweep,
)

EQUALIZED_ODDS = fairness_key("sex", "equalized_odds_difference")


def _gate(*args, out=None):
    argv = [str(a) for a in args]
    if out is not None:
        argv += ["--out", str(out)]
    return gate_main(argv)


# -- the reported fail-open cases, as CI runs them -----------------------------------------------


def _record_folder(tmp: Path, change: Callable[[dict], None]) -> list[object]:
    record = make_record()
    change(record)
    return ["--run-dir", write_run_dir(tmp / "run", record)]


def _raw_folder(tmp: Path, text: str) -> list[object]:
    folder = tmp / "run"
    folder.mkdir()
    (folder / "result.json").write_text(text)
    return ["--run-dir", folder]


def _slo_file(tmp: Path, change: Callable[[dict], None]) -> list[object]:
    raw = yaml.safe_load((CONF_SLO_DIR / "default.yaml").read_text())
    change(raw)
    path = tmp / "slo.yaml"
    path.write_text(yaml.safe_dump(raw))
    return ["--run-dir", write_run_dir(tmp / "run", make_record()), "--slo", path]


def _set_metric(key, value):
    return lambda record: record["metrics"].__setitem__(key, value)


def _slash_column(record):
    column = "race/ethnicity"
    record["sensitive_columns"] = [column]
    for metric in ("equalized_odds_difference", "demographic_parity_difference"):
        record["metrics"].pop(fairness_key("sex", metric))
    record["metrics"][fairness_key(column, "equalized_odds_difference")] = 0.32
    record["metrics"][fairness_key(column, "demographic_parity_difference")] = 0.05


def _killed_sweep(tmp: Path) -> list[object]:
    done = [[make_record(resampler=kind)] for kind in KINDS[:2]]
    return ["--run-dir", write_sweep(tmp / "sweep", done, n_jobs=5)]


def _recall_literal(literal: str) -> Callable[[Path], list[object]]:
    text = json.dumps(make_record()).replace('"test/minority_recall": 0.85', f'"x": {literal}')
    return lambda tmp: _raw_folder(tmp, text.replace('"x":', '"test/minority_recall":'))


def _gap_literal(tmp: Path) -> list[object]:
    text = json.dumps(make_record()).replace(
        '"gap/minority_recall": 0.05', '"gap/minority_recall": -Infinity'
    )
    return _raw_folder(tmp, text)


def _renamed(name: str) -> Callable[[Path], list[object]]:
    def build(tmp: Path) -> list[object]:
        record = make_record(resampler=name, strategy="adasyn")
        record["metrics"]["resample/synthetic_ratio"] = 0.58
        return ["--run-dir", write_run_dir(tmp / "run", record)]

    return build


def _baseline_args(tmp: Path, *extra: object) -> list[object]:
    baseline = write_run_dir(tmp / "baseline", make_record())
    candidate = write_run_dir(tmp / "candidate", make_record())
    return ["--run-dir", candidate, "--baseline-run-dir", baseline, *extra]


def _objectives(change):
    return lambda raw: change(raw["objectives"])


CASES = {
    "fairness metric missing": (
        lambda tmp: _record_folder(tmp, lambda r: r["metrics"].pop(EQUALIZED_ODDS)),
        1,
        "fairness/sex/equalized_odds_difference is missing",
    ),
    "fairness metric null": (
        lambda tmp: _record_folder(tmp, _set_metric(EQUALIZED_ODDS, None)),
        1,
        "is null in the run",
    ),
    "fairness metric 'NaN' text": (
        lambda tmp: _record_folder(tmp, _set_metric(EQUALIZED_ODDS, "NaN")),
        2,
        "is not a number",
    ),
    "sensitive column with a slash": (
        lambda tmp: _record_folder(tmp, _slash_column),
        1,
        "FAIL pima/adasyn/decision_tree s0 equalized_odds[race/ethnicity]",
    ),
    "sweep killed after 2 of 5 jobs": (_killed_sweep, 2, "asks for 5 sweep jobs, 2 started"),
    "SLO typo fairnes": (
        lambda tmp: _slo_file(tmp, lambda raw: raw.update(fairnes=raw.pop("fairness"))),
        2,
        "unknown key 'fairnes' (did you mean 'fairness'?)",
    ),
    "SLO typo thresold": (
        lambda tmp: _slo_file(
            tmp, _objectives(lambda o: o[0].update(thresold=o[0].pop("threshold")))
        ),
        2,
        "objectives[0]: unknown key 'thresold'",
    ),
    "SLO typo objectivez": (
        lambda tmp: _slo_file(tmp, lambda raw: raw.update(objectivez=[])),
        2,
        "unknown key 'objectivez' (did you mean 'objectives'?)",
    ),
    "SLO applies_to unknown strategy": (
        lambda tmp: _slo_file(tmp, _objectives(lambda o: o[4].update(applies_to=["adasynn"]))),
        2,
        "'adasynn' is not a strategy kind (did you mean 'adasyn'?)",
    ),
    "SLO applies_to empty": (
        lambda tmp: _slo_file(tmp, _objectives(lambda o: o[4].update(applies_to=[]))),
        2,
        "'applies_to' is an empty list",
    ),
    "SLO objectives empty": (
        lambda tmp: _slo_file(tmp, lambda raw: raw.update(objectives=[])),
        2,
        "'objectives' is an empty list",
    ),
    "strategy renamed adasyn_b2": (_renamed("adasyn_b2"), 1, "FAIL pima/adasyn_b2"),
    "strategy renamed ADASYN": (_renamed("ADASYN"), 1, "synthetic_ratio_max: mean 0.58 misses"),
    "recall Infinity": (_recall_literal("Infinity"), 2, "Infinity is not a number JSON allows"),
    "recall 5.0": (
        lambda tmp: _record_folder(tmp, _set_metric("test/minority_recall", 5.0)),
        1,
        "outside its possible range [0, 1]",
    ),
    "gap -Infinity": (_gap_literal, 2, "-Infinity is not a number JSON allows"),
    "status missing": (
        lambda tmp: _record_folder(tmp, lambda r: r.pop("status")),
        2,
        "status None is not one of",
    ),
    "status success with an error": (
        lambda tmp: _record_folder(tmp, lambda r: r.update(error="ValueError: boom")),
        2,
        "status 'success' but carries the error",
    ),
    "regression metrics empty": (
        lambda tmp: _baseline_args(tmp, "--regression-metrics", ""),
        2,
        "--regression-metrics names no metric",
    ),
    "min absolute change nan": (
        lambda tmp: _baseline_args(tmp, "--min-absolute-change", "nan"),
        2,
        "is not a finite number",
    ),
    "run dir is a file": (
        lambda tmp: ["--run-dir", write_run_dir(tmp / "run", make_record()) / "result.json"],
        2,
        "is a file, not a folder",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_reported_fail_open_cases_no_longer_pass(case, tmp_path):
    build, code, words = CASES[case]
    result = harness_gate(*build(tmp_path))
    assert result.returncode == code, result.stdout[-2000:] + result.stderr[-2000:]
    assert words in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# -- exit codes and outputs, in-process ----------------------------------------------------------


def test_a_run_meeting_every_slo_passes(run_dir, tmp_path, capsys):
    assert _gate("--run-dir", run_dir(), out=tmp_path / "gate") == 0
    out = capsys.readouterr().out
    # 7 objectives, 2 fairness bounds and run_status pass; the label-issues warning is OK.
    assert "Model-quality gate: PASS (10 passed, 0 failed, 0 not applicable, 0 warnings" in out
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


def test_decision_ci_calls_a_noisy_metric_inconclusive_not_failed(run_dir):
    ci95 = make_record()["ci95"]
    ci95["test/minority_recall"] = [0.76, 0.82]
    folder = run_dir(metrics={**PASSING_METRICS, "test/minority_recall": 0.79}, ci95=ci95)
    assert _gate("--run-dir", folder) == 1
    # INCONCLUSIVE is not a pass unless the team says so.
    assert _gate("--run-dir", folder, "--decision", "ci") == 1
    assert _gate("--run-dir", folder, "--decision", "ci", "--inconclusive", "pass") == 0


def test_regression_against_a_baseline_folder(run_dir):
    baseline = run_dir("baseline", metrics={**PASSING_METRICS, "test/minority_recall": 0.90})
    candidate = run_dir("candidate")  # recall 0.85: 0.05 below the baseline
    common = ["--run-dir", candidate, "--baseline-run-dir", baseline]
    # Both runs' intervals decide (spread 0.01 over 10 folds each: the change -0.05 has a 95 %
    # interval of about [-0.068, -0.032]); equal F1 and PR-AUC pass only with a margin.
    assert _gate(*common, "--regression-metrics", "test/minority_recall") == 1  # FAIL
    assert _gate(*common, "--min-absolute-change", "-0.08") == 0  # within the margin
    assert _gate(*common, "--min-absolute-change", "-0.06") == 1  # INCONCLUSIVE
    assert _gate(*common, "--min-absolute-change", "-0.06", "--inconclusive", "pass") == 0
    assert _gate(*common, "--min-absolute-change", "-0.03") == 1  # FAIL beyond the margin
    assert _gate(*common, "--min-relative-change", "-0.1") == 0


def test_regression_usage_errors(run_dir, capsys):
    common = ["--run-dir", run_dir("candidate"), "--baseline-run-dir", run_dir("baseline")]
    for metrics, words in [
        (" , ", "names no metric"),
        ("test/minority_recal", "unknown metric"),
        ("resample/synthetic_ratio", "no better direction"),
    ]:
        assert _gate(*common, "--regression-metrics", metrics) == 2
        assert words in capsys.readouterr().err
    for option in ("--min-absolute-change", "--min-relative-change"):
        for value in ("nan", "inf", "-inf"):
            assert _gate(*common, option, value) == 2


def test_an_experiment_folder_gates_every_job_and_names_each(tmp_path, capsys):
    records = [make_record(resampler=kind) for kind in KINDS]
    folder = write_experiment(tmp_path / "quick" / "t1", records)
    assert _gate("--run-dir", folder, out=tmp_path / "gate") == 0
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "gate" / "gate.json").read_text())
    assert len(summary["covers"]) == 5
    for line in summary["covers"]:
        assert line in out
    assert str(folder) in summary["scope"]
    # The untreated strategy is gated like every model (only applies_to narrows an objective).
    none_checks = [c for c in summary["checks"] if c["candidate"].startswith("pima/none/")]
    by_name = {c["name"]: c["verdict"] for c in none_checks}
    assert by_name["minority_recall"] == "PASS"
    assert by_name["synthetic_ratio_min"] == "NOT APPLICABLE"
    # A warning is reported for it too: label quality is a property of the data.
    assert {c["verdict"] for c in none_checks if c["kind"] == "warning"} == {"OK"}


def test_a_sweep_folder_gates_every_run_and_filters_select(tmp_path, capsys):
    bad = {**PASSING_METRICS, "test/minority_recall": 0.5}
    sweep = write_sweep(
        tmp_path / "sweep",
        [[make_record(resampler="adasyn")], [make_record(bad, resampler="smote")]],
        n_jobs=2,
    )
    assert _gate("--run-dir", sweep) == 1
    assert "pima/smote" in capsys.readouterr().out
    assert _gate("--run-dir", sweep, "--resampler", "adasyn") == 0
    assert _gate("--run-dir", sweep, "--resampler", "ros") == 2


def test_an_incomplete_folder_is_refused_unless_allowed_and_then_named(tmp_path, capsys):
    records = [make_record(resampler=kind) for kind in KINDS]
    folder = write_experiment(tmp_path / "run", records, unfinished=[1])
    assert _gate("--run-dir", folder) == 2
    err = capsys.readouterr().err
    assert "1 job(s) missing" in err and "pima__smote__decision_tree__seed0" in err
    assert "--allow-incomplete" in err
    junit = tmp_path / "junit.xml"
    code = _gate("--run-dir", folder, "--allow-incomplete", "--junit", junit, out=tmp_path / "gate")
    assert code == 0
    out = capsys.readouterr().out
    missing = "pima__smote__decision_tree__seed0: no result.json"
    assert "Left out (1 job(s) not gated" in out and missing in out
    assert missing in (tmp_path / "gate" / "summary.md").read_text()
    assert any(
        missing in line
        for line in json.loads((tmp_path / "gate" / "gate.json").read_text())["left_out"]
    )
    assert missing in junit.read_text()


def test_a_killed_sweep_with_allow_incomplete_names_what_is_missing(tmp_path, capsys):
    sweep = write_sweep(tmp_path / "sweep", [[make_record()], [make_record(seed=1)]], n_jobs=5)
    assert _gate("--run-dir", sweep, "--allow-incomplete") == 0
    assert "asks for 5 sweep jobs, 2 started" in capsys.readouterr().out


def test_a_folder_without_manifest_is_incomplete(tmp_path, capsys):
    write_run_dir(tmp_path / "old" / "jobs" / "a", make_record())
    assert _gate("--run-dir", tmp_path / "old") == 2
    assert "not listed in any manifest.json" in capsys.readouterr().err


def test_only_not_applicable_checks_is_not_a_pass(run_dir, tmp_path, capsys):
    slo = tmp_path / "ratio.yaml"
    slo.write_text(
        "name: ratio\nobjectives:\n  - name: ratio\n    metric: resample/synthetic_ratio\n"
        "    op: '<='\n    threshold: 0.5\n    applies_to: [smote]\n"
    )
    folder = run_dir(resampler="none")
    # run_status passes, the only objective applies to nothing: no verdict, exit 2 naming it.
    assert _gate("--run-dir", folder, "--slo", slo) == 2
    assert "ratio: applies only to the strategies smote" in capsys.readouterr().err
    failed = run_dir("failed", resampler="none", status="failed")
    assert _gate("--run-dir", failed, "--slo", slo) == 1  # a failed run fails


def test_an_older_record_is_refused_with_rerun(run_dir, tmp_path, capsys):
    record = make_record()
    record["schema"] = 1
    assert _gate("--run-dir", write_run_dir(tmp_path / "old", record)) == 2
    assert "older harness (schema 1)" in capsys.readouterr().err
    record = make_record()
    del record["strategy"]
    assert _gate("--run-dir", write_run_dir(tmp_path / "nostrategy", record)) == 2
    assert "rerun" in capsys.readouterr().err


def test_unwritable_outputs_exit_2_in_one_line(run_dir, tmp_path, capsys):
    folder = run_dir()
    assert _gate("--run-dir", folder, "--junit", tmp_path) == 2
    err = capsys.readouterr().err
    assert "cannot write the gate output" in err and len(err.strip().splitlines()) == 1
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert _gate("--run-dir", folder, out=blocker / "gate") == 2


def test_an_unexpected_error_inside_the_gate_is_exit_2(run_dir, monkeypatch, capsys):
    import harness.gate.gate as gate_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(gate_module.gc, "slo_checks", broken)
    assert _gate("--run-dir", run_dir()) == 2
    err = capsys.readouterr().err
    assert "unexpected ZeroDivisionError" in err and len(err.strip().splitlines()) == 1


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
