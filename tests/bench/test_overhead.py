"""The overhead benchmark: the bare loop does the harness's per-fold work on the same folds."""

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold

from harness.bench import overhead
from harness.bench.worker import run_overhead
from harness.data import load_builtin
from harness.evaluate.protocol import fold_splits

TINY = {"kind": "overhead", "strategies": ["none", "smote"], "n_splits": 2, "n_repeats": 1}


def test_the_bare_loop_uses_the_harness_folds():
    y = np.asarray(load_builtin("pima").y)
    harness_folds = fold_splits(y, n_splits=5, n_repeats=2, seed=overhead.SEED)
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=overhead.SEED)
    for (_, _, train, test), (bare_train, bare_test) in zip(
        harness_folds, splitter.split(np.zeros(len(y)), y), strict=True
    ):
        np.testing.assert_array_equal(train, bare_train)
        np.testing.assert_array_equal(test, bare_test)


def test_the_bare_loop_computes_every_per_fold_quantity(monkeypatch):
    computed = []
    import harness.metrics as metrics

    for name in (
        "minority_slis",
        "train_test_gap",
        "synthetic_ratio",
        "synthetic_distance_stats",
        "neighbor_distance_stats",
        "minority_label_noise",
    ):
        original = getattr(metrics, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            computed.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(metrics, name, spy)
    result = overhead.run_bare_loop(overhead.AblationPlan(("none", "smote"), 2, 1))
    assert result == {"jobs": 2, "failed": 0, "folds": 4}
    per_fold_and_strategy = 4
    assert computed.count("minority_slis") == 2 * per_fold_and_strategy  # test and train rows
    for name in ("train_test_gap", "synthetic_ratio", "synthetic_distance_stats"):
        assert computed.count(name) == per_fold_and_strategy
    # Strategy-independent: once per fold, as the harness computes them through its cache.
    assert computed.count("neighbor_distance_stats") == 2
    assert computed.count("minority_label_noise") == 2


def test_the_store_is_created_and_timed_on_its_own(tmp_path):
    timing = run_overhead({**TINY, "variant": "store", "root": str(tmp_path)})
    assert set(timing) == {"import_seconds", "store_seconds"}
    assert timing["store_seconds"] > 0
    assert (tmp_path / "mlflow.db").is_file()


def test_a_prepared_store_is_reported_not_hidden(tmp_path):
    result = run_overhead(
        {**TINY, "variant": "harness", "root": str(tmp_path), "store": "prepared"}
    )
    assert result["failed"] == 0
    assert result["store"] == "prepared"
    assert result["store_setup"]["store_seconds"] > 0


def test_sweep_profile_turns_per_job_outputs_off(tmp_path):
    from hydra import compose, initialize_config_dir

    from harness.config_dir import config_dir

    CONF_DIR = config_dir()

    plan = overhead.AblationPlan(strategies=("none",), n_splits=2, n_repeats=1)
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(
            config_name="config", overrides=overhead.harness_overrides(tmp_path, plan, "sweep")
        )
    assert cfg.evaluation.save_model is False
    assert cfg.evaluation.job_report is False
    assert cfg.evaluation.lineage == "none"
    assert cfg.tracking.log_model is False and cfg.tracking.log_fold_metrics is False
    # Both variants fit the same model: the bare loop's entropy tree.
    bare = overhead._bare_tree("none", 0)
    assert cfg.model.estimator._target_ == "sklearn.tree.DecisionTreeClassifier"
    assert cfg.model.estimator.criterion == bare.criterion
    # The plan's own settings still win over the profile's defaults.
    assert cfg.evaluation.n_splits == 2 and cfg.evaluation.n_jobs == 1


def test_the_harness_variant_runs_its_jobs_with_the_profile(tmp_path):
    # The jobs of the run, not only its primary config, get the sweep profile: no per-job
    # report, no saved model (before, the jobs were composed without the bench's overrides).
    plan = overhead.AblationPlan(strategies=("none",), n_splits=2, n_repeats=1, seeds=(0, 1))
    assert overhead.run_through_harness(tmp_path, plan, "sweep") == {"jobs": 2, "failed": 0}
    jobs = sorted((tmp_path / "quick" / "jobs").iterdir())
    assert [job.name.rsplit("__", 1)[-1] for job in jobs] == ["seed0", "seed1"]
    for job in jobs:
        assert (job / "result.json").is_file()
        assert not (job / "report.md").exists() and not (job / "model").exists()


def test_the_bare_loop_runs_every_data_set_strategy_and_seed():
    plan = overhead.AblationPlan(
        strategies=("none", "ros"),
        n_splits=2,
        n_repeats=1,
        datasets=("pima", "yeast4"),
        seeds=(0, 1),
    )
    assert plan.n_jobs == 8
    assert overhead.run_bare_loop(plan) == {"jobs": 8, "failed": 0, "folds": 16}
    assert "8 jobs (2 data sets × 2 strategies × 2 seeds), 2-fold × 1" in plan.describe()
