"""The advisor's shipped files: a round trip, and refusals that name the fix."""

import json
import shutil

import numpy as np
import pytest

from harness.advisor.model import design_matrix
from harness.advisor.store import MODEL_FILE, StoredAdvisor
from harness.errors import InputDataError


def test_the_stored_models_predict_what_the_fitted_ones_do(fitted, stored):
    X = design_matrix(fitted.features)
    for family, models in fitted.families.items():
        for pair, model in models.beats.items():
            assert np.array_equal(
                stored.families[family].beats[pair].probability(X), model.probability(X)
            )
        for treatment, model in models.calibration.items():
            assert np.array_equal(
                stored.families[family].calibration[treatment].predict(X), model.predict(X)
            )
    assert stored.metric == "test/g_mean"
    assert list(stored.features.index) == list(fitted.features.index)


def test_another_schema_an_unknown_key_or_no_file_is_refused(stored, tmp_path):
    folder = tmp_path / "advisor"
    shutil.copytree(stored.folder, folder)
    document = json.loads((folder / MODEL_FILE).read_text())
    (folder / MODEL_FILE).write_text(json.dumps(document | {"schema": 99}))
    with pytest.raises(InputDataError, match="schema 99.*harness advisor-fit"):
        StoredAdvisor(folder)
    (folder / MODEL_FILE).write_text(json.dumps(document | {"extra": 1}))
    with pytest.raises(InputDataError, match="extra"):
        StoredAdvisor(folder)
    (folder / MODEL_FILE).unlink()
    with pytest.raises(InputDataError, match="missing.*harness advisor-fit"):
        StoredAdvisor(folder)
