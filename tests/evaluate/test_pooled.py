"""The pooled out-of-fold jackknife: exact for a mean, and what a run records with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.evaluate.inference import corrected_interval
from harness.evaluate.pooled import (
    POOLED_JACKKNIFE,
    FoldPredictions,
    pooled_intervals,
    pseudo_values,
)
from harness.evaluate.protocol import FoldArtifacts
from harness.evaluate.summaries import POOLED_KEYS, summarize_folds
from harness.metrics import minority_slis


def _folds(seed: int = 0, repeats: int = 2, k: int = 5, size: int = 40) -> list[FoldPredictions]:
    rng = np.random.default_rng(seed)
    out = []
    for repeat in range(repeats):
        for _ in range(k):
            y = (rng.random(size) < 0.15).astype(int)
            y[0] = 1  # every fold holds a minority row
            score = np.clip(0.3 * y + rng.random(size) * 0.7, 0, 1)
            out.append(FoldPredictions(repeat, y, (score >= 0.5).astype(int), score))
    return out


def _accuracy(y_true, y_pred, y_score):
    return {"accuracy": float(np.mean(y_true == y_pred))}


def test_for_a_mean_over_rows_the_pseudo_values_are_the_fold_values():
    """Equal folds: the jackknife pseudo-value of a mean is exactly the fold's own mean."""
    folds = _folds()
    values = pseudo_values(folds, _accuracy)["accuracy"]
    expected = [np.mean(f.y_true == f.y_pred) for f in folds]
    assert values == pytest.approx(expected, abs=1e-12)
    found = pooled_intervals(folds, _accuracy, 160, 40)["accuracy"]
    assert found == pytest.approx(corrected_interval(expected, 160, 40))


def test_a_ratio_metric_centres_on_the_pooled_value():
    folds = _folds(seed=1)
    found = pooled_intervals(folds, lambda t, p, s: {"recall": float(p[t == 1].mean())}, 160, 40)
    pooled = np.mean(
        [
            np.concatenate([f.y_pred for f in folds if f.repeat == r])[
                np.concatenate([f.y_true for f in folds if f.repeat == r]) == 1
            ].mean()
            for r in (0, 1)
        ]
    )
    assert found["recall"]["mean"] == pytest.approx(pooled, abs=0.01)
    assert found["recall"]["ci_low"] < found["recall"]["mean"] < found["recall"]["ci_high"]


def test_a_repeat_of_one_fold_is_refused():
    with pytest.raises(InputDataError, match="at least 2 folds per repeat"):
        pseudo_values(_folds(repeats=1, k=1), _accuracy)


def test_a_run_summarised_with_pooled_jackknife_records_the_pooled_metrics():
    folds = _folds(seed=2)
    table = pd.DataFrame(
        [{key: minority_slis(f.y_true, f.y_pred, f.y_score)[key[5:]] for key in POOLED_KEYS}
         for f in folds]
    )  # fmt: skip
    table["test/g_mean"] = 0.5
    artifacts = FoldArtifacts(fold_predictions=folds)
    columns = [*POOLED_KEYS, "test/g_mean"]
    fold_mean = summarize_folds(table, columns, n_train=160, n_test=40)
    pooled = summarize_folds(
        table, columns, n_train=160, n_test=40, ci_method="pooled_jackknife", artifacts=artifacts
    )
    assert POOLED_JACKKNIFE in pooled.ci_method
    for key in POOLED_KEYS:
        low, high = pooled.ci95[key]
        assert low <= pooled.metrics[key] <= high
    # PR-AUC of folds with ~6 minority rows: the pooled estimate differs from the fold mean.
    assert pooled.metrics["test/pr_auc"] != fold_mean.metrics["test/pr_auc"]
    assert pooled.metrics["test/g_mean"] == fold_mean.metrics["test/g_mean"]  # the rest: as is


def test_the_protocol_keeps_every_folds_predictions_for_the_pooled_estimate():
    from sklearn.linear_model import LogisticRegression

    from harness.data import load_builtin
    from harness.evaluate.protocol import evaluate_folds
    from harness.evaluate.settings import EvaluationSettings
    from harness.resample import ADASYN

    settings = EvaluationSettings.defaults(
        n_splits=3, n_repeats=2, precision_target=None, track_memory=False
    )
    result = evaluate_folds(
        load_builtin("ionosphere"),
        lambda seed: ADASYN(random_state=seed),
        lambda seed: LogisticRegression(max_iter=2000),
        settings,
    )
    kept = result.artifacts.fold_predictions
    assert [f.repeat for f in kept] == [0, 0, 0, 1, 1, 1]
    for fold, (_, row) in zip(kept, result.folds.iterrows(), strict=True):
        assert (
            minority_slis(fold.y_true, fold.y_pred, fold.y_score)["minority_recall"]
            == row["test/minority_recall"]
        )
    summary = summarize_folds(
        result.folds,
        list(POOLED_KEYS),
        n_train=result.n_train,
        n_test=result.n_test,
        ci_method="pooled_jackknife",
        artifacts=result.artifacts,
    )
    assert all(
        summary.ci95[key][0] <= summary.metrics[key] <= summary.ci95[key][1] for key in POOLED_KEYS
    )
