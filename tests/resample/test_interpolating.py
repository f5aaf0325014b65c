"""The part SMOTE and ADASYN share: own-class neighbours, synthesis, lineage."""

import numpy as np

from harness.resample import ADASYN, SMOTE


def test_lineage_carries_the_parents_difficulty_for_adasyn_only(three_class_data):
    X, y = three_class_data
    adasyn = ADASYN(random_state=0).fit(X, y)
    for label, difficulty in adasyn.difficulty_.items():
        rows = adasyn.lineage_[adasyn.lineage_["class"] == label]
        positions = np.searchsorted(np.flatnonzero(y == label), rows["parent"].to_numpy())
        np.testing.assert_array_equal(rows["difficulty"].to_numpy(), difficulty[positions])
    assert SMOTE(random_state=0).fit(X, y).lineage_["difficulty"].isna().all()


def test_each_new_row_lies_between_its_parent_and_a_neighbour_of_its_class(three_class_data):
    X, y = three_class_data
    smote = SMOTE(random_state=0, k_neighbors=3)
    X_res, y_res = smote.fit_resample(X, y)
    lineage = smote.lineage_
    assert (y[lineage["neighbor"]] == y[lineage["parent"]]).all()
    assert (lineage["neighbor"] != lineage["parent"]).all()
    lam = lineage["lam"].to_numpy()[:, None]
    expected = X[lineage["parent"]] + lam * (X[lineage["neighbor"]] - X[lineage["parent"]])
    np.testing.assert_allclose(X_res[lineage["row"]], expected)
    np.testing.assert_array_equal(y_res[lineage["row"]], lineage["class"])
