"""The verdict section: each strategy's verdict in words, first in the report."""

from __future__ import annotations

import math

from harness.report.verdicts import (
    ABSOLUTE,
    FAIL,
    INCONCLUSIVE,
    NON_INFERIORITY,
    NOT_APPLICABLE,
    PASS,
    RELATIVE,
    RUN,
    SUPERIORITY,
    ObjectiveOutcome,
    StrategyOutcome,
    VerdictSection,
    no_verdict,
    verdict_html,
    verdict_markdown,
)

RUN_OF = {"dataset": "pima", "model": "logistic_regression", "seed": 0}


def relative(verdict: str, **fields) -> ObjectiveOutcome:
    base = {
        "strategy": "adasyn",
        "objective": "recall_at_precision_better",
        "metric": "test/recall_at_precision",
        "kind": RELATIVE,
        "verdict": verdict,
        "test": SUPERIORITY,
        "reference": "none",
        "bound": 0.0,
        "op": ">",
        "value": 0.015,
        "ci_low": -0.05,
        "ci_high": 0.08,
        "p_adjusted": 0.31,
        "p_missed": 0.4,
        **RUN_OF,
    }
    return ObjectiveOutcome(**(base | fields))


def pr_auc(verdict: str, **fields) -> ObjectiveOutcome:
    return relative(
        verdict,
        objective="pr_auc_not_worse",
        metric="test/pr_auc",
        test=NON_INFERIORITY,
        bound=-0.02,
        **fields,
    )


def test_an_inconclusive_relative_objective_says_its_numbers_and_what_it_could_detect():
    outcome = relative(INCONCLUSIVE, detectable=0.0912, advice="four times the rows would help")
    words = outcome.words()
    assert words.startswith("recall at the precision target better than none: **INCONCLUSIVE**")
    assert "+0.015 [−0.050, +0.080] (difference to none, 95 % CI)" in words
    assert "not significant either way (Holm p = 0.31 that it is met, 0.4 that it is missed)" in (
        words
    )
    assert "smallest detectable difference 0.091 (four times the rows would help)" in words


def test_an_inconclusive_objective_without_a_detectable_difference_says_so():
    words = relative(INCONCLUSIVE).words()
    assert "smallest detectable difference was not computed" in words


def test_pass_and_fail_of_a_relative_objective_in_words():
    assert pr_auc(PASS, value=-0.003, p_adjusted=0.001).words() == (
        "PR-AUC not worse than none by more than 0.02: **PASS** — −0.003 [−0.050, +0.080] "
        "(difference to none, 95 % CI), shown not worse (Holm p = 0.001)"
    )
    failed = pr_auc(FAIL, value=-0.09, ci_low=-0.12, ci_high=-0.06, p_adjusted=0.9).words()
    assert "**FAIL** — −0.090 [−0.120, −0.060]" in failed
    assert "shown worse by more than 0.02" in failed
    assert "better than none: **FAIL**" in relative(FAIL, value=-0.05).words()
    worse = relative(FAIL, value=-0.05, p_adjusted=1.0, p_missed=0.001).words()
    assert worse.endswith("shown worse (Holm p = 0.001, that it is missed)")


def test_an_interval_clear_of_the_bound_can_be_inconclusive_after_holm():
    outcome = pr_auc(INCONCLUSIVE, value=-0.1, ci_low=-0.14, ci_high=-0.057, family_size=4)
    assert (
        "the unadjusted interval clears the bound, but not the test after Holm's adjustment "
        "over 4 strategies" in outcome.words()
    )
    assert "clears" not in pr_auc(INCONCLUSIVE, family_size=4).words()  # it straddles


def test_a_check_that_could_not_be_made_says_the_gates_reason():
    reason = "no job of the reference strategy 'none' with data set 'pima' among the runs gated"
    outcome = relative(FAIL, value=math.nan, ci_low=math.nan, ci_high=math.nan, reason=reason)
    claim = "recall at the precision target better than none"
    assert outcome.words() == f"{claim}: **FAIL** — {reason}"


def test_not_applicable_gives_the_reason():
    reason = "the model's scores take 2 distinct values per test fold (hard scores)"
    outcome = pr_auc(NOT_APPLICABLE, value=math.nan, reason=reason)
    assert outcome.words() == (
        f"PR-AUC not worse than none by more than 0.02: **NOT APPLICABLE** — {reason}"
    )


def test_an_absolute_objective_in_words():
    gap = ObjectiveOutcome(
        "adasyn", "train_test_gap", "gap/minority_recall", ABSOLUTE, PASS, **RUN_OF,
        value=0.052, ci_low=0.01, ci_high=0.094, op="<", bound=0.1,
    )  # fmt: skip
    assert gap.words() == (
        "train−test recall gap < 0.1: **PASS** — 0.052 [0.010, 0.094] (95 % CI), met"
    )
    straddles = ObjectiveOutcome(
        "adasyn", "minority_recall", "test/minority_recall", ABSOLUTE, INCONCLUSIVE, **RUN_OF,
        value=0.79, ci_low=0.7, ci_high=0.88, op=">=", bound=0.8, detectable=0.12,
    )  # fmt: skip
    assert "the interval straddles the bound; smallest detectable difference 0.12" in (
        straddles.words()
    )
    assert (
        "`resample/zzz` >= 0.5"
        in ObjectiveOutcome(
            "adasyn", "x", "resample/zzz", ABSOLUTE, FAIL, value=0.1, op=">=", bound=0.5
        ).words()
    )


def section() -> VerdictSection:
    adasyn = StrategyOutcome(
        "adasyn",
        INCONCLUSIVE,
        n_runs=1,
        n_failed_runs=1,
        reference="none",
        outcomes=(
            pr_auc(PASS, value=-0.003, p_adjusted=0.001),
            relative(INCONCLUSIVE, detectable=0.09),
            ObjectiveOutcome("adasyn", "run_status", "status", RUN, PASS, **RUN_OF),
            ObjectiveOutcome(
                "adasyn",
                "invalid_synthetic_values",
                "resample/invalid_value_share",
                ABSOLUTE,
                NOT_APPLICABLE,
                **RUN_OF,
                reason="applies only to interpolating",
            ),  # fmt: skip
        ),
    )
    none = StrategyOutcome(
        "none",
        PASS,
        n_runs=1,
        reference="none",
        outcomes=(
            ObjectiveOutcome(
                "none",
                "train_test_gap",
                "gap/minority_recall",
                ABSOLUTE,
                PASS,
                **RUN_OF,
                value=0.02,
                op="<",
                bound=0.1,
            ),  # fmt: skip
        ),
    )
    ros = StrategyOutcome(
        "ros", NOT_APPLICABLE, n_runs=1, reference="none", reason="hard scores", outcomes=()
    )
    return VerdictSection(
        "relative",
        source="the run's config",
        verdict=FAIL,
        strategies=(adasyn, none, ros),
        reference="none",
    )


def test_the_markdown_section_names_the_set_and_gives_one_bullet_per_strategy():
    lines = verdict_markdown(section())
    assert lines[0] == "## Verdict under the SLO set `relative` (the run's config)"
    summary = next(line for line in lines if line.startswith("**Verdict:"))
    assert summary.startswith("**Verdict: FAIL** — of 3 strategies, 1 inconclusive, 1 pass, 1 not")
    assert "INCONCLUSIVE is not a pass" in summary
    bullets = [line for line in lines if line.startswith("- ")]
    assert bullets == [
        "- **adasyn** vs none — **INCONCLUSIVE** on recall at the precision target better than "
        "none (1 run)",
        "- **none** (the reference) — **PASS**: every objective that applies is met (1 run)",
        "- **ros** vs none — **NOT APPLICABLE**: hard scores",
    ]
    adasyn = lines[lines.index(bullets[0]) + 1 : lines.index(bullets[1])]
    # The deciding objective first, the passed one next, the not applicable ones last; the
    # run's status is not repeated when it finished.
    assert adasyn[0].startswith("  - recall at the precision target better than none: **INCONC")
    assert adasyn[1].startswith("  - PR-AUC not worse than none by more than 0.02: **PASS**")
    assert adasyn[2] == (
        "  - not applicable: `invalid_synthetic_values` — applies only to interpolating"
    )
    assert len(adasyn) == 3


def test_several_runs_of_a_strategy_are_counted_per_objective():
    runs = [
        relative(verdict, seed=seed, detectable=0.1)
        for seed, verdict in enumerate([PASS, INCONCLUSIVE, INCONCLUSIVE])
    ]
    strategy = StrategyOutcome("adasyn", INCONCLUSIVE, 3, 2, tuple(runs), reference="none")
    lines = verdict_markdown(VerdictSection("relative", verdict=FAIL, strategies=(strategy,)))
    head = next(line for line in lines if line.startswith("- **adasyn**"))
    assert head.endswith("(2 of 3 runs)")
    objective = lines[lines.index(head) + 1]
    assert objective == (
        "  - recall at the precision target better than none: **INCONCLUSIVE** in 2, **PASS** in "
        "1 of 3 runs (`recall_at_precision_better`)"
    )
    listed = lines[lines.index(head) + 2 : lines.index(head) + 5]
    assert listed[0].startswith("    - pima / logistic_regression / seed 1: **INCONCLUSIVE** — ")
    assert listed[2].startswith("    - pima / logistic_regression / seed 0: **PASS** — ")


def test_html_section_escapes_and_keeps_the_words():
    hostile = "<script>x</script>"
    strategy = StrategyOutcome(hostile, PASS, 1, outcomes=(pr_auc(PASS, strategy=hostile),))
    page = verdict_html(VerdictSection("my set", verdict=PASS, strategies=(strategy,)))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.startswith("<section class='verdicts'><h2>Verdict under the SLO set <code>my")
    assert "<strong>PASS</strong>" in page


def test_a_folder_without_a_verdict_says_why():
    lines = verdict_markdown(no_verdict("relative", "nothing applies to these runs"))
    assert lines[:4] == [
        "## Verdict under the SLO set `relative`",
        "",
        "No verdict: nothing applies to these runs",
        "",
    ]


def test_verdicts_on_a_metric_take_the_worst_judged_objective_per_run():
    found = section().verdicts_on("test/recall_at_precision")
    assert found == {("pima", "logistic_regression", 0, "adasyn"): INCONCLUSIVE}
    assert section().verdicts_on("resample/invalid_value_share") == {}  # not applicable
