"""The advice: deterministic, following the validated rule, honest about extrapolation."""

from harness.advisor.advice import advise
from harness.advisor.render import render_advice


def _features(stored, name):
    row = stored.features.loc[name]
    return {k: float(row[k]) for k in stored.document["features"]}


def _p(advice, family, treatment):
    rows = advice.treatments
    return rows[(rows["model"] == family) & (rows["treatment"] == treatment)]["p_beats_none"].item()


def test_same_data_same_advice_and_the_rule_it_learned(stored):
    clean = stored.features["minority_overlap"].idxmin()
    first = advise("mine", _features(stored, clean), stored)
    again = advise("mine", _features(stored, clean), stored)
    assert first.treatments.equals(again.treatments)
    assert first.similar.equals(again.similar)
    assert first.recommended == again.recommended
    # Little overlap: oversamplers likely win (class weights win everywhere, so they are the
    # surest pick), and the nearest benchmark set is the set itself.
    assert first.recommended["knn"] == "class_weight"
    assert _p(first, "knn", "smote") > 0.5
    assert first.similar.iloc[0]["dataset"] == clean
    assert first.similar.iloc[0]["distance"] == 0.0
    assert first.outside_range == []
    text = render_advice(first, stored, seconds=0.5)
    assert render_advice(again, stored, seconds=0.5) == text
    assert text.startswith("Should you resample mine?")
    assert text.index("- knn: try `") < text.index("Treatments per model family:")


def test_high_overlap_makes_oversampling_unlikely_to_win_and_extrapolation_is_named(stored):
    features = _features(stored, stored.features["minority_overlap"].idxmax())
    features["minority_overlap"] = 0.99
    advice = advise("mine", features, stored)
    assert _p(advice, "knn", "smote") < 0.5
    assert advice.outside_range == ["minority_overlap"]
    assert "Outside the range of the benchmark's data sets: minority_overlap" in render_advice(
        advice, stored, seconds=0.5
    )
