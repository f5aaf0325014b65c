"""Coverage of the 95 % intervals of ratio metrics at small minority counts
(``harness bench --part interval-coverage``).

Each simulated data set draws ``n`` rows from a known distribution (4 Gaussian features, the
minority class shifted by (1.0, 0.8, 0.5, 0), 10 % minority), evaluates a logistic regression
(``class_weight="balanced"``, so its recall is neither near 0 nor near 1) with 5-fold
cross-validation repeated twice, and forms four 95 % intervals per metric:

- ``fold mean``: the mean of the fold metrics with the Nadeau–Bengio corrected interval
  (``evaluation.ci_method=corrected_t``);
- ``pooled jackknife``: :func:`harness.evaluate.pooled.pooled_intervals`, the pooled
  out-of-fold metric per repeat with the fold-jackknife corrected interval;
- ``pooled bootstrap``: :func:`harness.evaluate.pooled_bootstrap.pooled_bootstrap_intervals`,
  the mean over repeats of the pooled out-of-fold metric with a row bootstrap that draws the
  same rows in every repeat (what ``result.json`` records by default);
- ``oof_bootstrap``: the percentile bootstrap over the pooled out-of-fold predictions of the
  first repeat (:func:`harness.evaluate.oof_bootstrap.bootstrap_intervals`).

The estimand is the metric's expected value for the learner trained on ``n(k-1)/k`` rows,
measured on a large independent test set and averaged over many training draws. The bootstrap
states a narrower target, the metric of *the first repeat's models*: each of its ``k`` models
scores one ``k``-th of the large test set and the metric is taken on the pooled scores; its
coverage of that target is reported too. Every figure is a share of simulated data sets whose
interval holds the truth; the mean bias (estimate minus truth) is printed beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

SIZES = (200, 1000)
MINORITY_SHARE = 0.10
SHIFT = np.array([1.0, 0.8, 0.5, 0.0])
N_SPLITS, N_REPEATS = 5, 2
DATA_SETS = 400
TRUTH_DRAWS = 300
HOLDOUT_ROWS = 20_000
METRICS = ("minority_recall", "minority_precision", "minority_f1", "pr_auc")
METHODS = ("fold mean", "pooled jackknife", "pooled bootstrap", "oof_bootstrap")


def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of the simulated distribution."""
    y = (rng.random(n) < MINORITY_SHARE).astype(int)
    return rng.normal(size=(n, SHIFT.size)) + SHIFT * y[:, None], y


def average_precision(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """scikit-learn's ``average_precision_score`` (ties as one threshold), without its input
    validation, which dominates the cost of the jackknife and the bootstrap here."""
    positives = int(y_true.sum())
    if positives == 0 or positives == y_true.size:
        return math.nan
    order = np.argsort(-y_score, kind="mergesort")
    score, truth = y_score[order], y_true[order]
    last = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]  # last row of each threshold
    tp = np.cumsum(truth)[last]
    precision = tp / (last + 1)
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def ratio_metrics(y_true, y_pred, y_score=None) -> dict[str, float]:
    """Minority recall, precision, F1 and PR-AUC as :func:`harness.metrics.minority_slis`
    defines them (0 for an empty denominator, PR-AUC NaN with one class)."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    tp = float(np.sum((y_pred == 1) & (y_true == 1)))
    fp = float(np.sum((y_pred == 1) & (y_true == 0)))
    fn = float(np.sum((y_pred == 0) & (y_true == 1)))
    score = y_pred.astype(float) if y_score is None else np.asarray(y_score, dtype=float)
    return {
        "minority_recall": tp / (tp + fn) if tp + fn else 0.0,
        "minority_precision": tp / (tp + fp) if tp + fp else 0.0,
        "minority_f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        "pr_auc": average_precision(y_true, score),
    }


def _model():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", max_iter=1000)


def _outputs(model, X, y) -> tuple[np.ndarray, np.ndarray]:
    score = model.predict_proba(X)[:, 1]
    return (score >= 0.5).astype(int), score


def estimand(n: int, rng: np.random.Generator, draws: int = TRUTH_DRAWS) -> dict[str, float]:
    """Each metric's expected value for the learner trained on ``n(k-1)/k`` rows."""
    X_test, y_test = draw(rng, HOLDOUT_ROWS)
    n_train = n * (N_SPLITS - 1) // N_SPLITS
    values = []
    for _ in range(draws):
        X, y = draw(rng, n_train)
        values.append(ratio_metrics(y_test, *_outputs(_model().fit(X, y), X_test, y_test)))
    return {m: float(np.mean([v[m] for v in values])) for m in METRICS}


def simulate_one(n: int, seed: int, truth: dict[str, float]) -> dict[str, Any]:
    """One simulated data set: each method's interval per metric, and whether it holds the
    truth (and, for the bootstrap, its own target)."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    from harness.evaluate.inference import corrected_interval
    from harness.evaluate.oof_bootstrap import bootstrap_intervals
    from harness.evaluate.pooled import FoldPredictions, pooled_intervals
    from harness.evaluate.pooled_bootstrap import pooled_bootstrap_intervals

    rng = np.random.default_rng([n, seed])
    X, y = draw(rng, n)
    while int(y.sum()) < N_SPLITS:  # stratified folds need a minority row in every fold
        X, y = draw(rng, n)
    splitter = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=N_REPEATS, random_state=seed)
    folds, models, fold_values = [], [], []
    for index, (train, test) in enumerate(splitter.split(X, y)):
        model = _model().fit(X[train], y[train])
        pred, score = _outputs(model, X[test], y[test])
        folds.append(FoldPredictions(index // N_SPLITS, y[test], pred, score, rows=test))
        fold_values.append(ratio_metrics(y[test], pred, score))
        if index < N_SPLITS:
            models.append(model)
    n_test = n / N_SPLITS
    n_train = n - n_test
    X_target, y_target = draw(rng, HOLDOUT_ROWS)
    parts = np.array_split(np.arange(HOLDOUT_ROWS), N_SPLITS)
    target_pred, target_score = (
        np.concatenate(v)
        for v in zip(
            *(_outputs(m, X_target[p], y_target[p]) for m, p in zip(models, parts, strict=True)),
            strict=True,
        )
    )
    own_target = ratio_metrics(
        np.concatenate([y_target[p] for p in parts]), target_pred, target_score
    )
    first = folds[:N_SPLITS]
    boot = bootstrap_intervals(
        np.concatenate([f.y_true for f in first]),
        np.concatenate([f.y_pred for f in first]),
        np.concatenate([f.y_score for f in first]),
        random_state=seed,
        metrics=ratio_metrics,
    )
    pooled = pooled_intervals(folds, ratio_metrics, n_train, n_test)
    rows_boot = pooled_bootstrap_intervals(folds, random_state=seed)
    out: dict[str, Any] = {}
    for metric in METRICS:
        values = [v[metric] for v in fold_values]
        intervals = {
            "fold mean": corrected_interval(values, n_train, n_test),
            "pooled jackknife": pooled[metric],
            "pooled bootstrap": rows_boot[metric],
        }
        low, high = boot[f"test/{metric}"]
        pooled_first = ratio_metrics(
            np.concatenate([f.y_true for f in first]),
            np.concatenate([f.y_pred for f in first]),
            np.concatenate([f.y_score for f in first]),
        )[metric]
        intervals["oof_bootstrap"] = {"mean": pooled_first, "ci_low": low, "ci_high": high}
        out[metric] = {
            method: {
                "covered": bool(i["ci_low"] <= truth[metric] <= i["ci_high"]),
                "error": i["mean"] - truth[metric],
            }
            for method, i in intervals.items()
        }
        out[metric]["oof_bootstrap"]["covers_own_target"] = bool(low <= own_target[metric] <= high)
    return out


def run_interval_coverage(
    data_sets: int = DATA_SETS, sizes: Sequence[int] = SIZES, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """The coverage table: every size, ``data_sets`` simulated data sets each."""
    from threadpoolctl import threadpool_limits

    studies = []
    with threadpool_limits(1):
        for n in sizes:
            truth = estimand(n, np.random.default_rng([n, 999_983]))
            runs = []
            for seed in range(data_sets):
                runs.append(simulate_one(n, seed, truth))
                if (seed + 1) % 100 == 0:
                    log(f"interval-coverage n={n}: {seed + 1}/{data_sets} data sets")
            rows = []
            for metric in METRICS:
                row: dict[str, Any] = {"metric": metric, "truth": truth[metric]}
                for method in METHODS:
                    cells = [r[metric][method] for r in runs]
                    row[method] = {
                        "coverage": float(np.mean([c["covered"] for c in cells])),
                        "bias": float(np.nanmean([c["error"] for c in cells])),
                    }
                row["oof_bootstrap"]["coverage_of_own_target"] = float(
                    np.mean([r[metric]["oof_bootstrap"]["covers_own_target"] for r in runs])
                )
                rows.append(row)
            studies.append(
                {
                    "n": n,
                    "minority_share": MINORITY_SHARE,
                    "minority_per_test_fold": n * MINORITY_SHARE / N_SPLITS,
                    "data_sets": data_sets,
                    "rows": rows,
                }
            )
    return {"folds": f"{N_SPLITS}-fold x {N_REPEATS}", "studies": studies}


def render_interval_coverage(data: dict[str, Any]) -> str:
    """The coverage table in Markdown (what docs/statistics.md quotes)."""
    lines = [
        "| n (minority rows per test fold) | metric | truth | fold mean: coverage (bias) | "
        "pooled jackknife: coverage (bias) | pooled bootstrap (default): coverage (bias) | "
        "oof_bootstrap: coverage (bias) | oof_bootstrap: coverage of its own target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for study in data["studies"]:
        for row in study["rows"]:
            cells = [f"{row[m]['coverage']:.3f} ({row[m]['bias']:+.3f})" for m in METHODS]
            lines.append(
                f"| {study['n']} ({study['minority_per_test_fold']:g}) | {row['metric']} | "
                f"{row['truth']:.3f} | " + " | ".join(cells) + " | "
                f"{row['oof_bootstrap']['coverage_of_own_target']:.3f} |"
            )
    return "\n".join(lines) + "\n"
