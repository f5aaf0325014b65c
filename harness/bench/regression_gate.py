"""The regression gate's A/A false-fail rate and power (``harness bench --part regression-gate``).

The study evaluates one configuration, ADASYN then the ``logistic_regression`` model config
(C = 1, lbfgs), with the default evaluation profile (5-fold cross-validation repeated twice), on
each data set:

- ``pairs`` fold seeds, each evaluated twice with different sampler seeds (arms ``a`` and
  ``b``): the same folds, a different model, as a retrained champion would be;
- **A/A, paired**: arm ``a`` against arm ``b`` of the same fold seed (``pairs`` pairs);
- **A/A, unpaired**: arm ``a`` of one fold seed against arm ``b`` of another (``pairs`` pairs,
  no evaluation used twice);
- **power**: the same pairs, with the candidate's decision threshold raised from 0.5 to ``t``.
  Raising the threshold can only lower minority recall, and the true size of the regression is
  the mean drop of the fold recall from 0.5 to ``t`` over all ``2·pairs`` evaluations (every
  fold of both arms), printed with its standard error. The thresholds are chosen on a grid so
  that these true drops come nearest to :data:`TARGET_DROPS`.

Every pair is judged by the gate's own rule (:func:`harness.gate.regression.change_verdict` on
:func:`harness.evaluate.change.paired_change` or
:func:`~harness.evaluate.change.unpaired_change`) on the fold recalls, at each margin of
:data:`MARGINS` (the bound ``-margin``). A FAIL under A/A is a false fail; under a true drop it is
a detection. The rates carry one-sided 95 % Clopper–Pearson upper bounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

DATASETS = ("page_blocks0", "abalone9_18")
PAIRS = 300
#: Allowed drops of minority recall (``--min-absolute-change -margin``).
MARGINS = (0.0, 0.02, 0.05)
TARGET_DROPS = (0.01, 0.02, 0.03, 0.05, 0.075, 0.10)
BASE_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(BASE_THRESHOLD, 0.9951, 0.0025), 4)
METRIC = "test/minority_recall"


@dataclass(frozen=True)
class Arm:
    """One evaluation: the fold recall at every grid threshold, shape ``(folds, thresholds)``."""

    recall: np.ndarray
    n_train: float
    n_test: float


def evaluate_arms(dataset: Any, fold_seed: int) -> tuple[Arm, Arm]:
    """Evaluate the study's configuration twice on the folds of ``fold_seed``, with two
    sampler seeds; the preprocessing of each fold is fitted once and shared (it does not
    depend on the sampler)."""
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from harness.evaluate.protocol import dataset_splits, make_preprocessor
    from harness.evaluate.settings import EvaluationSettings
    from harness.resample import ADASYN

    settings = EvaluationSettings.defaults()
    y = np.asarray(dataset.y)
    preprocessor = make_preprocessor(dataset)
    splits = dataset_splits(dataset, settings, fold_seed)
    recalls: list[list[np.ndarray]] = [[], []]
    for index, (_, _, train, test) in enumerate(splits):
        pre = clone(preprocessor)
        X_train = pre.fit_transform(dataset.X.iloc[train])
        X_test = pre.transform(dataset.X.iloc[test])
        positives = y[test] == 1
        for arm in (0, 1):
            seed = int(np.random.SeedSequence([fold_seed, index, arm]).generate_state(1)[0])
            X_fit, y_fit = ADASYN(random_state=seed).fit_resample(X_train, y[train])
            model = LogisticRegression(C=1.0, max_iter=2000).fit(X_fit, y_fit)
            scores = model.predict_proba(X_test[positives])[:, 1]
            recalls[arm].append((scores[:, None] >= THRESHOLD_GRID[None, :]).mean(axis=0))
    n_train = float(np.mean([len(s[2]) for s in splits]))
    n_test = float(np.mean([len(s[3]) for s in splits]))
    a, b = (Arm(np.asarray(r), n_train, n_test) for r in recalls)
    return a, b


def upper_bound(failures: int, trials: int, level: float = 0.95) -> float:
    """One-sided ``level`` Clopper–Pearson upper bound of a rate of ``failures`` in ``trials``."""
    if failures >= trials:
        return 1.0
    return float(stats.beta.ppf(level, failures + 1, trials - failures))


def _verdict(candidate: Arm, champion: Arm, column: int, paired: bool, margin: float) -> str:
    from harness.evaluate.change import RunSpread, paired_change, unpaired_change
    from harness.gate.regression import CONFIDENCE, change_verdict

    ours, theirs = candidate.recall[:, column], champion.recall[:, 0]
    if paired:
        estimate = paired_change(
            ours, theirs, candidate.n_train, candidate.n_test, confidence=CONFIDENCE
        )
    else:
        spreads = [
            RunSpread(float(v.mean()), float(v.std(ddof=1)), v.size, arm.n_train, arm.n_test)
            for v, arm in ((ours, candidate), (theirs, champion))
        ]
        estimate = unpaired_change(*spreads, confidence=CONFIDENCE)
    return change_verdict(estimate, -margin)


def _pairs(arms: list[tuple[Arm, Arm]], paired: bool) -> list[tuple[Arm, Arm]]:
    """(candidate, champion) pairs: same fold seed (paired), or two fold seeds (unpaired)."""
    if paired:
        return [(b, a) for a, b in arms]
    out = []
    for first, second in zip(arms[0::2], arms[1::2], strict=False):
        out += [(second[1], first[0]), (second[0], first[1])]
    return out


def _rates(verdicts: list[str]) -> dict[str, Any]:
    n = len(verdicts)
    counts = {v: verdicts.count(v) for v in ("PASS", "FAIL", "INCONCLUSIVE")}
    return {
        "pairs": n,
        **{v.lower(): k for v, k in counts.items()},
        "fail_rate": counts["FAIL"] / n if n else float("nan"),
        "fail_upper95": upper_bound(counts["FAIL"], n) if n else float("nan"),
        "inconclusive_rate": counts["INCONCLUSIVE"] / n if n else float("nan"),
    }


def study_dataset(
    name: str, pairs: int = PAIRS, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """The A/A rates and the power curve on one built-in data set (module docstring)."""
    from threadpoolctl import threadpool_limits

    from harness.data import load_builtin

    dataset = load_builtin(name)
    arms = []
    with threadpool_limits(1):  # BLAS threads only contend on a small shared machine
        for fold_seed in range(pairs):
            arms.append(evaluate_arms(dataset, fold_seed))
            if (fold_seed + 1) % 50 == 0:
                log(f"regression-gate {name}: {fold_seed + 1}/{pairs} fold seeds")
    every = np.stack([arm.recall for pair in arms for arm in pair])  # (evals, folds, grid)
    drops = (every[:, :, :1] - every).mean(axis=1)  # per evaluation, per threshold
    true_drop, drop_se = drops.mean(axis=0), drops.std(axis=0, ddof=1) / np.sqrt(len(drops))
    columns = sorted({int(np.argmin(np.abs(true_drop - target))) for target in TARGET_DROPS})
    result: dict[str, Any] = {
        "dataset": name,
        "rows": int(len(dataset.y)),
        "minority": int(np.sum(np.asarray(dataset.y) == 1)),
        "n_folds": int(every.shape[1]),
        "n_train": arms[0][0].n_train,
        "n_test": arms[0][0].n_test,
        "fold_seeds": pairs,
        "recall_at_0.5": float(every[:, :, 0].mean()),
        "aa": {},
        "power": [],
    }
    for path, paired in (("paired", True), ("unpaired", False)):
        couples = _pairs(arms, paired)
        result["aa"][path] = {
            f"{margin:g}": _rates([_verdict(c, b, 0, paired, margin) for c, b in couples])
            for margin in MARGINS
        }
    for column in [0, *columns]:
        row: dict[str, Any] = {
            "threshold": float(THRESHOLD_GRID[column]),
            "true_drop": float(true_drop[column]),
            "true_drop_se": float(drop_se[column]),
        }
        for path, paired in (("paired", True), ("unpaired", False)):
            couples = _pairs(arms, paired)
            row[path] = {
                f"{margin:g}": _rates([_verdict(c, b, column, paired, margin) for c, b in couples])[
                    "fail_rate"
                ]
                for margin in MARGINS
            }
        result["power"].append(row)
    return result


def run_regression_gate(
    datasets: Sequence[str] = DATASETS, pairs: int = PAIRS, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """The study on every data set of ``datasets``, as the part's JSON."""
    return {
        "metric": METRIC,
        "margins": list(MARGINS),
        "studies": [study_dataset(name, pairs, log) for name in datasets],
    }


def render_regression_gate(data: dict[str, Any]) -> str:
    """The part's tables in Markdown (what docs/statistics.md quotes)."""
    lines = []
    for study in data["studies"]:
        lines += [
            f"### {study['dataset']} ({study['rows']} rows, {study['minority']} minority; "
            f"{study['n_folds']} folds, {study['fold_seeds']} fold seeds × 2 sampler seeds; "
            f"recall at 0.5: {study['recall_at_0.5']:.3f})",
            "",
            "A/A (no true change): verdicts of the regression check on minority recall",
            "",
            "| path | allowed drop | FAIL | rate | one-sided 95 % upper | INCONCLUSIVE | PASS |",
            "|---|---|---|---|---|---|---|",
        ]
        for path, margins in study["aa"].items():
            for margin, r in margins.items():
                lines.append(
                    f"| {path} | {margin} | {r['fail']}/{r['pairs']} | {r['fail_rate']:.3f} | "
                    f"{r['fail_upper95']:.3f} | {r['inconclusive']} | {r['pass']} |"
                )
        lines += [
            "",
            "Power: share of pairs judged FAIL against the true drop of minority recall",
            "",
            "| threshold | true drop (± SE) | "
            + " | ".join(
                f"{path}, allowed drop {m:g}" for path in ("paired", "unpaired") for m in MARGINS
            )
            + " |",
            "|---|---|" + "---|" * (2 * len(MARGINS)),
        ]
        for row in study["power"]:
            rates = [row[path][f"{m:g}"] for path in ("paired", "unpaired") for m in MARGINS]
            lines.append(
                f"| {row['threshold']:.4g} | {row['true_drop']:.4f} ± {row['true_drop_se']:.4f} | "
                + " | ".join(f"{r:.3f}" for r in rates)
                + " |"
            )
        lines.append("")
    return "\n".join(lines)
