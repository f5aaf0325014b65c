"""The advice's text: a family whose validation is below the goal or below chance is named."""

import copy

from harness.advisor.advice import advise
from harness.advisor.render import render_advice


def test_a_weak_validation_is_said_in_words(stored):
    name = stored.features.index[0]
    features = {k: float(stored.features.at[name, k]) for k in stored.document["features"]}
    advice = advise("mine", features, stored)
    assert "out-of-sample AUC" not in render_advice(advice, stored, seconds=0.1)
    weak = copy.copy(stored)
    weak.document = copy.deepcopy(stored.document)
    weak.document["validation"]["knn"]["auc"]["advisor"][0] = 0.3
    weak.document["validation"]["logistic_regression"]["auc"]["advisor"][0] = 0.6
    text = render_advice(advice, weak, seconds=0.1)
    assert "For knn its out-of-sample AUC is 0.30, below the goal 0.75: worse than chance" in text
    assert "For logistic_regression its out-of-sample AUC is 0.60, below the goal 0.75: weigh" in (
        text
    )
