"""Checks of sampler parameters and of ``sampling_strategy``, with messages that name the fix.

``sampling_strategy`` takes every form imbalanced-learn accepts (float, the strings, dict,
callable). The impossible requests are caught here first, so the user sees why and what to change;
imbalanced-learn's ``check_sampling_strategy`` then does the conversion to "rows to generate".
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping

import numpy as np
from imblearn.utils import check_sampling_strategy
from sklearn.utils import check_random_state

from harness.errors import SamplerParameterError

STRATEGY_STRINGS = ("auto", "minority", "not minority", "not majority", "all")


def check_positive_int(name: str, value: object, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is an int >= 1 (or None when allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        hint = " or None (no limit)" if allow_none else ""
        raise SamplerParameterError(
            f"{name} must be a positive integer{hint}, got {value!r}: pass e.g. {name}=5."
        )


def check_choice(name: str, value: object, choices: tuple[str, ...] | list[str]) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise SamplerParameterError(
            f"Unknown {name} {value!r}: use one of {', '.join(repr(c) for c in choices)}."
        )


def check_beta(beta: object) -> None:
    """Raise unless ``beta`` is a finite real >= 0."""
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not beta >= 0:
        raise SamplerParameterError(
            f"beta must be a number >= 0 (1.0 = full balance), got {beta!r}: "
            "pass e.g. beta=1.0 or beta=0.5."
        )
    if not np.isfinite(beta):
        raise SamplerParameterError(f"beta must be finite, got {beta!r}: pass e.g. beta=1.0.")


def check_d_th(d_th: object) -> None:
    """Raise unless ``d_th`` is None or a real in (0, 1]."""
    if d_th is None:
        return
    if isinstance(d_th, bool) or not isinstance(d_th, numbers.Real) or not 0 < d_th <= 1:
        raise SamplerParameterError(
            f"d_th must be in (0, 1] or None (no threshold), got {d_th!r}: classes whose "
            "size ratio d = m_s/m_l reaches d_th are left alone; pass e.g. d_th=0.75."
        )


def make_random_state(random_state: object) -> np.random.RandomState:
    """Turn ``random_state`` into a ``numpy.random.RandomState``, as imbalanced-learn does.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        ``None`` (numpy's global generator), an int seed in ``[0, 2**32 - 1]``, or a
        ``RandomState`` used as it is. Booleans are refused although Python counts them as
        ints: ``random_state=True`` is almost always a configuration mistake.

    Returns
    -------
    numpy.random.RandomState

    Raises
    ------
    SamplerParameterError
        For any other value; the message quotes the value given.
    """
    accepted = random_state is None or isinstance(
        random_state, numbers.Integral | np.random.RandomState
    )
    if isinstance(random_state, bool) or not accepted:
        raise _random_state_error(random_state)
    try:
        return check_random_state(random_state)
    except ValueError as exc:  # an int seed outside [0, 2**32 - 1]
        raise _random_state_error(random_state) from exc


def _random_state_error(random_state: object) -> SamplerParameterError:
    hint = "pass an int seed such as random_state=0"
    if isinstance(random_state, np.random.Generator):
        hint = (
            "a numpy Generator is not accepted (the samplers draw from a RandomState, as "
            "imbalanced-learn does); pass an int seed such as random_state=0, or "
            "np.random.RandomState(seed)"
        )
    return SamplerParameterError(
        "random_state must be None, an int seed in [0, 2**32 - 1] or a numpy.random.RandomState, "
        f"got {random_state!r} ({type(random_state).__name__}): {hint}."
    )


def _check_string(strategy: str) -> None:
    if strategy not in STRATEGY_STRINGS:
        raise SamplerParameterError(
            f"Unknown sampling_strategy {strategy!r}: use one of "
            f"{', '.join(repr(s) for s in STRATEGY_STRINGS)}, a float, a dict or a callable."
        )


def _check_float(given: numbers.Real, counts: dict) -> None:
    ratio = float(given)
    if not 0 < ratio <= 1:
        raise SamplerParameterError(
            f"sampling_strategy={given!r} is not a ratio in (0, 1]: pass the wanted "
            "minority/majority ratio after resampling, e.g. 1.0 for full balance."
        )
    if len(counts) != 2:
        raise SamplerParameterError(
            f"A float sampling_strategy needs exactly two classes, y has {len(counts)}: pass a "
            "dict {class: wanted rows} or a string such as 'not majority'."
        )
    (_, n_min), (_, n_maj) = sorted(counts.items(), key=lambda item: item[1])
    if ratio < n_min / n_maj:
        raise SamplerParameterError(
            f"sampling_strategy={given!r} asks for fewer minority rows than there are "
            f"({n_min} minority / {n_maj} majority = {n_min / n_maj:.4f}), which would need "
            f"undersampling: pass a ratio >= {n_min / n_maj:.4f}, or use an undersampler."
        )


def _check_mapping(mapping: Mapping, counts: dict, what: str = "sampling_strategy") -> None:
    unknown = [k for k in mapping if k not in counts]
    if unknown:
        raise SamplerParameterError(
            f"{what} names class(es) {unknown!r} that are not in y (classes: "
            f"{sorted(counts)!r}): use labels present in y."
        )
    for label, wanted in mapping.items():
        if isinstance(wanted, bool) or not isinstance(wanted, numbers.Integral):
            raise SamplerParameterError(
                f"{what}[{label!r}] must be an int (the wanted number of rows), "
                f"got {wanted!r}: pass e.g. {{{label!r}: {counts[label] * 2}}}."
            )
        if wanted < counts[label]:
            raise SamplerParameterError(
                f"{what} asks for {wanted} rows of class {label!r}, which has "
                f"{counts[label]}: an oversampler cannot remove rows; ask for at least "
                f"{counts[label]}, or use an undersampler."
            )


def resolve_sampling_strategy(strategy: object, y: np.ndarray) -> dict[object, int]:
    """Turn any imbalanced-learn ``sampling_strategy`` form into ``{class: rows to generate}``.

    Parameters
    ----------
    strategy : float, str, dict or callable
        As in imbalanced-learn's over-samplers: a float is the wanted minority/majority ratio
        (binary only); a string picks the classes brought to the majority's size; a dict or the
        dict a callable returns gives the wanted number of rows per class.
    y : ndarray of shape (n_samples,)
        Class labels.

    Returns
    -------
    dict
        Rows to generate per class, sorted by class, every class included.

    Raises
    ------
    SamplerParameterError
        For an unknown string, a ratio out of range or that would need undersampling, a class
        that is not in ``y``, or a wanted count below the current one.
    """
    labels, sizes = np.unique(y, return_counts=True)
    counts = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    subject = f"sampling_strategy {strategy!r}"
    if isinstance(strategy, str):
        _check_string(strategy)
    elif isinstance(strategy, numbers.Real) and not isinstance(strategy, bool):
        _check_float(strategy, counts)
    elif isinstance(strategy, Mapping):
        # A plain dict: imbalanced-learn ignores other mappings (e.g. a Hydra DictConfig).
        strategy = dict(strategy)
        _check_mapping(strategy, counts)
    elif callable(strategy):
        given, strategy = strategy, dict(_call(strategy, y))
        subject = f"the dict {strategy!r} returned by the sampling_strategy callable {given!r}"
        _check_mapping(strategy, counts, "the dict the sampling_strategy callable returned")
    else:
        raise SamplerParameterError(
            f"sampling_strategy {strategy!r} is not a float, str, dict or callable: pass e.g. "
            "'auto', 1.0 or {class: wanted rows}."
        )
    try:
        resolved = check_sampling_strategy(strategy, y, "over-sampling")
    except ValueError as exc:
        raise SamplerParameterError(
            f"{subject} cannot be applied to this y: {exc} "
            "Pass 'auto' or a dict {class: wanted rows}."
        ) from exc
    return {label: int(resolved.get(label, 0)) for label in sorted(counts)}


def _call(strategy: Callable, y: np.ndarray) -> Mapping:
    returned = strategy(y)
    if not isinstance(returned, Mapping):
        raise SamplerParameterError(
            f"The sampling_strategy callable returned {type(returned).__name__}, not a dict: "
            "make it return {class: wanted rows}."
        )
    return returned
