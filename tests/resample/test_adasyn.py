"""ADASYN's own rules: one-vs-rest difficulty, beta, d_th and the no-hard-sample policy."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from harness.errors import NoHardSamplesError
from harness.resample import ADASYN
from tests.resample.conftest import make_data


def _separated_clusters() -> tuple[np.ndarray, np.ndarray]:
    """A minority cluster far from the majority: no minority row has a majority neighbour."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, size=(80, 3)), rng.normal(100, 1, size=(20, 3))])
    return X, np.repeat([0, 1], [80, 20])


def test_multiclass_is_one_vs_rest(three_class_data):
    X, y = three_class_data
    sampler = ADASYN(n_neighbors=5, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    counts = Counter(y.tolist())
    assert Counter(y_res.tolist()) == {label: counts[0] for label in counts}
    assert set(sampler.difficulty_) == {1, 2}
    index = NearestNeighbors(n_neighbors=6).fit(X)
    for label in (1, 2):
        rows = np.flatnonzero(y == label)
        neighbours = index.kneighbors(X[rows], return_distance=False)[:, 1:]
        expected = (y[neighbours] != label).mean(axis=1)  # every other class is "majority"
        np.testing.assert_allclose(sampler.difficulty_[label], expected, atol=1e-12)
        assert sampler.allocation_[label].sum() == counts[0] - counts[label]
        lineage = sampler.lineage_[sampler.lineage_["class"] == label]
        np.testing.assert_allclose(
            lineage["difficulty"],
            sampler.difficulty_[label][np.searchsorted(rows, lineage["parent"])],
        )


def test_harder_rows_get_more_synthetic_rows(binary_data):
    X, y = binary_data
    sampler = ADASYN(random_state=0).fit(X, y)
    r, g = sampler.difficulty_[1], sampler.allocation_[1]
    harder = r[:, None] > r[None, :]
    assert np.all((g[:, None] >= g[None, :])[harder])
    assert np.all(g[r == 0] == 0)


@pytest.mark.parametrize("beta", [0.0, 0.25, 0.5, 1.0])
def test_beta_scales_the_auto_total(beta, binary_data):
    X, y = binary_data
    counts = Counter(y.tolist())
    sampler = ADASYN(beta=beta, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.n_synthetic_ == int(np.floor((counts[0] - counts[1]) * beta + 0.5))


def test_an_explicit_sampling_strategy_wins_over_beta(binary_data):
    X, y = binary_data
    counts = Counter(y.tolist())
    sampler = ADASYN(sampling_strategy=1.0, beta=0.5, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.n_synthetic_ == counts[0] - counts[1]


def test_d_th_skips_a_class_that_is_balanced_enough_and_says_why(binary_data):
    X, y = binary_data
    counts = Counter(y.tolist())
    d = counts[1] / counts[0]
    skipped = ADASYN(d_th=d, random_state=0)
    X_res, _ = skipped.fit_resample(X, y)
    assert skipped.n_synthetic_ == 0 and len(X_res) == len(X)
    assert any("d_th" in note and f"{counts[1]}/{counts[0]}" in note for note in skipped.notes_)
    kept = ADASYN(d_th=min(1.0, d * 1.01), random_state=0)
    kept.fit_resample(X, y)
    assert kept.n_synthetic_ == counts[0] - counts[1] and kept.notes_ == []


def test_no_hard_samples_smote_policy_falls_back_with_warning_and_note():
    X, y = _separated_clusters()
    sampler = ADASYN(no_hard_samples="smote", random_state=0)
    with pytest.warns(UserWarning, match="every r_i = 0"):
        _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 80, 1: 80}
    assert np.all(sampler.difficulty_[1] == 0)
    assert set(sampler.allocation_[1].tolist()) == {3}  # 60 rows spread evenly over 20
    assert any("spread uniformly" in note for note in sampler.notes_)


def test_no_hard_samples_raise_policy_names_the_fix():
    X, y = _separated_clusters()
    with pytest.raises(NoHardSamplesError) as caught:
        ADASYN(no_hard_samples="raise").fit_resample(X, y)
    assert 'no_hard_samples="smote"' in str(caught.value) and "SMOTE" in str(caught.value)


def test_integer_features_are_interpolated_as_float64_with_a_note():
    X, y = make_data()
    frame = pd.DataFrame({"count": (X[:, 0] * 10).round().astype(np.int64), "x": X[:, 1]})
    sampler = ADASYN(random_state=0)
    X_res, _ = sampler.fit_resample(frame, y)
    assert X_res["count"].dtype == np.float64 and X_res["x"].dtype == np.float64
    np.testing.assert_array_equal(X_res["count"].iloc[: len(frame)], frame["count"])
    assert any("converted to float64" in note for note in sampler.notes_)


def test_chunk_size_does_not_change_the_result(binary_data):
    X, y = binary_data
    small = ADASYN(random_state=0, chunk_size=7).fit_resample(X, y)[0]
    large = ADASYN(random_state=0).fit_resample(X, y)[0]
    np.testing.assert_array_equal(small, large)
