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
    assert "For knn its out-of-sample AUC is 0.300, below the goal 0.75: worse than chance" in text
    assert "For logistic_regression its out-of-sample AUC is 0.600, below the goal 0.75: weigh" in (
        text
    )


def test_a_baseline_with_less_regret_is_named_with_its_figures(stored):
    from harness.advisor.model import most_frequent_winner
    from harness.advisor.render import regret_sentence

    name = stored.features.index[0]
    features = {k: float(stored.features.at[name, k]) for k in stored.document["features"]}
    advice = advise("mine", features, stored)
    beaten = copy.copy(stored)
    beaten.document = copy.deepcopy(stored.document)
    regret = beaten.document["validation"]["knn"]["regret"]
    for policy in regret:
        regret[policy][0] = 0.05
    regret["advisor"][0] = 0.02
    assert regret_sentence(beaten, "knn") is None
    regret["prior"][0] = 0.01
    sentence = regret_sentence(beaten, "knn")
    assert sentence is not None
    assert f"always `{most_frequent_winner(beaten.families['knn'])}`" in sentence
    assert "lost 0.020 test/g_mean" in sentence and "lost 0.010" in sentence
    assert sentence in render_advice(advice, beaten, seconds=0.1)
