"""``sampling_strategy`` against the data, and ``random_state`` as a generator.

``sampling_strategy`` takes every form imbalanced-learn accepts (float, the strings, dict,
callable); its type is checked with the other parameters (:mod:`harness.resample.parameters`).
What depends on ``y`` is checked here (a ratio that would need undersampling, a class that is not
in ``y``, fewer rows than a class has), so the user sees why and what to change;
imbalanced-learn's ``check_sampling_strategy`` then does the conversion to "rows to generate".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np
from imblearn.utils import check_sampling_strategy
from sklearn.utils import check_random_state

from harness.errors import SamplerParameterError
from harness.resample.parameters import STRATEGY_STRINGS, fix_for


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
    return SamplerParameterError(fix_for("random_state", random_state))


def _check_float(given: numbers.Real, counts: dict) -> None:
    ratio = float(given)
    if not 0 < ratio <= 1:
        raise SamplerParameterError(fix_for("sampling_strategy", given))
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


def percent_of(percent: numbers.Real, n_rows: int) -> int:
    """N % of ``n_rows``, rounded half up: ``percent_of(200, 134) == 268``.

    Computed exactly (``fractions.Fraction``), so a whole result is never off by one and a
    huge request stays an exact int for the memory check to refuse.
    """
    return math.floor(Fraction(percent) * n_rows / 100 + Fraction(1, 2))


def _percent_strategy(
    strategy: object, percent: numbers.Real, y: np.ndarray, counts: dict
) -> dict[object, int]:
    """``{class: rows to generate}`` for ``synthetic_percent``: N/100 × the class's rows for
    each class the string ``strategy`` chooses, 0 for the others."""
    if not isinstance(strategy, str):
        raise SamplerParameterError(
            f"synthetic_percent={percent!r} sets the rows to generate per class, and so does "
            f"sampling_strategy={strategy!r}: keep one. With synthetic_percent, sampling_strategy "
            "only chooses the classes, by name: 'auto' (the default), 'not majority', "
            "'minority', 'not minority' or 'all'; or set synthetic_percent=None."
        )
    chosen = check_sampling_strategy(strategy, y, "over-sampling")
    return {
        label: percent_of(percent, counts[label]) if label in chosen else 0
        for label in sorted(counts)
    }


def resolve_sampling_strategy(
    strategy: object, y: np.ndarray, synthetic_percent: numbers.Real | None = None
) -> dict[object, int]:
    """Turn any imbalanced-learn ``sampling_strategy`` form into ``{class: rows to generate}``.

    Parameters
    ----------
    strategy : float, str, dict or callable
        As in imbalanced-learn's over-samplers: a float is the wanted minority/majority ratio
        (binary only); a string picks the classes brought to the majority's size; a dict or the
        dict a callable returns gives the wanted number of rows per class.
    y : ndarray of shape (n_samples,)
        Class labels.
    synthetic_percent : float or None, default=None
        N of the SMOTE and ADASYN papers (already checked: finite, > 0): each class the string
        ``strategy`` chooses gets N/100 × its own rows (:func:`percent_of`), whatever the
        majority's size, so N = 200 may over-balance. Any other ``strategy`` form is refused
        with it (both would set the counts).

    Returns
    -------
    dict
        Rows to generate per class, sorted by class, every class included.

    Raises
    ------
    SamplerParameterError
        For an unknown string, a ratio out of range or that would need undersampling, a class
        that is not in ``y``, a wanted count below the current one, or ``synthetic_percent``
        with a ``strategy`` that is not a string.
    """
    labels, sizes = np.unique(y, return_counts=True)
    counts = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    subject = f"sampling_strategy {strategy!r}"
    if isinstance(strategy, str) and strategy not in STRATEGY_STRINGS:
        raise SamplerParameterError(fix_for("sampling_strategy", strategy))
    if synthetic_percent is not None:
        return _percent_strategy(strategy, synthetic_percent, y, counts)
    if isinstance(strategy, str):
        pass  # a known string (checked above): imbalanced-learn converts it below
    elif isinstance(strategy, numbers.Real) and not isinstance(strategy, bool):
        _check_float(strategy, counts)
        # imbalanced-learn's formula, int(n_majority * ratio - n_minority), but a ratio the
        # minority already meets asks for 0 rows: imbalanced-learn refuses that with "would
        # remove samples", which is not what happens.
        (minority, n_min), (_, n_maj) = sorted(counts.items(), key=lambda item: item[1])
        wanted = {label: 0 for label in counts}
        wanted[minority] = max(0, int(n_maj * float(strategy) - n_min))
        return {label: wanted[label] for label in sorted(counts)}
    elif isinstance(strategy, Mapping):
        # A plain dict: imbalanced-learn ignores other mappings (e.g. a Hydra DictConfig).
        strategy = dict(strategy)
        _check_mapping(strategy, counts)
    elif callable(strategy):
        given, strategy = strategy, dict(_call(strategy, y))
        subject = f"the dict {strategy!r} returned by the sampling_strategy callable {given!r}"
        _check_mapping(strategy, counts, "the dict the sampling_strategy callable returned")
    else:
        raise SamplerParameterError(fix_for("sampling_strategy", strategy))
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
