"""User CSV/Parquet tables: round trips, label forms and every kind of bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest

from harness.data import DataQualityWarning, load_table, make_dataset, read_table
from harness.data.roles import ColumnRoles, DataChecks
from harness.errors import ConfigError, InputDataError

N_ROWS = 60
N_MINORITY = 12


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.arange(N_ROWS),
            "income": rng.normal(50.0, 10.0, N_ROWS),
            "age": rng.integers(18, 80, N_ROWS),
            "region": rng.choice(["north", "south"], N_ROWS),
            "sex": np.tile(["F", "M"], N_ROWS // 2),
            "churned": ["yes"] * N_MINORITY + ["no"] * (N_ROWS - N_MINORITY),
        }
    )


#: The toy table's roles, as load_table's keyword arguments.
ROLES = {
    "target": "churned",
    "positive_label": "yes",
    "categorical": ["region", "sex"],
    "sensitive": ["sex"],
    "drop": ["id"],
}
CHECKS = ("min_minority", "zero_variance")


def build(frame, **overrides):
    """make_dataset with ROLES; ``overrides`` are ColumnRoles or DataChecks fields."""
    options = {**ROLES, **overrides}
    checks = DataChecks(**{key: options.pop(key) for key in CHECKS if key in options})
    return make_dataset(frame, ColumnRoles(**options), name="toy", checks=checks)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_round_trip(tmp_path, frame, suffix):
    path = tmp_path / f"churn{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    dataset = load_table(path, **ROLES)
    assert dataset.name == "churn"
    assert dataset.n_rows == N_ROWS and dataset.n_minority == N_MINORITY
    assert list(dataset.X.columns) == ["income", "age", "region", "sex"]
    assert dataset.categorical == ["region", "sex"]
    assert list(dataset.sensitive.columns) == ["sex"]
    assert dataset.positive_label == "yes"
    np.testing.assert_array_equal(dataset.y, (frame["churned"] == "yes").astype(int))
    np.testing.assert_allclose(dataset.X["income"], frame["income"])
    assert dataset.digest == build(frame).digest


def test_csv_and_parquet_give_the_same_digest(tmp_path, frame):
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    from_csv = load_table(tmp_path / "t.csv", **ROLES)
    from_parquet = load_table(tmp_path / "t.parquet", **ROLES)
    assert from_csv.digest == from_parquet.digest
    assert from_csv.source.startswith("file:")


def test_boolean_labels_from_csv_and_yaml_text(tmp_path, frame):
    frame["churned"] = frame["churned"] == "yes"
    frame.to_csv(tmp_path / "b.csv", index=False)
    for label in (True, "true", "True"):
        dataset = load_table(tmp_path / "b.csv", **{**ROLES, "positive_label": label})
        assert dataset.n_minority == N_MINORITY
        assert dataset.positive_label is True or dataset.positive_label == np.True_


def test_numeric_label_given_as_text(frame):
    frame["churned"] = (frame["churned"] == "yes").astype(int)
    assert build(frame, positive_label="1").n_minority == N_MINORITY


def test_positive_label_defaults_to_least_frequent(frame):
    dataset = build(frame, positive_label=None)
    assert dataset.positive_label == "yes" and dataset.n_minority == N_MINORITY


def test_boolean_features_become_integers(frame):
    frame["vip"] = frame["income"] > 50
    assert build(frame).X["vip"].dtype == np.int8


def test_sensitive_column_can_be_dropped_from_features(frame):
    dataset = build(frame, drop=["id", "sex"])
    assert "sex" not in dataset.X.columns
    assert list(dataset.sensitive.columns) == ["sex"]


# --- bad files -------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="does not exist.*check the path"):
        load_table(tmp_path / "nope.csv", target="y")


def test_unknown_suffix(tmp_path):
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(ConfigError, match="cannot tell the format.*format='csv'"):
        load_table(tmp_path / "data.xlsx", target="y")


def test_empty_csv(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputDataError, match="is empty"):
        load_table(tmp_path / "empty.csv", target="y")


def test_corrupt_csv(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b"a,b\n1,2\n\xff\xfe\x00\x81,3,4,5\n")
    with pytest.raises(InputDataError, match="cannot read .* as csv.*valid"):
        read_table(tmp_path / "bad.csv")


def test_corrupt_parquet(tmp_path, frame):
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(InputDataError, match="cannot read .* as parquet.*re-export"):
        load_table(path, **ROLES)


def test_csv_read_as_parquet(tmp_path, frame):
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputDataError, match="as parquet"):
        load_table(tmp_path / "t.csv", format="parquet", **ROLES)


# --- bad content -----------------------------------------------------------------------------


def test_target_absent_lists_columns(frame):
    with pytest.raises(InputDataError, match=r"target column 'label' not found.*'income'"):
        build(frame, target="label")


def test_single_class(frame):
    frame["churned"] = "no"
    with pytest.raises(InputDataError, match="single class.*add rows of the other class"):
        build(frame, positive_label=None)


def test_positive_label_absent_lists_labels(frame):
    with pytest.raises(InputDataError, match=r"'maybe' does not occur.*labels present: \["):
        build(frame, positive_label="maybe")


def test_positive_label_must_be_minority(frame):
    with pytest.raises(InputDataError, match="must be the minority"):
        build(frame, positive_label="no")


def test_missing_target_values(frame):
    frame.loc[3, "churned"] = None
    with pytest.raises(InputDataError, match="1 missing values; drop those rows"):
        build(frame)


def test_nan_in_features_names_columns(frame):
    frame.loc[5, "income"] = np.nan
    with pytest.raises(InputDataError, match=r"\['income'\] contain missing values.*impute"):
        build(frame)


def test_inf_in_features_names_columns(frame):
    frame.loc[5, "income"] = np.inf
    with pytest.raises(InputDataError, match=r"\['income'\] contain infinite values.*replace"):
        build(frame)


def test_undeclared_text_column(frame):
    with pytest.raises(InputDataError, match=r"non-numeric columns \['region'\].*declare them"):
        build(frame, categorical=["sex"])


def test_sensitive_absent(frame):
    with pytest.raises(InputDataError, match=r"sensitive columns \['race'\] not found"):
        build(frame, sensitive=["race"])


def test_categorical_absent(frame):
    with pytest.raises(InputDataError, match=r"categorical columns \['city'\] not found"):
        build(frame, categorical=["city"])


def test_sensitive_single_group(frame):
    frame["sex"] = "F"
    with pytest.raises(InputDataError, match="'sex' has one group only.*remove it"):
        build(frame)


def test_sensitive_missing_values(frame):
    frame.loc[0, "sex"] = None
    with pytest.raises(InputDataError, match="'sex' has 1 missing values.*unknown"):
        build(frame, drop=["id", "sex"])


def test_all_rows_identical(frame):
    features = frame.assign(income=1.0, age=30, region="north", sex="F", id=0)
    with pytest.raises(InputDataError, match="all 60 rows have the same feature values"):
        build(features, sensitive=[], zero_variance="drop")


def test_minority_rows_all_copies(frame):
    frame.loc[: N_MINORITY - 1, ["income", "age", "region", "sex"]] = [40.0, 30, "north", "F"]
    with pytest.raises(InputDataError, match="minority rows are copies of one row"):
        build(frame, drop=["id"])


def test_zero_variance_warns_by_default(frame):
    frame["const"] = 1.0
    with pytest.warns(DataQualityWarning, match=r"\['const'\] are constant"):
        dataset = build(frame)
    assert "const" in dataset.X.columns


def test_zero_variance_drop_and_error(frame):
    frame["const"] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "const" not in build(frame, zero_variance="drop").X.columns
    with pytest.raises(InputDataError, match="zero variance.*drop them"):
        build(frame, zero_variance="error")


def test_bad_checks_are_refused_when_built():
    with pytest.raises(ConfigError, match="zero_variance='ignore' is not a policy"):
        DataChecks(zero_variance="ignore")
    with pytest.raises(ConfigError, match="min_minority=0 must be at least 1"):
        DataChecks(min_minority=0)


def test_load_table_refuses_bad_checks_after_reading_the_file(tmp_path, frame):
    with pytest.raises(InputDataError, match="does not exist"):
        load_table(tmp_path / "nope.csv", target="y", zero_variance="ignore")
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(ConfigError, match="not a policy"):
        load_table(tmp_path / "t.csv", zero_variance="ignore", **ROLES)


def test_column_roles_keep_their_columns_as_tuples():
    categorical = ["region"]
    roles = ColumnRoles(target="churned", categorical=categorical, sensitive=None)
    categorical.append("sex")  # a later change to the list does not reach the roles
    assert roles.categorical == ("region",)
    assert roles.sensitive == () and roles.drop == ()


def test_minority_below_minimum(frame):
    with pytest.raises(InputDataError, match="only 12 minority rows.*min_minority=20"):
        build(frame, min_minority=20)
    assert build(frame, min_minority=12).n_minority == 12


def test_target_declared_categorical(frame):
    with pytest.raises(ConfigError, match="target 'churned' is listed in categorical"):
        build(frame, categorical=["region", "sex", "churned"])


def test_no_feature_left(frame):
    with pytest.raises(InputDataError, match="no feature column left"):
        build(frame, drop=["id", "income", "age", "region", "sex"], categorical=[])


# --- duplicate names, mixed label types, complex values ------------------------------------------


@pytest.mark.parametrize("duplicate", ["income", "churned"])
def test_csv_header_with_a_duplicate_name_is_refused(tmp_path, frame, duplicate):
    # pandas renames the copy to "<name>.1": a second target column would become a feature.
    path = tmp_path / "dup.csv"
    frame.assign(extra=frame[duplicate]).rename(columns={"extra": duplicate}).to_csv(
        path, index=False
    )
    with pytest.raises(InputDataError) as caught:
        load_table(path, **ROLES)
    message = str(caught.value)
    assert f"names the column(s) ['{duplicate}'] more than once" in message
    assert f"'{duplicate}.1'" in message and "unique name" in message


def test_csv_with_unnamed_columns_is_not_a_duplicate(tmp_path, frame):
    path = tmp_path / "unnamed.csv"
    frame.to_csv(path, index=True)  # an index column with an empty name
    assert "Unnamed: 0" in read_table(path).columns


def test_parquet_with_a_duplicate_name_is_refused(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        [pa.array([1.0, 2.0]), pa.array([3.0, 4.0]), pa.array([0, 1])], names=["a", "a", "y"]
    )
    pq.write_table(table, tmp_path / "dup.parquet")
    with pytest.raises(InputDataError, match=r"names the column\(s\) \['a'\] more than once"):
        read_table(tmp_path / "dup.parquet")


@pytest.mark.parametrize("columns", [["income", "income"], [1, "1"]])
def test_frame_with_duplicate_column_names_is_refused(frame, columns):
    frame = frame.drop(columns=["income", "age"])
    frame[["first", "second"]] = np.random.default_rng(0).normal(size=(len(frame), 2))
    frame.columns = [*frame.columns[:-2], *columns]
    with pytest.raises(InputDataError) as caught:
        build(frame)
    message = str(caught.value)
    assert f"column names ['{columns[0]}'] occur more than once" in message
    assert "unique" in message


def test_target_with_mixed_int_and_str_labels_is_refused(frame):
    frame["churned"] = [1] * N_MINORITY + ["no"] * (N_ROWS - N_MINORITY - 5) + ["1"] * 5
    with pytest.raises(InputDataError) as caught:
        build(frame, positive_label=1)
    message = str(caught.value)
    assert "target column 'churned' mixes label types (int, str)" in message
    assert "frame['churned'].astype(str)" in message


def test_target_with_bool_and_int_labels_is_refused(frame):
    frame["churned"] = [True] * N_MINORITY + [0] * (N_ROWS - N_MINORITY)
    with pytest.raises(InputDataError, match=r"mixes label types \(bool, int\)"):
        build(frame, positive_label=True)


def test_complex_target_is_refused(frame):
    frame["churned"] = np.r_[np.ones(N_MINORITY), np.zeros(N_ROWS - N_MINORITY)] + 0j
    with pytest.raises(InputDataError, match="'churned' holds complex numbers"):
        build(frame, positive_label=1)


def test_complex_feature_column_is_refused(frame):
    frame["income"] = frame["income"] + 1j
    with pytest.raises(InputDataError) as caught:
        build(frame)
    message = str(caught.value)
    assert "feature columns ['income'] hold complex numbers" in message
    assert "np.real and np.imag" in message


def test_complex_numbers_written_in_a_csv_are_refused(tmp_path, frame):
    frame["income"] = [f"{v:.3f}+1j" for v in frame["income"]]
    path = tmp_path / "complex.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"\['income'\] hold complex numbers"):
        load_table(path, **ROLES)


def test_declared_categorical_text_with_a_j_is_not_complex(frame):
    frame["region"] = ["j-north", "j-south"] * (N_ROWS // 2)
    assert "region" in build(frame).X.columns


def test_a_text_sensitive_column_that_stays_a_feature_is_categorical(frame, tmp_path):
    path = tmp_path / "churn.csv"
    frame.to_csv(path, index=False)
    dataset = load_table(path, "churned", "yes", categorical=["region"], sensitive=["sex"])
    assert dataset.categorical == ["region", "sex"]
    assert list(dataset.sensitive.columns) == ["sex"]
    assert set(dataset.X["sex"]) == {"F", "M"}


def test_a_text_sensitive_column_kept_for_fairness_only_is_no_feature(frame, tmp_path):
    path = tmp_path / "churn.csv"
    frame.to_csv(path, index=False)
    dataset = load_table(
        path, "churned", "yes", categorical=["region"], sensitive=["sex"],
        sensitive_as_feature=False,
    )  # fmt: skip
    assert "sex" not in dataset.X.columns
    assert dataset.categorical == ["region"]


def test_a_numeric_sensitive_column_stays_numeric(frame, tmp_path):
    path = tmp_path / "churn.csv"
    frame.assign(sex=(frame["sex"] == "F").astype(int)).to_csv(path, index=False)
    dataset = load_table(path, "churned", "yes", categorical=["region"], sensitive=["sex"])
    assert dataset.categorical == ["region"]


@pytest.mark.parametrize(("label", "meant"), [(True, "yes"), (False, "no")])
def test_a_boolean_positive_label_over_text_labels_says_to_quote_it(frame, tmp_path, label, meant):
    path = tmp_path / "churn.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ConfigError, match=f"positive_label: '{meant}'") as error:
        load_table(path, "churned", label, categorical=["region", "sex"])
    assert "YAML reads an unquoted yes" in str(error.value)


def test_a_boolean_positive_label_matching_its_text_is_accepted(frame, tmp_path):
    path = tmp_path / "flags.csv"
    frame.assign(churned=frame["churned"].map({"yes": "True", "no": "False"})).to_csv(
        path, index=False
    )
    dataset = load_table(path, "churned", True, categorical=["region", "sex"])
    assert int(dataset.y.sum()) == N_MINORITY


def test_an_undeclared_text_column_names_the_whole_override_to_set(frame, tmp_path):
    path = tmp_path / "churn.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"'dataset\.loader\.categorical=\[sex,region\]'"):
        load_table(path, "churned", "yes", categorical=["sex"])
