"""The decision-threshold model: the same threshold as scikit-learn's, fast, and a rule for
constant scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_score, recall_score
from sklearn.model_selection import TunedThresholdClassifierCV
from sklearn.tree import DecisionTreeClassifier

from harness.resample import DecisionThreshold
from harness.resample.threshold_tuning import (
    FAST_SCORERS,
    ThresholdTunedClassifier,
    threshold_scorer,
)

SKLEARN_METRICS = {
    "f1": f1_score,
    "recall": recall_score,
    "precision": precision_score,
    "balanced_accuracy": balanced_accuracy_score,
}


@pytest.mark.parametrize("name", sorted(FAST_SCORERS))
def test_fast_metrics_equal_scikit_learn_bit_for_bit(name):
    rng = np.random.default_rng(0)
    fast, reference = FAST_SCORERS[name], SKLEARN_METRICS[name]
    cases = [(rng.integers(0, 2, n), rng.integers(0, 2, n)) for n in (2, 5, 17, 300)]
    truth = np.array([0, 1, 0, 1, 1])
    cases += [(truth, np.zeros(5, int)), (truth, np.ones(5, int)), (truth, truth)]
    cases += [(np.r_[truth, 0], np.r_[1 - truth, 1])]
    for y_true, y_pred in cases:
        if name == "balanced_accuracy" and len(np.unique(y_true)) < 2:
            continue
        kwargs = {} if name == "balanced_accuracy" else {"zero_division": 0.0}
        assert fast(y_true, y_pred) == reference(y_true, y_pred, **kwargs)


def test_unknown_scoring_and_other_labels_go_to_scikit_learn_unchanged():
    assert threshold_scorer("roc_auc") == "roc_auc"
    assert threshold_scorer("f1", np.array([1, 2, 2])) == "f1"
    custom = object()
    assert threshold_scorer(custom) is custom
    assert callable(threshold_scorer("f1", np.array([0, 1])))


@pytest.mark.parametrize("scoring", ["f1", "recall", "balanced_accuracy"])
def test_tuned_threshold_is_scikit_learns(scoring):
    X, y = make_classification(n_samples=400, weights=[0.85], random_state=3)
    ours = ThresholdTunedClassifier(LogisticRegression(), scoring=scoring, random_state=0)
    reference = TunedThresholdClassifierCV(LogisticRegression(), scoring=scoring, random_state=0)
    ours.fit(X, y)
    reference.fit(X, y)
    assert ours.best_threshold_ == reference.best_threshold_
    assert ours.best_score_ == reference.best_score_
    assert ours.default_threshold_kept_ is False
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))
    assert ours.scoring == scoring  # the fast scorer is used inside fit only


def test_decision_threshold_baseline_fits_the_fast_model():
    assert isinstance(
        DecisionThreshold().wrap_model(LogisticRegression()), ThresholdTunedClassifier
    )


def test_constant_scores_keep_the_models_own_prediction(caplog):
    X, y = make_classification(n_samples=120, weights=[0.9], random_state=0)
    with pytest.raises(ValueError, match="constant predictions"):
        TunedThresholdClassifierCV(DummyClassifier(strategy="prior")).fit(X, y)
    model = ThresholdTunedClassifier(DummyClassifier(strategy="prior"))
    with caplog.at_level("WARNING"):
        model.fit(X, y)
    assert model.default_threshold_kept_ is True
    assert np.isnan(model.best_threshold_)
    np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(X))
    np.testing.assert_array_equal(model.predict_proba(X), model.estimator_.predict_proba(X))
    assert "no threshold can be tuned" in caplog.text


def test_other_errors_still_raise():
    X, y = make_classification(n_samples=60, random_state=0)
    with pytest.raises(ValueError, match="n_splits"):
        ThresholdTunedClassifier(LogisticRegression(), cv=500).fit(X, y)


@pytest.mark.parametrize(
    "estimator", [LogisticRegression(), DecisionTreeClassifier(random_state=1)]
)
def test_a_tuned_threshold_never_changes_the_scores(estimator):
    """Why the operating point scores the plain model: the tuned model's scores are its."""
    X, y = make_classification(n_samples=300, weights=[0.8], random_state=5)
    tuned = ThresholdTunedClassifier(estimator, random_state=0).fit(X, y)
    plain = type(estimator)(**estimator.get_params()).fit(X, y)
    np.testing.assert_array_equal(tuned.predict_proba(X), plain.predict_proba(X))
