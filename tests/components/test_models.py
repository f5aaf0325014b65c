"""Model configs build allow-listed classifiers with class weights and seeds wired in."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn.base import ClassifierMixin, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.preprocessing import StandardScaler

from harness.components.models import ALLOWED_ESTIMATORS, build_model, model_name
from harness.components.policy import ESTIMATOR_ROLES, check_target
from harness.data import load_builtin
from harness.errors import ConfigError

CONF_DIR = Path(__file__).resolve().parents[2] / "conf" / "model"
MODEL_FILES = sorted(CONF_DIR.glob("*.yaml"))


def test_the_four_models_are_configured():
    assert {p.stem for p in MODEL_FILES} >= {
        "logistic_regression",
        "decision_tree",
        "random_forest",
        "hist_gradient_boosting",
        "knn",
    }


#: Models without a class_weight parameter: the class_weight strategy does not apply to them.
WITHOUT_CLASS_WEIGHT = {"knn"}


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_config_builds_and_fits_without_warnings(path):
    cfg = OmegaConf.load(path)
    assert cfg.name == path.stem == model_name(cfg)
    estimator_class = check_target(
        cfg.estimator._target_, key="model.estimator._target_", roles=ESTIMATOR_ROLES
    )
    assert any(estimator_class is allowed for allowed in ALLOWED_ESTIMATORS)
    model = build_model(cfg, random_state=0)
    assert is_classifier(model) and isinstance(model, ClassifierMixin)
    pima = load_builtin("pima")
    X = StandardScaler().fit_transform(pima.X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, pima.y)
    assert set(model.predict(X)) == {0, 1}


@pytest.mark.parametrize(
    "path", [p for p in MODEL_FILES if p.stem not in WITHOUT_CLASS_WEIGHT], ids=lambda p: p.stem
)
def test_class_weight_and_seed_are_wired(path):
    cfg = OmegaConf.load(path)
    plain = build_model(cfg)
    weighted = build_model(cfg, class_weight="balanced", random_state=7)
    assert plain.get_params()["class_weight"] is None
    assert weighted.get_params()["class_weight"] == "balanced"
    assert weighted.get_params()["random_state"] == 7


@pytest.mark.parametrize("name", sorted(WITHOUT_CLASS_WEIGHT))
def test_a_model_without_class_weight_refuses_it_by_name(name):
    cfg = OmegaConf.load(CONF_DIR / f"{name}.yaml")
    with pytest.raises(ConfigError, match="has no class_weight parameter"):
        build_model(cfg, class_weight="balanced")


def test_knn_scores_are_vote_shares():
    cfg = OmegaConf.load(CONF_DIR / "knn.yaml")
    pima = load_builtin("pima")
    X = StandardScaler().fit_transform(pima.X)
    scores = build_model(cfg).fit(X, pima.y).predict_proba(X)[:, 1]
    assert set(np.unique(scores)) <= {i / cfg.estimator.n_neighbors for i in range(6)}


def test_balanced_weights_raise_minority_recall():
    dataset = load_builtin("yeast4")
    X = StandardScaler().fit_transform(dataset.X)
    cfg = OmegaConf.load(CONF_DIR / "logistic_regression.yaml")
    recall = {
        weight: recall_score(dataset.y, build_model(cfg, class_weight=weight).fit(X, dataset.y)
                             .predict(X))
        for weight in (None, "balanced")
    }  # fmt: skip
    assert recall["balanced"] > recall[None] + 0.2


def test_arguments_override_config_values():
    cfg = {
        "name": "tree",
        "estimator": {
            "_target_": "sklearn.tree.DecisionTreeClassifier",
            "class_weight": {0: 1, 1: 3},
            "random_state": 1,
            "max_depth": 3,
        },
    }
    assert build_model(cfg).get_params()["class_weight"] == {0: 1, 1: 3}
    model = build_model(cfg, class_weight="balanced", random_state=5)
    params = model.get_params()
    assert (params["class_weight"], params["random_state"], params["max_depth"]) == (
        "balanced",
        5,
        3,
    )


def test_seed_is_ignored_by_estimators_without_randomness():
    model = build_model(
        {"estimator": {"_target_": "sklearn.naive_bayes.GaussianNB"}}, random_state=3
    )
    assert "random_state" not in model.get_params()


def test_class_weight_refused_when_estimator_lacks_it():
    cfg = {"name": "nb", "estimator": {"_target_": "sklearn.naive_bayes.GaussianNB"}}
    with pytest.raises(ConfigError, match="'nb'.*has no class_weight parameter.*pick a model"):
        build_model(cfg, class_weight="balanced")


@pytest.mark.parametrize(
    "target",
    ["os.system", "sklearn.linear_model.LinearRegression", "xgboost.XGBClassifier"],
)
def test_targets_outside_allow_list_are_refused(target):
    with pytest.raises(ConfigError, match="not an allowed estimator; use one of .*LogisticRegr"):
        build_model({"name": "x", "estimator": {"_target_": target}})


def test_nested_targets_are_checked():
    cfg = {
        "name": "x",
        "estimator": {
            "_target_": "sklearn.tree.DecisionTreeClassifier",
            "max_depth": {"_target_": "builtins.eval", "_args_": ["3"]},
        },
    }
    with pytest.raises(ConfigError, match="'builtins.eval' is not an allowed component"):
        build_model(cfg)


def test_config_without_estimator_is_refused():
    with pytest.raises(ConfigError, match="no estimator._target_"):
        build_model({"name": "x"})


def test_model_name_falls_back_to_class_name():
    assert model_name({"estimator": {"_target_": "sklearn.svm.LinearSVC"}}) == "linear_svc"
    assert (
        model_name({"estimator": {"_target_": "sklearn.tree.DecisionTreeClassifier"}})
        == "decision_tree_classifier"
    )
    assert model_name({"name": "m", "estimator": {}}) == "m"


def test_composed_model_group_builds():
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONF_DIR.parent), version_base="1.3"):
        cfg = compose(overrides=["+model=random_forest"])
    model = build_model(cfg.model, class_weight="balanced", random_state=0)
    assert model.get_params()["n_jobs"] == 1
    assert model.get_params()["class_weight"] == "balanced"
