"""SLO sets: the shipped ones load, and every malformed file is refused with its fix: unknown
keys at every level, wrong types, empty lists, unknown strategies and metric keys."""

import copy
import math

import pytest
import yaml

from harness.errors import ConfigError
from harness.metrics import catalog
from harness.slo import CONF_SLO_DIR, available_slo_sets, load_slo_set, parse_slo_set

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
    assert slo.objectives or slo.relative
    # Label quality is a warning in every shipped set, never a failing objective.
    assert [w.metric for w in slo.warnings] == ["data/label_issues"]
    assert all(o.metric.split("/")[0] != "data" for o in slo.objectives)


@pytest.mark.parametrize("name", ["default", "high_recall"])
def test_absolute_sets_keep_their_targets_and_serving_slo(name):
    slo = load_slo_set(name)
    assert slo.objective("minority_recall").threshold > 0
    assert slo.serving is not None and slo.serving.burn_rate_alerts


def test_default_set_keeps_the_seed_targets_and_warns_on_label_issues():
    slo = load_slo_set("default")
    targets = {o.name: (o.metric, o.op, o.threshold) for o in slo.objectives}
    assert targets == {
        "minority_recall": ("test/minority_recall", ">=", 0.80),
        "minority_precision": ("test/minority_precision", ">=", 0.70),
        "minority_f1": ("test/minority_f1", ">=", 0.75),
        "train_test_gap": ("gap/minority_recall", "<", 0.10),
        "synthetic_ratio_min": ("resample/synthetic_ratio", ">=", 0.10),
        "synthetic_ratio_max": ("resample/synthetic_ratio", "<=", 0.50),
        "invalid_synthetic_values": ("resample/invalid_value_share", "<=", 0.0),
    }
    (warning,) = slo.warnings
    assert (warning.metric, warning.op, warning.threshold) == ("data/label_issues", "<=", 0.10)
    assert slo.relative is None


def test_relative_set_compares_with_none_at_equal_footing():
    slo = load_slo_set("relative")
    assert slo.relative.reference == "none"
    assert slo.relative.alpha == 0.025 and slo.relative.confidence == pytest.approx(0.95)
    expected = {  # metric, test, margin, rope, bound
        "pr_auc_not_worse": ("test/pr_auc", "non_inferiority", 0.02, 0.02, -0.02),
        "recall_at_precision_better": ("test/recall_at_precision", "superiority", 0.0, 0.01, 0.0),
    }
    for name, fields in expected.items():
        got = slo.relative_objective(name)
        assert (got.metric, got.test, got.margin, got.rope, got.bound) == fields, name
    assert {o.metric for o in slo.objectives} == {
        "gap/minority_recall",
        "resample/synthetic_ratio",
        "resample/invalid_value_share",
    }


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
        (lambda d: d.pop("objectives"), "is missing 'objectives'"),
        (lambda d: d.update(error_budget_window="a month"), "not a Prometheus duration"),
        (lambda d: d["objectives"].append(dict(d["objectives"][0])), "not unique"),
    ],
)
def test_malformed_sets_are_refused_with_the_fix(mutate, message):
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


def _default():
    return yaml.safe_load((CONF_SLO_DIR / "default.yaml").read_text())


def _objective(index):
    return lambda raw: raw["objectives"][index]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(fairnes=d.pop("fairness")), r"unknown key 'fairnes' \(did you mean"),
        (lambda d: d.update(objectivez=[]), "unknown key 'objectivez'"),
        (
            lambda d: d["objectives"][0].update(thresold=d["objectives"][0].pop("threshold")),
            r"objectives\[0\]: unknown key 'thresold'",
        ),
        (lambda d: d["fairness"][0].update(treshold=0.1), r"fairness\[0\]: unknown key"),
        (lambda d: d["serving"].update(stale=1), "serving: unknown key 'stale'"),
        (
            lambda d: d["serving"]["burn_rate_alerts"][0].update(facter=2),
            r"burn_rate_alerts\[0\]: unknown key 'facter'",
        ),
        (lambda d: d.update(objectives=[]), "'objectives' is an empty list"),
        (lambda d: d.update(fairness=[]), "'fairness' is an empty list"),
        (lambda d: d.update(objectives=None), "'objectives' must be a list"),
        (lambda d: d.update(objectives={"a": 1}), "'objectives' must be a list"),
        (lambda d: d["serving"].update(burn_rate_alerts=[]), "'burn_rate_alerts' is an empty"),
        (lambda d: d["objectives"][4].update(applies_to=[]), "'applies_to' is an empty list"),
        (
            lambda d: d["objectives"][4].update(applies_to=["adasynn"]),
            r"'adasynn' is not a strategy kind \(did you mean 'adasyn'\?\)",
        ),
        (lambda d: d["objectives"][4].update(applies_to="adasyn"), "must be a list"),
        (lambda d: d["objectives"][4].update(applies_to=["adasyn_b2"]), "not a strategy kind"),
        (
            lambda d: d["objectives"][0].update(metric="test/minority_recal"),
            r"not a metric of the catalog \(did you mean 'test/minority_recall'\?\)",
        ),
        (
            lambda d: d["objectives"][0].update(metric="fairness/{column}/min_group_recall"),
            "not a metric of the catalog",
        ),
        (lambda d: d["fairness"][0].update(metric="equalised_odds"), "not a fairness metric"),
        (
            lambda d: d["fairness"][0].update(metric="fairness/sex/equalized_odds_difference"),
            "names one sensitive column",
        ),
        (lambda d: d["objectives"][0].update(threshold=80), r"outside the range \[0, 1\]"),
        (lambda d: d["objectives"][0].update(op=">>"), "op '>>' is not one of"),
        (lambda d: d["objectives"][0].update(op=1), "op 1 is not one of"),
        (lambda d: d["objectives"][0].update(name=""), "name must be a non-empty text"),
        (lambda d: d["objectives"][0].update(name=["x"]), "name must be a non-empty text"),
        (lambda d: d["objectives"][0].update(decision=None), "decision None"),
        (lambda d: d.update(name=3), "name must be a non-empty text"),
        (lambda d: d.update(error_budget_window=30), "not a Prometheus duration"),
        (lambda d: d["serving"].update(minority_recall_objective="high"), "is not a number"),
        (lambda d: d["serving"]["burn_rate_alerts"][0].update(factor=0), "must be positive"),
        (lambda d: d["serving"]["burn_rate_alerts"][0].pop("severity"), "missing 'severity'"),
        (lambda d: d["objectives"].append("recall >= 0.8"), "must be a mapping"),
        (
            lambda d: d["fairness"][0].update(name="minority_recall"),
            r"names \['minority_recall'\] are not unique",
        ),
    ],
)
def test_a_typo_or_wrong_field_anywhere_is_refused_naming_it(mutate, message):
    raw = _default()
    mutate(raw)
    with pytest.raises(ConfigError, match=message):
        parse_slo_set(raw, source="default.yaml")


def test_a_renamed_metric_key_names_its_new_key(monkeypatch):
    monkeypatch.setitem(catalog.RENAMED, "test/recall", "test/minority_recall")
    raw = copy.deepcopy(VALID)
    raw["objectives"][0]["metric"] = "test/recall"
    with pytest.raises(ConfigError, match="renamed to 'test/minority_recall'"):
        parse_slo_set(raw)


def test_applies_to_names_strategy_kinds_and_families():
    raw = _default()
    slo = parse_slo_set(raw)
    ratio = slo.objective("synthetic_ratio_max")
    assert ratio.applies_to == ("oversampler",)
    for kind in ("adasyn", "smote", "ros", "adasyn_nc", "smote_nc", "borderline_smote"):
        assert ratio.applies(kind), kind
    for kind in ("class_weight", "none", "decision_threshold"):
        assert not ratio.applies(kind), kind
    assert slo.objective("minority_recall").applies("anything")
    raw["objectives"][0]["applies_to"] = ["smote", "baseline"]
    recall = parse_slo_set(raw).objective("minority_recall")
    assert recall.applies("none") and recall.applies("smote") and not recall.applies("adasyn")


def test_an_unknown_family_is_refused_with_the_families_listed():
    raw = _default()
    raw["objectives"][0]["applies_to"] = ["oversamplers"]
    with pytest.raises(ConfigError, match=r"did you mean 'oversampler'.*or a family: oversampler"):
        parse_slo_set(raw)


def test_the_hydra_config_group_parses_as_the_file_does():
    raw = _default()
    assert parse_slo_set(copy.deepcopy(raw), source="cfg.slo").objectives == (
        load_slo_set("default").objectives
    )


# -- warnings and relative objectives ------------------------------------------------------------


RELATIVE = {
    "name": "r",
    "relative": {
        "reference": "none",
        "alpha": 0.05,
        "objectives": [
            {"name": "ni", "metric": "test/pr_auc", "test": "non_inferiority", "margin": 0.02},
            {
                "name": "sup",
                "metric": "test/recall_at_precision",
                "test": "superiority",
                "rope": 0.01,
            },
        ],
    },
}


def test_a_set_of_relative_objectives_only_is_valid():
    slo = parse_slo_set(copy.deepcopy(RELATIVE))
    assert slo.objectives == () and slo.warnings == ()
    assert [o.name for o in slo.relative.objectives] == ["ni", "sup"]
    assert slo.relative.confidence == pytest.approx(0.90)
    assert slo.relative_objective("ni").rope == 0.02  # the margin, when no rope is given
    with pytest.raises(KeyError):
        slo.relative_objective("nope")


def test_sets_without_the_new_sections_read_as_before():
    slo = parse_slo_set(copy.deepcopy(VALID))
    assert slo.warnings == () and slo.relative is None


def _relative_objective(index):
    return lambda raw: raw["relative"]["objectives"][index]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["relative"].pop("reference"), r"relative is missing 'reference'"),
        (lambda d: d["relative"].pop("alpha"), r"relative is missing 'alpha'"),
        (lambda d: d["relative"].pop("objectives"), r"relative is missing 'objectives'"),
        (
            lambda d: d["relative"].update(refrence="none"),
            r"relative: unknown key 'refrence' \(did you mean 'reference'\?\)",
        ),
        (lambda d: d["relative"].update(reference="nne"), "'nne' is not a strategy kind"),
        (lambda d: d["relative"].update(alpha=0), r"alpha 0 must be in \(0, 0.5\)"),
        (lambda d: d["relative"].update(alpha=0.5), r"alpha 0.5 must be in \(0, 0.5\)"),
        (lambda d: d["relative"].update(alpha="5%"), "alpha '5%' is not a number"),
        (lambda d: d["relative"].update(alpha=True), "alpha True is not a number"),
        (lambda d: d["relative"].update(objectives=[]), "'objectives' is an empty list"),
        (lambda d: d["relative"].update(objectives="ni"), "'objectives' must be a list"),
        (
            lambda d: _relative_objective(0)(d).update(marign=0.02),
            r"objectives\[0\]: unknown key 'marign' \(did you mean 'margin'\?\)",
        ),
        (
            lambda d: _relative_objective(0)(d).update(test="equivalence"),
            "test 'equivalence' is not one of",
        ),
        (lambda d: _relative_objective(0)(d).pop("test"), "missing 'test'"),
        (lambda d: _relative_objective(0)(d).pop("margin"), "is missing 'margin'"),
        (lambda d: _relative_objective(0)(d).update(margin=0), "margin 0 must be positive"),
        (lambda d: _relative_objective(0)(d).update(margin=-0.02), "must be positive"),
        (lambda d: _relative_objective(0)(d).update(margin=2), "smaller than the range"),
        (lambda d: _relative_objective(0)(d).update(margin=math.nan), "must be finite"),
        (lambda d: _relative_objective(1)(d).update(margin=0.01), "superiority test has no"),
        (lambda d: _relative_objective(1)(d).pop("rope"), "is missing 'rope'"),
        (lambda d: _relative_objective(1)(d).update(rope=-0.01), "rope -0.01 must be >= 0"),
        (lambda d: _relative_objective(1)(d).update(rope="small"), "is not a number"),
        (
            lambda d: _relative_objective(0)(d).update(metric="resample/synthetic_ratio"),
            "has no better direction",
        ),
        (
            lambda d: _relative_objective(0)(d).update(metric="test/pr_acu"),
            r"not a metric of the catalog \(did you mean 'test/pr_auc'\?\)",
        ),
        (
            lambda d: _relative_objective(0)(d).update(metric="noise/minority_label_noise"),
            "renamed to 'data/minority_overlap'",
        ),
        (
            lambda d: _relative_objective(0)(d).update(applies_to=["adasyn", "none"]),
            "names the reference strategy 'none'",
        ),
        (lambda d: _relative_objective(0)(d).update(applies_to=[]), "is an empty list"),
        (lambda d: _relative_objective(1)(d).update(name="ni"), r"\['ni'\] are not unique"),
        (
            lambda d: d.update(objectives=[{**VALID["objectives"][0], "name": "sup"}]),
            "not unique",
        ),
        (lambda d: d.update(relative=None), "relative must be a mapping"),
        (
            lambda d: d.update(warnings=[{"metric": "data/label_issues", "op": "<="}]),
            r"warnings\[0\] is missing 'threshold'",
        ),
        (
            lambda d: d.update(
                warnings=[{"metric": "data/label_issues", "op": "<=", "thresold": 0.1}]
            ),
            r"warnings\[0\]: unknown key 'thresold'",
        ),
        (
            lambda d: d.update(
                warnings=[{"metric": "noise/minority_label_noise", "op": "<", "threshold": 0.02}]
            ),
            r"warnings\[0\], metric 'noise/minority_label_noise' was renamed",
        ),
        (lambda d: d.update(warnings=[]), "'warnings' is an empty list"),
        (lambda d: d.update(warnigns=[]), r"unknown key 'warnigns' \(did you mean 'warnings'\?\)"),
    ],
)
def test_a_malformed_relative_or_warning_section_is_refused_naming_it(mutate, message):
    raw = copy.deepcopy(RELATIVE)
    mutate(raw)
    with pytest.raises(ConfigError, match=message):
        parse_slo_set(raw, source="relative.yaml")


def test_warnings_alone_gate_nothing_and_are_refused():
    raw = {"warnings": [{"metric": "data/label_issues", "op": "<=", "threshold": 0.1}]}
    with pytest.raises(ConfigError, match=r"missing 'objectives' \(or 'fairness', 'relative'\)"):
        parse_slo_set(raw)


def test_the_shipped_label_noise_objective_is_gone_and_its_old_key_is_refused():
    for name in available_slo_sets():
        slo = load_slo_set(name)
        keys = [o.metric for o in (*slo.objectives, *slo.fairness, *slo.warnings)]
        assert "noise/minority_label_noise" not in keys


# -- monitoring: the label supply ------------------------------------------------------------

SERVING = {
    "minority_recall_objective": 0.8,
    "burn_rate_alerts": [
        {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 2}
    ],
}


def _with_monitoring(monitoring, serving=SERVING):
    raw = copy.deepcopy(VALID)
    if serving is not None:
        raw["serving"] = copy.deepcopy(serving)
    raw["monitoring"] = monitoring
    return raw


def test_the_label_supply_is_read_with_its_detection_target():
    labels = {"minority_per_hour": 50, "delay": "1h", "detect": {"drop": 0.1, "within": "6h"}}
    slo = parse_slo_set(_with_monitoring({"labels": labels, "alerting": {"for": {"page": "1m"}}}))
    assert (slo.labels.minority_per_hour, slo.labels.delay) == (50.0, "1h")
    assert (slo.labels.detect.drop, slo.labels.detect.within) == (0.1, "6h")
    # The settings sections stay as written for harness.export.monitoring to read strictly.
    assert slo.monitoring == {"alerting": {"for": {"page": "1m"}}}
    assert (
        parse_slo_set(_with_monitoring({"labels": {"minority_per_hour": 5}})).labels.delay == "0s"
    )


@pytest.mark.parametrize("name", ["default", "high_recall"])
def test_the_shipped_quality_sets_state_their_label_supply(name):
    labels = load_slo_set(name).labels
    assert labels.minority_per_hour > 0 and labels.detect is not None


@pytest.mark.parametrize(
    ("monitoring", "serving", "message"),
    [
        ({"lables": {}}, SERVING, r"unknown key 'lables'"),
        ({"labels": {"delay": "1h"}}, SERVING, "missing 'minority_per_hour'"),
        ({"labels": {"minority_per_hour": 0}}, SERVING, "must be positive"),
        ({"labels": {"minority_per_hour": math.nan}}, SERVING, "minority_per_hour"),
        ({"labels": {"minority_per_hour": "50"}}, SERVING, "minority_per_hour"),
        ({"labels": {"minority_per_hour": 50, "delay": "1 hour"}}, SERVING, "not a Prometheus"),
        (
            {"labels": {"minority_per_hour": 50, "detect": {"drop": 0.9, "within": "1h"}}},
            SERVING,
            r"drop 0.9 must be in \(0, 0.8\)",
        ),
        ({"labels": {"minority_per_hour": 50, "detect": {"drop": 0.1}}}, SERVING, "'within'"),
        ({"labels": {"minority_per_hour": 50}}, None, "needs a 'serving' section"),
    ],
)
def test_a_malformed_label_supply_is_refused_naming_the_field(monitoring, serving, message):
    with pytest.raises(ConfigError, match=message):
        parse_slo_set(_with_monitoring(monitoring, serving))
