"""Each bad input or parameter gets its own error class and a message that names the fix."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from harness.errors import InputDataError, MemoryQuotaError, SamplerParameterError
from harness.resample import ADASYN, SMOTE, RandomOverSampler, make_sampler
from harness.resample.arrays import max_feature_magnitude
from tests.resample.conftest import make_data

OVERSAMPLERS = [ADASYN, SMOTE, RandomOverSampler]
INTERPOLATING = [ADASYN, SMOTE]


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
    "sparse": (lambda X, y: (sparse.csr_matrix(X), y), "X.toarray()"),
    "continuous y": (lambda X, y: (X, y + 0.5), "continuous"),
    "missing label": (lambda X, y: (X, np.where(np.arange(len(y)) == 0, np.nan, y)), "missing"),
    "multilabel y": (
        lambda X, y: (X, np.column_stack([y, y])),
        "multilabel and multioutput targets are not supported",
    ),
}
#: Copying a row needs no arithmetic: RandomOverSampler takes these as they are.
COPYABLE = ("nan", "inf numpy", "non-numeric", "object array", "sparse")


@pytest.mark.parametrize("sampler", OVERSAMPLERS)
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_raises_input_data_error(sampler, case):
    if sampler is RandomOverSampler and case in COPYABLE:
        pytest.skip("random oversampling copies these rows (checked below)")
    X, y = make_data()
    corrupt, fragment = BAD_INPUTS[case]
    with pytest.raises(InputDataError, match=None) as caught:
        sampler().fit_resample(*corrupt(X, y))
    assert fragment in str(caught.value)


@pytest.mark.parametrize("case", COPYABLE)
def test_random_oversampling_copies_rows_it_need_not_understand(case):
    X, y = make_data()
    X_bad, y = BAD_INPUTS[case][0](X, y)
    sampler = RandomOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X_bad, y)
    assert type(X_res) is type(X_bad) and X_res.shape[0] == len(y_res)
    parents = sampler.lineage_["parent"].to_numpy()
    as_frame = pd.DataFrame(X_bad.toarray() if sparse.issparse(X_bad) else X_bad)
    out = pd.DataFrame(X_res.toarray() if sparse.issparse(X_res) else X_res)
    pd.testing.assert_frame_equal(
        out.iloc[len(y) :].reset_index(drop=True), as_frame.iloc[parents].reset_index(drop=True)
    )


@pytest.mark.parametrize("sampler", INTERPOLATING)
def test_a_shrinkage_or_interpolation_still_refuses_missing_values(sampler):
    X, y = make_data()
    for make in (sampler, lambda: RandomOverSampler(shrinkage=0.5)):
        with pytest.raises(InputDataError, match="NaN or infinite"):
            make().fit_resample(_with_nan(X), y)


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


# -- labels, columns and values that used to slip through -------------------------------------


@pytest.mark.parametrize("sampler", OVERSAMPLERS)
@pytest.mark.parametrize(
    "labels",
    [
        np.array([0] * 240 + ["a"] * 60, dtype=object),
        [0] * 240 + ["a"] * 60,  # np.asarray would silently turn these into the strings "0", "a"
        pd.Series([0] * 240 + ["a"] * 60),
    ],
    ids=["object array", "list", "series"],
)
def test_mixed_int_and_str_labels_are_refused_with_the_fix(sampler, labels):
    X, _ = make_data()
    with pytest.raises(InputDataError) as caught:
        sampler(random_state=0).fit_resample(X, labels)
    message = str(caught.value)
    assert "y mixes label types (int, str)" in message and "y.astype(str)" in message


@pytest.mark.parametrize("sampler", OVERSAMPLERS)
def test_duplicate_column_names_are_refused_with_the_fix(sampler):
    X, y = make_data()
    frame = pd.DataFrame(X, columns=["a", "a", "b", "c", "b"])
    with pytest.raises(InputDataError) as caught:
        sampler(random_state=0).fit_resample(frame, y)
    message = str(caught.value)
    assert "duplicate column names 'a', 'b'" in message
    assert "X.columns.duplicated()" in message


@pytest.mark.parametrize("sampler", OVERSAMPLERS)
@pytest.mark.parametrize(
    "make_complex",
    [
        lambda X: X + 1j,
        lambda X: pd.DataFrame(X).assign(z=X[:, 0] * 1j),
        lambda X: np.column_stack([X, np.full(len(X), 1 + 2j, dtype=object)]),
    ],
    ids=["complex array", "complex column", "object array"],
)
def test_complex_features_are_refused_instead_of_losing_the_imaginary_part(sampler, make_complex):
    X, y = make_data()
    with pytest.raises(InputDataError) as caught:
        sampler(random_state=0).fit_resample(make_complex(X), y)
    message = str(caught.value)
    assert "complex numbers" in message and "np.real and np.imag" in message


def test_complex_labels_are_refused():
    X, y = make_data()
    with pytest.raises(InputDataError, match="y holds complex numbers"):
        SMOTE().fit_resample(X, y + 0j)


@pytest.mark.parametrize("backend", ["exact", "blocked"])
def test_features_just_under_the_magnitude_bound_keep_the_difficulty(backend):
    X, y = make_data()
    limit = max_feature_magnitude(X.shape[1])
    scaled = X * (limit * (1 - 1e-9) / np.abs(X).max())
    assert np.abs(scaled).max() < limit
    expected = ADASYN(random_state=0, backend=backend).fit(X, y).difficulty_[1]
    sampler = ADASYN(random_state=0, backend=backend)
    X_res, _ = sampler.fit_resample(scaled, y)
    assert np.isfinite(X_res).all()
    np.testing.assert_array_equal(sampler.difficulty_[1], expected)
    assert 0 < expected.mean() < 1  # a real mix, so an overflow (every r_i = 1.0) would show


@pytest.mark.parametrize("sampler", [ADASYN, SMOTE])
@pytest.mark.parametrize("factor", [1 + 1e-9, 1e3, 1e140])
def test_features_over_the_magnitude_bound_are_refused(sampler, factor):
    # Values near 1e155 used to pass and overflow every squared distance: each r_i became 1.0.
    X, y = make_data()
    limit = max_feature_magnitude(X.shape[1])
    with pytest.raises(InputDataError) as caught:
        sampler(random_state=0).fit_resample(X * (limit * factor / np.abs(X).max()), y)
    message = str(caught.value)
    assert f"beyond +/-{limit:.4g}" in message and "StandardScaler" in message


def test_magnitude_bound_keeps_float32_squared_distances_finite():
    for n_features in (1, 5, 1000):
        limit = max_feature_magnitude(n_features)
        # The largest expanded squared distance of centred rows: 16 n M².
        assert np.isfinite(np.float32(16 * n_features * limit**2 * (1 - 1e-6)))
        assert limit == pytest.approx(np.sqrt(np.finfo(np.float32).max / (16 * n_features)))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "got True (bool)"),
        (False, "got False (bool)"),
        ("seed", "got 'seed' (str)"),
        (-1, "got -1 (int)"),
        (2**40, f"got {2**40} (int)"),
        (1.5, "got 1.5 (float)"),
    ],
)
@pytest.mark.parametrize("sampler", OVERSAMPLERS)
def test_random_state_message_quotes_the_value_given(sampler, value, shown):
    X, y = make_data()
    with pytest.raises(SamplerParameterError) as caught:
        sampler(random_state=value).fit_resample(X, y)
    message = str(caught.value)
    assert shown in message and "'bad'" not in message
    assert "None, an int seed in [0, 2**32 - 1] or a numpy.random.RandomState" in message


def test_a_numpy_generator_gets_a_message_that_says_why():
    X, y = make_data()
    with pytest.raises(SamplerParameterError, match="Generator is not accepted.*RandomState"):
        ADASYN(random_state=np.random.default_rng(0)).fit_resample(X, y)


@pytest.mark.parametrize(
    ("strategy", "shown"),
    [
        (np.float32(0.1), "sampling_strategy=np.float32(0.1) asks for fewer"),
        (2, "sampling_strategy=2 is not a ratio"),
        (float("nan"), "sampling_strategy=nan is not a ratio"),
    ],
)
def test_float_strategy_messages_quote_the_value_given(strategy, shown):
    X, y = make_data()
    with pytest.raises(SamplerParameterError) as caught:
        SMOTE(sampling_strategy=strategy).fit_resample(X, y)
    assert shown in str(caught.value)


def test_a_callable_strategy_error_names_the_dict_it_returned():
    X, y = make_data()
    with pytest.raises(SamplerParameterError) as caught:
        SMOTE(sampling_strategy=lambda y: {1: 5}).fit_resample(X, y)
    assert "the dict the sampling_strategy callable returned asks for 5 rows" in str(caught.value)


def test_a_ratio_the_minority_already_meets_generates_nothing():
    """Found by the fuzz test: 14 * 0.4375 = 6.125 wanted minority rows, 6 present, so 0 new
    rows; imbalanced-learn refuses that as "would remove samples", which is not the case."""
    from harness.resample import ADASYN

    X = np.linspace(0, 1, 40).reshape(20, 2)
    y = np.array([0] * 14 + [1] * 6)
    sampler = ADASYN(sampling_strategy=0.4375, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert len(y_res) == 20 and sampler.n_synthetic_ == 0
