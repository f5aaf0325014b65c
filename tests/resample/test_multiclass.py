"""ADASYN one-vs-rest on a real multi-class data set (scikit-learn's wine, made imbalanced).

The paper defines ADASYN for two classes; every class to oversample is treated one-vs-rest
(docs/adasyn.md): its own G against the largest class, its own r_i counting every other class
as "majority", and lineage rows that say which class they belong to.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.neighbors import NearestNeighbors

from harness.resample import ADASYN


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:30], np.flatnonzero(y == 2)[:12]]
    return X[keep], y[keep]


def test_every_minority_class_is_balanced_exactly(wine):
    X, y = wine
    sampler = ADASYN(random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    counts = np.bincount(y)
    assert np.bincount(y_res).tolist() == [counts.max()] * 3
    assert sampler.sampling_strategy_ == {0: 0, 1: 29, 2: 47}
    per_class = sampler.lineage_.groupby("class").size().to_dict()
    assert per_class == {1: 29, 2: 47}


def test_parents_and_neighbours_belong_to_their_class(wine):
    X, y = wine
    sampler = ADASYN(random_state=0)
    sampler.fit_resample(X, y)
    lineage = sampler.lineage_
    assert (y[lineage["parent"]] == lineage["class"]).all()
    assert (y[lineage["neighbor"]] == lineage["class"]).all()


def test_difficulty_is_one_vs_rest(wine):
    """Each class's r_i counts rows of every other class among its K neighbours."""
    X, y = wine
    ours = ADASYN(random_state=0)
    ours.fit_resample(X, y)
    for label in (1, 2):
        rows = ours.lineage_[ours.lineage_["class"] == label]
        by_parent = rows.groupby("parent")["difficulty"].first()
        rest = y != label
        nn = NearestNeighbors(n_neighbors=6).fit(X)
        neighbours = nn.kneighbors(X[by_parent.index], return_distance=False)[:, 1:]
        expected = rest[neighbours].mean(axis=1)
        np.testing.assert_allclose(by_parent.to_numpy(), expected, atol=1e-12)
