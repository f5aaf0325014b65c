"""The gate's verdicts per experiment and objective as Prometheus series."""

from __future__ import annotations

import math
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from harness.export.prometheus import ExportWarning
from harness.export.verdicts import (
    export_gate_verdicts,
    objective_verdicts,
    verdict_registry,
    verdict_textfile,
)
from harness.gate.checks import Check
from tests.support.prometheus import free_port


def check(name, verdict, candidate, value=None, *, metric=None, op=">=", threshold=0.8):
    detail = "reason" if verdict == "NOT APPLICABLE" else ""
    metric = metric or f"test/{name}"
    return Check(name, "slo", metric, value, threshold, op, verdict, detail, candidate)


# An ablation with five strategies: two fail recall, the untreated reference is not gated.
CHECKS = [
    check("minority_recall", "FAIL", "pima__smote", 0.71),
    check("minority_recall", "FAIL", "pima__ros", 0.64),
    check("minority_recall", "PASS", "pima__adasyn", 0.84),
    check("minority_recall", "NOT APPLICABLE", "pima__none", 0.55),
    check("gap", "PASS", "pima__smote", 0.04, metric="gap/minority_recall", op="<", threshold=0.1),
    check("gap", "PASS", "pima__ros", 0.08, metric="gap/minority_recall", op="<", threshold=0.1),
    check("label_noise", "NOT APPLICABLE", "pima__none"),
]


def test_one_verdict_per_objective_not_per_strategy():
    verdicts = {v.objective: v for v in objective_verdicts(CHECKS, "quick")}
    assert list(verdicts) == ["minority_recall", "gap", "label_noise"]
    recall = verdicts["minority_recall"]
    assert (recall.verdict, recall.n_failed) == ("FAIL", 2)
    # The worst of the failing runs, on the side the objective cares about.
    assert (recall.worst_candidate, recall.worst_value) == ("pima__ros", 0.64)
    assert recall.required == ">= 0.8"
    gap = verdicts["gap"]
    assert (gap.verdict, gap.worst_candidate, gap.worst_value) == ("PASS", "pima__ros", 0.08)
    assert verdicts["label_noise"].verdict == "NOT APPLICABLE"
    assert math.isnan(verdicts["label_noise"].worst_value)


def test_gate_json_dicts_warnings_and_the_older_skip_verdict_are_read():
    dicts = [c.as_dict() for c in CHECKS]
    dicts.append({"name": "old", "metric": "x", "verdict": "SKIP", "candidate": "c"})
    for verdict, candidate in (("OK", "a"), ("WARN", "b"), ("OK", "c")):
        dicts.append({"name": "label_issues", "verdict": verdict, "candidate": candidate})
    dicts.append({"name": "calibration", "verdict": "OK", "candidate": "a"})
    verdicts = {v.objective: v for v in objective_verdicts(dicts, "quick")}
    assert {name: v.verdict for name, v in verdicts.items()} == {
        "minority_recall": "FAIL",
        "gap": "PASS",
        "label_noise": "NOT APPLICABLE",
        "old": "NOT APPLICABLE",
        "label_issues": "WARN",  # a warning never gates, but it is shown
        "calibration": "OK",
    }
    assert verdicts["label_issues"].worst_candidate == "b"
    assert verdicts["label_issues"].n_failed == 0


def test_an_unknown_verdict_is_refused():
    allowed = "not one of PASS, FAIL, INCONCLUSIVE, NOT APPLICABLE, WARN, OK"
    with pytest.raises(ValueError, match=allowed):
        objective_verdicts([{"name": "x", "verdict": "MAYBE"}], "quick")


def test_registry_holds_a_state_set_per_objective():
    registry = verdict_registry(CHECKS, "quick", evaluated_at=1_700_000_000)

    def state(objective, verdict):
        labels = {"experiment": "quick", "objective": objective, "verdict": verdict}
        return registry.get_sample_value("harness_gate_verdict", labels)

    states = ("PASS", "FAIL", "NOT APPLICABLE", "WARN", "OK")
    assert [state("minority_recall", v) for v in states] == [0, 1, 0, 0, 0]
    assert [state("gap", v) for v in states] == [1, 0, 0, 0, 0]
    worst = registry.get_sample_value(
        "harness_gate_objective_worst_value",
        {
            "experiment": "quick",
            "objective": "minority_recall",
            "metric": "test/minority_recall",
            "candidate": "pima__ros",
            "required": ">= 0.8",
        },
    )
    assert worst == pytest.approx(0.64)
    failed = registry.get_sample_value(
        "harness_gate_failed_candidates", {"experiment": "quick", "objective": "minority_recall"}
    )
    assert failed == 2
    evaluated = registry.get_sample_value(
        "harness_gate_evaluated_timestamp_seconds", {"experiment": "quick"}
    )
    assert evaluated == 1_700_000_000
    # Exactly one series per (experiment, objective) in every family but the state set.
    text = generate_latest(registry).decode()
    assert text.count("harness_gate_objective_worst_value{") == 3


def test_textfile_per_experiment_passes_promtool(tmp_path: Path):
    cfg = {"mode": "textfile", "textfile_path": str(tmp_path / "metrics" / "harness.prom")}
    report = export_gate_verdicts(CHECKS, "quick", cfg, evaluated_at=1.0)
    assert report.textfile == tmp_path / "metrics" / "harness_gate_quick.prom"
    assert verdict_textfile(Path(cfg["textfile_path"]), "Paper Replication").name == (
        "harness_gate_paper_replication.prom"
    )
    promtool = shutil.which("promtool")
    if promtool is not None:
        text = report.textfile.read_text()
        result = subprocess.run(
            [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_mode_none_exports_nothing(tmp_path: Path):
    cfg = {"mode": "none", "textfile_path": str(tmp_path / "harness.prom")}
    assert export_gate_verdicts(CHECKS, "quick", cfg).textfile is None
    assert not list(tmp_path.iterdir())


def test_an_unreachable_pushgateway_warns_and_keeps_the_textfile(tmp_path: Path):
    cfg = {
        "mode": "pushgateway",
        "textfile_path": str(tmp_path / "harness.prom"),
        "pushgateway_url": f"http://127.0.0.1:{free_port()}",
        "timeout_s": 1,
    }
    with pytest.warns(ExportWarning, match="unreachable"):
        report = export_gate_verdicts(CHECKS, "quick", cfg)
    assert report.pushed is False
    assert report.textfile.is_file()


def test_pushgateway_mode_without_url_names_the_setting(tmp_path: Path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = export_gate_verdicts(CHECKS, "quick", {"mode": "pushgateway"})
    assert report.pushed is False
    assert any("export.pushgateway_url" in str(w.message) for w in caught)


@pytest.mark.integration
def test_a_new_gate_run_replaces_the_experiments_pushed_verdicts(tmp_path: Path):
    from tests.support.prometheus import fetch_metrics, running_pushgateway

    with running_pushgateway(tmp_path / "pgw") as gateway:
        cfg = {"mode": "pushgateway", "pushgateway_url": gateway}
        other = [check("minority_recall", "FAIL", "vowel0__smote", 0.5)]
        assert export_gate_verdicts(other, "paper", cfg).pushed
        assert export_gate_verdicts(CHECKS, "quick", cfg).pushed
        text = fetch_metrics(f"{gateway}/metrics")
        assert 'objective="minority_recall"' in text and 'experiment="paper"' in text
        # The next gate run of quick no longer has the recall objective: its verdict goes,
        # the other experiment's verdict stays.
        assert export_gate_verdicts(CHECKS[4:6], "quick", cfg).pushed
        lines = [
            line
            for line in fetch_metrics(f"{gateway}/metrics").splitlines()
            if line.startswith("harness_gate_verdict{")
        ]
        quick = [line for line in lines if 'experiment="quick"' in line]
        assert quick and all('objective="gap"' in line for line in quick)
        assert any('experiment="paper"' in line for line in lines)


def test_a_relative_verdict_states_its_rule_not_only_its_bound():
    from harness.gate.relative import Comparison

    fields = {f: math.nan for f in Comparison.__dataclass_fields__}
    fields.update(reference="pima__none", test="non_inferiority", alpha=0.025, family_size=1)
    fields.update(rope=0.02, n_pairs=10, bound=-0.02, effect=-0.01112)
    comparison = Comparison(**fields)
    failing = Check(
        "pr_auc_not_worse",
        "relative",
        "test/pr_auc",
        -0.01112,
        -0.02,
        ">",
        "INCONCLUSIVE",
        "the interval straddles the margin",
        "pima__smote",
        comparison,
    )
    (verdict,) = objective_verdicts([failing], "ablation")
    assert verdict.verdict == "INCONCLUSIVE"
    assert verdict.required == (
        "improvement over pima__none > -0.02, shown by a Holm-adjusted one-sided p-value "
        "< 0.025 (the value is the improvement)"
    )
    (from_json,) = objective_verdicts([failing.as_dict()], "ablation")
    assert from_json.required == verdict.required
