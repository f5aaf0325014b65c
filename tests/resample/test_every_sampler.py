"""Rules of the shared input checks, checked against every registered strategy."""

import numpy as np
import pytest

from harness.errors import InputDataError
from harness.resample.registry import STRATEGIES
from tests.resample.conftest import make_data, sampler_of


def _masked(X: np.ndarray) -> np.ma.MaskedArray:
    masked = np.ma.masked_array(X.copy(), mask=np.zeros(X.shape, dtype=bool))
    masked[[3, 7], 1] = np.ma.masked
    masked[7, 2] = np.ma.masked
    return masked


@pytest.mark.parametrize("name", STRATEGIES)
def test_masked_features_are_refused_naming_the_masked_values_and_the_fix(name):
    X, y = make_data()
    with pytest.raises(InputDataError) as caught:
        sampler_of(name).fit_resample(_masked(X), y)
    message = str(caught.value)
    assert "X is a numpy masked array with 3 masked value(s) in 2 row(s)" in message
    assert "X.filled(np.nan)" in message and "np.ma.getmaskarray(X)" in message


@pytest.mark.parametrize("name", STRATEGIES)
def test_masked_features_with_nothing_masked_are_refused_too(name):
    X, y = make_data()
    with pytest.raises(InputDataError, match="0 masked value.*pass X.data when nothing"):
        sampler_of(name).fit_resample(np.ma.masked_array(X), y)


@pytest.mark.parametrize("name", STRATEGIES)
def test_a_masked_y_is_refused_naming_the_fix(name):
    X, y = make_data()
    labels = np.ma.masked_array(y, mask=np.arange(len(y)) < 2)
    with pytest.raises(InputDataError) as caught:
        sampler_of(name).fit_resample(X, labels)
    message = str(caught.value)
    assert "y is a numpy masked array with 2 masked label(s)" in message
    assert "np.ma.getmaskarray(y)" in message
