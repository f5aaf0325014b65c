"""The judge turns the gate's result into the report's verdict section; the report a run writes
opens with it, and `harness compare` judges under the SLO set the jobs were run with."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from harness.gate import checks as gate_checks
from harness.gate.checks import Check
from harness.gate.gate import GateResult
from harness.gate.relative import Comparison
from harness.gate.sources import Candidate
from harness.pipeline.judge import judge_folder, verdict_section
from harness.report import verdicts
from harness.runs import ExperimentFolder
from harness.slo import load_slo_set
from tests.support.cli import run_harness


def test_the_reports_verdict_words_are_the_gates():
    assert verdicts.PASS == gate_checks.PASS
    assert verdicts.FAIL == gate_checks.FAIL
    assert verdicts.INCONCLUSIVE == gate_checks.INCONCLUSIVE
    assert verdicts.NOT_APPLICABLE == gate_checks.NOT_APPLICABLE
    assert (verdicts.WARN, verdicts.OK) == (gate_checks.WARN, gate_checks.OK)


SIZES = {"n_folds": 10, "n_train": 614.0, "n_test": 154.0}


def candidate(resampler: str, **record) -> Candidate:
    return Candidate(
        name=f"pima/{resampler}/logistic_regression seed0",
        metrics={"gap/minority_recall": 0.05, "test/minority_recall": 0.79},
        std={"test/minority_recall": 0.05},
        ci95={"gap/minority_recall": (0.01, 0.09), "test/minority_recall": (0.74, 0.84)},
        resampler=resampler,
        dataset="pima",
        model="logistic_regression",
        strategy=resampler,
        status="success",
        record={"seed": 0, **SIZES, **record},
    )


def comparison(effect, low, high, p, detectable=math.nan, test="superiority", bound=0.0):
    return Comparison(
        reference="pima/none/logistic_regression seed0", test=test, effect=effect, ci_low=low,
        ci_high=high, confidence=0.95, bound=bound, p_value=p, p_adjusted=p, p_missed=0.5,
        p_missed_adjusted=0.5, detectable=detectable, alpha=0.025, family_size=2,
        p_candidate_better=0.5, p_equivalent=0.3, p_reference_better=0.2, rope=0.01, n_pairs=10,
    )  # fmt: skip


def check(name, kind, metric, verdict, who, value=None, threshold=None, op=">", stats=None):
    detail = f"{name} is {verdict} (the gate's words)"
    return Check(name, kind, metric, value, threshold, op, verdict, detail, who.name, stats)


@pytest.fixture(scope="module")
def judged():
    slo = load_slo_set("relative")
    none, adasyn, smote = candidate("none"), candidate("adasyn"), candidate("smote")
    checks = [
        check("run_status", "run", "status", "PASS", adasyn, op="=="),
        check(
            "recall_at_precision_better", "relative", "test/recall_at_precision", "INCONCLUSIVE",
            adasyn, 0.015, 0.0, stats=comparison(0.015, -0.05, 0.08, 0.31, detectable=0.09),
        ),
        check(
            "pr_auc_not_worse", "relative", "test/pr_auc", "PASS", adasyn, -0.003, -0.02,
            stats=comparison(-0.003, -0.015, 0.009, 0.001, test="non_inferiority", bound=-0.02),
        ),
        check("train_test_gap", "overfitting", "gap/minority_recall", "PASS", adasyn, 0.05, 0.1,
              "<"),
        check("pr_auc_not_worse", "relative", "test/pr_auc", "NOT APPLICABLE", smote),
        check(
            "recall_at_precision_better", "relative", "test/recall_at_precision", "FAIL", smote,
            -0.06, 0.0, stats=comparison(-0.06, -0.1, -0.02, 0.99),
        ),
        check("train_test_gap", "overfitting", "gap/minority_recall", "FAIL", none, 0.15, 0.1,
              "<"),
    ]  # fmt: skip
    result = GateResult(
        slo_set="relative",
        candidates=[c.name for c in (adasyn, smote, none)],
        baseline=None,
        checks=checks,
        strategies={c.name: c.resampler for c in (adasyn, smote, none)},
    )
    return verdict_section(result, [none, adasyn, smote], slo, source="the run's config")


def test_each_strategy_gets_the_gates_verdict(judged):
    assert judged.slo_set == "relative" and judged.verdict == "FAIL"
    assert judged.reference == "none"
    by_name = {s.strategy: s for s in judged.strategies}
    assert by_name["adasyn"].verdict == "INCONCLUSIVE"
    assert by_name["smote"].verdict == "FAIL"
    assert by_name["none"].verdict == "FAIL" and by_name["none"].reference == "none"
    assert by_name["adasyn"].reference == "none"


def test_a_relative_outcome_carries_the_comparison_in_words(judged):
    adasyn = next(s for s in judged.strategies if s.strategy == "adasyn")
    unsure = next(o for o in adasyn.outcomes if o.objective == "recall_at_precision_better")
    assert (unsure.value, unsure.ci_low, unsure.ci_high) == (0.015, -0.05, 0.08)
    assert unsure.detectable == 0.09 and unsure.test == "superiority"
    assert unsure.run == "pima / logistic_regression / seed 0"
    # What would change it: the design's floor and twice the repeats, scaled from the gate's.
    assert "four times the rows would roughly halve it" in unsure.advice
    words = unsure.words()
    assert words.startswith("recall at the precision target better than none: **INCONCLUSIVE**")
    assert "+0.015 [−0.050, +0.080]" in words
    assert "smallest detectable difference 0.09 (four times the rows" in words
    passed = next(o for o in adasyn.outcomes if o.objective == "pr_auc_not_worse")
    assert "PR-AUC not worse than none by more than 0.02: **PASS**" in passed.words()
    gap = next(o for o in adasyn.outcomes if o.objective == "train_test_gap")
    assert gap.kind == verdicts.ABSOLUTE and (gap.ci_low, gap.ci_high) == (0.01, 0.09)
    assert gap.words() == (
        "train−test recall gap < 0.1: **PASS** — 0.050 [0.010, 0.090] (95 % CI), met"
    )


def test_fail_and_not_applicable_in_the_section(judged):
    markdown = "\n".join(verdicts.verdict_markdown(judged))
    assert markdown.startswith("## Verdict under the SLO set `relative` (the run's config)")
    assert "- **smote** vs none — **FAIL** on recall at the precision target better than none" in (
        markdown
    )
    assert "**FAIL** — −0.060 [−0.100, −0.020] (difference to none, 95 % CI), shown worse" in (
        markdown
    )
    assert "not applicable: `pr_auc_not_worse` — pr_auc_not_worse is NOT APPLICABLE" in markdown
    assert "- **none** (the reference) — **FAIL** on train−test recall gap < 0.1" in markdown


# -- a real run -------------------------------------------------------------------------------

OVERRIDES = [
    "slo=relative",
    "model=logistic_regression",
    "evaluation=fast",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "evaluation.job_report=false",
    "tracking=none",
    "export=none",
    "experiment.grid={resampler: [none, ros]}",
]


@pytest.fixture(scope="module")
def relative_run(tmp_path_factory, run_grid) -> ExperimentFolder:
    """none and ros with a logistic regression, judged under the relative SLO set."""
    return run_grid(tmp_path_factory.mktemp("relative"), OVERRIDES)


@pytest.fixture
def copied(relative_run, tmp_path) -> ExperimentFolder:
    shutil.copytree(relative_run.path, tmp_path / "exp")
    return ExperimentFolder(tmp_path / "exp")


def test_the_report_a_run_writes_opens_with_its_verdicts(relative_run):
    markdown = relative_run.report_md.read_text()
    first = markdown.split("\n## ")[1]
    assert first.startswith("Verdict under the SLO set `relative` (the run's config)")
    assert "- **ros** vs none — **" in first and "- **none** (the reference) — **" in first
    assert "PR-AUC not worse than none by more than 0.02: **" in first
    # The forest plots draw the relative objectives and explain each colour they use.
    assert "pr_auc_not_worse: not worse than 'none' by more than 0.02" in markdown
    assert "Square: the reference 'none'" in markdown
    assert "(>= 0.8)" not in markdown  # not the default set's lines
    tests = pd.read_csv(relative_run.paired_tests_csv)
    assert {"test/pr_auc", "test/recall_at_precision", "gap/minority_recall"} <= set(
        tests["metric"]
    )


def test_judging_a_folder_matches_the_report(relative_run):
    judgement = judge_folder(relative_run.path, load_slo_set("relative"))
    assert [s.strategy for s in judgement.section.strategies] == ["none", "ros"]
    assert len(judgement.lines) == 2
    for strategy in judgement.section.strategies:
        assert f"- **{strategy.strategy}** " in relative_run.report_md.read_text()


def test_a_folder_the_gate_cannot_judge_says_why(tmp_path):
    judgement = judge_folder(tmp_path, load_slo_set("relative"))
    assert judgement.section.note.startswith("No verdict: ")
    assert judgement.lines[0].startswith("no verdict: ")


def test_harness_compare_judges_under_the_set_the_jobs_ran_with(copied: ExperimentFolder):
    result = run_harness("compare", str(copied.path), root=copied.path.parent, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    markdown = copied.report_md.read_text()
    assert markdown.split("\n## ")[1].startswith(
        "Verdict under the SLO set `relative` (the SLO set the jobs were run with)"
    )
    assert "Verdicts under the 'relative' SLO set" in result.stdout

    result = run_harness(
        "compare", str(copied.path), "--slo", "default", root=copied.path.parent, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    markdown = copied.report_md.read_text()
    assert markdown.split("\n## ")[1].startswith("Verdict under the SLO set `default` (--slo")
    assert "Black dashed: the bound of minority_recall (>= 0.8)" in markdown


def test_harness_compare_falls_back_to_default_and_says_so(copied: ExperimentFolder):
    import yaml

    from harness.commands.compare import chosen_slo_set

    for config in copied.jobs_dir.glob("*/config.yaml"):
        loaded = yaml.safe_load(config.read_text())
        del loaded["slo"]
        config.write_text(yaml.safe_dump(loaded))
    slo, source, note = chosen_slo_set(copied.path, None)
    assert slo.name == "default" and "fallback" in source
    assert "record no SLO set" in note and "--slo" in note


def test_compare_refuses_an_slo_file_that_does_not_exist(copied: ExperimentFolder):
    result = run_harness(
        "compare", str(copied.path), "--slo", "nope.yaml", root=copied.path.parent, timeout=300
    )
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr
