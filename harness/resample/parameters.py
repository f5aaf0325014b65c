"""Parameter constraints of the samplers, checked by scikit-learn's validator, with our fixes.

Every public parameter of every sampler is declared in its ``_parameter_constraints`` (as
imbalanced-learn and scikit-learn do) and checked by one validator,
:func:`validate_parameters`, at the start of ``fit_resample``. scikit-learn's message says
what was expected and what was given; the harness appends the fix (:data:`FIXES`) and raises
:class:`~harness.errors.SamplerParameterError` (a ``ValueError``, as scikit-learn's
``InvalidParameterError`` is).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

from harness.errors import SamplerParameterError

STRATEGY_STRINGS = ("auto", "minority", "not minority", "not majority", "all")


class StrictInterval(Interval):
    """An :class:`~sklearn.utils._param_validation.Interval` that refuses booleans and, for
    reals, infinity (``True`` is an ``Integral`` to Python, and an unbounded interval would
    take ``inf``)."""

    def is_satisfied_by(self, val: object) -> bool:
        if isinstance(val, bool | np.bool_):
            return False
        if isinstance(val, numbers.Real) and not math.isfinite(float(val)):
            return False
        return super().is_satisfied_by(val)

    def __str__(self) -> str:
        text = super().__str__()
        return text.replace("a float", "a finite float", 1)


class BackendName(StrOptions):
    """A neighbour backend name, read from the registry when checked (backends can be added)."""

    def __init__(self) -> None:
        from harness.resample.neighbors import backend_names

        super().__init__(set(backend_names()))

    def is_satisfied_by(self, val: object) -> bool:
        from harness.resample.neighbors import backend_names

        return isinstance(val, str) and val in backend_names()

    def __str__(self) -> str:
        from harness.resample.neighbors import backend_names

        return f"a str among {set(backend_names())}"


def positive_int() -> StrictInterval:
    """An int >= 1 (not a bool)."""
    return StrictInterval(numbers.Integral, 1, None, closed="left")


SAMPLING_STRATEGY = [
    Interval(numbers.Real, 0, 1, closed="right"),
    StrOptions(set(STRATEGY_STRINGS)),
    Mapping,
    callable,
]
#: N of the SMOTE and ADASYN papers: generate N/100 × each chosen class's rows (N = 200 doubles
#: the class); any finite number > 0.
SYNTHETIC_PERCENT = [StrictInterval(numbers.Real, 0, None, closed="neither"), None]
RANDOM_STATE = [
    StrictInterval(numbers.Integral, 0, 2**32 - 1, closed="both"),
    np.random.RandomState,
    None,
]
NEIGHBORS = [positive_int(), HasMethods(["kneighbors", "kneighbors_graph"])]
CATEGORICAL_FEATURES = ["array-like", StrOptions({"auto"})]
INTEGER_FEATURES = ["array-like", StrOptions({"auto"}), None]


def _strategy_fix(value: object) -> str:
    if isinstance(value, str):
        return (
            f"Unknown sampling_strategy {value!r}: use one of "
            f"{', '.join(repr(s) for s in STRATEGY_STRINGS)}, a float, a dict or a callable."
        )
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (
            f"sampling_strategy={value!r} is not a ratio in (0, 1]: pass the wanted "
            "minority/majority ratio after resampling, e.g. 1.0 for full balance."
        )
    return (
        f"sampling_strategy {value!r} is not a float, str, dict or callable: pass e.g. "
        "'auto', 1.0 or {class: wanted rows}."
    )


def _random_state_fix(value: object) -> str:
    hint = "pass an int seed such as random_state=0"
    if isinstance(value, np.random.Generator):
        hint = (
            "a numpy Generator is not accepted (the samplers take a RandomState, as "
            "imbalanced-learn does); pass an int seed such as random_state=0, or "
            "np.random.RandomState(seed)"
        )
    return (
        "random_state must be None, an int seed in [0, 2**32 - 1] or a numpy.random.RandomState, "
        f"got {value!r} ({type(value).__name__}): {hint}."
    )


def _count_fix(name: str, example: int, allow_none: bool = False) -> Callable[[object], str]:
    hint = " or None (no limit)" if allow_none else ""
    return lambda value: (
        f"{name} must be a positive integer{hint}, got {value!r}: pass e.g. {name}={example}."
    )


def _neighbors_fix(name: str) -> Callable[[object], str]:
    return lambda value: (
        f"{name} must be a positive integer or a neighbours estimator with kneighbors (e.g. "
        f"NearestNeighbors(n_neighbors=6), whose n_neighbors counts the row itself), got "
        f"{value!r}: pass e.g. {name}=5."
    )


def _choice_fix(name: str, choices: Callable[[], object]) -> Callable[[object], str]:
    return lambda value: (
        f"Unknown {name} {value!r}: use one of {', '.join(repr(c) for c in choices())}."
    )


def _backend_choices() -> list[str]:
    from harness.resample.neighbors import backend_names

    return backend_names()


#: Per parameter, the sentence appended to scikit-learn's message: what to pass instead.
FIXES: dict[str, Callable[[object], str]] = {
    "sampling_strategy": _strategy_fix,
    "random_state": _random_state_fix,
    "n_neighbors": _neighbors_fix("n_neighbors"),
    "k_neighbors": _neighbors_fix("k_neighbors"),
    "m_neighbors": _neighbors_fix("m_neighbors"),
    "chunk_size": _count_fix("chunk_size", 65536),
    "max_synthetic": _count_fix("max_synthetic", 1_000_000, allow_none=True),
    "synthetic_percent": lambda value: (
        f"synthetic_percent must be a finite number > 0 (N: N/100 x each chosen class's rows "
        f"are generated) or None (sampling_strategy alone sets the counts), got {value!r}: pass "
        "e.g. synthetic_percent=200 to generate twice each class's rows, as SMOTE at N = 200."
    ),
    "beta": lambda value: (
        f"beta must be a number >= 0 (1.0 = full balance), got {value!r}: "
        "pass e.g. beta=1.0 or beta=0.5."
    ),
    "d_th": lambda value: (
        f"d_th must be in (0, 1] or None (no threshold), got {value!r}: classes whose "
        "size ratio d = m_s/m_l reaches d_th are left alone; pass e.g. d_th=0.75."
    ),
    "no_hard_samples": _choice_fix("no_hard_samples", lambda: ("smote", "raise")),
    "backend": _choice_fix("backend", _backend_choices),
    "shrinkage": lambda value: (
        f"shrinkage must be a number >= 0, a dict {{class: number >= 0}} or None, got "
        f"{value!r}: pass e.g. shrinkage=0.5 for a smoothed bootstrap, or None to copy rows."
    ),
    "categorical_features": lambda value: (
        f"categorical_features must list the nominal columns, got {value!r}: pass positions, "
        "column names, a boolean mask, lists of one-hot columns (one list per feature), or "
        "'auto' for a DataFrame's categorical columns."
    ),
    "integer_features": lambda value: (
        f"integer_features must list whole-number columns or be None, got {value!r}: pass "
        "positions, column names, a boolean mask, or 'auto' for a DataFrame's integer columns."
    ),
}


def fix_for(name: str, value: object) -> str:
    """The fix appended to a refusal of ``name=value``."""
    fix = FIXES.get(name)
    if fix is None:
        return f"Pass a value of one of the kinds listed for {name}: see the sampler's docstring."
    return fix(value)


def validate_parameters(estimator: object) -> None:
    """Check every parameter of ``estimator`` against its ``_parameter_constraints``.

    Parameters
    ----------
    estimator : object
        A sampler with ``get_params`` and ``_parameter_constraints``.

    Raises
    ------
    SamplerParameterError
        scikit-learn's message (``The 'beta' parameter of ADASYN must be ... Got ... instead.``)
        followed by the fix.
    """
    constraints = getattr(estimator, "_parameter_constraints", {})
    caller = type(estimator).__name__
    for name, value in estimator.get_params(deep=False).items():
        if name not in constraints:
            continue
        try:
            validate_parameter_constraints({name: constraints[name]}, {name: value}, caller)
        except InvalidParameterError as exc:
            raise SamplerParameterError(f"{exc} {fix_for(name, value)}") from None


class ValidatedParameters:
    """Mixin: ``_validate_params`` (called by scikit-learn's and imbalanced-learn's fit
    methods, and by the harness samplers' ``fit_resample``) raises with the fix."""

    def _validate_params(self) -> None:
        validate_parameters(self)


def extended_init(base: type, **added: object) -> Callable[..., None]:
    """``base.__init__`` with more keyword parameters: ``added`` maps their names to defaults.

    The new ``__init__`` stores each added parameter as the attribute of the same name and
    passes the others on to ``base.__init__``. scikit-learn reads an estimator's parameters
    from its ``__init__`` signature (``get_params``, ``clone``, the estimator checks), so the
    signature lists every parameter, ``base``'s and the added ones, rather than ``**params``.

    Parameters
    ----------
    base : type
        The estimator class whose ``__init__`` is extended.
    **added : object
        Name and default of each new keyword parameter.

    Returns
    -------
    callable
        The ``__init__`` to assign in the subclass body.
    """
    base_init = base.__init__
    base_signature = inspect.signature(base_init)
    self_parameter, *inherited = base_signature.parameters.values()
    keyword = inspect.Parameter.KEYWORD_ONLY
    new = [inspect.Parameter(name, keyword, default=value) for name, value in added.items()]

    def init(self, **params):
        own = {name: params.pop(name, default) for name, default in added.items()}
        base_init(self, **params)
        for name, value in own.items():
            setattr(self, name, value)

    init.__name__ = "__init__"
    init.__signature__ = base_signature.replace(parameters=[self_parameter, *inherited, *new])
    return init
