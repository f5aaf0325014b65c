"""Coverage of the corrected interval, by simulation from a known generating distribution.

Each simulated ablation draws a data set, runs 5-fold cross-validation repeated twice (the 5x2
of the quick experiment) of a decision tree and a logistic regression, and forms the corrected
95 % interval of the mean fold difference. The
truth is the expected difference of the two learners trained on n(k-1)/k rows drawn from the
same distribution, estimated on a large independent test set. The plain Student-t interval is
measured too, to show why the correction is needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from harness.evaluate.inference import corrected_interval

N_ROWS = 200
N_SPLITS, N_REPEATS = 5, 2
N_ABLATIONS = 200
N_TRUTH_DRAWS = 200
MINORITY_SHARE = 0.25
MEANS = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 0.8, 0.0, 0.0]])


def _draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = (rng.random(n) < MINORITY_SHARE).astype(int)
    X = rng.normal(size=(n, 4)) + MEANS[y]
    X[:, 2] += 0.7 * X[:, 0] * y  # a mild interaction the tree can use
    return X, y


def _learners(seed: int):
    return (
        DecisionTreeClassifier(max_depth=4, random_state=seed),
        LogisticRegression(max_iter=500),
    )


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    # scikit-learn's balanced_accuracy_score, without its input validation (~5 ms a call,
    # 4 400 calls here); equal values are checked in the test below.
    return 0.5 * (np.mean(y_pred[y_true == 1] == 1) + np.mean(y_pred[y_true == 0] == 0))


def _score(model, X_train, y_train, X_test, y_test) -> float:
    return _balanced_accuracy(y_test, model.fit(X_train, y_train).predict(X_test))


def test_the_balanced_accuracy_shortcut_equals_scikit_learns():
    rng = np.random.default_rng(0)
    for _ in range(50):
        y_true = (rng.random(60) < 0.25).astype(int)
        y_true[:2] = [0, 1]  # both classes present, as in every fold here
        y_pred = (rng.random(60) < 0.4).astype(int)
        assert _balanced_accuracy(y_true, y_pred) == pytest.approx(
            balanced_accuracy_score(y_true, y_pred), abs=1e-15
        )


def _true_difference(rng: np.random.Generator) -> float:
    X_test, y_test = _draw(rng, 20_000)
    n_train = N_ROWS * (N_SPLITS - 1) // N_SPLITS
    differences = []
    for draw in range(N_TRUTH_DRAWS):
        X, y = _draw(rng, n_train)
        tree, logistic = _learners(draw)
        differences.append(
            _score(tree, X, y, X_test, y_test) - _score(logistic, X, y, X_test, y_test)
        )
    return float(np.mean(differences))


def _fold_differences(rng: np.random.Generator, seed: int) -> np.ndarray:
    X, y = _draw(rng, N_ROWS)
    folds = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=N_REPEATS, random_state=seed)
    differences = []
    for train, test in folds.split(X, y):
        tree, logistic = _learners(seed)
        differences.append(
            _score(tree, X[train], y[train], X[test], y[test])
            - _score(logistic, X[train], y[train], X[test], y[test])
        )
    return np.array(differences)


@pytest.mark.slow
def test_corrected_interval_covers_the_true_difference():
    truth = _true_difference(np.random.default_rng(12345))
    rng = np.random.default_rng(2024)
    n_test = N_ROWS // N_SPLITS
    n_train = N_ROWS - n_test
    covered_corrected = covered_plain = 0
    for seed in range(N_ABLATIONS):
        d = _fold_differences(rng, seed)
        interval = corrected_interval(d, n_train, n_test)
        covered_corrected += interval["ci_low"] <= truth <= interval["ci_high"]
        plain = stats.t.interval(0.95, d.size - 1, loc=d.mean(), scale=stats.sem(d))
        covered_plain += plain[0] <= truth <= plain[1]
    coverage = covered_corrected / N_ABLATIONS
    plain_coverage = covered_plain / N_ABLATIONS
    print(f"coverage: corrected {coverage:.3f}, plain t {plain_coverage:.3f}, truth {truth:.4f}")
    assert coverage >= 0.90
    assert plain_coverage < coverage
