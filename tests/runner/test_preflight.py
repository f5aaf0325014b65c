"""Every job's data set, sampler and model, checked once before the first job starts."""

import re

import numpy as np
import pandas as pd
import pytest

from harness.errors import ConfigError, InputDataError
from harness.runner.config_checks import check_run_arguments
from harness.runner.preflight import (
    check_components,
    check_datasets,
    check_jobs_before_running,
    run_jobs_of,
)
from tests.runner.conftest import CONF, FAST


def checked(tmp_path, *args):
    """The configs ``harness run ARGS`` would run, as check_run_arguments composes them."""
    return check_run_arguments([*args, *FAST, f"paths.root_dir={tmp_path}"], CONF)


def churn_csv(tmp_path, **columns):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame(
        {
            "tenure": rng.normal(size=n),
            "plan": rng.choice(["basic", "pro"], n),
            "gender": np.tile(["female", "male"], n // 2),
            "churned": ["yes"] * 20 + ["no"] * (n - 20),
        }
    )
    path = tmp_path / "churn.csv"
    frame.assign(**columns).to_csv(path, index=False)
    return path


def table_args(path, *more):
    return (
        "dataset=table", "dataset.name=churn", f"dataset.loader.path={path}",
        "dataset.loader.target=churned", "dataset.loader.positive_label=yes",
        "dataset.loader.categorical=[plan]", *more,
    )  # fmt: skip


def test_a_grid_on_one_data_set_loads_it_once(tmp_path):
    jobs = run_jobs_of(checked(tmp_path, "experiment=quick"))
    assert sorted(str(job.cfg.resampler.name) for job in jobs) == [
        "adasyn", "class_weight", "none", "ros", "smote",
    ]  # fmt: skip
    assert check_datasets(jobs) == 1


def test_a_sweep_over_data_sets_loads_each_once(tmp_path):
    configs = checked(tmp_path, "-m", "experiment=quick", "dataset=pima,vowel0")
    assert len(configs) == 2
    assert check_datasets(run_jobs_of(configs)) == 2


def test_a_table_that_fails_its_checks_is_one_error_before_any_job(tmp_path):
    path = churn_csv(tmp_path)
    configs = checked(tmp_path, "experiment=quick", *table_args(path, "dataset.loader.target=y"))
    with pytest.raises(InputDataError, match="^no job started: data set 'churn': target column"):
        check_jobs_before_running(configs)
    assert not (tmp_path / "outputs").exists()


def test_the_readme_example_with_a_text_sensitive_column_passes(tmp_path):
    path = churn_csv(tmp_path)
    configs = checked(tmp_path, *table_args(path, "dataset.loader.sensitive=[gender]"))
    assert len(check_jobs_before_running(configs)) == 1


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("resampler.sampler.beta=abc", "resampler.sampler (resampler=adasyn): The 'beta' param"),
        ("resampler.sampler.n_neighbors=0", "The 'n_neighbors' parameter of ADASYN must be"),
        ("+model.estimator.max_depth=-3", "model.estimator (model=decision_tree): The 'max_depth'"),
        ("model.estimator.criterion=gini2", "The 'criterion' parameter of DecisionTreeClassifier"),
    ],
)  # fmt: skip
def test_a_parameter_its_component_refuses_is_named_before_any_job(tmp_path, override, message):
    jobs = run_jobs_of(checked(tmp_path, override))
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_components(jobs)


def test_every_point_of_a_grid_is_checked(tmp_path):
    # Only the second point of the grid sets a value its sampler refuses.
    grid = "[{resampler:adasyn},{resampler:smote,resampler.sampler.k_neighbors:0}]"
    jobs = run_jobs_of(checked(tmp_path, f"++experiment.grid.resampler={grid}"))
    with pytest.raises(ConfigError, match=r"resampler=smote\): The 'k_neighbors' parameter"):
        check_components(jobs)


def test_a_grid_option_that_does_not_exist_is_one_config_error(tmp_path):
    configs = checked(tmp_path, "experiment=quick", "experiment.grid.resampler=[none,adasin]")
    with pytest.raises(ConfigError, match="experiment.grid does not compose: .*'resampler/adasin'"):
        run_jobs_of(configs)
