"""Property tests: random inputs and parameters never crash a sampler with an undocumented error.

Each example draws a small data set (2-4 classes, a minority of 1-10 rows, heavy imbalance),
a feature dtype (float32, float64, int, bool), a container (numpy or pandas) and sampler
parameters that are valid or not. The sampler must either raise one of the documented errors
(:class:`~harness.errors.HarnessError` subclasses, the ``ValueError`` ones as ``ValueError``)
or return output that keeps the sampler contract: original rows first and unchanged, finite
features, counts that match ``sampling_strategy_`` and a lineage row per appended row.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness.errors import (
    HarnessError,
    InputDataError,
    MemoryQuotaError,
    NoHardSamplesError,
    SamplerParameterError,
)
from harness.resample import ADASYN, SMOTE, ClassWeightBaseline, NoResampling, RandomOverSampler
from harness.resample.arrays import max_feature_magnitude
from tests.support.fuzz import FUZZ

DOCUMENTED = (InputDataError, SamplerParameterError, NoHardSamplesError, MemoryQuotaError)
FEATURE_DTYPES = (np.float32, np.float64, np.int64, np.bool_)
STRATEGY_STRINGS = ("auto", "minority", "not minority", "not majority", "all")


# -- data ---------------------------------------------------------------------------------------


@st.composite
def class_sizes(draw) -> list[int]:
    """A majority of 8-30 rows and 1-3 smaller classes, one of them with 1-10 rows."""
    n_classes = draw(st.integers(2, 4))
    majority = draw(st.integers(8, 30))
    minority = draw(st.integers(1, 10))
    others = [draw(st.integers(1, majority)) for _ in range(n_classes - 2)]
    return [majority, minority, *others]


def _features(draw, n_rows: int, dtype) -> np.ndarray:
    n_features = draw(st.integers(1, 4))
    if dtype == np.bool_:
        elements = st.booleans()
    elif np.issubdtype(dtype, np.integer):
        elements = st.integers(-50, 50)
    else:
        width = 32 if dtype == np.float32 else 64
        elements = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=width)
    return draw(hnp.arrays(dtype, (n_rows, n_features), elements=elements))


@st.composite
def datasets(draw):
    """``(X, y)`` in numpy or pandas, labels as int or str, rows in a shuffled order."""
    sizes = draw(class_sizes())
    label_kind = draw(st.sampled_from(["int", "str"]))
    names = [i if label_kind == "int" else f"c{i}" for i in range(len(sizes))]
    y = np.concatenate([np.full(n, name) for name, n in zip(names, sizes, strict=True)])
    order = draw(st.permutations(range(len(y))))
    y = y[np.asarray(order)]
    dtype = draw(st.sampled_from(FEATURE_DTYPES))
    X = _features(draw, len(y), dtype)
    if draw(st.booleans()):
        X = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
        y = pd.Series(y, name="target")
    return X, y


# -- parameters ---------------------------------------------------------------------------------


#: Per parameter: (valid values, invalid values). At most one parameter is drawn invalid.
VALID_AND_INVALID = {
    "k": (st.integers(1, 5), st.sampled_from([-1, 0, 2.5, True, None])),
    "random_state": (st.sampled_from([0, 1, None]), st.sampled_from([-1, "x", 1.5, True, False])),
    "max_synthetic": (st.sampled_from([None, 10_000, 5]), st.sampled_from([0, -3, 2.0])),
    "beta": (st.floats(0, 2), st.sampled_from([-0.5, math.inf, math.nan, "1"])),
    "d_th": (st.none() | st.floats(0.01, 1), st.sampled_from([0, -0.1, 1.5, math.nan])),
    "no_hard_samples": (st.sampled_from(["smote", "raise"]), st.just("ignore")),
}


def sampling_strategies(labels: list, *, valid: bool):
    """Every form imbalanced-learn accepts, for data with these labels (may still be impossible:
    a float or dict can ask for fewer rows than a class has)."""
    wanted = st.dictionaries(
        st.sampled_from(labels), st.integers(0, 45), min_size=1, max_size=len(labels)
    )
    if not valid:
        return st.sampled_from(["bogus", "", None, math.nan, -0.5, 1.5, {"not-a-class": 10}])
    return st.one_of(
        st.sampled_from(STRATEGY_STRINGS),
        st.floats(0.01, 1),
        wanted,
        wanted.map(lambda d: lambda y: d),
    )


SAMPLER_KINDS = ("adasyn", "smote", "ros", "class_weight", "none")


@st.composite
def samplers(draw, kind: str, labels: list):
    if kind == "none":
        return NoResampling()
    if kind == "class_weight":
        return ClassWeightBaseline()
    names = ["sampling_strategy", "random_state", "max_synthetic"]
    names += {"adasyn": ["k", "beta", "d_th", "no_hard_samples"], "smote": ["k"]}.get(kind, [])
    broken = draw(st.sampled_from([None, None, None, *names]))
    params = {"sampling_strategy": draw(sampling_strategies(labels, valid=broken != names[0]))}
    for name in names[1:]:
        valid, invalid = VALID_AND_INVALID[name]
        params[name] = draw(invalid if name == broken else valid)
    k = params.pop("k", None)
    if kind == "ros":
        return RandomOverSampler(**params)
    if kind == "smote":
        return SMOTE(k_neighbors=k, **params)
    return ADASYN(n_neighbors=k, **params)


# -- contract checks ----------------------------------------------------------------------------


def _as_arrays(X, y) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(X), np.asarray(y)


def _check_contract(sampler, X, y, X_res, y_res) -> None:
    assert type(X_res) is type(X) and type(y_res) is type(y)
    X_in, y_in = _as_arrays(X, y)
    X_out, y_out = _as_arrays(X_res, y_res)
    n = len(y_in)
    assert sampler.n_original_ == n
    assert len(y_out) == X_out.shape[0] == n + sampler.n_synthetic_
    assert X_out.shape[1] == X_in.shape[1]
    np.testing.assert_array_equal(X_out[:n].astype(float), X_in.astype(float))
    np.testing.assert_array_equal(y_out[:n], y_in)
    assert np.isfinite(X_out.astype(float)).all(), "a resampled feature is NaN or infinite"
    assert sampler.n_synthetic_ == sum(sampler.sampling_strategy_.values())
    appended = Counter(y_out[n:].tolist())
    assert {k: v for k, v in sampler.sampling_strategy_.items() if v} == dict(appended)
    assert len(sampler.lineage_) == sampler.n_synthetic_
    assert isinstance(sampler.notes_, list)
    if sampler.n_synthetic_:
        lineage = sampler.lineage_
        np.testing.assert_array_equal(lineage["row"], np.arange(n, n + sampler.n_synthetic_))
        assert lineage["lam"].between(0, 1).all()
        # Parent and neighbour are rows of the class of the appended row.
        assert (y_in[lineage["parent"]] == y_out[n:]).all()
        interpolated = lineage["neighbor"] >= 0
        neighbours = lineage.loc[interpolated, "neighbor"].to_numpy()
        assert (y_in[neighbours] == y_out[n:][interpolated.to_numpy()]).all()


def _fit(sampler, X, y):
    with warnings.catch_warnings():
        # ADASYN's documented no-hard-sample fallback warns; it is checked elsewhere.
        warnings.simplefilter("ignore", UserWarning)
        return sampler.fit_resample(X, y)


# -- properties ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SAMPLER_KINDS)
@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_random_inputs_give_the_contract_or_a_documented_error(kind, data):
    X, y = data.draw(datasets(), label="data")
    labels = sorted(set(np.asarray(y).tolist()))
    sampler = data.draw(samplers(kind, labels), label="sampler")
    try:
        X_res, y_res = _fit(sampler, X, y)
    except HarnessError as exc:
        event(f"{type(sampler).__name__}: {type(exc).__name__}")
        assert isinstance(exc, DOCUMENTED), f"undocumented harness error {type(exc).__name__}"
        if not isinstance(exc, MemoryQuotaError):
            assert isinstance(exc, ValueError)
        assert ":" in str(exc), f"the message does not name a fix: {exc}"
        return
    event(f"{type(sampler).__name__}: resampled")
    _check_contract(sampler, X, y, X_res, y_res)


@FUZZ
@given(data=st.data())
def test_interpolated_rows_stay_inside_their_class_box(data):
    X, y = data.draw(datasets(), label="data")
    kind = data.draw(st.sampled_from([ADASYN, SMOTE]), label="sampler")
    k = data.draw(st.integers(1, 3), label="k")
    name = "n_neighbors" if kind is ADASYN else "k_neighbors"
    sampler = kind(**{name: k}, random_state=0)
    X_in, y_in = _as_arrays(X, y)
    try:
        X_res, y_res = _fit(sampler, X, y)
    except InputDataError as exc:
        smallest = min(Counter(y_in.tolist()).values())
        assert smallest < k + 1, f"unexpected refusal: {exc}"
        return
    X_out, y_out = _as_arrays(X_res, y_res)
    X_out = X_out.astype(np.float64)
    X_in = X_in.astype(np.float64)
    n = len(y_in)
    # float32 rounding can land a hair outside the box.
    tolerance = 1e-3 if X_out.dtype == np.float32 or np.asarray(X).dtype == np.float32 else 1e-9
    for label in set(y_out[n:].tolist()):
        rows = X_in[y_in == label]
        new = X_out[n:][y_out[n:] == label]
        assert (new >= rows.min(axis=0) - tolerance).all()
        assert (new <= rows.max(axis=0) + tolerance).all()


@FUZZ
@given(
    X=hnp.arrays(
        np.float64,
        st.tuples(st.integers(12, 20), st.integers(1, 3)),
        elements=st.floats(-10, 10) | st.sampled_from([np.nan, np.inf, -np.inf]),
    ),
    kind=st.sampled_from([ADASYN, SMOTE, RandomOverSampler]),
)
def test_nan_or_inf_features_are_refused_with_input_data_error(X, kind):
    y = np.array([0] * (len(X) - 6) + [1] * 6)
    sampler = kind(random_state=0)
    if kind is RandomOverSampler:
        # Copying rows needs no arithmetic: NaN and inf are copied, not refused.
        X_res, _ = _fit(sampler, X, y)
        np.testing.assert_array_equal(X_res[len(X) :], X[sampler.lineage_["parent"]])
        return
    if np.isfinite(X).all():
        _check_contract(sampler, X, y, *_fit(sampler, X, y))
        return
    with pytest.raises(InputDataError, match="NaN or infinite"):
        _fit(sampler, X, y)


@FUZZ
@given(
    k=st.integers(-3, 0),
    beta=st.floats(max_value=-1e-9) | st.just(math.nan) | st.just(math.inf),
    d_th=st.floats(max_value=0) | st.floats(min_value=1.0000001) | st.just(math.nan),
    which=st.sampled_from(["n_neighbors", "beta", "d_th"]),
)
def test_every_invalid_adasyn_parameter_raises_sampler_parameter_error(k, beta, d_th, which):
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.array([0] * 14 + [1] * 6)
    params = {"n_neighbors": k, "beta": beta, "d_th": d_th}
    sampler = ADASYN(**{which: params[which]})
    with pytest.raises(SamplerParameterError, match=which):
        sampler.fit_resample(X, y)


@FUZZ
@given(
    strategy=st.floats(-1, 1.5)
    | st.dictionaries(st.sampled_from([0, 1]), st.integers(0, 40), min_size=1),
    kind=st.sampled_from([ADASYN, SMOTE, RandomOverSampler]),
)
def test_a_strategy_that_would_remove_rows_is_refused(strategy, kind):
    X = np.linspace(0, 1, 40).reshape(20, 2)
    y = np.array([0] * 14 + [1] * 6)
    counts = {0: 14, 1: 6}
    if isinstance(strategy, dict):
        removes = any(wanted < counts[label] for label, wanted in strategy.items())
    else:
        removes = not 6 / 14 <= strategy <= 1
    sampler = kind(sampling_strategy=strategy, random_state=0)
    if removes:
        with pytest.raises(SamplerParameterError):
            sampler.fit_resample(X, y)
        return
    _check_contract(sampler, X, y, *_fit(sampler, X, y))


@FUZZ
@given(n_minority=st.integers(1, 10), k=st.integers(1, 8))
def test_adasyn_generates_the_exact_balancing_total(n_minority, k):
    rng = np.random.default_rng(n_minority * 10 + k)
    X = rng.normal(size=(30 + n_minority, 2))
    y = np.array([0] * 30 + [1] * n_minority)
    sampler = ADASYN(n_neighbors=k, random_state=0)
    if n_minority < k + 1:
        with pytest.raises(InputDataError, match=f"n_neighbors={n_minority - 1}|RandomOver"):
            sampler.fit_resample(X, y)
        return
    _, y_res = _fit(sampler, X, y)
    assert Counter(y_res.tolist()) == {0: 30, 1: 30}
    assert np.isfinite(sampler.difficulty_[1]).all()
    assert sampler.allocation_[1].sum() == 30 - n_minority


@FUZZ
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
    kind=st.sampled_from([ADASYN, SMOTE]),
)
def test_huge_features_never_interpolate_to_infinity(dtype, data, kind):
    big = float(np.finfo(dtype).max)
    extremes = st.sampled_from([big, -big, big / 2, -big / 3])
    elements = st.floats(-10, 10, width=32) | extremes
    X = data.draw(hnp.arrays(dtype, (14, data.draw(st.integers(1, 3))), elements=elements))
    y = np.array([0] * 8 + [1] * 6)
    sampler = kind(random_state=0)
    try:
        X_res, y_res = _fit(sampler, X, y)
    except InputDataError as exc:
        assert "overflow" in str(exc) and "StandardScaler" in str(exc)
        # Refused exactly when a value reaches the bound the neighbour search survives.
        assert np.abs(X).max() >= max_feature_magnitude(X.shape[1])
        return
    assert np.abs(X).max() < max_feature_magnitude(X.shape[1])
    _check_contract(sampler, X, y, X_res, y_res)


def _mix_label_types(X, y, rng):
    labels = np.asarray(y, dtype=object).copy()
    first = labels[0]
    # Rows of the first class get the other type: int <-> str ("c0" <-> 0).
    other = f"c{first}" if not isinstance(first, str) else int(first[1:])
    labels[labels == first] = other
    labels[rng.integers(len(labels))] = first  # one row keeps the original type
    return X, pd.Series(labels, name="target") if isinstance(y, pd.Series) else labels


def _complex_feature(X, y, rng):
    values = np.asarray(X, dtype=np.float64).astype(np.complex128)
    values[rng.integers(len(values)), 0] += 1j
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(values, columns=X.columns), y
    return values, y


def _duplicate_column(X, y, rng):
    frame = pd.DataFrame(X).copy()
    frame.columns = [f"f{j}" for j in range(frame.shape[1])]
    return pd.concat([frame, frame.iloc[:, [0]]], axis=1), y


CORRUPTIONS = {
    "mixed label types": (_mix_label_types, "y mixes label types"),
    "complex feature": (_complex_feature, "complex numbers"),
    "duplicate column": (_duplicate_column, "duplicate column names 'f0'"),
}


@FUZZ
@given(
    data=st.data(),
    corruption=st.sampled_from(sorted(CORRUPTIONS)),
    kind=st.sampled_from([ADASYN, SMOTE, RandomOverSampler]),
)
def test_mixed_labels_complex_features_and_duplicate_columns_are_refused(data, corruption, kind):
    X, y = data.draw(datasets(), label="data")
    corrupt, fragment = CORRUPTIONS[corruption]
    X, y = corrupt(X, y, np.random.default_rng(data.draw(st.integers(0, 2**16))))
    with pytest.raises(InputDataError) as caught:
        _fit(kind(random_state=0), X, y)
    assert fragment in str(caught.value) and ":" in str(caught.value)
