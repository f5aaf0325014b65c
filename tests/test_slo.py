"""SLO sets: the shipped ones load, and every malformed file is refused with its fix."""

import pytest

from harness.errors import ConfigError
from harness.slo import available_slo_sets, load_slo_set, parse_slo_set

VALID = {
    "name": "t",
    "objectives": [
        {"name": "recall", "metric": "test/minority_recall", "op": ">=", "threshold": 0.8}
    ],
}


@pytest.mark.parametrize("name", available_slo_sets())
def test_shipped_sets_load(name):
    slo = load_slo_set(name)
    assert slo.name == name
    assert slo.objective("minority_recall").threshold > 0
    assert slo.serving is not None and slo.serving.burn_rate_alerts


def test_default_burn_rate_factors_can_all_fire():
    # A burn rate above 1 / error budget would need more misses than events.
    slo = load_slo_set("default")
    for alert in slo.serving.burn_rate_alerts:
        assert alert.factor * slo.serving.error_budget <= 1.0


def test_objective_decisions():
    objective = parse_slo_set(VALID).objectives[0]
    assert objective.is_met(0.8) and not objective.is_met(0.7999)
    assert not objective.is_met(float("nan"))
    assert objective.is_met_ci(0.75, 0.85)  # the CI straddles the threshold
    assert not objective.is_met_ci(0.70, 0.79)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["objectives"][0].pop("threshold"), "missing 'threshold'"),
        (lambda d: d["objectives"][0].update(threshold="high"), "is not a number"),
        (lambda d: d["objectives"][0].update(threshold=True), "is not a number"),
        (lambda d: d["objectives"][0].update(threshold=float("inf")), "must be finite"),
        (lambda d: d["objectives"][0].update(op="=>"), "op '=>' is not one of"),
        (lambda d: d["objectives"][0].update(decision="maybe"), "decision 'maybe'"),
        (lambda d: d["objectives"][0].pop("metric"), "missing 'metric'"),
        (lambda d: d.pop("objectives"), "has no 'objectives'"),
        (lambda d: d.update(error_budget_window="a month"), "not a Prometheus duration"),
        (lambda d: d["objectives"].append(dict(d["objectives"][0])), "not unique"),
    ],
)
def test_malformed_sets_are_refused_with_the_fix(mutate, message):
    import copy

    raw = copy.deepcopy(VALID)
    mutate(raw)
    with pytest.raises(ConfigError, match=message):
        parse_slo_set(raw)


def test_missing_set_lists_the_available_ones():
    with pytest.raises(ConfigError, match=r"not found.*default"):
        load_slo_set("no_such_set")


def test_file_that_is_not_yaml_is_refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("objectives: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_slo_set(path)
