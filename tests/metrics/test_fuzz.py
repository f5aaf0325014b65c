"""Property tests: the metric functions never crash with an undocumented error, never NaN silently.

Random lengths (tiny included), label kinds (int, bool, str), 2-4 classes, heavy imbalance and
pandas or numpy inputs. Every function either raises :class:`~harness.errors.InputDataError`
(a ``ValueError``) with the fix in its message, or returns plain floats in their documented
range, NaN only in the cases its docstring names.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from harness.errors import InputDataError
from harness.metrics import (
    GAP_KEYS,
    SLI_KEYS,
    group_fairness,
    minority_label_noise,
    minority_slis,
    neighbor_distance_stats,
    synthetic_distance_stats,
    synthetic_ratio,
    train_test_gap,
)
from tests.support.fuzz import FUZZ

LABEL_SETS = {
    "int": [1, 0, 2, 3],
    "bool": [True, False],
    "str": ["pos", "neg", "other", "rare"],
}


# -- strategies ---------------------------------------------------------------------------------


@st.composite
def labelled(draw, *, min_size: int = 1, max_size: int = 40):
    """``(y_true, y_pred, pos_label)``: 2-4 classes, often heavily imbalanced, any container."""
    kind = draw(st.sampled_from(sorted(LABEL_SETS)))
    classes = LABEL_SETS[kind][: draw(st.integers(2, len(LABEL_SETS[kind])))]
    n = draw(st.integers(min_size, max_size))
    # Skewed towards the first non-positive class, so the minority is small or absent.
    weights = st.sampled_from([classes[1]] * 6 + classes)
    y_true = np.array(draw(st.lists(weights, min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.sampled_from(classes), min_size=n, max_size=n)))
    pos_label = draw(st.sampled_from(classes))
    container = draw(st.sampled_from([np.asarray, list, pd.Series]))
    return container(y_true), container(y_pred), pos_label


def _finite_in_unit(value: float) -> bool:
    return isinstance(value, float) and math.isfinite(value) and -1e-12 <= value <= 1 + 1e-12


NUMERIC_DTYPES = (np.float32, np.float64, np.int64, np.bool_)


def _elements(dtype):
    if dtype == np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        return st.integers(-5, 5)
    return st.floats(-5, 5, width=32)


def _matrix(dtype, shape):
    return hnp.arrays(dtype, shape, elements=_elements(dtype))


def _matrices(max_rows: int = 12, n_features=None):
    width = st.integers(1, 4) if n_features is None else st.just(n_features)
    shapes = st.tuples(st.integers(0, max_rows), width)
    return st.tuples(st.sampled_from(NUMERIC_DTYPES), shapes).flatmap(lambda a: _matrix(*a))


# -- minority_slis ------------------------------------------------------------------------------


@FUZZ
@given(labels=labelled(), with_score=st.booleans(), data=st.data())
def test_slis_are_floats_in_range_and_nan_only_for_auc_with_one_class(labels, with_score, data):
    y_true, y_pred, pos_label = labels
    score = None
    if with_score:
        score = data.draw(hnp.arrays(np.float64, len(y_true), elements=st.floats(0, 1)))
    slis = minority_slis(y_true, y_pred, score, pos_label=pos_label)
    assert tuple(slis) == SLI_KEYS
    one_class = np.unique(np.asarray(y_true) == pos_label).size < 2
    for key, value in slis.items():
        if key in ("roc_auc", "pr_auc") and one_class:
            assert math.isnan(value), f"{key} must be NaN with one class in y_true"
        else:
            assert _finite_in_unit(value), f"{key}={value!r}"


@FUZZ
@given(labels=labelled(min_size=2), cut=st.integers(1, 5), where=st.sampled_from(["pred", "score"]))
def test_slis_refuse_misaligned_inputs(labels, cut, where):
    y_true, y_pred, pos_label = labels
    y_true = np.asarray(y_true)
    short = np.asarray(y_pred)[: max(0, len(y_true) - cut)]
    args = (y_true, short, None) if where == "pred" else (y_true, y_true, np.zeros(len(short)))
    with pytest.raises(InputDataError, match="different numbers of rows"):
        minority_slis(*args, pos_label=pos_label)


@FUZZ
@given(
    labels=labelled(min_size=2),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
    data=st.data(),
)
def test_slis_refuse_non_finite_scores(labels, bad, data):
    y_true, y_pred, pos_label = labels
    score = np.linspace(0, 1, len(y_true))
    score[data.draw(st.integers(0, len(score) - 1))] = bad
    with pytest.raises(InputDataError, match="NaN or infinite"):
        minority_slis(y_true, y_pred, score, pos_label=pos_label)


# -- train_test_gap -----------------------------------------------------------------------------


scores = st.floats(0, 1) | st.just(math.nan)


@FUZZ
@given(
    train=st.fixed_dictionaries({k: scores for k in GAP_KEYS}),
    test=st.fixed_dictionaries({k: scores for k in GAP_KEYS}),
    drop=st.sampled_from([None, *GAP_KEYS]),
)
def test_gap_is_nan_only_when_a_side_is_nan(train, test, drop):
    if drop is not None:
        del test[drop]
        with pytest.raises(InputDataError, match="missing from test"):
            train_test_gap(train, test)
        return
    gaps = train_test_gap(train, test)
    for key, gap in gaps.items():
        if math.isnan(train[key]) or math.isnan(test[key]):
            assert math.isnan(gap)
        else:
            assert gap == pytest.approx(train[key] - test[key]) and -1 <= gap <= 1


# -- synthetic_ratio ----------------------------------------------------------------------------


@FUZZ
@given(
    n_synthetic=st.integers(-5, 10**7) | st.sampled_from([np.int64(3), np.int32(0)]),
    n_train_after=st.integers(-5, 10**7) | st.sampled_from([np.int64(3), np.int32(0)]),
)
def test_synthetic_ratio_is_in_unit_interval_or_refused(n_synthetic, n_train_after):
    if 0 <= n_synthetic <= n_train_after and n_train_after > 0:
        ratio = synthetic_ratio(n_synthetic, n_train_after)
        assert _finite_in_unit(ratio)
        assert ratio == pytest.approx(n_synthetic / n_train_after)
    else:
        with pytest.raises(InputDataError, match="n_synthetic <= n_train_after"):
            synthetic_ratio(n_synthetic, n_train_after)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_synthetic_ratio_refuses_non_finite_counts(bad):
    with pytest.raises(InputDataError):
        synthetic_ratio(bad, 10)
    with pytest.raises(InputDataError):
        synthetic_ratio(1, bad)


# -- distance statistics ------------------------------------------------------------------------


def _check_summary(stats: dict, prefix: str, expect_nan: bool) -> None:
    assert set(stats) == {f"{prefix}_mean", f"{prefix}_median", f"{prefix}_p95"}
    values = list(stats.values())
    if expect_nan:
        assert all(math.isnan(v) for v in values)
        return
    assert all(isinstance(v, float) and math.isfinite(v) and v >= 0 for v in values)
    assert stats[f"{prefix}_median"] <= stats[f"{prefix}_p95"] + 1e-9


@FUZZ
@given(X_min=_matrices(), k=st.integers(-2, 8), as_frame=st.booleans())
def test_neighbor_distance_stats_nan_only_below_two_rows(X_min, k, as_frame):
    if as_frame:
        X_min = pd.DataFrame(X_min)
    if k < 1:
        with pytest.raises(InputDataError, match="k >= 1"):
            neighbor_distance_stats(X_min, k=k)
        return
    stats = neighbor_distance_stats(X_min, k=k)
    _check_summary(stats, "minority_knn", expect_nan=len(X_min) < 2)


@FUZZ
@given(
    n_features=st.integers(1, 3),
    other_width=st.booleans(),
    data=st.data(),
)
def test_synthetic_distance_stats_nan_only_without_synthetic_rows(n_features, other_width, data):
    X_real = data.draw(_matrices(n_features=n_features), label="X_real")
    width = n_features + 1 if other_width else n_features
    X_syn = data.draw(_matrices(n_features=width), label="X_synthetic")
    if len(X_syn) and (len(X_real) == 0 or other_width):
        with pytest.raises(InputDataError, match="same .*feature space"):
            synthetic_distance_stats(X_real, X_syn)
        return
    stats = synthetic_distance_stats(X_real, X_syn)
    _check_summary(stats, "synthetic_nn", expect_nan=len(X_syn) == 0)


@FUZZ
@given(
    X=hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.just(2)), elements=st.floats(-5, 5)),
    bad=st.sampled_from([np.nan, np.inf]),
)
def test_distance_stats_refuse_non_finite_rows(X, bad):
    X = X.copy()
    X[0, 0] = bad
    with pytest.raises(InputDataError, match="NaN or infinite"):
        neighbor_distance_stats(X)
    with pytest.raises(InputDataError, match="NaN or infinite"):
        synthetic_distance_stats(np.zeros((3, 2)), X)


# -- minority_label_noise -----------------------------------------------------------------------


@FUZZ
@given(labels=labelled(max_size=30), k=st.integers(1, 7), data=st.data())
def test_label_noise_is_a_share_or_nan_below_two_rows_of_a_class(labels, k, data):
    y, _, pos_label = labels
    y = np.asarray(y)
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES))
    X = data.draw(_matrix(dtype, (len(y), 2)))
    noise = minority_label_noise(X, y, pos_label=pos_label, k=k)
    counts = np.bincount((y == pos_label).astype(int), minlength=2)
    if counts.min() < 2:
        assert math.isnan(noise)
    else:
        assert _finite_in_unit(noise)


@FUZZ
@given(k=st.integers(-3, 0))
def test_label_noise_refuses_a_bad_k(k):
    with pytest.raises(InputDataError, match="k >= 1"):
        minority_label_noise(np.zeros((6, 1)), [0, 0, 0, 1, 1, 1], k=k)


# -- group_fairness -----------------------------------------------------------------------------


@settings(FUZZ, max_examples=40)
@given(
    labels=labelled(),
    groups=st.sampled_from([["F", "M"], [0, 1, 2], ["a", "b", "c", "d"], ["only"]]),
    as_frame=st.booleans(),
    data=st.data(),
)
def test_fairness_nan_only_for_group_recall_without_positives(labels, groups, as_frame, data):
    y_true, y_pred, pos_label = labels
    n = len(y_true)
    sensitive = np.array(data.draw(st.lists(st.sampled_from(groups), min_size=n, max_size=n)))
    sensitive = pd.DataFrame({"g": sensitive}) if as_frame else sensitive
    result = group_fairness(y_true, y_pred, sensitive, pos_label=pos_label)

    truth = np.asarray(y_true) == pos_label
    column = np.asarray(sensitive).ravel()
    present = sorted(set(column.tolist()), key=str)
    positives = {g: bool(truth[column == g].any()) for g in present}
    for key in ("equalized_odds_difference", "demographic_parity_difference"):
        assert _finite_in_unit(result[key]), f"{key}={result[key]!r}"
    for g in present:
        assert _finite_in_unit(result[f"group/{g}/selection_rate"])
        recall = result[f"group/{g}/recall"]
        assert math.isnan(recall) if not positives[g] else _finite_in_unit(recall)
    if any(positives.values()):
        assert _finite_in_unit(result["min_group_recall"])
    else:
        assert math.isnan(result["min_group_recall"])


@FUZZ
@given(labels=labelled(min_size=2), data=st.data())
def test_fairness_refuses_missing_groups(labels, data):
    y_true, y_pred, pos_label = labels
    n = len(y_true)
    sensitive = np.array(["a"] * n, dtype=object)
    sensitive[data.draw(st.integers(0, n - 1))] = data.draw(st.sampled_from([None, np.nan]))
    with pytest.raises(InputDataError, match="fillna"):
        group_fairness(y_true, y_pred, sensitive, pos_label=pos_label)
