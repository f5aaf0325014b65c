"""Strategy names used everywhere (config, MLflow, Prometheus label ``resampler``)."""

from __future__ import annotations

import inspect

from harness.errors import SamplerParameterError
from harness.resample.adasyn import ADASYN
from harness.resample.baselines import ClassWeightBaseline, DecisionThreshold, NoResampling
from harness.resample.nominal_samplers import ADASYNNC, SMOTENC
from harness.resample.random_over import RandomOverSampler
from harness.resample.smote import SMOTE
from harness.resample.wrapped import SMOTEENN, BorderlineSMOTE, SMOTETomek

STRATEGIES: dict[str, type] = {
    "adasyn": ADASYN,
    "smote": SMOTE,
    "ros": RandomOverSampler,
    "class_weight": ClassWeightBaseline,
    "none": NoResampling,
    "adasyn_nc": ADASYNNC,
    "smote_nc": SMOTENC,
    "borderline_smote": BorderlineSMOTE,
    "smote_enn": SMOTEENN,
    "smote_tomek": SMOTETomek,
    "decision_threshold": DecisionThreshold,
}


#: Families of strategy kinds, which an SLO objective's ``applies_to`` may name instead of
#: listing kinds: an objective on ``oversampler`` covers every sampler that adds rows, the
#: categorical-aware ones included.
FAMILIES: dict[str, tuple[str, ...]] = {
    "oversampler": (
        "adasyn",
        "smote",
        "ros",
        "adasyn_nc",
        "smote_nc",
        "borderline_smote",
        "smote_enn",
        "smote_tomek",
    ),
    "interpolating": (
        "adasyn",
        "smote",
        "adasyn_nc",
        "smote_nc",
        "borderline_smote",
        "smote_enn",
        "smote_tomek",
    ),
    "baseline": ("none", "class_weight", "decision_threshold"),
}


def kinds_named(name: str) -> tuple[str, ...]:
    """The strategy kinds an ``applies_to`` entry names: a family's members, or the kind itself.

    A sampler registered through the ``adasyn_harness.components`` entry-point group joins
    families through its class attribute ``strategy_families`` (a tuple of family names).
    """
    from harness.plugins import extension_objects

    kinds = list(FAMILIES.get(name, (name,)))
    if name in FAMILIES:
        for obj in extension_objects():
            if isinstance(obj, type) and name in getattr(obj, "strategy_families", ()):
                kinds.append(strategy_kind(obj))
    return tuple(dict.fromkeys(kinds))


def strategy_kind(sampler: object) -> str:
    """The registered kind of a sampler (``adasyn``, ``smote`` ...), whatever its display name.

    The kind is what SLO objectives' ``applies_to`` match: a run configured as
    ``resampler.name=adasyn_b2`` still runs ADASYN, so its kind is ``adasyn``.

    Parameters
    ----------
    sampler : object or type
        A sampler instance or class.

    Returns
    -------
    str
        The :data:`STRATEGIES` key of its class; else the class attribute ``strategy_kind``
        (how a sampler registered through the ``adasyn_harness.components`` entry-point group
        names its kind); else the
        class's dotted path.
    """
    cls = sampler if isinstance(sampler, type) else type(sampler)
    for kind, registered in STRATEGIES.items():
        if cls is registered:
            return kind
    declared = getattr(cls, "strategy_kind", None)
    if isinstance(declared, str) and declared:
        return declared
    return f"{cls.__module__}.{cls.__qualname__}"


def known_strategy_kinds() -> tuple[str, ...]:
    """Every kind a run can record: the built-in ones and those of registered samplers."""
    from harness.plugins import extension_objects

    kinds = list(STRATEGIES)
    for obj in extension_objects():
        if isinstance(obj, type) and hasattr(obj, "fit_resample"):
            kinds.append(strategy_kind(obj))
    return tuple(dict.fromkeys(kinds))


def make_sampler(name: str, **params):
    """Build a sampler from its strategy name.

    Parameters
    ----------
    name : str
        A :data:`STRATEGIES` key (``"adasyn"``, ``"smote"``, ``"adasyn_nc"``, ...).
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
