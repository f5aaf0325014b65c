"""ADASYN-NC and SMOTE-NC: categories are voted, never interpolated; continuous values as usual."""

import numpy as np
import pandas as pd
import pytest
from imblearn import over_sampling as imblearn_over
from sklearn.preprocessing import OneHotEncoder

from harness.errors import InputDataError, SamplerParameterError
from harness.metrics.validity import invalid_value_share
from harness.resample import ADASYN, ADASYNNC, SMOTENC

NOMINAL = ["colour", "size"]


def mixed_table(n_rows: int = 500, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Two continuous, two nominal (object and pandas category) and one integer column."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_rows) < 0.2).astype(int)
    colour = np.where(
        y == 1, rng.choice(["red", "green"], n_rows), rng.choice(["blue", "red"], n_rows)
    )
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n_rows) + y,
            "b": rng.normal(size=n_rows) * 3,
            "colour": colour,
            "size": pd.Categorical(rng.choice(["s", "m", "l"], n_rows)),
            "children": rng.integers(0, 6, n_rows),
        }
    )
    return frame, y


SAMPLERS = {
    "adasyn_nc": lambda **kw: ADASYNNC(categorical_features=NOMINAL, random_state=0, **kw),
    "smote_nc": lambda **kw: SMOTENC(categorical_features=NOMINAL, random_state=0, **kw),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_original_rows_first_types_kept_and_no_invalid_value(name):
    X, y = mixed_table()
    sampler = SAMPLERS[name](integer_features=["children"])
    X_res, y_res = sampler.fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)
    assert X_res.dtypes.to_dict() == X.dtypes.to_dict()
    assert sampler.n_synthetic_ == len(X_res) - len(X) == len(sampler.lineage_) > 0
    synthetic = X_res.iloc[len(X) :]
    share = invalid_value_share(X, synthetic, categorical=NOMINAL, integer=["children"])
    assert share == 0.0
    np.testing.assert_array_equal(sampler.categorical_features_, [2, 3])
    np.testing.assert_array_equal(sampler.continuous_features_, [0, 1, 4])
    assert "nominal_ties" in sampler.lineage_.columns


@pytest.fixture(params=sorted(SAMPLERS))
def resampled(request) -> tuple[pd.DataFrame, np.ndarray, object, pd.DataFrame]:
    """``X, y``, a fitted sampler with default parameters and its output ``X_res``."""
    X, y = mixed_table()
    sampler = SAMPLERS[request.param]()
    X_res, _ = sampler.fit_resample(X, y)
    return X, y, sampler, X_res


def test_continuous_values_lie_on_the_recorded_segment(resampled):
    X, _, sampler, X_res = resampled
    lineage = sampler.lineage_
    continuous = ["a", "b", "children"]
    start = X[continuous].to_numpy(float)[lineage["parent"]]
    end = X[continuous].to_numpy(float)[lineage["neighbor"]]
    expected = start + lineage["lam"].to_numpy()[:, None] * (end - start)
    np.testing.assert_allclose(X_res[continuous].to_numpy(float)[lineage["row"]], expected)


def test_each_category_is_a_most_frequent_one_among_the_parents_neighbours(resampled):
    X, y, sampler, X_res = resampled
    lineage = sampler.lineage_
    voters = sampler.minority_neighbors_[1]
    class_rows = np.flatnonzero(y == 1)
    parent_positions = np.searchsorted(class_rows, lineage["parent"].to_numpy())
    ties = np.zeros(len(lineage), dtype=int)
    for column in NOMINAL:
        for j, (row, position) in enumerate(zip(lineage["row"], parent_positions, strict=True)):
            counts = X[column].iloc[voters[position]].value_counts()
            modes = set(counts.index[counts == counts.max()])
            assert X_res[column].iloc[row] in modes
            ties[j] += len(modes) > 1
        assert lineage["neighbor"].isin(class_rows).all()
    np.testing.assert_array_equal(lineage["nominal_ties"], ties)


def _imblearn_neighbours(reference: imblearn_over.SMOTENC, y: np.ndarray) -> np.ndarray:
    encoded = reference.nn_k_._fit_X  # imbalanced-learn's own encoding of the minority rows
    local = reference.nn_k_.kneighbors(encoded, return_distance=False)[:, 1:]
    return np.flatnonzero(y == 1)[local]


def test_smote_nc_has_imbalanced_learns_penalty_and_neighbours():
    X, y = mixed_table(seed=3)
    ours = SMOTENC(categorical_features=NOMINAL, random_state=0).fit(X, y)
    reference = imblearn_over.SMOTENC(categorical_features=NOMINAL, random_state=0)
    reference.fit_resample(X, y)
    assert ours.median_std_[1] == pytest.approx(float(reference.median_std_[1]), rel=1e-12)
    np.testing.assert_array_equal(ours.minority_neighbors_[1], _imblearn_neighbours(reference, y))


def test_smote_nc_makes_imbalanced_learns_categories_on_a_class_without_ties():
    # Every minority row's neighbours share one colour: imbalanced-learn and the harness must
    # both give each synthetic row that colour.
    X, y = mixed_table(seed=4)
    X.loc[y == 1, "colour"] = np.where(X.loc[y == 1, "a"] > 1, "red", "green")
    X.loc[y == 1, "size"] = "m"
    X_imb, _ = imblearn_over.SMOTENC(categorical_features=NOMINAL, random_state=0).fit_resample(
        X, y
    )
    X_ours, _ = SMOTENC(categorical_features=NOMINAL, random_state=0).fit_resample(X, y)
    assert len(X_imb) == len(X_ours)
    for synthetic in (X_imb.iloc[len(X) :], X_ours.iloc[len(X) :]):
        assert (synthetic["size"] == "m").all()
        assert set(synthetic["colour"]) <= {"red", "green"}


def _mixed_reference_difficulty(X: pd.DataFrame, y: np.ndarray, scale: float, k: int) -> np.ndarray:
    """Δ_i/K by brute force with SMOTE-NC's distance, written out: Σ continuous² + m²·mismatches."""
    continuous = X[["a", "b", "children"]].to_numpy(float)
    nominal = X[NOMINAL].astype(str).to_numpy()
    minority = np.flatnonzero(y == 1)
    squared = ((continuous[minority, None, :] - continuous[None, :, :]) ** 2).sum(axis=2)
    squared += scale**2 * (nominal[minority, None, :] != nominal[None, :, :]).sum(axis=2)
    squared[np.arange(minority.size), minority] = np.inf
    nearest = np.argsort(squared, axis=1, kind="stable")[:, :k]
    return (y[nearest] != 1).sum(axis=1) / k


def test_adasyn_nc_difficulty_comes_from_the_mixed_distance():
    X, y = mixed_table(seed=5)
    sampler = ADASYNNC(categorical_features=NOMINAL, random_state=0).fit(X, y)
    expected = _mixed_reference_difficulty(X, y, sampler.median_std_[1], 5)
    np.testing.assert_allclose(sampler.difficulty_[1], expected)


def test_adasyn_nc_with_one_category_everywhere_is_adasyn_on_the_continuous_columns():
    X, y = mixed_table(seed=6)
    X["colour"], X["size"] = "red", "m"
    nc = ADASYNNC(categorical_features=NOMINAL, random_state=0)
    X_nc, _ = nc.fit_resample(X, y)
    plain = ADASYN(random_state=0)
    X_plain, _ = plain.fit_resample(X[["a", "b", "children"]].astype(float), y)
    np.testing.assert_array_equal(nc.difficulty_[1], plain.difficulty_[1])
    np.testing.assert_allclose(X_nc[["a", "b", "children"]].to_numpy(float), X_plain.to_numpy())


def test_one_hot_groups_are_decoded_resampled_and_encoded_again():
    X, y = mixed_table(seed=7)
    encoder = OneHotEncoder(sparse_output=False).fit(X[NOMINAL])
    one_hot = pd.DataFrame(encoder.transform(X[NOMINAL]), columns=encoder.get_feature_names_out())
    encoded = pd.concat([X[["a", "b"]], one_hot], axis=1)
    groups = [[c for c in one_hot.columns if c.startswith(f"{name}_")] for name in NOMINAL]
    sampler = ADASYNNC(categorical_features=groups, random_state=0)
    X_res, _ = sampler.fit_resample(encoded, y)
    synthetic = X_res.iloc[len(X) :]
    assert invalid_value_share(encoded, synthetic, one_hot_groups=groups) == 0.0
    forced = ADASYN(random_state=0)  # the same table, interpolated as numbers
    X_forced, _ = forced.fit_resample(encoded, y)
    assert invalid_value_share(encoded, X_forced.iloc[len(X) :], one_hot_groups=groups) > 0.25
    # The category-level result equals ADASYN-NC on the original columns.
    X_cat, _ = ADASYNNC(categorical_features=NOMINAL, random_state=0).fit_resample(
        X[["a", "b", *NOMINAL]], y
    )
    decoded = encoder.inverse_transform(synthetic[one_hot.columns].to_numpy())
    np.testing.assert_array_equal(decoded, X_cat[NOMINAL].iloc[len(X) :].to_numpy())


def test_numpy_object_arrays_and_missing_categories_work():
    X, y = mixed_table(seed=8)
    values = X[["a", "colour", "b"]].to_numpy(dtype=object)
    values[:5, 1] = np.nan  # a missing category is a category of its own
    X_res, _ = SMOTENC(categorical_features=[1], random_state=0).fit_resample(values, y)
    assert X_res.dtype == object and X_res.shape[1] == 3
    seen = {str(v) for v in values[:, 1]}
    assert {str(v) for v in X_res[:, 1]} <= seen


def test_missing_continuous_values_are_refused_with_the_fix():
    X, y = mixed_table()
    X.loc[3, "a"] = np.nan
    with pytest.raises(InputDataError, match="NaN or infinite values in 1 row\\(s\\), in column"):
        SMOTENC(categorical_features=NOMINAL).fit_resample(X, y)


def test_integer_features_are_rounded_and_keep_their_dtype():
    X, y = mixed_table()
    X_res, _ = SMOTENC(
        categorical_features=NOMINAL, integer_features="auto", random_state=0
    ).fit_resample(X, y)
    assert X_res["children"].dtype == X["children"].dtype


@pytest.mark.parametrize(
    ("spec", "error", "fragment"),
    [
        ("auto", SamplerParameterError, "needs a pandas DataFrame"),
        ([9], SamplerParameterError, "names column 9"),
        ([], SamplerParameterError, "names no column"),
        ([[0, 1], [1, 2]], SamplerParameterError, "more than once"),
        ([[0, 2]], InputDataError, "holds values other than 0/1"),
    ],
)
def test_bad_categorical_features_name_the_fix(spec, error, fragment):
    X, y = mixed_table()
    values = X[["a", "b", "children"]].to_numpy(float)
    with pytest.raises(error, match=fragment):
        SMOTENC(categorical_features=spec).fit_resample(values, y)


def test_a_column_cannot_be_both_nominal_and_integer():
    X, y = mixed_table()
    with pytest.raises(SamplerParameterError, match="both integer_features and categorical"):
        SMOTENC(categorical_features=NOMINAL, integer_features=["colour"]).fit_resample(X, y)


def test_ties_are_broken_by_the_seed():
    X, y = mixed_table(seed=9)
    rng = np.random.default_rng(0)
    X["colour"] = rng.choice(["red", "green", "blue", "white", "black"], len(X))  # many ties
    runs = [
        SMOTENC(categorical_features=NOMINAL, random_state=seed).fit_resample(X, y)[0]
        for seed in (0, 0, 1)
    ]
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert not runs[0]["colour"].equals(runs[2]["colour"])
