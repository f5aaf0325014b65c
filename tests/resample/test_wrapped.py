"""Borderline-SMOTE, SMOTE-ENN and SMOTE-Tomek: imbalanced-learn's results, with lineage."""

import numpy as np
import pandas as pd
import pytest
from imblearn import combine as imblearn_combine
from imblearn import over_sampling as imblearn_over
from scipy import sparse

from harness.errors import SamplerParameterError
from harness.resample import SMOTEENN, BorderlineSMOTE, SMOTETomek
from harness.resample.wrapped import match_rows
from tests.resample.conftest import make_data

WRAPPERS = [
    (BorderlineSMOTE, imblearn_over.BorderlineSMOTE, {}),
    (BorderlineSMOTE, imblearn_over.BorderlineSMOTE, {"kind": "borderline-2"}),
    (SMOTEENN, imblearn_combine.SMOTEENN, {}),
    (SMOTETomek, imblearn_combine.SMOTETomek, {}),
]
IDS = ["borderline-1", "borderline-2", "smote_enn", "smote_tomek"]


@pytest.mark.parametrize(("ours", "theirs", "params"), WRAPPERS, ids=IDS)
def test_output_is_imbalanced_learns(ours, theirs, params):
    X, y = make_data(n_samples=600, weights=(0.85, 0.15), seed=2)
    X_ours, y_ours = ours(random_state=0, **params).fit_resample(X, y)
    X_ref, y_ref = theirs(random_state=0, **params).fit_resample(X, y)
    np.testing.assert_array_equal(X_ours, X_ref)
    np.testing.assert_array_equal(y_ours, y_ref)


@pytest.mark.parametrize(("ours", "theirs", "params"), WRAPPERS, ids=IDS)
def test_lineage_recovers_parent_neighbour_and_lambda(ours, theirs, params):
    X, y = make_data(n_samples=600, weights=(0.85, 0.15), seed=2)
    sampler = ours(random_state=0, **params)
    X_res, y_res = sampler.fit_resample(X, y)
    lineage = sampler.lineage_
    assert len(lineage) == sampler.n_synthetic_ > 0
    assert (lineage["parent"] >= 0).all() and (lineage["neighbor"] >= 0).all()
    start, end = X[lineage["parent"]], X[lineage["neighbor"]]
    lam = lineage["lam"].to_numpy()[:, None]
    np.testing.assert_allclose(X_res[lineage["row"]], start + lam * (end - start), atol=1e-9)
    np.testing.assert_array_equal(y_res[lineage["row"]], lineage["class"])
    assert ((lam >= 0) & (lam <= 1)).all()
    # Every row of the output is either an input row or in the lineage.
    originals = np.setdiff1d(np.arange(len(y_res)), lineage["row"])
    assert (match_rows(X, X_res[originals]) >= 0).all()
    assert sampler.n_original_ == len(X)


@pytest.mark.parametrize("ours", [SMOTEENN, SMOTETomek])
def test_combined_samplers_count_kept_synthetic_and_removed_original_rows(ours):
    X, y = make_data(n_samples=600, weights=(0.85, 0.15), seed=2)
    sampler = ours(random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert len(y_res) == len(X) - sampler.n_removed_ + sampler.n_synthetic_
    assert any("cleaning kept" in note for note in sampler.notes_)


def test_sparse_input_keeps_working_and_says_lineage_was_not_recovered():
    X, y = make_data(n_samples=600, weights=(0.85, 0.15), seed=2)
    sampler = BorderlineSMOTE(random_state=0)
    X_res, _ = sampler.fit_resample(sparse.csr_matrix(X), y)
    assert sparse.issparse(X_res)
    assert (sampler.lineage_["parent"] == -1).all() and sampler.lineage_["lam"].isna().all()
    assert any("could not be recovered (X is sparse)" in note for note in sampler.notes_)


def test_dataframes_are_supported():
    X, y = make_data(n_samples=600, weights=(0.85, 0.15), seed=2)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    sampler = SMOTETomek(random_state=0)
    X_res, y_res = sampler.fit_resample(frame, pd.Series(y, name="t"))
    assert isinstance(X_res, pd.DataFrame) and y_res.name == "t"
    assert (sampler.lineage_["parent"] >= 0).all()


def test_parameter_errors_are_harness_errors_with_the_fix():
    X, y = make_data()
    with pytest.raises(SamplerParameterError, match="k_neighbors must be a positive integer"):
        BorderlineSMOTE(k_neighbors=0).fit_resample(X, y)


@pytest.mark.parametrize(
    ("sampler", "parameter"),
    [
        (BorderlineSMOTE(k_neighbors=0), "k_neighbors"),
        (SMOTEENN(sampling_strategy=2.5), "sampling_strategy"),
    ],
)
def test_parameters_are_checked_before_the_input_as_by_the_harness_samplers(sampler, parameter):
    X, y = make_data()
    X[0, 0] = np.nan  # an input the harness's checks refuse too
    with pytest.raises(SamplerParameterError, match=parameter):
        sampler.fit_resample(X, y)


def test_match_rows_finds_the_lowest_index_of_equal_rows():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    np.testing.assert_array_equal(match_rows(X, np.array([[1.0, 2.0], [5.0, 5.0]])), [0, -1])
