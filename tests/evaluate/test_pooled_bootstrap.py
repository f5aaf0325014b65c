"""The pooled bootstrap: minority_slis' metrics at weight 1, whole-row replicates, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import RepeatedStratifiedKFold

from harness.errors import InputDataError
from harness.evaluate.pooled import FoldPredictions
from harness.evaluate.pooled_bootstrap import (
    METRICS,
    pooled_bootstrap_intervals,
    weighted_metrics,
)
from harness.metrics.classification import minority_slis


def _predictions(n=200, seed=0, n_repeats=2, with_scores=True):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    score = np.round(rng.random(n) * 0.6 + 0.4 * y, 2)  # ties on purpose
    folds = []
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=n_repeats, random_state=seed)
    for index, (_, test) in enumerate(splitter.split(score[:, None], y)):
        noisy = np.clip(score[test] + rng.normal(0, 0.05, test.size), 0, 1)
        folds.append(
            FoldPredictions(
                index // 5,
                y[test],
                (noisy >= 0.5).astype(int),
                noisy if with_scores else None,
                rows=test,
            )
        )
    return folds


@pytest.mark.parametrize("with_scores", [True, False])
def test_weight_one_gives_minority_slis(with_scores):
    rng = np.random.default_rng(1)
    for _ in range(20):
        n = int(rng.integers(5, 80))
        y = rng.integers(0, 2, n)
        pred = rng.integers(0, 2, n)
        score = np.round(rng.random(n), 1) if with_scores else None
        ours = weighted_metrics(np.ones((1, n)), y, pred, score)
        reference = minority_slis(y, pred, score)
        for name in METRICS:
            assert ours[name][0] == pytest.approx(reference[name], abs=1e-12), name


def test_whole_number_weights_equal_the_metric_on_repeated_rows():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 40)
    pred = rng.integers(0, 2, 40)
    score = np.round(rng.random(40), 1)
    rows = rng.integers(0, 40, 40)
    weights = np.bincount(rows, minlength=40)[None, :].astype(float)
    ours = weighted_metrics(weights, y, pred, score)
    reference = minority_slis(y[rows], pred[rows], score[rows])
    for name in METRICS:
        assert ours[name][0] == pytest.approx(reference[name], abs=1e-12), name


def test_estimate_is_the_mean_over_repeats_of_the_pooled_metric():
    folds = _predictions()
    found = pooled_bootstrap_intervals(folds, n_boot=200)
    for name in METRICS:
        per_repeat = []
        for repeat in (0, 1):
            members = [f for f in folds if f.repeat == repeat]
            per_repeat.append(
                minority_slis(
                    np.concatenate([f.y_true for f in members]),
                    np.concatenate([f.y_pred for f in members]),
                    np.concatenate([f.y_score for f in members]),
                )[name]
            )
        assert found[name]["mean"] == pytest.approx(np.mean(per_repeat), abs=1e-12)
        assert found[name]["ci_low"] <= found[name]["mean"] <= found[name]["ci_high"]
        assert found[name]["n"] == 200


def test_same_seed_same_interval_and_another_seed_another():
    folds = _predictions(seed=3)
    first = pooled_bootstrap_intervals(folds, n_boot=300, random_state=7)
    again = pooled_bootstrap_intervals(folds, n_boot=300, random_state=7)
    other = pooled_bootstrap_intervals(folds, n_boot=300, random_state=8)
    assert first == again
    assert first["minority_f1"]["ci_low"] != other["minority_f1"]["ci_low"]


def test_blocks_do_not_change_the_replicates(monkeypatch):
    import harness.evaluate.pooled_bootstrap as module

    folds = _predictions(seed=4)
    whole = pooled_bootstrap_intervals(folds, n_boot=100, random_state=1)
    monkeypatch.setattr(module, "BLOCK_CELLS", 200 * 7)  # 7 replicates per block
    assert pooled_bootstrap_intervals(folds, n_boot=100, random_state=1) == whole


def test_tied_repeats_are_wider_than_independent_ones():
    """Drawing the same rows in every repeat keeps the repeats' shared test noise: treating
    two repeats as independent test sets would shrink the interval by about sqrt(2)."""
    folds = _predictions(n=600, seed=5)
    tied = pooled_bootstrap_intervals(folds, random_state=0)
    shifted = [
        FoldPredictions(f.repeat, f.y_true, f.y_pred, f.y_score, rows=f.rows + 600 * f.repeat)
        for f in folds
    ]
    independent = pooled_bootstrap_intervals(shifted, random_state=0)
    for name in ("minority_recall", "pr_auc"):
        assert tied[name]["std"] > 1.2 * independent[name]["std"], name


def test_hard_predictions_stand_in_for_missing_scores():
    folds = _predictions(with_scores=False)
    found = pooled_bootstrap_intervals(folds, n_boot=100)
    assert np.isfinite(found["pr_auc"]["mean"])


def test_folds_without_row_positions_are_refused():
    fold = FoldPredictions(0, np.array([0, 1]), np.array([0, 1]), None)
    with pytest.raises(InputDataError, match="positions of each fold's test rows"):
        pooled_bootstrap_intervals([fold, fold])
