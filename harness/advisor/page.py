"""docs/advisor.md: what the advisor was trained on, its validation and what drives it.

Everything on the page comes from the fitted advisor, so the same benchmark table writes the
same page.
"""

from __future__ import annotations

import math
from pathlib import Path

from harness.advisor.fit import FittedAdvisor
from harness.advisor.model import MODEL_FEATURES
from harness.advisor.validation import (
    AUC_GOAL,
    POLICIES,
    REGRET_POLICIES,
    goal_reached,
    lower_regret_baseline,
)
from harness.metrics.meta_features import DEFINITIONS

#: The families of the full benchmark (experiment=benchmark).
BENCHMARK_FAMILIES = ("decision_tree", "knn", "logistic_regression", "hist_gradient_boosting")


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _ci(figure, digits: int = 3) -> str:
    return f"{_num(figure.value, digits)} [{_num(figure.low, digits)}, {_num(figure.high, digits)}]"


def _regret_goal(reached: bool, paired) -> str:
    if not reached:
        return "not reached"
    if paired.high >= 0:
        return "point estimates only: the paired interval with IR only includes 0"
    return "reached"


def _goal_words(fitted: FittedAdvisor) -> list[str]:
    """Where the goal is reached and where not, in words, with the baseline that did better."""
    reached, short, regret_lines = [], [], []
    above_ir = [f for f, v in sorted(fitted.validation.items()) if v["paired"]["auc"].low > 0]
    for family, v in sorted(fitted.validation.items()):
        auc = v["auc"]["advisor"].value
        (reached if goal_reached(v)["auc"] else short).append(f"{family} ({auc:.3f})")
        regret = {p: v["regret"][p].value for p in REGRET_POLICIES}
        if (best := lower_regret_baseline(regret)) is not None:
            regret_lines.append(
                f"{family} {regret['advisor']:.3f} against {best} {regret[best]:.3f}"
            )
    lines = [
        f"**Where the goal is reached.** AUC ≥ {AUC_GOAL}: "
        + (", ".join(reached) or "no family")
        + "; below it: "
        + (", ".join(short) or "no family")
        + ". Its AUC is above the imbalance-ratio-only model's, the paired interval above 0, "
        "for " + (", ".join(above_ir) or "no family") + ".",
    ]
    if regret_lines:
        lines.append("")
        lines.append(
            "**Regret is not below every baseline** where a fixed choice lost less than the "
            "advisor's pick: "
            + "; ".join(regret_lines)
            + ". The meta-features tell whether a treatment is likely to beat none on a data "
            "set (the AUC), not which treatment is best on it: that fixed choice, made every "
            "time, is the safer pick there, and `harness advise` says so for each such family, "
            "naming the treatment."
        )
    return [*lines, ""]


def _validation_rows(fitted: FittedAdvisor) -> list[str]:
    lines = [
        "| model | data sets | wins | measure | advisor | IR only | prior | always none | "
        "always ADASYN | advisor − IR only | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for family, v in sorted(fitted.validation.items()):
        goal = goal_reached(v)
        lines.append(
            f"| {family} | {v['n_datasets']} | {_num(v['win_share'], 2)} | AUC | "
            + " | ".join(_ci(v["auc"][p]) for p in POLICIES)
            + f" | 0.5 | 0.5 | {_ci(v['paired']['auc'])} | "
            + ("reached" if goal["auc"] else f"not reached (< {AUC_GOAL})")
            + " |"
        )
        lines.append(
            "| | | | Brier | "
            + " | ".join(_ci(v["brier"][p]) for p in POLICIES)
            + f" | – | – | {_ci(v['paired']['brier'])} | |"
        )
        lines.append(
            f"| | {v['n_regret']} | | regret | "
            + " | ".join(_ci(v["regret"][p]) for p in REGRET_POLICIES)
            + f" | {_ci(v['paired']['regret'])} (Wilcoxon p = {_num(v['wilcoxon_p'])}) | "
            + _regret_goal(goal["regret"], v["paired"]["regret"])
            + " |"
        )
    return lines


def _below_chance(fitted: FittedAdvisor) -> list[str]:
    below = [f for f, v in sorted(fitted.validation.items()) if v["auc"]["advisor"].value < 0.5]
    if not below:
        return []
    return [
        f"The advisor's AUC is below 0.5 for {', '.join(below)}: with few data sets, leaving "
        "one out is known to push predictions against its label (holding out a win lowers the "
        "training share of wins), and a model with no usable signal then ranks worse than "
        "chance. Read it as: the meta-features do not yet predict wins for this family; do "
        "not follow its probabilities until the full benchmark is in.",
        "",
    ]


def _calibration_rows(fitted: FittedAdvisor) -> list[str]:
    lines = [
        "| model | advisor | training mean |",
        "|---|---|---|",
    ]
    for family, v in sorted(fitted.validation.items()):
        if v["calibration_mae"]:
            mae = v["calibration_mae"]
            lines.append(f"| {family} | {_ci(mae['advisor'], 4)} | {_ci(mae['prior'], 4)} |")
    return lines


def _coefficient_rows(fitted: FittedAdvisor) -> list[str]:
    lines = [
        "| model | treatment | n | " + " | ".join(MODEL_FEATURES) + " |",
        "|---|---|---|" + "---|" * len(MODEL_FEATURES),
    ]
    for family, models in sorted(fitted.families.items()):
        for (treatment, reference), model in sorted(models.beats.items()):
            if reference != "none":
                continue
            values = model.coef or (math.nan,) * len(MODEL_FEATURES)
            lines.append(
                f"| {family} | {treatment} | {model.n} | "
                + " | ".join(_num(c, 2) for c in values)
                + " |"
            )
    return lines


def render_page(fitted: FittedAdvisor, *, command: str) -> str:
    """The Markdown of docs/advisor.md."""
    training = fitted.document["training"]
    families = sorted(fitted.families)
    absent = [f for f in BENCHMARK_FAMILIES if f not in families]
    left_out = training["left_out_datasets"]
    metric = fitted.document["metric"]
    lines = [
        "# Should I resample this data? The advisor",
        "",
        "`harness advise <overrides>` reads a data set the way `harness run` does "
        "(`dataset=pima`, `dataset=table dataset.loader.path=data.csv ...`), computes its "
        "meta-features and says, per model family, which treatments are likely to beat doing "
        f"nothing (`none`) and tuning the threshold (`decision_threshold`) on {metric}, what "
        "they are expected to do to calibration, and what happened on the three most similar "
        "benchmark data sets. It trains nothing at run time: the models are a small file "
        "shipped inside the package (`harness/advisor/advisor.json`, with the benchmark's "
        "meta-features in `harness/advisor/benchmark_meta_features.csv` and its outcomes in "
        "`harness/advisor/benchmark_outcomes.csv`).",
        "",
        f"Regenerate the model, its files and this page: `{command}`.",
        "",
        "## What it was trained on",
        "",
        f"The compact table of the benchmark (docs/benchmark.md, `docs/data/benchmark.csv.gz`, "
        f"sha256 `{training['benchmark_table_sha256'][:16]}…`). Data sets per model family: "
        + ", ".join(f"{f} {n}" for f, n in sorted(training["datasets_per_family"].items()))
        + ". Strategies: "
        + ", ".join(f"`{s}`" for s in training["strategies"])
        + ".",
        "",
        (
            "Model families of the benchmark the table does not hold yet, so the advisor says "
            "nothing about them: " + ", ".join(f"`{f}`" for f in absent) + "."
            if absent
            else "Every model family of the benchmark is in the table."
        ),
        (
            f"Data sets without meta-features (left out): {len(left_out)}, "
            + ", ".join(f"`{name}`" for name in sorted(left_out))
            + " (fewer than 6 rows of a class)."
            if left_out
            else ""
        ),
        (
            "The figures below must be regenerated once the full benchmark is committed."
            if absent
            else ""
        ),
        "",
        "## The label and the model",
        "",
        f"A treatment *beats* a reference on a data set when {fitted.document['label']}. "
        "At the benchmark's 10 folds per data set most single differences are not "
        'significant, so a label of significant wins would be mostly "no difference"; the '
        "sign is what a user choosing a treatment bets on. It says nothing about the size of a "
        "win: the similar data sets' measured gains show sizes. Per model family, treatment "
        "and reference, an L2-regularised logistic regression (C = 1, not tuned) on the "
        "standardised meta-features (counts on a log10 scale) gives P(beats); a ridge "
        "regression (alpha = 10) gives the expected change of the Brier score against `none`. "
        "The advice's pick is the treatment with the highest P(beats `none`) when it exceeds "
        "0.5, else `none`: the likeliest win, not the largest one (the similar data sets' "
        "measured gains show sizes).",
        "",
        "## Validation, leaving one data set out",
        "",
        "Every figure is out of sample: for each data set the models are refitted without it "
        "and then predict it. AUC and Brier score are those of P(treatment beats `none`), "
        "pooled over data set × treatment pairs; *wins* is the share of pairs where the "
        "treatment won. Regret is the G-mean lost against the best strategy in hindsight when "
        "following a policy, on the data sets where every strategy has a value (their number "
        "in the regret row). *IR only* is the same model on the imbalance ratio alone; *prior* "
        "each treatment's training share of wins, the same for every data set; a constant "
        "prediction has AUC 0.5. Brackets: 95 % percentile intervals of a bootstrap over data "
        f"sets ({training['bootstrap']} draws); *advisor − IR only* is paired on the same "
        "draws, with a Wilcoxon signed-rank test of the per-data-set regret differences. "
        "Goal: AUC ≥ 0.75 and lower regret than every baseline (point estimates).",
        "",
        *_validation_rows(fitted),
        "",
        *_goal_words(fitted),
        *_below_chance(fitted),
        "The expected Brier change against `none`, out of sample: mean absolute error of the "
        "ridge model and of the training data sets' mean change (same bootstrap):",
        "",
        *_calibration_rows(fitted),
        "",
        "What this cannot tell: the data sets are the benchmark's (KEEL-style tabular sets, "
        "most under 2000 rows); the intervals say how much the figures move with the data sets "
        "drawn, not how the advisor does on data unlike them, and `harness advise` names any "
        "meta-feature outside the benchmark's range. A probability is of the sign of a mean "
        "difference over 10 folds, which on a small data set can go either way by chance.",
        "",
        "## What drives it",
        "",
        "Coefficients of P(beats `none`) on standardised meta-features (one standard deviation "
        "up changes the log-odds by the coefficient; – marks a treatment whose training labels "
        "were all one class, so it gets the smoothed share of wins):",
        "",
        *_coefficient_rows(fitted),
        "",
        "## Meta-features",
        "",
        "Computed on the whole data set after the harness's preprocessing (scaled numeric "
        "columns, one-hot categorical ones), by `harness/metrics/meta_features.py` "
        "(tests/metrics/test_meta_features.py checks each on data with known values). Costs "
        "for n rows, d columns; `harness advise` prints the seconds they took.",
        "",
        "| meta-feature | definition and cost |",
        "|---|---|",
        *[f"| `{name}` | {text} |" for name, text in DEFINITIONS.items()],
        "",
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"


def write_page(fitted: FittedAdvisor, docs: Path, *, command: str) -> Path:
    """Write ``advisor.md`` into ``docs``; return its path."""
    path = Path(docs) / "advisor.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(fitted, command=command))
    return path
