"""The evaluation settings: one source of defaults, every value checked once."""

import dataclasses

import pytest
import yaml

from harness.config_dir import config_dir
from harness.errors import ConfigError
from harness.evaluate.settings import EvaluationSettings

DEFAULT_PROFILE = config_dir() / "evaluation" / "default.yaml"


def test_the_defaults_are_the_shipped_default_profile():
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text())
    settings = EvaluationSettings.defaults()
    for field in dataclasses.fields(EvaluationSettings):
        assert field.name in profile, f"{field.name} has no default in {DEFAULT_PROFILE}"
        assert getattr(settings, field.name) == profile[field.name]


def test_no_field_carries_a_default_of_its_own():
    # The profile is the one place a default lives; the dataclass must not hold a second one.
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(EvaluationSettings))


def test_changes_are_applied_and_derived_values_follow():
    settings = EvaluationSettings.defaults(n_splits=3, n_repeats=4, lineage="all_folds")
    assert (settings.n_folds, settings.keep_all_lineage) == (12, True)


def test_a_holdout_has_one_fold_per_repeat():
    settings = EvaluationSettings.defaults(folds="holdout", n_splits=5, n_repeats=100)
    assert settings.n_folds == 100


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_splits": 1}, r"evaluation.n_splits must be an integer >= 2"),
        ({"n_repeats": True}, r"evaluation.n_repeats must be an integer >= 1"),
        ({"track_memory": "yes"}, r"evaluation.track_memory must be true or false"),
        ({"folds": "kfold"}, r"evaluation.folds must be one of"),
        ({"test_size": 1.0}, r"evaluation.test_size must be a number in \(0, 1\)"),
        ({"precision_target": 0}, r"evaluation.precision_target must be a number in \(0, 1\)"),
        ({"lineage": "some"}, r"evaluation.lineage must be one of"),
    ],
)
def test_a_bad_value_is_refused_by_name(changes, message):
    with pytest.raises(ConfigError, match=message):
        EvaluationSettings.defaults(**changes)


def test_precision_target_may_be_switched_off():
    assert EvaluationSettings.defaults(precision_target=None).precision_target is None
