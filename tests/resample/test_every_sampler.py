"""Rules of the shared input checks, checked against every registered strategy."""

import tracemalloc

import numpy as np
import pytest
from scipy import sparse

from harness.errors import InputDataError, MemoryQuotaError
from harness.resample import memory
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


# -- requests that cannot fit in memory ------------------------------------------------------

#: Every strategy that generates rows (the baselines take no sampling_strategy), and random
#: oversampling's smoothed bootstrap, which computes its rows instead of copying them.
GENERATING = [
    pytest.param(name, {}, id=name)
    for name in STRATEGIES
    if "sampling_strategy" in sampler_of(name).get_params()
] + [pytest.param("ros", {"shrinkage": 0.5}, id="ros-shrinkage")]


@pytest.mark.parametrize(("name", "params"), GENERATING)
@pytest.mark.parametrize(
    "strategy", [{1: 10**12}, lambda y: {1: 10**10}], ids=["dict 10**12", "callable 10**10"]
)
def test_a_request_beyond_memory_is_a_memory_quota_error_naming_size_and_fix(
    name, params, strategy
):
    X, y = make_data()
    sampler = sampler_of(name, sampling_strategy=strategy, **params)
    with pytest.raises(MemoryQuotaError) as caught:
        sampler.fit_resample(X, y)
    message = str(caught.value)
    assert "synthetic rows" in message and "TiB" in message
    assert "of memory available, so it was refused before allocating" in message
    assert "harness resample --engine ray" in message
    assert ("max_synthetic" in message) == ("max_synthetic" in sampler.get_params())


def _rule_of_thumb_bytes(n_original: int, n_new: int, n_features: int) -> int:
    """float64 features and int64 labels: the output's rows and labels, plus per new row its
    label again (lineage) and 80 bytes of lineage and draws."""
    return n_original * (8 * n_features + 8) + n_new * (8 * n_features + 2 * 8 + 80)


@pytest.mark.parametrize(("name", "params"), GENERATING)
def test_the_memory_rule_refuses_one_byte_short_and_allows_the_exact_size(
    name, params, monkeypatch
):
    X, y = make_data()
    n_new = int(np.bincount(y)[0] - np.bincount(y)[1])
    needed = _rule_of_thumb_bytes(len(y), n_new, X.shape[1])
    monkeypatch.setattr(memory, "available_memory", lambda: needed - 1)
    with pytest.raises(MemoryQuotaError, match=f"ask for at most {n_new - 1} new rows"):
        sampler_of(name, **params).fit_resample(X, y)
    monkeypatch.setattr(memory, "available_memory", lambda: needed)
    sampler = sampler_of(name, **params)
    sampler.fit_resample(X, y)
    assert sampler.n_synthetic_ == n_new or name in ("smote_enn", "smote_tomek")


@pytest.mark.parametrize(("name", "params"), GENERATING)
def test_the_refusal_comes_before_the_output_is_allocated(name, params, monkeypatch):
    X, y = make_data()
    n_new = 400_000  # x 5 float64 features = 16 MB of output
    monkeypatch.setattr(memory, "available_memory", lambda: 4 * 2**20)
    sampler = sampler_of(name, sampling_strategy={1: int((y == 1).sum()) + n_new}, **params)
    tracemalloc.start()
    try:
        with pytest.raises(MemoryQuotaError, match="create 400,000 synthetic rows"):
            sampler.fit_resample(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20


# -- missing and infinite values ---------------------------------------------------------------

#: What each strategy does with NaN or ±inf in X (the list docs/adasyn.md gives): "copies" them
#: as they are, "refuses" them (InputDataError naming the columns and the fix), or takes them as
#: a category in its nominal columns ("nominal only": column 0 here) and refuses them elsewhere.
NON_FINITE = {
    "adasyn": "refuses",
    "smote": "refuses",
    "ros": "copies",
    "ros-shrinkage": "refuses",
    "class_weight": "copies",
    "none": "copies",
    "decision_threshold": "copies",
    "adasyn_nc": "nominal only",
    "smote_nc": "nominal only",
    "borderline_smote": "refuses",
    "smote_enn": "refuses",
    "smote_tomek": "refuses",
}


def _sampler(case: str) -> object:
    return sampler_of("ros", shrinkage=0.5) if case == "ros-shrinkage" else sampler_of(case)


def test_the_missing_value_list_covers_every_strategy():
    assert set(NON_FINITE) - {"ros-shrinkage"} == set(STRATEGIES)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("column", [0, 2], ids=["column 0", "column 2"])
@pytest.mark.parametrize("case", NON_FINITE)
def test_missing_and_infinite_values_are_copied_or_refused_as_listed(case, column, value):
    X, y = make_data()
    X[[3, 8], column] = value
    behaviour = NON_FINITE[case]
    sampler = _sampler(case)
    if behaviour == "refuses" or (behaviour == "nominal only" and column != 0):
        with pytest.raises(InputDataError) as caught:
            sampler.fit_resample(X, y)
        message = str(caught.value)
        assert f"X has NaN or infinite values in 2 row(s), in column(s) {column}: impute" in message
        assert "RandomOverSampler without shrinkage copies such rows as they are" in message
        return
    X_res, y_res = sampler.fit_resample(X, y)
    X_res = np.asarray(X_res, dtype=np.float64)
    np.testing.assert_array_equal(X_res[: len(y)], X)  # NaN compared equal to NaN
    if behaviour == "copies" and len(y_res) > len(y):  # random oversampling: copies of parents
        np.testing.assert_array_equal(X_res[len(y) :], X[sampler.lineage_["parent"]])
    if behaviour == "nominal only":  # a value of the class's column 0, never a new one
        for label in np.unique(y):
            new = X_res[len(y) :][y_res[len(y) :] == label, 0]
            allowed = X[y == label, 0]
            assert np.isin(new[~np.isnan(new)], allowed).all()
            assert not np.isnan(new).any() or np.isnan(allowed).any()


@pytest.mark.parametrize("name", ["borderline_smote", "smote_enn", "smote_tomek"])
def test_the_wrapped_samplers_refuse_non_finite_sparse_values_alike(name):
    X, y = make_data()
    X[5, 4] = np.nan
    with pytest.raises(InputDataError, match="in 1 row\\(s\\), in column\\(s\\) 4: impute"):
        sampler_of(name).fit_resample(sparse.csr_matrix(X), y)
