"""imbalanced-learn's and scikit-learn's estimator checks, over every registered strategy.

The checks are the libraries' own (``imblearn.utils.estimator_checks`` and
``sklearn.utils.estimator_checks``), run as imbalanced-learn runs them on its samplers
(``imblearn/tests/test_common.py``). Every check expected to fail is listed in
:data:`EXPECTED_FAILURES`, with the reason; it is marked ``xfail(strict=True)``, so a check
that starts passing shows up too.
"""

from __future__ import annotations

import warnings
from functools import partial

import pytest
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
)
from imblearn.utils.estimator_checks import estimator_checks_generator as imblearn_checks
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import estimator_checks_generator as sklearn_checks

from harness.resample.registry import STRATEGIES, strategy_kind

#: Parameters of the instance checked, per strategy (the nominal–continuous samplers need their
#: nominal columns named; the checks' data are numpy arrays, so "auto" cannot find them).
CHECKED_PARAMS = {
    "adasyn_nc": {"categorical_features": [0]},
    "smote_nc": {"categorical_features": [0]},
}

_SMALL_CLASS = (
    "design: with 10 rows the check's classes have 3 or 4 rows, fewer than K + 1 = 6, and the "
    "interpolating samplers refuse such a class (InputDataError naming n_neighbors/k_neighbors "
    "and RandomOverSampler); `fit` resamples, so it refuses too"
)
_NOMINAL_NAN = (
    "design: the checked instance declares column 0 nominal, where a missing value is a "
    "category of its own; NaN in a continuous column is refused "
    "(tests/resample/test_nominal_samplers.py)"
)

#: The one list of checks left failing, per strategy, with the reason.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "adasyn": {"check_fit2d_1feature": _SMALL_CLASS},
    "smote": {"check_fit2d_1feature": _SMALL_CLASS},
    "adasyn_nc": {"check_fit2d_1feature": _SMALL_CLASS, "check_estimators_nan_inf": _NOMINAL_NAN},
    "smote_nc": {"check_fit2d_1feature": _SMALL_CLASS, "check_estimators_nan_inf": _NOMINAL_NAN},
}


def _instances() -> list[object]:
    instances = []
    for name, cls in STRATEGIES.items():
        params = dict(CHECKED_PARAMS.get(name, {}))
        if "random_state" in cls(**params).get_params():
            params["random_state"] = 42
        instances.append(cls(**params))
    return instances


def expected_failures(estimator: object) -> dict[str, str]:
    """The checks :data:`EXPECTED_FAILURES` lists for this estimator's strategy."""
    return EXPECTED_FAILURES.get(strategy_kind(estimator), {})


def test_every_registered_strategy_is_checked():
    assert {strategy_kind(sampler) for sampler in _instances()} == set(STRATEGIES)
    assert set(EXPECTED_FAILURES) <= set(STRATEGIES)


def _check_name(check: object) -> str:
    while isinstance(check, partial):
        check = check.func
    return check.__name__


def _checks(generator) -> list:
    """Every (estimator, check) the generator yields, expected failures marked strict xfail."""
    params = []
    for estimator in _instances():
        expected = expected_failures(estimator)
        for instance, check in generator(estimator, legacy=True, mark=None):
            name = _check_name(check)
            marks = (
                [pytest.mark.xfail(strict=True, reason=expected[name])] if name in expected else []
            )
            params.append(
                pytest.param(instance, check, marks=marks, id=f"{strategy_kind(estimator)}-{name}")
            )
    return params


@pytest.mark.parametrize(("estimator", "check"), _checks(sklearn_checks))
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(("estimator", "check"), _checks(imblearn_checks))
def test_imbalanced_learn_sampler_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (FutureWarning, UserWarning))
        check(estimator)


@pytest.mark.parametrize("estimator", _instances(), ids=lambda e: strategy_kind(e))
def test_imbalanced_learn_parameter_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", _instances(), ids=lambda e: strategy_kind(e))
def test_imbalanced_learn_column_name_consistency(estimator):
    with warnings.catch_warnings(record=True) as record:
        check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
    assert not any("was fitted without feature names" in str(w.message) for w in record)


@pytest.mark.parametrize("sampler", _instances(), ids=lambda e: strategy_kind(e))
def test_every_strategy_works_inside_an_imblearn_pipeline(sampler):
    X, y = make_classification(n_samples=300, weights=[0.8], random_state=0)
    pipeline = Pipeline([("sampler", sampler), ("model", LogisticRegression())])
    assert clone(pipeline).fit(X, y).predict(X).shape == y.shape
