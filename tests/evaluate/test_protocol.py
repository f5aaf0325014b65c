"""The protocol: no leakage across folds, and exact agreement with scikit-learn."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from harness.data import load_builtin
from harness.evaluate.protocol import evaluate_folds, make_preprocessor
from harness.evaluate.settings import EvaluationSettings
from harness.resample import ADASYN, NoResampling


@pytest.fixture(scope="module")
def pima():
    return load_builtin("pima")


def test_no_synthetic_or_test_row_leaks_across_a_fold(pima):
    events = []
    evaluate_folds(
        pima,
        lambda seed: ADASYN(random_state=seed),
        lambda seed: DecisionTreeClassifier(random_state=seed),
        EvaluationSettings.defaults(n_splits=3, n_repeats=1, track_memory=False),
        observer=events.append,
    )
    assert len(events) == 3
    for event in events:
        assert not set(event.train_index) & set(event.test_index)
        # Recompute what the fold should have seen, from the training rows only.
        pre = clone(make_preprocessor(pima)).fit(pima.X.iloc[event.train_index])
        expected_train = pre.transform(pima.X.iloc[event.train_index])
        expected_test = pre.transform(pima.X.iloc[event.test_index])
        # The model was fitted on the original training rows first, then synthetic rows only.
        np.testing.assert_array_equal(event.X_fit[: event.n_original_fit], expected_train)
        synthetic = event.X_fit[event.n_original_fit :]
        assert len(synthetic) > 0
        # Test-fold predictions were made on exactly the original test rows, nothing else.
        np.testing.assert_array_equal(event.X_predict_test, expected_test)
        np.testing.assert_array_equal(event.X_predict_train, expected_train)
        # No test row is among the rows the model was fitted on (real or synthetic).
        fitted = {row.tobytes() for row in np.ascontiguousarray(event.X_fit)}
        assert not any(row.tobytes() in fitted for row in np.ascontiguousarray(expected_test))


def _untreated_logistic(dataset, seed=0, **options):
    """The folds of ``dataset`` with no treatment and a logistic regression, memory untraced."""
    return evaluate_folds(
        dataset,
        lambda seed: NoResampling(),
        lambda seed: LogisticRegression(max_iter=1000),
        EvaluationSettings.defaults(track_memory=False, **options),
        seed=seed,
    )


def test_no_treatment_fold_metrics_equal_cross_validate(pima):
    result = _untreated_logistic(pima, n_splits=5, n_repeats=2, seed=3)
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=3)
    reference = cross_validate(
        make_pipeline(make_preprocessor(pima), LogisticRegression(max_iter=1000)),
        pima.X,
        pima.y,
        cv=splitter,
        scoring={
            "recall": "recall",
            "precision": "precision",
            "f1": "f1",
            "roc_auc": "roc_auc",
        },
    )
    folds = result.folds
    np.testing.assert_allclose(folds["test/minority_recall"], reference["test_recall"], atol=1e-12)
    np.testing.assert_allclose(
        folds["test/minority_precision"], reference["test_precision"], atol=1e-12
    )
    np.testing.assert_allclose(folds["test/minority_f1"], reference["test_f1"], atol=1e-12)
    np.testing.assert_allclose(folds["test/roc_auc"], reference["test_roc_auc"], atol=1e-12)
    assert (folds["resample/n_synthetic"] == 0).all()


def test_fold_metrics_match_scikit_learn_on_the_same_predictions(pima):
    seen = {}

    def model(seed):
        return LogisticRegression(max_iter=1000)

    result = evaluate_folds(
        pima,
        lambda seed: NoResampling(),
        model,
        EvaluationSettings.defaults(n_splits=3, n_repeats=1, track_memory=False),
        observer=lambda e: seen.setdefault(e.fold, e),
    )
    event = seen[0]
    fitted = model(0).fit(event.X_fit, event.y_fit)
    y_test = pima.y[event.test_index]
    y_pred = fitted.predict(event.X_predict_test)
    row = result.folds.iloc[0]
    assert row["test/minority_recall"] == pytest.approx(recall_score(y_test, y_pred), abs=1e-12)
    assert row["test/minority_precision"] == pytest.approx(
        precision_score(y_test, y_pred), abs=1e-12
    )
    assert row["test/minority_f1"] == pytest.approx(f1_score(y_test, y_pred), abs=1e-12)
    score = fitted.predict_proba(event.X_predict_test)[:, 1]
    assert row["test/roc_auc"] == pytest.approx(roc_auc_score(y_test, score), abs=1e-12)


def test_peak_memory_is_traced_around_the_resampling_step_only(pima, monkeypatch):
    import harness.evaluate.protocol as protocol

    traced = []

    class Sampler(NoResampling):
        def fit_resample(self, X, y):
            traced.append(("resample", protocol.tracemalloc.is_tracing()))
            return np.vstack([X, X[:50]]), np.r_[y, y[:50]]

    class Model(DecisionTreeClassifier):
        def fit(self, X, y):
            traced.append(("fit", protocol.tracemalloc.is_tracing()))
            return super().fit(X, y)

    def run(**options):
        return evaluate_folds(
            pima,
            lambda s: Sampler(),
            lambda s: Model(random_state=s),
            EvaluationSettings.defaults(n_splits=2, n_repeats=1, **options),
        )

    # precision_target=None: no inner fits for the operating point, only the fold's own steps.
    tracked = run(precision_target=None)
    assert traced == [("resample", True), ("fit", False)] * 2
    # The appended rows are allocated inside the traced block.
    assert (tracked.folds["memory/peak_bytes"] >= 50 * pima.X.shape[1] * 8).all()
    untracked = run(track_memory=False)
    assert untracked.folds["memory/peak_bytes"].isna().all()


def test_fairness_keys_escape_slashes_in_column_and_group_names(pima):
    import pandas as pd

    from harness.data import Dataset
    from harness.metrics.catalog import parse_key

    rng = np.random.default_rng(0)
    groups = rng.choice(["a/b", "a", "b"], size=len(pima.X))
    dataset = Dataset(
        name="pima_groups",
        X=pima.X,
        y=pima.y,
        positive_label=pima.positive_label,
        sensitive=pd.DataFrame({"race/ethnicity": groups}),
    )
    result = _untreated_logistic(dataset, n_splits=3, n_repeats=1)
    keys = [c for c in result.folds.columns if c.startswith("fairness/")]
    parsed = [parse_key(key) for key in keys]
    assert all(p is not None for p in parsed), keys
    assert {p.column for p in parsed} == {"race/ethnicity"}
    assert {p.group for p in parsed if p.group is not None} == {"a/b", "a", "b"}
    assert "fairness/race%2Fethnicity/group/a%2Fb/recall" in keys
    assert "fairness/race%2Fethnicity/equalized_odds_difference" in keys


def test_every_fold_metric_is_in_the_catalog(pima):
    from harness.metrics.catalog import parse_key

    result = _untreated_logistic(pima, n_splits=3, n_repeats=1)
    unknown = [c for c in result.folds.columns if "/" in c and parse_key(c) is None]
    assert not unknown, f"metrics missing from harness/metrics/catalog.py: {unknown}"


def test_an_unreached_precision_target_is_no_operating_point_never_a_zero(pima):
    from harness.evaluate.summaries import hard_scores, undefined_metrics

    settings = EvaluationSettings.defaults(
        n_splits=3, n_repeats=1, track_memory=False, precision_target=0.99
    )
    folds = evaluate_folds(
        pima,
        lambda seed: NoResampling(),
        lambda seed: DecisionTreeClassifier(random_state=seed),
        settings,
    ).folds
    # A tree's 0/1 scores: two levels per fold, and no threshold reaches 99 % precision.
    assert (folds["test/score_levels"] <= 2).all()
    assert (folds["test/operating_point_reached"] == 0.0).all()
    assert folds["test/recall_at_precision"].isna().all()  # not 0.0
    assert hard_scores(folds) == (True, float(folds["test/score_levels"].median()))
    undefined = undefined_metrics(folds, 0.99)
    assert "test/recall_at_precision" in undefined
    assert "in 3 of 3 folds" in undefined["test/recall_at_precision"]


def test_the_operating_point_reports_the_precision_reached_on_test(pima):
    result = _untreated_logistic(pima, n_splits=3, n_repeats=1)
    folds = result.folds
    assert (folds["test/score_levels"] > 10).all()  # continuous scores
    reached = folds["test/operating_point_reached"] == 1.0
    assert reached.any()
    precision = folds.loc[reached, "test/precision_at_threshold"]
    assert precision.between(0, 1).all()
    below = folds.loc[reached, "test/precision_below_target"]
    assert set(below.unique()) <= {0.0, 1.0}
    assert (below == (precision < 0.7)).all()
