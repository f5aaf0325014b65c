"""Every conf/dataset file instantiates to a Dataset; load_dataset accepts each reference form."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from harness.components.datasets import load_dataset
from harness.data import Dataset, builtin_names
from harness.errors import ConfigError

CONF_DIR = Path(__file__).resolve().parents[2] / "conf" / "dataset"
BUILTIN_FILES = sorted(p for p in CONF_DIR.glob("*.yaml") if p.stem != "table")


def test_one_config_file_per_builtin():
    assert {p.stem for p in BUILTIN_FILES} == set(builtin_names())


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_builtin_config_instantiates(path):
    cfg = OmegaConf.load(path)
    dataset = instantiate(cfg.loader)
    assert isinstance(dataset, Dataset)
    assert dataset.name == cfg.name == path.stem
    assert load_dataset(cfg).digest == dataset.digest


@pytest.fixture
def table_file(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=40),
            "x2": rng.normal(size=40),
            "group": np.tile(["a", "b"], 20),
            "label": [True] * 10 + [False] * 30,
        }
    )
    path = tmp_path / "mine.parquet"
    frame.to_parquet(path)
    return path


def test_table_config_requires_path_and_target():
    cfg = OmegaConf.load(CONF_DIR / "table.yaml")
    assert OmegaConf.is_missing(cfg.loader, "path")
    assert OmegaConf.is_missing(cfg.loader, "target")


def test_table_config_instantiates_once_filled(table_file):
    cfg = OmegaConf.load(CONF_DIR / "table.yaml")
    cfg.name = "mine"
    cfg.loader.path = str(table_file)
    cfg.loader.target = "label"
    cfg.loader.positive_label = "true"
    cfg.loader.categorical = ["group"]
    cfg.loader.sensitive = ["group"]
    dataset = instantiate(cfg.loader)
    assert dataset.name == "mine"
    assert dataset.n_minority == 10
    assert dataset.categorical == ["group"]
    assert list(dataset.sensitive.columns) == ["group"]
    assert load_dataset(cfg).digest == dataset.digest


def test_load_dataset_by_name_and_by_loader_mapping():
    by_name = load_dataset("vowel0")
    by_loader = load_dataset({"_target_": "harness.data.load_builtin", "name": "vowel0"})
    assert by_name.digest == by_loader.digest


def test_load_dataset_refuses_other_targets():
    with pytest.raises(ConfigError, match="not allowed; use one of"):
        load_dataset({"name": "x", "loader": {"_target_": "os.system", "command": "true"}})


def test_load_dataset_refuses_config_without_loader():
    with pytest.raises(ConfigError, match="no loader with a _target_"):
        load_dataset({"name": "pima"})


def test_load_dataset_unknown_name():
    with pytest.raises(ConfigError, match="unknown built-in data set"):
        load_dataset("no_such_set")


def test_composed_table_config_takes_the_group_name(table_file):
    from hydra import compose, initialize_config_dir

    overrides = [
        "+dataset=table",
        "dataset.name=mine",
        f"dataset.loader.path={table_file}",
        "dataset.loader.target=label",
        "dataset.loader.positive_label=true",
        "dataset.loader.categorical=[group]",
    ]
    with initialize_config_dir(config_dir=str(CONF_DIR.parent), version_base="1.3"):
        cfg = compose(overrides=overrides)
    dataset = instantiate(cfg.dataset.loader)
    assert dataset.name == "mine"
    assert dataset.positive_label is True or dataset.positive_label == np.True_
