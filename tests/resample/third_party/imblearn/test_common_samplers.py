# Vendored from imbalanced-learn 0.14.2 (as shipped in its wheel):
# imblearn/tests/test_common.py.
# MIT licence, copyright the imbalanced-learn developers: see LICENSE in this folder.
# Changes: only test_strategy_as_ordered_dict is vendored, for RandomOverSampler
#   imported from harness.resample (RandomUnderSampler's case removed: the harness has no
#   undersampler). The rest of that file runs elsewhere: its scikit-learn and
#   imbalanced-learn estimator checks, parameter validation and column-name consistency run
#   over every registered strategy in tests/resample/test_estimator_checks.py, which lists
#   the expected failures with their reasons; test_all_estimator_no_base_class is about
#   imbalanced-learn's own estimator discovery.
"""Common tests"""

# Authors: Guillaume Lemaitre <g.lemaitre58@gmail.com>
#          Christos Aridas
# License: MIT

from collections import OrderedDict

import numpy as np
import pytest

from harness.resample import RandomOverSampler


@pytest.mark.parametrize("Sampler", [RandomOverSampler])
def test_strategy_as_ordered_dict(Sampler):
    """Check that it is possible to pass an `OrderedDict` as strategy."""
    rng = np.random.RandomState(42)
    X, y = rng.randn(30, 2), np.array([0] * 10 + [1] * 20)
    sampler = Sampler(random_state=42)
    if isinstance(sampler, RandomOverSampler):
        strategy = OrderedDict({0: 20, 1: 20})
    else:
        strategy = OrderedDict({0: 10, 1: 10})
    sampler.set_params(sampling_strategy=strategy)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape[0] == sum(strategy.values())
    assert y_res.shape[0] == sum(strategy.values())
