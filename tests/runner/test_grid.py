"""Job configs built from the grid's options equal the configs Hydra composes job by job."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from harness.config_dir import config_dir
from harness.errors import ConfigError
from harness.runner.grid import GridComposer, grid_overrides, not_applicable_cells, without_hydra

CONF_DIR = config_dir()

EXPERIMENTS = sorted(p.stem for p in (Path(CONF_DIR) / "experiment").glob("*.yaml"))
#: Overrides that keep a large grid to a slice composing one by one takes seconds, not minutes:
#: the benchmark on a plain set and a set under the small-minority rule (its K and folds come
#: from the data set's config by interpolation).
SLICES = {
    "benchmark": ["experiment.grid.dataset=[pima,glass_0_4_vs_5]", "experiment.grid.model=[knn]"]
}


def _composed_one_by_one(overrides, combos):
    return [
        without_hydra(compose(config_name="config", overrides=overrides + combo))
        for combo in combos
    ]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_shipped_experiment_gets_the_configs_hydra_composes(experiment):
    overrides = [
        f"experiment={experiment}",
        "+experiment.grid.seed=[3]",
        *SLICES.get(experiment, []),
    ]
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        combos = grid_overrides(cfg, overrides)
        composer = GridComposer(cfg, overrides)
        fast = [composer.config(combo) for combo in combos]
        slow = _composed_one_by_one(overrides, combos)
    assert len(combos) > 1
    for combo, got, expected in zip(combos, fast, slow, strict=True):
        assert OmegaConf.to_container(got) == OmegaConf.to_container(expected), combo
    options = {o for combo in combos for o in combo if not o.startswith(("seed=", "resampler."))}
    assert composer.composed <= len(options)  # once per group option, not once per job


def test_a_grid_of_many_jobs_composes_once_per_option():
    overrides = ["experiment=quick", "+experiment.grid.dataset=[pima,yeast4]"]
    overrides.append("+experiment.grid.seed=[0,1,2]")
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        composer = GridComposer(cfg, overrides)
        configs = [composer.config(combo) for combo in grid_overrides(cfg, overrides)]
    assert len(configs) == 2 * 5 * 3
    assert composer.composed == 2 + 5
    assert sorted({(c.dataset.name, c.resampler.name, c.seed) for c in configs}) == sorted(
        (d, r, s)
        for d in ("pima", "yeast4")
        for r in ("none", "class_weight", "ros", "smote", "adasyn")
        for s in (0, 1, 2)
    )


def test_an_option_that_changes_other_groups_is_composed_in_full():
    # experiment=... sets other groups through its defaults list: it cannot be swapped in.
    overrides = ["experiment=quick"]
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        composer = GridComposer(cfg, overrides)
        got = composer.config(["experiment=cost_quality", "seed=2"])
        expected = without_hydra(
            compose(config_name="config", overrides=["experiment=cost_quality", "seed=2"])
        )
    assert OmegaConf.to_container(got) == OmegaConf.to_container(expected)


def test_a_primary_config_changed_after_composing_falls_back_to_hydra():
    overrides = ["experiment=quick"]
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        cfg.evaluation.n_splits = 3  # not what the overrides compose to
        composer = GridComposer(cfg, overrides)
        got = composer.config(["resampler=smote"])
    assert got.evaluation.n_splits == 5  # the override list decides, as Hydra composes it
    assert composer.composed == 2


def test_a_value_override_of_an_unknown_key_is_refused_as_hydra_refuses_it():
    from hydra.errors import ConfigCompositionException

    overrides = ["experiment=quick"]
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        with pytest.raises(ConfigCompositionException, match="no_such_key"):
            GridComposer(cfg, overrides).config(["resampler=smote", "evaluation.no_such_key=1"])


def _benchmark_config(*overrides):
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=["experiment=benchmark", *overrides])


def test_not_applicable_cells_are_left_out_of_the_grid():
    overrides = ["experiment.grid.dataset=[pima]"]
    combos = grid_overrides(_benchmark_config(*overrides), overrides)
    knn = [c for c in combos if "model=knn" in c]
    assert len(knn) == 6 and not any("resampler=class_weight" in c for c in knn)
    assert len(combos) == 4 * 7 - 1
    assert not_applicable_cells(_benchmark_config()) == [
        {
            "when": {"model": "knn", "resampler": "class_weight"},
            "reason": "KNeighborsClassifier has no class_weight parameter",
        }
    ]


def test_a_cell_fixed_on_the_command_line_is_still_not_applicable():
    overrides = ["model=knn", "experiment.grid.dataset=[pima]"]
    combos = grid_overrides(_benchmark_config(*overrides), overrides)
    assert len(combos) == 6
    assert not any("resampler=class_weight" in c for c in combos)


@pytest.mark.parametrize(
    "entry, problem",
    [
        ("[{model: knn}]", "needs a reason"),
        ("[{reason: because}]", "names no option"),
        ("[knn]", "needs a reason"),
    ],
)
def test_a_bad_not_applicable_entry_is_refused(entry, problem):
    cfg = _benchmark_config(f"experiment.not_applicable={entry}")
    with pytest.raises(ConfigError, match=problem):
        grid_overrides(cfg, [])


def test_a_run_made_only_of_not_applicable_cells_is_refused():
    overrides = ["model=knn", "resampler=class_weight", "experiment.grid.dataset=[pima]"]
    with pytest.raises(ConfigError, match="KNeighborsClassifier has no class_weight"):
        grid_overrides(_benchmark_config(*overrides), overrides)
