"""The published tables shipped as data: the ADASYN paper's Table II, its source and protocol."""

import pytest

from harness.errors import ConfigError
from harness.report.published import (
    MEASURES,
    load_published,
    protocol_differences,
    published_names,
)

TABLE = load_published("he2008_table2")

#: Cells of Table II (He et al. 2008, pp. 1324-1325) spot-checked against the paper.
SPOT_CHECKS = [
    ("vehicle0", "adasyn", "G-mean", 0.9168),
    ("pima", "smote", "Recall", 0.6201),
    ("vowel0", "adasyn", "Precision", 0.7603),
    ("ionosphere", "none", "OA", 0.8617),
    ("abalone9_18", "adasyn", "F-measure", 0.2805),
]


def test_table_ii_has_75_cells_in_the_papers_order():
    values = TABLE.values
    assert len(values) == 75
    assert TABLE.datasets == ["vehicle0", "pima", "vowel0", "ionosphere", "abalone9_18"]
    first = values.iloc[:5]
    assert list(first["measure"]) == list(MEASURES)
    assert set(first["paper_method"]) == {"DT"} and set(first["strategy"]) == {"none"}
    assert set(values["metric"]) == set(MEASURES.values())
    assert not values.duplicated(["dataset", "strategy", "metric"]).any()


@pytest.mark.parametrize(("dataset", "strategy", "measure", "value"), SPOT_CHECKS)
def test_published_values_are_the_papers(dataset, strategy, measure, value):
    row = TABLE.values[
        (TABLE.values["dataset"] == dataset)
        & (TABLE.values["strategy"] == strategy)
        & (TABLE.values["measure"] == measure)
    ]
    assert row["value"].tolist() == [value]


def test_the_table_carries_its_source_and_protocol():
    assert "He, H., Bai, Y., Garcia, E. A. & Li, S. (2008)" in TABLE.source
    assert "doi:10.1109/IJCNN.2008.4633969" in TABLE.source and "Table II" in TABLE.source
    assert "100 runs" in TABLE.described and "N = 200" in TABLE.described


def test_an_unknown_table_is_refused_with_the_known_ones():
    assert published_names() == ["he2008_table2"]
    with pytest.raises(ConfigError, match=r"'table3' is not a published table.*he2008_table2"):
        load_published("table3")


#: The settings of a job at the paper's protocol (flat config keys, as in ``params``).
PAPER_PARAMS = {
    "evaluation.folds": "holdout",
    "evaluation.test_size": 0.5,
    "model.name": "decision_tree",
    "resampler.sampler.synthetic_percent": 200,
    "resampler.sampler.k_neighbors": 5,
    "resampler.sampler.n_neighbors": 5,
    "resampler.sampler.beta": 1.0,
    "resampler.sampler.d_th": 0.75,
}


def _record(strategy, n_folds=100, **params):
    return {"strategy": strategy, "n_folds": n_folds, "params": {**PAPER_PARAMS, **params}}


def test_a_job_at_the_papers_protocol_has_no_difference():
    for strategy in ("none", "smote", "adasyn"):
        assert protocol_differences(TABLE, _record(strategy)) == []


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (_record("none", n_folds=10), "10 splits (the paper: 100)"),
        (_record("none", **{"evaluation.folds": "stratified"}), "evaluation.folds='stratified'"),
        (
            _record("smote", **{"resampler.sampler.synthetic_percent": None}),
            "resampler.sampler.synthetic_percent=None (the paper: 200)",
        ),
        (_record("adasyn", **{"resampler.sampler.d_th": None}), "d_th=None (the paper: 0.75)"),
        (_record("none", **{"model.name": "random_forest"}), "model.name='random_forest'"),
    ],
)
def test_a_job_off_the_protocol_says_how(record, expected):
    assert any(expected in line for line in protocol_differences(TABLE, record))
