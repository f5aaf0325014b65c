"""Build scikit-learn classifiers from ``conf/model`` configs, with class-weight wiring."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, OmegaConf
from sklearn.base import ClassifierMixin

from harness.components.instantiate import instantiate_component
from harness.components.policy import ESTIMATOR_ROLES, estimator_classes
from harness.errors import ConfigError

#: The estimator classes of the allow-set (:mod:`harness.components.policy`).
ALLOWED_ESTIMATORS = estimator_classes()


def _as_dict(model_cfg: Mapping[str, Any] | DictConfig) -> dict[str, Any]:
    if isinstance(model_cfg, DictConfig):
        return OmegaConf.to_container(model_cfg, resolve=True)  # type: ignore[return-value]
    if isinstance(model_cfg, Mapping):
        return dict(model_cfg)
    raise ConfigError(
        f"a model config must be a mapping, got {type(model_cfg).__name__}; use the shape of "
        "conf/model/decision_tree.yaml (name, estimator._target_)."
    )


def model_name(model_cfg: Mapping[str, Any] | DictConfig) -> str:
    """Return the model's name (the ``model`` label in MLflow and Prometheus).

    Falls back to the estimator class name in snake case when the config has no ``name``.
    """
    cfg = _as_dict(model_cfg)
    if cfg.get("name"):
        return str(cfg["name"])
    target = str(cfg.get("estimator", {}).get("_target_", "model")).rsplit(".", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", target).lower()


def build_model(
    model_cfg: Mapping[str, Any] | DictConfig,
    *,
    class_weight: str | dict | None = None,
    random_state: int | None = None,
) -> ClassifierMixin:
    """Instantiate the classifier of a ``conf/model`` config.

    Parameters
    ----------
    model_cfg : mapping or DictConfig
        ``{"name": ..., "estimator": {"_target_": "sklearn....", **params}}``. The ``_target_``
        must name an estimator of the allow-set (:func:`harness.components.policy.allowed_objects`).
    class_weight : {"balanced"} or dict, optional
        Set on the estimator when given (the ``class_weight`` strategy passes ``"balanced"``);
        overrides a value in the config.
    random_state : int, optional
        Set when the estimator has a ``random_state`` parameter (the run's seed); overrides a
        value in the config. Estimators without randomness ignore it.

    Returns
    -------
    ClassifierMixin
        An unfitted scikit-learn classifier.

    Raises
    ------
    ConfigError
        No ``estimator._target_``, a ``_target_`` outside the allow-set, parameters the
        estimator does not take, or ``class_weight`` asked of an estimator that has no such
        parameter.
    """
    cfg = _as_dict(model_cfg)
    estimator_cfg = cfg.get("estimator")
    if not isinstance(estimator_cfg, Mapping) or "_target_" not in estimator_cfg:
        raise ConfigError(
            f"model config {cfg!r} has no estimator._target_; use the shape of "
            "conf/model/decision_tree.yaml (name, estimator._target_)."
        )
    estimator = instantiate_component(
        estimator_cfg, key="model.estimator", roles=ESTIMATOR_ROLES, _convert_="all"
    )
    accepted = estimator.get_params(deep=False)
    overrides: dict[str, Any] = {}
    if class_weight is not None:
        if "class_weight" not in accepted:
            raise ConfigError(
                f"model {model_name(cfg)!r} ({estimator_cfg['_target_']}) has no class_weight "
                "parameter, so the class_weight strategy cannot apply to it; pick a model that "
                "accepts class weights (e.g. logistic_regression, decision_tree, random_forest, "
                "hist_gradient_boosting) or another resampler."
            )
        overrides["class_weight"] = class_weight
    if random_state is not None and "random_state" in accepted:
        overrides["random_state"] = int(random_state)
    return estimator.set_params(**overrides)
