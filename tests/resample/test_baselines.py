"""The baselines pass the data through; DecisionThreshold tells the protocol to tune the model."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TunedThresholdClassifierCV

from harness.errors import InputDataError, SamplerParameterError
from harness.resample import ClassWeightBaseline, DecisionThreshold, NoResampling
from tests.resample.conftest import make_data

BASELINES = [NoResampling, ClassWeightBaseline, DecisionThreshold]


@pytest.mark.parametrize("baseline", BASELINES)
def test_any_x_passes_through_unchanged(baseline):
    X, y = make_data()
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=len(y)), "tag": "a"})
    for given in (X, sparse.csr_matrix(X), frame, np.where(X > 1, np.nan, X)):
        sampler = baseline()
        X_res, y_res = sampler.fit_resample(given, y)
        assert X_res is given and y_res is y
        assert sampler.n_synthetic_ == 0 and sampler.lineage_.empty


@pytest.mark.parametrize("baseline", BASELINES)
def test_labels_are_still_checked(baseline):
    X, y = make_data()
    with pytest.raises(InputDataError, match="single class"):
        baseline().fit_resample(X, np.zeros_like(y))
    with pytest.raises(InputDataError, match="X has 300 rows but y has 299"):
        baseline().fit_resample(X, y[:-1])


def test_decision_threshold_wraps_the_model_for_minority_f1_by_default():
    sampler = DecisionThreshold()
    assert sampler.tune_threshold is True and sampler.threshold_scoring == "f1"
    model = sampler.wrap_model(LogisticRegression(), random_state=0)
    assert isinstance(model, TunedThresholdClassifierCV)
    assert model.scoring == "f1" and model.cv == 5
    X, y = make_data()
    fitted = model.fit(X, y)
    assert 0 < fitted.best_threshold_ < 1
    assert not hasattr(NoResampling(), "tune_threshold")


def test_decision_threshold_scoring_is_configurable_and_checked():
    assert DecisionThreshold(scoring="recall").wrap_model(LogisticRegression()).scoring == "recall"
    X, y = make_data()
    with pytest.raises(SamplerParameterError, match="The 'cv' parameter of DecisionThreshold"):
        DecisionThreshold(cv=1).fit_resample(X, y)
