"""A job's components, built once from its config: the sampler, the model and their seeds.

The sampler and the model are checked against the allow-set and instantiated once per job;
every fold, inner fit and the saved model take an unfitted, seeded copy (scikit-learn's
``clone``), so the config is never instantiated again inside a job.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig

from harness.components.datasets import load_dataset
from harness.components.instantiate import instantiate_component
from harness.components.models import build_model
from harness.data import Dataset
from harness.resample.registry import strategy_kind


def load_dataset_from_config(cfg: DictConfig) -> Dataset:
    """The data set of a job config (``cfg.dataset``), built by its checked loader."""
    return load_dataset(cfg.dataset)


def with_seed(component: Any, seed: int) -> Any:
    """``component`` with ``random_state`` set to ``seed`` when it has that parameter."""
    if "random_state" in component.get_params(deep=False):
        component.set_params(random_state=int(seed))
    return component


def _fresh_copy(prototype: Any, build: Callable[[], Any]) -> Any:
    """An unfitted copy of ``prototype``: scikit-learn's ``clone``, or ``build()`` for a
    component without ``get_params``."""
    from sklearn.base import clone

    return clone(prototype) if hasattr(prototype, "get_params") else build()


@dataclass
class JobComponents:
    """The checked, instantiated sampler and model of one job.

    Attributes
    ----------
    cfg : DictConfig
        The job's config (``resampler``, ``model`` and ``seed`` are read).
    sampler : object
        The configured sampler, unfitted (the prototype every fold copies).
    strategy : str
        Its kind (:func:`harness.resample.registry.strategy_kind`), the ``strategy`` of the
        job's record.
    seed : int
        The job's seed (``cfg.seed``).
    """

    cfg: DictConfig
    sampler: Any
    strategy: str
    seed: int

    @classmethod
    def build(cls, cfg: DictConfig) -> JobComponents:
        """Check and instantiate the sampler of ``cfg`` (the model follows on first use).

        Raises
        ------
        ConfigError
            A target outside the allow-set, or parameters its object does not take.
        """
        sampler = instantiate_component(cfg.resampler.sampler)
        return cls(cfg=cfg, sampler=sampler, strategy=strategy_kind(sampler), seed=int(cfg.seed))

    @functools.cached_property
    def model(self) -> Any:
        """The configured classifier, unfitted, with the sampler's ``model_class_weight``."""
        return self._build_model()

    def _build_model(self) -> Any:
        return build_model(
            self.cfg.model, class_weight=getattr(self.sampler, "model_class_weight", None)
        )

    def sampler_copy(self, seed: int) -> Any:
        """An unfitted copy of the sampler with ``random_state`` set to ``seed``."""
        build = lambda: instantiate_component(self.cfg.resampler.sampler)  # noqa: E731
        return with_seed(_fresh_copy(self.sampler, build), seed)

    def model_copy(self, seed: int) -> Any:
        """An unfitted copy of the model with ``random_state`` set to ``seed``."""
        return with_seed(_fresh_copy(self.model, self._build_model), seed)

    def pipeline(self, dataset: Dataset, seed: int) -> Any:
        """preprocess → resample → model, unfitted, as a saved or replayed model runs them.

        The sampler is told the preprocessed one-hot groups of ``dataset``'s categorical
        columns, and the model is wrapped for the ``decision_threshold`` strategy, exactly as
        each fold of the evaluation does (:mod:`harness.evaluate.protocol`); the sampler does
        nothing at predict time.
        """
        from imblearn.pipeline import Pipeline

        from harness.evaluate.protocol import (
            make_preprocessor,
            one_hot_groups,
            thresholded,
            with_nominal_groups,
        )

        groups = one_hot_groups(make_preprocessor(dataset).fit(dataset.X))
        sampler = with_nominal_groups(self.sampler_copy(seed), groups)
        model = thresholded(sampler, self.model_copy(seed), seed)
        return Pipeline(
            [("preprocess", make_preprocessor(dataset)), ("resample", sampler), ("model", model)]
        )


def strategy_of(cfg: DictConfig) -> str | None:
    """The kind of the configured sampler, or ``None`` when it cannot be instantiated (the
    job records why when it runs)."""
    try:
        return strategy_kind(instantiate_component(cfg.resampler.sampler))
    except Exception:
        return None
