"""A job's components are checked and instantiated once, and every fold gets a seeded copy."""

import pytest
from hydra import compose, initialize_config_dir
from sklearn.base import clone

import harness.components.job as job_module
from harness.components.job import JobComponents, strategy_of
from harness.config_dir import config_dir
from harness.data import load_builtin


def _config(*overrides):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_the_sampler_and_the_model_are_instantiated_once(monkeypatch):
    calls = []
    real = job_module.instantiate_component
    monkeypatch.setattr(
        job_module, "instantiate_component", lambda cfg, **kw: calls.append(1) or real(cfg, **kw)
    )
    components = JobComponents.build(_config("resampler=adasyn", "seed=3"))
    copies = [components.sampler_copy(seed) for seed in range(5)]
    models = [components.model_copy(seed) for seed in range(5)]
    assert len(calls) == 1
    assert [c.random_state for c in copies] == list(range(5))
    assert [m.random_state for m in models] == list(range(5))
    assert components.strategy == "adasyn" and components.seed == 3
    assert all(c is not components.sampler for c in copies)


def test_class_weight_reaches_the_model():
    components = JobComponents.build(_config("resampler=class_weight"))
    assert components.model_copy(0).get_params()["class_weight"] == "balanced"


def test_a_copy_is_unfitted_and_equal_in_parameters():
    components = JobComponents.build(_config("resampler=smote", "model=logistic_regression"))
    copy = components.model_copy(7)
    assert clone(copy).get_params() == copy.get_params()
    assert not hasattr(copy, "coef_")


def test_the_pipeline_fits_and_predicts_like_a_saved_model():
    dataset = load_builtin("pima")
    components = JobComponents.build(_config("resampler=decision_threshold"))
    pipeline = components.pipeline(dataset, 0).fit(dataset.X, dataset.y)
    assert set(pipeline.predict(dataset.X.head(20))) <= {0, 1}
    from sklearn.model_selection import TunedThresholdClassifierCV

    from harness.resample.threshold_tuning import ThresholdTunedClassifier

    model = pipeline.named_steps["model"]
    assert isinstance(model, ThresholdTunedClassifier)
    assert isinstance(model, TunedThresholdClassifierCV)


def test_a_sampler_that_cannot_be_built_has_no_strategy():
    cfg = _config()
    cfg.resampler.sampler.n_neighbors = "many"
    assert strategy_of(_config("resampler=ros")) == "ros"
    with pytest.raises(Exception):  # noqa: B017 -- the job records whatever the sampler raised
        JobComponents.build(cfg).sampler.fit_resample(
            load_builtin("pima").X.to_numpy(), load_builtin("pima").y
        )
