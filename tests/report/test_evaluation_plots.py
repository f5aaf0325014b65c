"""A job's evaluation plots: confusion matrix, reliability and threshold plots, on real data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from harness.data import load_builtin
from harness.evaluate.protocol import FoldArtifacts
from harness.report.evaluation_plots import decision_threshold, evaluation_plots

PNG = b"\x89PNG"
RECORD = {
    "dataset": "pima",
    "resampler": "none",
    "model": "logistic_regression",
    "metrics": {"test/threshold_at_precision": 0.62},
    "params": {"evaluation.precision_target": 0.7},
}


def out_of_fold(model, threshold: float = 0.5) -> FoldArtifacts:
    """Pooled out-of-fold scores and predictions (``score >= threshold``) on pima, 3 folds."""
    data = load_builtin("pima")
    X, y = data.X.to_numpy(dtype=float), np.asarray(data.y)
    artifacts = FoldArtifacts()
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        score = model.fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        artifacts.oof_true.append(y[test])
        artifacts.oof_score.append(score)
        artifacts.oof_pred.append((score >= threshold).astype(int))
    return artifacts


@pytest.fixture(scope="module")
def logistic():
    return out_of_fold(make_pipeline(StandardScaler(), LogisticRegression()), threshold=0.3)


def test_the_decision_threshold_is_read_back_from_the_predictions(logistic):
    found = decision_threshold(logistic.oof_score, logistic.oof_pred)
    # The lowest score predicted minority: at or just above the threshold used.
    assert 0.3 <= found < 0.31
    lowest = [s[p == 1].min() for s, p in zip(logistic.oof_score, logistic.oof_pred, strict=True)]
    assert found == pytest.approx(float(np.median(lowest)))


def test_predictions_that_are_no_threshold_of_the_score_get_none(logistic):
    flipped = [p.copy() for p in logistic.oof_pred]
    top = np.argmax(logistic.oof_score[0])
    flipped[0][top] = 0  # the highest score predicted majority: no threshold explains it
    assert decision_threshold(logistic.oof_score, flipped) is None
    nothing = [np.zeros_like(p) for p in logistic.oof_pred]
    assert decision_threshold(logistic.oof_score, nothing) is None


def test_probability_scores_get_all_three_plots(logistic):
    images = evaluation_plots(RECORD, logistic)
    assert list(images) == ["confusion_matrix", "calibration", "threshold"]
    for png in images.values():
        assert png.startswith(PNG) and len(png) > 5000


def test_hard_scores_get_only_the_confusion_matrix():
    # A fully grown tree predicts 0/1 probabilities: no threshold to vary; they are still
    # probabilities, so the reliability plot stays.
    tree = out_of_fold(DecisionTreeClassifier(random_state=0))
    assert len(np.unique(np.concatenate(tree.oof_score))) == 2
    images = evaluation_plots(dict(RECORD, model="decision_tree"), tree)
    assert list(images) == ["confusion_matrix", "calibration"]


def test_no_predictions_no_plots():
    assert evaluation_plots(RECORD, FoldArtifacts()) == {}
