"""Interval coverage at small minority counts: the rule on a small simulation (the full table is
`harness bench --part interval-coverage`, docs/statistics.md)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from harness.bench.interval_coverage import (
    METRICS,
    average_precision,
    estimand,
    ratio_metrics,
    simulate_one,
)
from harness.metrics import minority_slis


def test_the_fast_metrics_equal_the_harness_metrics():
    rng = np.random.default_rng(0)
    for _ in range(30):
        y = (rng.random(80) < 0.2).astype(int)
        y[:2] = [0, 1]
        score = np.round(rng.random(80), 1)  # ties, as hard-ish scores have
        pred = (score >= 0.5).astype(int)
        fast, slow = ratio_metrics(y, pred, score), minority_slis(y, pred, score)
        assert fast == pytest.approx({m: slow[m] for m in METRICS}, abs=1e-12)
        assert average_precision(y, score) == pytest.approx(average_precision_score(y, score))


@pytest.mark.slow
def test_the_default_pooled_bootstrap_removes_the_pr_auc_bias_and_keeps_coverage():
    """n = 200, 10 % minority, 5x2 CV: about 4 minority rows per test fold."""
    truth = estimand(200, np.random.default_rng([200, 999_983]), draws=100)
    runs = [simulate_one(200, seed, truth) for seed in range(60)]

    def mean(metric, method, field):
        return float(np.mean([r[metric][method][field] for r in runs]))

    # The fold mean of PR-AUC overshoots on folds of ~4 minority rows; pooling does not.
    assert mean("pr_auc", "fold mean", "error") > 0.05
    for method in ("pooled jackknife", "pooled bootstrap"):
        assert abs(mean("pr_auc", method, "error")) < 0.04, method
        for metric in ("minority_recall", "minority_f1", "pr_auc"):
            assert mean(metric, method, "covered") >= 0.85, (method, metric)
