"""y in every shape imbalanced-learn takes comes back in the same container and shape."""

import numpy as np
import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.resample import ADASYN, SMOTE, NoResampling, RandomOverSampler
from harness.resample.labels import read_labels, write_labels
from tests.resample.conftest import make_data

SAMPLERS = [
    lambda: ADASYN(random_state=0),
    lambda: SMOTE(random_state=0),
    lambda: RandomOverSampler(random_state=0),
]


@pytest.mark.parametrize("make", SAMPLERS)
def test_a_one_column_dataframe_y_comes_back_as_a_dataframe(make):
    # It used to come back as a Series, although the README promises "the same type out".
    X, y = make_data()
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    target = pd.DataFrame({"label": y.astype(np.int32)})
    X_res, y_res = make().fit_resample(frame, target)
    _, y_plain = make().fit_resample(X, y)
    assert isinstance(y_res, pd.DataFrame) and list(y_res.columns) == ["label"]
    assert y_res["label"].dtype == np.int32
    assert y_res.index.equals(X_res.index)
    np.testing.assert_array_equal(y_res["label"].to_numpy(), y_plain)


@pytest.mark.parametrize("make", SAMPLERS)
def test_a_column_vector_y_is_accepted_and_kept_a_column_vector(make):
    X, y = make_data()
    _, y_res = make().fit_resample(X, y[:, None])
    _, y_plain = make().fit_resample(X, y)
    assert y_res.shape == (len(y_plain), 1)
    np.testing.assert_array_equal(y_res[:, 0], y_plain)


@pytest.mark.parametrize("make", SAMPLERS)
@pytest.mark.parametrize("as_frame", [False, True])
def test_a_one_hot_y_is_resampled_as_its_classes_and_stays_one_hot(make, as_frame):
    X, y = make_data(weights=(0.6, 0.25, 0.15), seed=1)
    one_hot = np.eye(3, dtype=np.int64)[y]
    target = pd.DataFrame(one_hot, columns=["a", "b", "c"]) if as_frame else one_hot
    X_res, y_res = make().fit_resample(X, target)
    X_plain, y_plain = make().fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_plain)
    values = y_res.to_numpy() if as_frame else y_res
    assert values.shape == (len(y_plain), 3) and (values.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(values.argmax(axis=1), y_plain)
    if as_frame:
        assert list(y_res.columns) == ["a", "b", "c"]


def test_a_list_y_gives_a_list_and_a_list_x_gives_a_list():
    X, y = make_data()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X.tolist(), y.tolist())
    X_plain, y_plain = SMOTE(random_state=0).fit_resample(X, y)
    assert isinstance(X_res, list) and isinstance(y_res, list)
    np.testing.assert_array_equal(np.asarray(X_res), X_plain)
    np.testing.assert_array_equal(y_res, y_plain)


@pytest.mark.parametrize("make", [*SAMPLERS, NoResampling])
def test_a_multilabel_y_is_refused_with_the_fix(make):
    X, y = make_data()
    with pytest.raises(InputDataError) as caught:
        make().fit_resample(X, np.column_stack([y, 1 - y, y]))
    assert "multilabel and multioutput targets are not supported" in str(caught.value)


def test_y_none_names_the_requirement():
    X, _ = make_data()
    with pytest.raises(InputDataError, match="requires y to be passed, but the target y is None"):
        SMOTE().fit_resample(X, None)


def test_read_and_write_round_trip_every_format():
    y = np.array([0, 1, 1, 2])
    series = pd.Series(y, name="t", dtype="int16")
    for given in (y, y.tolist(), series, y[:, None], np.eye(3)[y], pd.DataFrame({"t": y})):
        labels, fmt = read_labels(given)
        back = write_labels(labels, fmt)
        assert type(back) is type(given)
        np.testing.assert_array_equal(np.asarray(back), np.asarray(given))
