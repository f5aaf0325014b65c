"""Config errors at the boundary: unknown options, wrong types, unsafe names, bad targets."""

import re

import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException

from harness.components.instantiate import instantiate_component
from harness.config_dir import config_groups
from harness.errors import ConfigError
from harness.pipeline.experiment import run_experiment
from harness.runner.config_checks import (
    MAX_COMPOSED_JOBS,
    check_job_config,
    check_run_arguments,
    lists_as_grid_axes,
    sweep_jobs,
)
from harness.runner.experiment import plan_run
from tests.runner.conftest import CONF, compose_config


def test_unknown_group_option_lists_the_valid_ones():
    with pytest.raises(MissingConfigException) as error:
        compose_config("resampler=adasin")
    message = str(error.value)
    assert "adasin" in message
    for option in ("adasyn", "smote", "ros", "class_weight", "none"):
        assert option in message


def test_unknown_key_is_refused():
    with pytest.raises(ConfigCompositionException, match="evaluation.n_split"):
        compose_config("evaluation.n_split=3")


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
    cfg = compose_config(override)
    with pytest.raises(ConfigError, match=message):
        check_job_config(cfg)


def test_an_experiment_with_a_bad_value_fails_before_any_job(tmp_path):
    overrides = [f"paths.root_dir={tmp_path}", "evaluation.n_splits=one", "tracking=none"]
    with pytest.raises(ConfigError, match="n_splits"):
        run_experiment(compose_config(*overrides), output_dir=tmp_path / "x", overrides=overrides)
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
    from harness.components.models import build_model

    cfg = compose_config("model.estimator._target_=os.system")
    with pytest.raises(ConfigError):
        build_model(cfg.model)


# --- A `harness run` command line, checked before Hydra runs anything ---------------------------


def run_args(*args: str) -> None:
    check_run_arguments([*args, "paths.root_dir=/nonexistent/root"], CONF)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config-dir", "/tmp"], "--config-dir is not accepted"),
        (["--config-path", "/tmp"], "--config-path is not accepted"),
        (["--config-name", "other"], "--config-name is not accepted"),
        (["--experimental-rerun", "config.pickle"], "--experimental-rerun is not accepted"),
        (["--shell-completion"], "--shell-completion is not accepted"),
        (["-m", "--cfg", "job"], "--multirun and --cfg cannot be combined"),
    ],
)
def test_flags_that_read_configs_or_pickles_from_elsewhere_are_refused(args, message):
    with pytest.raises(ConfigError, match=message):
        run_args(*args)


@pytest.mark.parametrize(
    "override",
    [
        "+hydra.callbacks.p._target_=pandas.read_pickle",
        "~hydra.callbacks.sweep_summary",
        "hydra.searchpath=[file:///tmp]",
        "hydra.job.chdir=true",
        "hydra.job.env_set.LD_PRELOAD=/tmp/x.so",
        "hydra.output_subdir=null",
        "hydra/sweeper=basic",
        "hydra/job_logging=none",
        "hydra.job_logging.handlers.console.class=os.system",
        "hydra.launcher._target_=os.system",
        "+hydra.launcher.extra=1",
        "hydra.launcher.n_jobs=${oc.env:N_JOBS}",
        "hydra.launcher.backend={_target_:os.system}",
        "+hydra/launcher=ray",
        "resampler@hydra.callbacks.x=adasyn",
        "hydra=default",
    ],
)
def test_hydra_overrides_outside_the_short_list_are_refused(override):
    with pytest.raises(ConfigError, match=re.escape(f"override {override!r} is not accepted")):
        run_args(override)


@pytest.mark.parametrize(
    "overrides",
    [
        ["hydra.run.dir=/nonexistent/run", "hydra.verbose=true"],
        ["hydra/launcher=ray", "hydra.launcher.ray.remote.num_cpus=2"],
        ["-m", "hydra.launcher.n_jobs=1", "hydra.sweep.dir=/x", "hydra.sweep.subdir=a"],
        ["hydra/launcher=basic"],
        ["--cfg", "job", "model.estimator._target_=sklearn.svm.SVC", "~model.estimator.criterion"],
    ],
)
def test_the_allowed_overrides_pass(overrides):
    run_args(*overrides)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["model.estimator._target_=os.system"], "model.estimator._target_ 'os.system' is not"),
        (["+zz=os.system", "resampler.sampler._target_=${zz}"], "'os.system' is not an allowed"),
        (
            ["~resampler.sampler", "+resampler.sampler={_target_:builtins.eval,_args_:[x]}"],
            "resampler.sampler._target_ 'builtins.eval' is not an allowed sampler",
        ),
        (["+tracking.x={_target_:subprocess.run}"], "tracking.x._target_ 'subprocess.run'"),
        (["+resampler.sampler.foo=1"], "ADASYN cannot take these parameters"),
        (["experiment.name=../../../escape"], "experiment.name '../../../escape' is not a safe"),
        (["resampler=adasin"], "Could not find 'resampler/adasin' Available options"),
        (["-m", "resampler=adasyn,smote", "dataset.name=ok,a/b"], "dataset.name 'a/b' is not"),
        (["-m", "model.estimator._target_=a.B,c.D"], "sweeps a _target_"),
        (
            ["-m", "seed=range(0,12)", "evaluation.n_splits=2,1", "resampler=none,ros,smote"],
            "evaluation.n_splits must be",
        ),
    ],
)
def test_the_composed_config_of_every_job_is_checked(args, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        run_args(*args)


def parsed(*overrides: str):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides(list(overrides))


def test_a_small_sweep_is_checked_job_by_job():
    jobs = sweep_jobs(parsed("resampler=adasyn,smote", "dataset=pima,vowel0", "seed=1"))
    assert sorted(jobs) == sorted(
        [f"resampler={r}", f"dataset={d}", "seed=1"]
        for r in ("adasyn", "smote")
        for d in ("pima", "vowel0")
    )


def test_a_large_sweep_has_every_value_checked_once():
    jobs = sweep_jobs(parsed("seed=range(0,40)", "resampler=adasyn,smote,ros"))
    assert MAX_COMPOSED_JOBS < 40 * 3
    assert len(jobs) == 1 + 39 + 2
    values = {override for job in jobs for override in job}
    assert values == {f"seed={s}" for s in range(40)} | {
        f"resampler={r}" for r in ("adasyn", "smote", "ros")
    }


def test_a_sweep_that_is_not_a_list_is_refused():
    with pytest.raises(ConfigError, match="is not a list of values"):
        sweep_jobs(parsed("seed=interval(0,1)"))


GROUPS = {"resampler": ["adasyn", "none", "smote"], "dataset": ["pima", "vowel0"]}


@pytest.mark.parametrize(
    ("arg", "multirun", "expected"),
    [
        ("resampler=[none,adasyn]", False, "++experiment.grid.resampler=[none,adasyn]"),
        ("resampler=[none, adasyn]", True, "++experiment.grid.resampler=[none,adasyn]"),
        ("resampler=none,adasyn", False, "++experiment.grid.resampler=[none,adasyn]"),
        ("seed=[0,1,2]", False, "++experiment.grid.seed=[0,1,2]"),
        ("seed=0,1", False, "++experiment.grid.seed=[0,1]"),
        # With -m the comma form stays a sweep; other keys and single options stay as they are.
        ("resampler=none,adasyn", True, "resampler=none,adasyn"),
        ("resampler=adasyn", False, "resampler=adasyn"),
        ("dataset.loader.categorical=[a,b]", False, "dataset.loader.categorical=[a,b]"),
        ("-m", True, "-m"),
    ],
)  # fmt: skip
def test_a_list_for_a_config_group_becomes_its_grid_axis(arg, multirun, expected):
    assert lists_as_grid_axes([arg], GROUPS, multirun=multirun) == [expected]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("resampler=[none,adasin]", "did you mean resampler=adasyn?"),
        ("resampler=choice(none,smote)", "must be plain names, e.g. resampler=[a,b]"),
        ("resampler=[]", "must be plain names"),
    ],
)
def test_a_list_that_cannot_be_a_grid_axis_names_the_form_that_works(arg, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        lists_as_grid_axes([arg], GROUPS, multirun=False)


def test_the_grid_axis_from_the_command_line_gives_one_job_per_option():
    groups = config_groups()
    args = lists_as_grid_axes(["resampler=[none,smote]", "seed=0,1"], groups, multirun=False)
    cfg, jobs = plan_run(args)
    assert sorted((str(j.cfg.resampler.name), int(j.cfg.seed)) for j in jobs) == [
        ("none", 0), ("none", 1), ("smote", 0), ("smote", 1),
    ]  # fmt: skip
    # Each job composed from its own option alone: nothing of the other merged in.
    smote = next(j for j in jobs if j.cfg.resampler.name == "smote")
    assert str(smote.cfg.resampler.sampler._target_) == "harness.resample.SMOTE"
    assert "beta" not in smote.cfg.resampler.sampler
