"""One contract, checked against every sampler of the harness."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from omegaconf import OmegaConf
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

from harness.resample import (
    ADASYN,
    SMOTE,
    ClassWeightBaseline,
    NoResampling,
    RandomOverSampler,
)
from tests.resample.conftest import make_data

K = 4
OVERSAMPLERS = {
    "adasyn": lambda **kw: ADASYN(n_neighbors=K, **kw),
    "smote": lambda **kw: SMOTE(k_neighbors=K, **kw),
    "ros": lambda **kw: RandomOverSampler(**kw),
}
INTERPOLATING = ("adasyn", "smote")
BASELINES = {"class_weight": ClassWeightBaseline, "none": NoResampling}
EVERY_SAMPLER = {
    **{name: (lambda make=make: make(random_state=0)) for name, make in OVERSAMPLERS.items()},
    **{name: cls for name, cls in BASELINES.items()},
}


def _expected_for_string(strategy: str, counts: Counter) -> dict:
    majority = max(counts, key=counts.get)
    minority = min(counts, key=counts.get)
    chosen = {
        "auto": set(counts) - {majority},
        "not majority": set(counts) - {majority},
        "minority": {minority},
        "not minority": set(counts) - {minority},
        "all": set(counts),
    }[strategy]
    return {c: (counts[majority] if c in chosen else counts[c]) for c in counts}


@pytest.mark.parametrize("name", OVERSAMPLERS)
@pytest.mark.parametrize("strategy", ["auto", "minority", "not minority", "not majority", "all"])
def test_string_strategies_give_exact_counts(name, strategy, three_class_data):
    X, y = three_class_data
    sampler = OVERSAMPLERS[name](sampling_strategy=strategy, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res.tolist())) == _expected_for_string(strategy, Counter(y.tolist()))


@pytest.mark.parametrize("name", OVERSAMPLERS)
def test_float_strategy_gives_exact_counts(name, binary_data):
    X, y = binary_data
    counts = Counter(y.tolist())
    _, y_res = OVERSAMPLERS[name](sampling_strategy=0.6, random_state=0).fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: counts[0], 1: int(0.6 * counts[0])}


@pytest.mark.parametrize("name", OVERSAMPLERS)
def test_dict_and_callable_strategies_give_exact_counts(name, three_class_data):
    X, y = three_class_data
    counts = Counter(y.tolist())
    wanted = {1: counts[1] + 37, 2: counts[2] + 101}
    _, y_res = OVERSAMPLERS[name](sampling_strategy=wanted, random_state=0).fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: counts[0], **wanted}

    def double_smallest(labels):
        smallest = min(Counter(labels.tolist()).items(), key=lambda item: item[1])
        return {smallest[0]: 2 * smallest[1]}

    sampler = OVERSAMPLERS[name](sampling_strategy=double_smallest, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist())[2] == 2 * counts[2]
    assert sampler.sampling_strategy_ == {0: 0, 1: 0, 2: counts[2]}


@pytest.mark.parametrize("name", EVERY_SAMPLER)
def test_float32_stays_float32_and_original_rows_come_first(name):
    X, y = make_data(dtype=np.float32)
    X_before, y_before = X.copy(), y.copy()
    sampler = EVERY_SAMPLER[name]()
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[: len(X)], X_before)
    np.testing.assert_array_equal(y_res[: len(y)], y_before)
    np.testing.assert_array_equal(X, X_before)  # the input is not modified
    assert sampler.n_original_ == len(X)
    assert sampler.n_synthetic_ == len(X_res) - len(X) == len(sampler.lineage_)
    assert sum(sampler.sampling_strategy_.values()) == sampler.n_synthetic_
    assert list(sampler.lineage_.columns) == [
        "row",
        "parent",
        "neighbor",
        "lam",
        "difficulty",
        "class",
    ]
    assert isinstance(sampler.notes_, list)


@pytest.mark.parametrize("name", EVERY_SAMPLER)
def test_pandas_in_pandas_out(name, binary_data):
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"feature_{j}" for j in range(X.shape[1])])
    frame = frame.astype({"feature_0": np.float32})
    target = pd.Series(y, name="label")
    X_res, y_res = EVERY_SAMPLER[name]().fit_resample(frame, target)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(frame.columns)
    assert X_res.dtypes.to_dict() == frame.dtypes.to_dict()
    assert y_res.name == "label" and y_res.dtype == target.dtype
    pd.testing.assert_frame_equal(
        X_res.iloc[: len(frame)].reset_index(drop=True), frame.reset_index(drop=True)
    )
    assert len(X_res) == len(y_res)


@pytest.mark.parametrize("name", OVERSAMPLERS)
def test_fixed_seed_is_deterministic_and_seed_matters(name, binary_data):
    X, y = binary_data
    first = OVERSAMPLERS[name](random_state=3).fit_resample(X, y)[0]
    again = OVERSAMPLERS[name](random_state=3).fit_resample(X, y)[0]
    other = OVERSAMPLERS[name](random_state=4).fit_resample(X, y)[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("name", OVERSAMPLERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_new_row_lies_on_its_recorded_segment(name, dtype, three_class_data):
    X, y = three_class_data
    X = X.astype(dtype)
    sampler = OVERSAMPLERS[name](sampling_strategy="all", random_state=1)
    X_res, y_res = sampler.fit_resample(X, y)
    lineage = sampler.lineage_
    new_rows = X_res[lineage["row"].to_numpy()].astype(np.float64)
    start = X[lineage["parent"].to_numpy()].astype(np.float64)
    np.testing.assert_array_equal(y_res[lineage["row"]], lineage["class"])
    np.testing.assert_array_equal(y[lineage["parent"]], lineage["class"])
    if name not in INTERPOLATING:
        np.testing.assert_array_equal(new_rows, start)
        assert (lineage["neighbor"] == -1).all() and (lineage["lam"] == 0.0).all()
        return
    end = X[lineage["neighbor"].to_numpy()].astype(np.float64)
    lam = lineage["lam"].to_numpy()[:, None]
    assert ((lam >= 0) & (lam < 1)).all()
    expected = start + lam * (end - start)
    scale = np.abs(start) + np.abs(end) + np.finfo(np.float64).tiny
    assert np.all(np.abs(new_rows - expected) <= 1e-6 * scale)
    np.testing.assert_array_equal(y[lineage["neighbor"]], lineage["class"])


@pytest.mark.parametrize("name", INTERPOLATING)
def test_neighbor_is_one_of_the_parents_k_nearest_minority_rows(name, three_class_data):
    X, y = three_class_data
    sampler = OVERSAMPLERS[name](sampling_strategy="not majority", random_state=2)
    sampler.fit_resample(X, y)
    for label, block in sampler.lineage_.groupby("class"):
        class_rows = np.flatnonzero(y == label)
        table = NearestNeighbors(n_neighbors=K + 1).fit(X[class_rows])
        allowed = class_rows[table.kneighbors(X[class_rows], return_distance=False)[:, 1:]]
        position = np.searchsorted(class_rows, block["parent"].to_numpy())
        is_allowed = (allowed[position] == block["neighbor"].to_numpy()[:, None]).any(axis=1)
        assert is_allowed.all()


@pytest.mark.parametrize("name", EVERY_SAMPLER)
def test_works_inside_an_imblearn_pipeline(name, binary_data):
    X, y = binary_data
    pipeline = Pipeline([("sampler", EVERY_SAMPLER[name]()), ("model", LogisticRegression())])
    fitted = clone(pipeline).fit(X, y)
    assert fitted.predict(X).shape == y.shape
    assert fitted.score(X, y) > 0.5


@pytest.mark.parametrize("name", OVERSAMPLERS)
def test_dict_strategy_from_a_config_mapping_is_honoured(name, binary_data):

    X, y = binary_data
    wanted = int((y == 1).sum()) + 50
    sampler = OVERSAMPLERS[name](sampling_strategy=OmegaConf.create({1: wanted}), random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist())[1] == wanted
