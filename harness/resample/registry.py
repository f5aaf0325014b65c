"""Strategy names used everywhere (config, MLflow, Prometheus label ``resampler``)."""

from __future__ import annotations

import inspect

from harness.errors import SamplerParameterError
from harness.resample.adasyn import ADASYN
from harness.resample.baselines import ClassWeightBaseline, NoResampling
from harness.resample.random_over import RandomOverSampler
from harness.resample.smote import SMOTE

STRATEGIES: dict[str, type] = {
    "adasyn": ADASYN,
    "smote": SMOTE,
    "ros": RandomOverSampler,
    "class_weight": ClassWeightBaseline,
    "none": NoResampling,
}


def make_sampler(name: str, **params):
    """Build a sampler from its strategy name.

    Parameters
    ----------
    name : {"adasyn", "smote", "ros", "class_weight", "none"}
        Strategy name.
    **params
        Keyword parameters of that sampler (e.g. ``n_neighbors=5`` for ADASYN).

    Returns
    -------
    A sampler with ``fit_resample``.

    Raises
    ------
    SamplerParameterError
        For an unknown name or a parameter the sampler does not take.
    """
    if name not in STRATEGIES:
        raise SamplerParameterError(
            f"Unknown resampling strategy {name!r}: use one of {', '.join(STRATEGIES)}."
        )
    cls = STRATEGIES[name]
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise SamplerParameterError(
            f"{cls.__name__} does not take parameter(s) {unknown}: it accepts "
            f"{accepted or 'no parameters'}."
        )
    return cls(**params)
