"""The samplers compared by the benchmark, by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Implementation:
    """One sampler to time: its method, whose it is, and how to build it."""

    name: str
    method: str
    library: str
    build: Callable[[int], Any]


def _ours_adasyn(backend: str) -> Callable[[int], Any]:
    def build(seed: int) -> Any:
        from harness.resample import ADASYN

        return ADASYN(random_state=seed, backend=backend)

    return build


def _ours_smote(seed: int) -> Any:
    from harness.resample import SMOTE

    return SMOTE(random_state=seed)


def _ours_ros(seed: int) -> Any:
    from harness.resample import make_sampler

    return make_sampler("ros", random_state=seed)


def _imblearn(class_name: str) -> Callable[[int], Any]:
    def build(seed: int) -> Any:
        import imblearn.over_sampling

        return getattr(imblearn.over_sampling, class_name)(random_state=seed)

    return build


IMPLEMENTATIONS: dict[str, Implementation] = {
    impl.name: impl
    for impl in (
        Implementation("imblearn-adasyn", "adasyn", "imblearn", _imblearn("ADASYN")),
        Implementation("harness-adasyn-exact", "adasyn", "harness", _ours_adasyn("auto")),
        Implementation("harness-adasyn-approx", "adasyn", "harness", _ours_adasyn("auto-approx")),
        Implementation("imblearn-smote", "smote", "imblearn", _imblearn("SMOTE")),
        Implementation("harness-smote", "smote", "harness", _ours_smote),
        Implementation("imblearn-ros", "ros", "imblearn", _imblearn("RandomOverSampler")),
        Implementation("harness-ros", "ros", "harness", _ours_ros),
    )
}
