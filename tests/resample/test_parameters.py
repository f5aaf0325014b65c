"""One validator over ``_parameter_constraints``: scikit-learn's message plus the harness's fix."""

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

from harness.errors import SamplerParameterError
from harness.resample import ADASYN, ADASYNNC, SMOTE, SMOTENC, RandomOverSampler
from harness.resample.interpolating import InterpolatingOverSampler
from harness.resample.neighbors import NeighborBackend, register_backend
from harness.resample.parameters import validate_parameters
from harness.resample.registry import STRATEGIES
from tests.resample.conftest import make_data


@pytest.mark.parametrize("cls", list(STRATEGIES.values()), ids=list(STRATEGIES))
def test_every_public_parameter_has_a_constraint(cls):
    sampler = (
        cls(categorical_features=[0]) if "categorical_features" in cls().get_params() else cls()
    )
    assert set(sampler._parameter_constraints) == set(sampler.get_params(deep=False))


def test_a_refusal_has_scikit_learns_sentence_and_the_fix():
    with pytest.raises(SamplerParameterError) as caught:
        validate_parameters(ADASYN(beta=-1.0))
    message = str(caught.value)
    assert message.startswith("The 'beta' parameter of ADASYN must be a finite float")
    assert "Got -1.0 instead." in message and "pass e.g. beta=1.0" in message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("sampler", "fragment"),
    [
        (ADASYN(n_neighbors=True), "n_neighbors must be a positive integer"),
        (ADASYN(beta=float("inf")), "beta must be a number >= 0"),
        (SMOTE(random_state=True), "got True (bool)"),
        (RandomOverSampler(shrinkage=-0.1), "shrinkage must be a number >= 0"),
        (ADASYN(integer_features=3), "integer_features must list whole-number columns"),
    ],
)
def test_booleans_infinity_and_wrong_kinds_are_refused(sampler, fragment):
    X, y = make_data()
    with pytest.raises(SamplerParameterError) as caught:
        sampler.fit_resample(X, y)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("make", "parameter"),
    [
        (lambda nn: ADASYN(n_neighbors=nn), "n_neighbors"),
        (lambda nn: SMOTE(k_neighbors=nn), "k_neighbors"),
    ],
)
def test_a_nearest_neighbors_object_is_accepted_as_imbalanced_learn_does(make, parameter):
    # It used to be refused. Its n_neighbors counts the row itself: 6 means K = 5.
    X, y = make_data()
    with_object = make(NearestNeighbors(n_neighbors=6))
    with_object.set_params(random_state=0)
    with_int = make(5)
    with_int.set_params(random_state=0, backend="exact")
    np.testing.assert_array_equal(with_object.fit_resample(X, y)[0], with_int.fit_resample(X, y)[0])
    with pytest.raises(SamplerParameterError, match="K = n_neighbors - 1 must be at least 1"):
        make(NearestNeighbors(n_neighbors=1)).fit_resample(X, y)


def test_a_backend_registered_later_is_accepted():
    class Renamed(NeighborBackend):
        name = "renamed-exact"

        def fit(self, X):
            from harness.resample.neighbors import ExactBackend

            self._inner = ExactBackend().fit(X)
            return self

        def kneighbors(self, Q, n_neighbors):
            return self._inner.kneighbors(Q, n_neighbors)

    register_backend("renamed-exact", Renamed)
    X, y = make_data()
    renamed = SMOTE(backend="renamed-exact", random_state=0).fit_resample(X, y)[0]
    np.testing.assert_array_equal(
        renamed, SMOTE(backend="exact", random_state=0).fit_resample(X, y)[0]
    )


@pytest.mark.parametrize(
    ("cls", "base", "added"),
    [
        (ADASYN, InterpolatingOverSampler, {"n_neighbors", "beta", "d_th", "no_hard_samples"}),
        (SMOTE, InterpolatingOverSampler, {"k_neighbors"}),
        (ADASYNNC, ADASYN, {"categorical_features"}),
        (SMOTENC, SMOTE, {"categorical_features"}),
    ],
)
def test_an_extended_init_lists_the_base_parameters_and_its_own(cls, base, added):
    names = set(inspect.signature(cls).parameters)
    assert names == set(inspect.signature(base).parameters) | added
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values()
    )


def test_an_extended_init_stores_every_value_and_clones():
    sampler = ADASYNNC(categorical_features=[0], beta=0.5, n_neighbors=3, chunk_size=7)
    assert (sampler.categorical_features, sampler.beta, sampler.n_neighbors) == ([0], 0.5, 3)
    assert sampler.chunk_size == 7 and sampler.d_th is None
    assert clone(sampler).get_params() == sampler.get_params()
    with pytest.raises(TypeError, match="k_neighbors"):
        ADASYNNC(k_neighbors=3)
