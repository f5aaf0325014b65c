"""Mixed-type data through the protocol: categories are resampled as categories.

On a table with categorical columns the protocol one-hot encodes inside each training fold; a
categorical-aware sampler (ADASYN-NC, SMOTE-NC) receives the one-hot groups and never makes a
fractional category, while plain ADASYN interpolates them and the invalid-value SLI says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.components.models import build_model
from harness.data.roles import ColumnRoles
from harness.data.validate import make_dataset
from harness.evaluate.protocol import evaluate_folds
from harness.evaluate.settings import EvaluationSettings
from harness.resample import ADASYN, ADASYNNC, SMOTENC, DecisionThreshold


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "amount": rng.normal(size=n),
            "age": rng.normal(size=n),
            "gender": rng.choice(["F", "M"], size=n),
            "plan": rng.choice(["basic", "plus", "pro"], size=n),
        }
    )
    score = frame["amount"] + (frame["plan"] == "pro") * 1.5 + rng.normal(scale=0.8, size=n)
    frame["churned"] = np.where(score > np.quantile(score, 0.85), "yes", "no")
    roles = ColumnRoles(
        target="churned", positive_label="yes", categorical=["gender", "plan"], sensitive=["gender"]
    )
    return make_dataset(frame, roles, name="mixed")


def _evaluate(dataset, make_sampler):
    return evaluate_folds(
        dataset,
        make_sampler,
        lambda seed: build_model(
            {"estimator": {"_target_": "sklearn.linear_model.LogisticRegression"}},
            random_state=seed,
        ),
        EvaluationSettings.defaults(n_splits=3, n_repeats=1, precision_target=None),
    ).folds


@pytest.mark.parametrize("sampler", [ADASYNNC, SMOTENC])
def test_categorical_aware_samplers_make_no_invalid_row(mixed, sampler):
    folds = _evaluate(mixed, lambda seed: sampler(random_state=seed))
    assert (folds["resample/n_synthetic"] > 0).all()
    assert (folds["resample/invalid_value_share"] == 0).all()


def test_plain_adasyn_on_one_hot_columns_is_reported_honestly(mixed):
    folds = _evaluate(mixed, lambda seed: ADASYN(random_state=seed))
    assert (folds["resample/invalid_value_share"] > 0).all()


def test_decision_threshold_baseline_adds_no_row(mixed):
    folds = _evaluate(mixed, lambda seed: DecisionThreshold())
    assert (folds["resample/n_synthetic"] == 0).all()
    assert folds["resample/invalid_value_share"].isna().all()
