"""The advice as ``harness advise`` prints it: the answer in words first, the tables after."""

from __future__ import annotations

import math

import pandas as pd

from harness.advisor.advice import Advice
from harness.advisor.model import most_frequent_winner
from harness.advisor.store import StoredAdvisor
from harness.advisor.validation import AUC_GOAL, lower_regret_baseline


def _num(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(frame: pd.DataFrame, digits: int = 3) -> list[str]:
    cells = [[str(c) for c in frame.columns]] + [
        [_num(v, digits) for v in row] for row in frame.itertuples(index=False)
    ]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in cells]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


def _family_sentence(advice: Advice, family: str) -> str:
    rows = advice.treatments[advice.treatments["model"] == family]
    best = rows.iloc[0]
    pick = advice.recommended[family]
    if pick == "none":
        return (
            f"- {family}: keep `none`; no treatment is more likely than not to beat it "
            f"(the likeliest, {best['treatment']}, P = {_num(best['p_beats_none'])})."
        )
    change = best["brier_change"]
    if not math.isfinite(change):
        calibration = ""
    elif abs(change) < 0.0005:
        calibration = "; calibration about unchanged (expected Brier change below 0.0005)"
    else:
        effect = "worse" if change > 0 else "better"
        calibration = f"; expected Brier change {change:+.3f} ({effect} calibration)"
    return (
        f"- {family}: try `{pick}` first: P(beats none) = {_num(best['p_beats_none'])}, "
        f"P(beats decision_threshold) = {_num(best['p_beats_decision_threshold'])}{calibration}."
    )


def regret_sentence(stored: StoredAdvisor, family: str) -> str | None:
    """When a baseline lost less out of sample than the advisor's pick, which one, by how much.

    Returns
    -------
    str or None
        None when the advisor's regret is the lowest.
    """
    regret = {
        policy: figure[0]
        for policy, figure in stored.document["validation"][family]["regret"].items()
    }
    best = lower_regret_baseline(regret)
    if best is None:
        return None
    words = {
        "prior": f"always `{most_frequent_winner(stored.families[family])}` (the treatment "
        "that beat none on most benchmark data sets)",
        "ir_only": "picking by the imbalance ratio alone",
        "always_none": "always `none`",
        "always_adasyn": "always `adasyn`",
    }
    return (
        f"For {family}, following the pick lost {regret['advisor']:.3f} {stored.metric} out of "
        f"sample against the best treatment in hindsight; {words.get(best, best)} lost "
        f"{regret[best]:.3f}: the probabilities say whether a treatment is likely to beat none "
        "here, not which one is best, and that fixed choice is the safer pick."
    )


def _validation_table(stored: StoredAdvisor) -> pd.DataFrame:
    rows = []
    for family, v in sorted(stored.document["validation"].items()):
        rows.append(
            {
                "model": family,
                "data sets": v["n_datasets"],
                "AUC advisor": v["auc"]["advisor"][0],
                "AUC IR only": v["auc"]["ir_only"][0],
                "regret advisor": v["regret"]["advisor"][0],
                "regret always none": v["regret"]["always_none"][0],
                "regret always ADASYN": v["regret"]["always_adasyn"][0],
            }
        )
    return pd.DataFrame(rows)


def render_advice(advice: Advice, stored: StoredAdvisor, *, seconds: float) -> str:
    """The text ``harness advise`` prints.

    Parameters
    ----------
    advice : Advice
    stored : StoredAdvisor
        For the validation figures and what the advisor was trained on.
    seconds : float
        Time spent computing the meta-features.
    """
    f = advice.features
    validation = stored.document["validation"]
    below = [fam for fam, v in sorted(validation.items()) if v["auc"]["advisor"][0] < AUC_GOAL]
    lines = [
        f"Should you resample {advice.name}? ({f['rows']:.0f} rows, {f['minority']:.0f} "
        f"minority, imbalance ratio {f['imbalance_ratio']:.1f}, minority overlap "
        f"{f['minority_overlap']:.2f}, F1v {f['f1v']:.2f}, N3 {f['n3']:.2f})",
        "",
        *[_family_sentence(advice, family) for family in sorted(advice.recommended)],
        "",
        f"P(beats X) is the probability that the treatment's mean {stored.metric} over the "
        "benchmark's paired folds is above X's, from a logistic model of the benchmark's "
        "outcomes validated leaving one data set out (docs/advisor.md). It is advice, not a "
        "result: run the recommended treatment against none with `harness run` to measure it.",
    ]
    for family in below:
        auc = validation[family]["auc"]["advisor"][0]
        verdict = (
            "worse than chance: do not follow its probabilities yet"
            if auc < 0.5
            else "weigh its probabilities lightly"
        )
        lines.append(
            f"For {family} its out-of-sample AUC is {auc:.3f}, below the goal {AUC_GOAL}: "
            f"{verdict}."
        )
    lines += [
        sentence
        for family in sorted(advice.recommended)
        if (sentence := regret_sentence(stored, family)) is not None
    ]
    if advice.outside_range:
        lines.append(
            "Outside the range of the benchmark's data sets: "
            f"{', '.join(advice.outside_range)}; the advice extrapolates there."
        )
    trained = stored.document["training"]["datasets_per_family"]
    lines += [
        "Trained on the benchmark's "
        + ", ".join(f"{fam} ({n} data sets)" for fam, n in sorted(trained.items()))
        + "; other model families get no advice.",
        "",
        f"Meta-features (computed in {seconds:.1f} s):",
        *_table(pd.DataFrame([f]), 3),
        "",
        "Treatments per model family:",
        *_table(
            advice.treatments.rename(
                columns={
                    "p_beats_none": "P(beats none)",
                    "p_beats_decision_threshold": "P(beats decision_threshold)",
                    "brier_change": "expected Brier change",
                }
            ),
            2,
        ),
        "",
        f"Most similar benchmark data sets (best measured strategy per family, its {stored.metric} "
        "gain over none):",
        *_table(advice.similar, 2),
        "",
        "Validation, leaving one data set out (docs/advisor.md has the intervals):",
        *_table(_validation_table(stored), 3),
    ]
    return "\n".join(lines)
