"""What every sampler records the same way: scikit-learn's input attributes."""

import pandas as pd
import pytest

from harness.resample import ADASYN, SMOTE, NoResampling, RandomOverSampler
from tests.resample.conftest import make_data


@pytest.mark.parametrize("cls", [ADASYN, SMOTE, RandomOverSampler, NoResampling])
def test_feature_names_are_recorded_for_a_frame_and_removed_on_a_refit_with_an_array(cls):
    X, y = make_data()
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    sampler = cls().fit(frame, y)
    assert sampler.n_features_in_ == X.shape[1]
    assert list(sampler.feature_names_in_) == list(frame.columns)
    sampler.fit(X, y)
    assert sampler.n_features_in_ == X.shape[1]
    assert not hasattr(sampler, "feature_names_in_")
