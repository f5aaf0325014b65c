"""Each bad input or parameter gets its own error class and a message that names the fix."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from harness.errors import InputDataError, MemoryQuotaError, SamplerParameterError
from harness.resample import ADASYN, SMOTE, RandomOverSampler, make_sampler
from tests.resample.conftest import make_data

OVERSAMPLERS = [ADASYN, SMOTE, RandomOverSampler]


def _with_nan(X: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame.loc[[3, 7], "f2"] = np.nan
    frame.loc[9, "f4"] = np.inf
    return frame


BAD_INPUTS = {
    "nan": (lambda X, y: (_with_nan(X), y), "3 row(s), in column(s) 'f2', 'f4': impute"),
    "inf numpy": (
        lambda X, y: (np.where(np.arange(len(X))[:, None] == 0, np.inf, X), y),
        "NaN or infinite values in 1 row(s)",
    ),
    "single class": (lambda X, y: (X, np.zeros_like(y)), "single class"),
    "lengths": (lambda X, y: (X, y[:-5]), "X has 300 rows but y has 295"),
    "non-numeric": (
        lambda X, y: (pd.DataFrame(X).assign(colour="red", size=pd.Categorical(["s"] * len(X))), y),
        "non-numeric columns 'colour', 'size': encode categorical columns first",
    ),
    "object array": (
        lambda X, y: (np.column_stack([X, np.full(len(X), "red", dtype=object)]), y),
        "non-numeric values in column(s) 5",
    ),
    "1-D X": (lambda X, y: (X[:, 0], y), "reshape"),
    "2-D y": (lambda X, y: (X, y[:, None]), "y.ravel()"),
    "sparse": (lambda X, y: (sparse.csr_matrix(X), y), "X.toarray()"),
    "continuous y": (lambda X, y: (X, y + 0.5), "continuous"),
    "missing label": (lambda X, y: (X, np.where(np.arange(len(y)) == 0, np.nan, y)), "missing"),
}


@pytest.mark.parametrize("sampler", OVERSAMPLERS)
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_raises_input_data_error(sampler, case):
    X, y = make_data()
    corrupt, fragment = BAD_INPUTS[case]
    with pytest.raises(InputDataError, match=None) as caught:
        sampler().fit_resample(*corrupt(X, y))
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("sampler", "parameter"), [(ADASYN, "n_neighbors"), (SMOTE, "k_neighbors")]
)
def test_too_few_minority_rows_names_the_count_and_the_fix(sampler, parameter):
    X, y = make_data()
    keep = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:4]])
    with pytest.raises(InputDataError) as caught:
        sampler().fit_resample(X[keep], y[keep])
    message = str(caught.value)
    assert "has 4 row(s)" in message and f"{parameter}=3" in message
    assert "RandomOverSampler" in message


BAD_PARAMETERS = [
    (ADASYN, {"n_neighbors": 0}, "n_neighbors must be a positive integer"),
    (ADASYN, {"n_neighbors": 2.5}, "n_neighbors must be a positive integer"),
    (ADASYN, {"n_neighbors": True}, "n_neighbors must be a positive integer"),
    (SMOTE, {"k_neighbors": -1}, "k_neighbors must be a positive integer"),
    (ADASYN, {"beta": -0.1}, "beta must be a number >= 0"),
    (ADASYN, {"d_th": 0.0}, "d_th must be in (0, 1]"),
    (ADASYN, {"d_th": 1.5}, "d_th must be in (0, 1]"),
    (ADASYN, {"no_hard_samples": "ignore"}, "Unknown no_hard_samples 'ignore'"),
    (ADASYN, {"backend": "annoy"}, "Unknown backend 'annoy'"),
    (SMOTE, {"backend": "annoy"}, "Unknown backend 'annoy'"),
    (SMOTE, {"chunk_size": 0}, "chunk_size must be a positive integer"),
    (RandomOverSampler, {"random_state": "seed"}, "random_state must be None, an int"),
    (RandomOverSampler, {"max_synthetic": 0}, "max_synthetic must be a positive integer"),
    (ADASYN, {"sampling_strategy": "majority"}, "Unknown sampling_strategy 'majority'"),
    (ADASYN, {"sampling_strategy": 0.1}, "would need undersampling"),
    (ADASYN, {"sampling_strategy": 1.5}, "is not a ratio in (0, 1]"),
    (SMOTE, {"sampling_strategy": {1: 10}}, "cannot remove rows"),
    (SMOTE, {"sampling_strategy": {7: 500}}, "class(es) [7] that are not in y"),
    (SMOTE, {"sampling_strategy": {1: 500.0}}, "must be an int"),
    (SMOTE, {"sampling_strategy": lambda y: [1]}, "returned list, not a dict"),
    (SMOTE, {"sampling_strategy": [1]}, "is not a float, str, dict or callable"),
]


@pytest.mark.parametrize(("sampler", "params", "fragment"), BAD_PARAMETERS)
def test_bad_parameter_raises_sampler_parameter_error(sampler, params, fragment):
    X, y = make_data()
    with pytest.raises(SamplerParameterError) as caught:
        sampler(**params).fit_resample(X, y)
    assert fragment in str(caught.value)


def test_float_strategy_on_three_classes_asks_for_a_dict():
    X, y = make_data(weights=(0.6, 0.25, 0.15), seed=1)
    with pytest.raises(SamplerParameterError, match="needs exactly two classes"):
        SMOTE(sampling_strategy=0.9).fit_resample(X, y)


def test_quota_is_checked_before_anything_is_allocated():
    X, y = make_data()
    huge = {1: 10**12 + int((y == 1).sum())}  # ~37 TiB: allocating it first would fail otherwise
    with pytest.raises(MemoryQuotaError) as caught:
        ADASYN(sampling_strategy=huge, max_synthetic=1_000).fit_resample(X, y)
    message = str(caught.value)
    assert "1,000,000,000,000 synthetic rows" in message
    assert "MiB" in message and "raise max_synthetic" in message


def test_quota_allows_requests_up_to_the_limit():
    X, y = make_data()
    counts = np.bincount(y)
    sampler = SMOTE(max_synthetic=int(counts[0] - counts[1]), random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.n_synthetic_ == counts[0] - counts[1]


def test_make_sampler_rejects_unknown_names_and_parameters():
    with pytest.raises(SamplerParameterError, match="use one of adasyn, smote, ros"):
        make_sampler("tomek")
    with pytest.raises(SamplerParameterError, match="does not take parameter"):
        make_sampler("smote", n_neighbors=3)


def test_a_one_row_class_points_to_random_oversampling():
    X, y = make_data()
    keep = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:1]])
    with pytest.raises(InputDataError, match="has 1 row\\(s\\).*: use RandomOverSampler"):
        ADASYN().fit_resample(X[keep], y[keep])
    _, y_res = RandomOverSampler(random_state=0).fit_resample(X[keep], y[keep])
    assert np.bincount(y_res)[1] == np.bincount(y[keep])[0]
