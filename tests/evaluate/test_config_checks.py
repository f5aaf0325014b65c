"""Config errors at the boundary: unknown options, wrong types, unsafe names, bad targets."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException, MissingConfigException

from harness.errors import ConfigError
from harness.evaluate.config_checks import check_job_config
from harness.evaluate.experiment import run_experiment
from harness.instantiate import instantiate_component

CONF = Path(__file__).resolve().parents[2] / "conf"


def compose_with(*overrides):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_unknown_group_option_lists_the_valid_ones():
    with pytest.raises(MissingConfigException) as error:
        compose_with("resampler=adasin")
    message = str(error.value)
    assert "adasin" in message
    for option in ("adasyn", "smote", "ros", "class_weight", "none"):
        assert option in message


def test_unknown_key_is_refused():
    with pytest.raises(ConfigCompositionException, match="evaluation.n_split"):
        compose_with("evaluation.n_split=3")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("evaluation.n_splits=abc", "evaluation.n_splits must be an integer >= 2"),
        ("evaluation.n_splits=1", "evaluation.n_splits must be an integer >= 2"),
        ("evaluation.n_repeats=0", "evaluation.n_repeats must be an integer >= 1"),
        ("evaluation.track_memory=maybe", "evaluation.track_memory must be true or false"),
        ("evaluation.lineage=some", "evaluation.lineage must be one of"),
        ("seed=-1", "seed must be an integer >= 0"),
        ("resume=yes", "resume must be true or false"),
        ("dataset.name=../../etc", "is not a safe name"),
        ("experiment.name=a/b", "is not a safe name"),
    ],
)
def test_wrong_types_and_unsafe_names_are_refused(override, message):
    cfg = compose_with(override)
    with pytest.raises(ConfigError, match=message):
        check_job_config(cfg)


def test_an_experiment_with_a_bad_value_fails_before_any_job(tmp_path):
    overrides = [f"paths.root_dir={tmp_path}", "evaluation.n_splits=one", "tracking=none"]
    with pytest.raises(ConfigError, match="n_splits"):
        run_experiment(compose_with(*overrides), output_dir=tmp_path / "x", overrides=overrides)
    assert not (tmp_path / "x" / "jobs").exists()


@pytest.mark.parametrize(
    "target", ["os.system", "subprocess.run", "builtins.eval", "sklearn.utils.Bunch"]
)
def test_targets_outside_the_allow_list_are_refused(target):
    with pytest.raises(ConfigError, match="not an allowed component"):
        instantiate_component({"_target_": target})


def test_a_disallowed_target_nested_in_an_allowed_one_is_refused():
    cfg = {"_target_": "harness.resample.SMOTE", "k_neighbors": {"_target_": "os.getcwd"}}
    with pytest.raises(ConfigError, match="os.getcwd"):
        instantiate_component(cfg)


def test_a_disallowed_model_estimator_is_refused():
    from harness.models import build_model

    cfg = compose_with("model.estimator._target_=os.system")
    with pytest.raises(ConfigError):
        build_model(cfg.model)
