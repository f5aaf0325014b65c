"""Three verdicts: PASS when the data show an objective met, FAIL when they show it missed,
INCONCLUSIVE otherwise (with what the run could have detected); and objectives that need a
ranking or an operating point are not applicable to a model that has none."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import yaml

from harness.evaluate.power import detectable_difference
from harness.export.verdicts import objective_verdicts
from tests.gate.conftest import (
    PASSING_METRICS,
    fold_scores,
    job_name,
    make_record,
    write_folds,
    write_run_dir,
    write_study,
)
from tests.gate.test_fuzz import _gate

RELATIVE = {
    "name": "rel",
    "relative": {
        "reference": "none",
        "alpha": 0.025,
        "objectives": [
            {"name": "pr_auc_not_worse", "metric": "test/pr_auc", "test": "non_inferiority",
             "margin": 0.02},
        ],
    },
}  # fmt: skip


def _slo(tmp_path, document) -> list[str]:
    path = tmp_path / "slo.yaml"
    path.write_text(yaml.safe_dump(document))
    return ["--slo", str(path)]


def _study(tmp_path, shift: float, spread: float):
    """ADASYN against none on PR-AUC: ADASYN's fold scores ``shift`` above none's on average,
    each side with its own noise of ``spread``."""
    none, adasyn = _scores(shift, spread)
    return write_study(
        tmp_path / "study",
        {"none": {"test/pr_auc": none}, "adasyn": {"test/pr_auc": adasyn}},
    )


def _scores(shift: float, spread: float) -> tuple[list[float], list[float]]:
    return fold_scores(0.70, spread, seed=1), fold_scores(0.70 + shift, spread, seed=2)


def _relative_check(summary):
    return next(c for c in summary["checks"] if c["name"] == "pr_auc_not_worse")


def test_a_clear_gain_passes(tmp_path):
    code, summary, _ = _gate(tmp_path, "--run-dir", str(_study(tmp_path, 0.05, 0.01)),
                             *_slo(tmp_path, RELATIVE))  # fmt: skip
    assert code == 0 and _relative_check(summary)["verdict"] == "PASS"


def test_a_clear_loss_beyond_the_margin_fails(tmp_path):
    code, summary, _ = _gate(tmp_path, "--run-dir", str(_study(tmp_path, -0.10, 0.01)),
                             *_slo(tmp_path, RELATIVE))  # fmt: skip
    check = _relative_check(summary)
    assert code == 1 and check["verdict"] == "FAIL"
    assert "the data show it worse than none by more than the margin 0.02" in check["detail"]


def test_a_noisy_small_difference_is_inconclusive_with_what_could_be_detected(tmp_path):
    study = _study(tmp_path, -0.02, 0.08)
    code, summary, err = _gate(tmp_path, "--run-dir", str(study), *_slo(tmp_path, RELATIVE))
    check = _relative_check(summary)
    assert code == 1 and check["verdict"] == "INCONCLUSIVE"
    assert "neither that the objective is met nor that it is missed" in check["detail"]
    assert "smallest difference this run could detect at 80% power" in check["detail"]
    assert "four times the rows" in check["detail"]
    # The figure is the power formula on the paired differences, not a guess.
    none, adasyn = _scores(-0.02, 0.08)
    differences = np.subtract(adasyn, none)

    expected = detectable_difference(float(np.std(differences, ddof=1)), 10, 614, 154, 0.025)
    assert check["comparison"]["detectable"] == pytest.approx(expected.now)
    assert summary["n_inconclusive"] == 1 and summary["inconclusive"] == "fail"
    assert "1 inconclusive" in summary_text(tmp_path)


def summary_text(tmp_path) -> str:
    return (tmp_path / "gate" / "summary.md").read_text()


def test_inconclusive_passes_only_when_asked_and_every_output_says_so(tmp_path):
    study = _study(tmp_path, -0.02, 0.08)
    code, summary, _ = _gate(
        tmp_path, "--run-dir", str(study), *_slo(tmp_path, RELATIVE), "--inconclusive", "pass"
    )
    assert code == 0
    assert summary["inconclusive"] == "pass" and summary["passed"] is True
    markdown = summary_text(tmp_path)
    assert "INCONCLUSIVE counts as passed" in markdown
    assert "### Inconclusive (counted as passed)" in markdown
    junit = ET.parse(tmp_path / "gate" / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert properties["gate.inconclusive"] == "pass"
    skipped = [s.get("message") for s in junit.iter("skipped")]
    assert any(m.startswith("INCONCLUSIVE (counted as passed)") for m in skipped)


def test_junit_and_the_exported_verdict_tell_inconclusive_from_fail(tmp_path):
    _, summary, _ = _gate(
        tmp_path, "--run-dir", str(_study(tmp_path, -0.02, 0.08)), *_slo(tmp_path, RELATIVE)
    )
    junit = ET.parse(tmp_path / "gate" / "junit.xml").getroot()
    types = {f.get("type") for f in junit.iter("failure")}
    assert "INCONCLUSIVE" in types and "relative" not in types
    checks = summary["checks"]
    verdicts = {v.objective: v.verdict for v in objective_verdicts(checks, "quick")}
    assert verdicts["pr_auc_not_worse"] == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("interval", "verdict"),
    [([0.82, 0.90], "PASS"), ([0.60, 0.78], "FAIL"), ([0.70, 0.88], "INCONCLUSIVE")],
)
def test_an_absolute_objective_on_the_interval_has_three_verdicts(tmp_path, interval, verdict):
    metrics = {**PASSING_METRICS, "test/minority_recall": sum(interval) / 2}
    record = make_record(metrics, ci95={"test/minority_recall": interval})
    run = write_run_dir(tmp_path, record)
    code, summary, _ = _gate(tmp_path, "--run-dir", str(run), "--decision", "ci")
    check = next(c for c in summary["checks"] if c["name"] == "minority_recall")
    assert check["verdict"] == verdict
    if verdict == "INCONCLUSIVE":
        assert "straddles the bound" in check["detail"]
        assert "smallest difference this run could detect" in check["detail"]


# -- metrics that need continuous scores -------------------------------------------------------


def test_a_ranking_objective_is_not_applicable_to_hard_scores(tmp_path):
    record = make_record()
    record.update(hard_scores=True, score_levels=2.0)
    run = tmp_path / "runs" / job_name(record)
    write_folds(run, {"test/score_levels": [2.0] * 10})  # the folds agree: 0/1 scores
    write_run_dir(run, record)
    only_pr_auc = {
        "name": "auc",
        "objectives": [
            {"name": "pr_auc", "metric": "test/pr_auc", "op": ">=", "threshold": 0.5},
            {"name": "recall", "metric": "test/minority_recall", "op": ">=", "threshold": 0.5},
        ],
    }
    code, summary, _ = _gate(tmp_path, "--run-dir", str(run), *_slo(tmp_path, only_pr_auc))
    by_name = {c["name"]: c for c in summary["checks"]}
    assert by_name["pr_auc"]["verdict"] == "NOT APPLICABLE"
    assert "2 distinct values per test fold (hard scores" in by_name["pr_auc"]["detail"]
    assert by_name["recall"]["verdict"] == "PASS" and code == 0


def test_an_undefined_operating_point_is_not_applicable_with_its_reason(tmp_path):
    from harness.evaluate.summaries import undefined_metrics

    reached = pd.DataFrame({"test/operating_point_reached": [0.0] * 10})
    undefined = undefined_metrics(reached, 0.7)  # what a job writes when no fold reached it
    metrics = {**PASSING_METRICS, **dict.fromkeys(undefined)}
    record = make_record(metrics)
    record["undefined"] = undefined
    folder = tmp_path / "runs"
    folder.mkdir()
    run = folder / job_name(record)
    write_folds(run, {"test/operating_point_reached": [0.0] * 10})
    write_run_dir(folder, record)
    objective = {"name": "rap", "metric": "test/recall_at_precision", "op": ">=", "threshold": 0.3}
    slo = {"name": "op", "objectives": [objective]}
    code, _, err = _gate(tmp_path, "--run-dir", str(run), *_slo(tmp_path, slo))
    assert code == 2, err  # the only objective applies to nothing: no verdict
    assert "was not reached on the training rows in 10 of 10 folds" in err


def test_a_record_cannot_excuse_itself_from_an_objective(tmp_path):
    record = make_record()
    record["undefined"] = {"test/minority_recall": "no reason"}
    run = write_run_dir(tmp_path, record)
    code, _, err = _gate(tmp_path, "--run-dir", str(run))
    assert code == 2 and "only a metric that needs a ranking" in err
    record = make_record()
    record.update(hard_scores=True)
    run = write_run_dir(tmp_path / "b", record)
    code, _, err = _gate(tmp_path, "--run-dir", str(run))
    assert code == 2 and "hard_scores = True" in err  # its folds.csv says otherwise
