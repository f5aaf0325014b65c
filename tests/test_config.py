"""The real config composes, and every option of every config group instantiates."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from harness.components.instantiate import instantiate_component
from harness.slo import parse_slo_set

CONF = Path(__file__).resolve().parents[1] / "conf"


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.fixture()
def compose_config():
    def _compose(*overrides: str):
        with initialize_config_dir(str(CONF), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    return _compose


def test_primary_config_is_a_defaults_list(compose_config):
    cfg = compose_config()
    for group in ("dataset", "resampler", "model", "evaluation", "tracking", "export", "slo"):
        assert group in cfg, group


@pytest.mark.parametrize("name", options("resampler"))
def test_every_resampler_instantiates(compose_config, name):
    cfg = compose_config(f"resampler={name}")
    sampler = instantiate_component(cfg.resampler.sampler)
    assert hasattr(sampler, "fit_resample")
    assert cfg.resampler.name == name


#: Models without a class_weight parameter: the class_weight strategy does not apply to them.
WITHOUT_CLASS_WEIGHT = {"knn"}


@pytest.mark.parametrize("name", options("model"))
def test_every_model_builds(compose_config, name):
    from harness.components.models import build_model
    from harness.errors import ConfigError

    cfg = compose_config(f"model={name}")
    if name in WITHOUT_CLASS_WEIGHT:
        with pytest.raises(ConfigError, match="has no class_weight parameter"):
            build_model(cfg.model, class_weight="balanced", random_state=0)
        model = build_model(cfg.model, random_state=0)
    else:
        model = build_model(cfg.model, class_weight="balanced", random_state=0)
    assert hasattr(model, "fit")


@pytest.mark.parametrize("name", [n for n in options("dataset") if n != "table"])
def test_every_builtin_dataset_loads(compose_config, name):
    cfg = compose_config(f"dataset={name}")
    dataset = instantiate_component(cfg.dataset.loader)
    assert dataset.n_rows > 0 and 0 < dataset.y.sum() < dataset.n_rows


@pytest.mark.parametrize("name", options("tracking"))
def test_every_tracking_option_builds_a_tracker(compose_config, tmp_path, name):
    from harness.tracking import make_tracker

    cfg = compose_config(f"tracking={name}", f"paths.root_dir={tmp_path}")
    tracker = make_tracker(cfg.tracking, "config-test")
    assert hasattr(tracker, "safe_log_run_dir")


@pytest.mark.parametrize("name", options("export"))
def test_every_export_option_composes(compose_config, name):
    cfg = compose_config(f"export={name}")
    assert cfg.export.mode in ("none", "textfile", "pushgateway", "http")


@pytest.mark.parametrize("name", options("slo"))
def test_every_slo_set_parses(compose_config, name):
    cfg = compose_config(f"slo={name}")
    slo = parse_slo_set(OmegaConf.to_container(cfg.slo, resolve=True), source=name)
    assert slo.objectives or slo.relative


@pytest.mark.parametrize("name", options("evaluation"))
def test_every_evaluation_option_composes(compose_config, name):
    cfg = compose_config(f"evaluation={name}")
    assert cfg.evaluation.n_splits >= 2


@pytest.mark.parametrize("name", options("experiment"))
def test_every_experiment_composes(compose_config, name):
    cfg = compose_config(f"experiment={name}")
    assert cfg.experiment.name == name
    assert cfg.experiment.grid


def test_disallowed_target_is_refused():
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match="not an allowed component"):
        instantiate_component({"_target_": "os.system", "command": "true"})


@pytest.mark.parametrize("name", options("experiment"))
def test_every_job_of_every_experiment_builds_its_sampler_and_model(tmp_path, name):
    from harness.components.models import build_model
    from harness.runner.experiment import compose_jobs

    overrides = [f"experiment={name}", f"paths.root_dir={tmp_path}"]
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        jobs = compose_jobs(cfg, overrides, tmp_path)
    assert len(jobs) == len({job.name for job in jobs}) > 1
    for job in jobs:
        assert hasattr(instantiate_component(job.cfg.resampler.sampler), "fit_resample")
        assert hasattr(build_model(job.cfg.model, random_state=0), "fit")
