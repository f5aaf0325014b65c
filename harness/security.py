"""Checking a ``_target_`` against an allow-set: the mechanism, with no policy of its own.

A ``_target_`` string is code. Hydra imports its module and follows attributes, so a check on
the string's prefix lets through everything a harness module imports
(``harness.tracking.mlflow_tracker.pd.read_pickle`` is pandas' unpickler). Here a target is
resolved to its object *without calling anything* and accepted only when that object **is** one
of the objects an :class:`AllowSet` lists for the place it appears in. *Which* objects and
places are allowed is policy, handed in by the caller (:mod:`harness.components.policy`).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import ConfigError

_HYDRA_KEYWORDS = ("_target_", "_args_", "_recursive_", "_convert_", "_partial_")


def public_name(obj: Any) -> str:
    """The shortest importable dotted name of ``obj`` (``harness.resample.ADASYN``)."""
    module = getattr(obj, "__module__", None)
    module = module if isinstance(module, str) else ""  # a C extension may set a module object
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj))
    best = f"{module}.{name}"
    parts = module.split(".")
    for end in range(len(parts) - 1, 0, -1):
        parent = sys.modules.get(".".join(parts[:end]))
        if parent is not None and _static_attr(parent, name) is obj:
            best = f"{parent.__name__}.{name}"
    return best


def _static_attr(obj: Any, name: str) -> Any:
    try:
        return inspect.getattr_static(obj, name)
    except AttributeError:
        return None


class UnresolvedTargetError(LookupError):
    """A target string that does not lead to an object without importing or calling code."""


def resolve_target(target: str) -> Any:
    """Follow a dotted ``_target_`` to its object without importing a module or calling code.

    Like Hydra's ``_locate`` (attribute first, then a submodule), but only through modules that
    are already imported and through modules and classes (no instance, whose attribute access
    may run code), reading attributes statically.

    Parameters
    ----------
    target : str
        A dotted name such as ``harness.resample.ADASYN``.

    Returns
    -------
    object

    Raises
    ------
    UnresolvedTargetError
        The name does not lead to an object that way (a :class:`LookupError`).
    """
    parts = target.split(".") if isinstance(target, str) else []
    if not parts or not all(part.isidentifier() for part in parts):
        raise UnresolvedTargetError("it is not a dotted Python name")
    obj = sys.modules.get(parts[0])
    if obj is None:
        raise UnresolvedTargetError(f"module {parts[0]!r} is not one the harness loads")
    path = parts[0]
    for part in parts[1:]:
        if not (inspect.ismodule(obj) or inspect.isclass(obj)):
            raise UnresolvedTargetError(f"{path} is a {type(obj).__name__}, not a module or class")
        try:
            obj = inspect.getattr_static(obj, part)
        except AttributeError:
            submodule = sys.modules.get(f"{path}.{part}") if inspect.ismodule(obj) else None
            if submodule is None:
                raise UnresolvedTargetError(
                    f"{path} has no attribute {part!r}"
                    + (" and no loaded submodule of that name" if inspect.ismodule(obj) else "")
                ) from None
            obj = submodule
        path = f"{path}.{part}"
    return obj


@dataclass(frozen=True, eq=False)
class AllowSet:
    """What may be instantiated, by role: the policy a caller hands to the checks.

    Parameters
    ----------
    objects : mapping of str to tuple
        Role -> the objects allowed in that role (compared by identity).
    nouns : mapping of str to str or None
        Role -> what a refusal calls the object ("sampler"); ``None`` for a short verdict.
    widening_hint : str
        Appended to the fix of a refusal in a role of ``widened_roles`` (how a user adds their
        own object).
    widened_roles : frozenset of str
        The roles users may widen (components); a refusal there carries ``widening_hint``.
    default_noun : str
        The noun of a place that takes several roles.
    silent_roles : frozenset of str
        Roles that do not name the object in a refusal (extensions: any role they stand in).
    """

    objects: Mapping[str, tuple[Any, ...]]
    nouns: Mapping[str, str | None] = field(default_factory=dict)
    widening_hint: str = ""
    widened_roles: frozenset[str] = frozenset()
    default_noun: str = "component"
    silent_roles: frozenset[str] = frozenset()

    @functools.cache  # noqa: B019 -- an AllowSet lives as long as the process's policy
    def allowed(self, roles: frozenset[str]) -> tuple[Any, ...]:
        """The objects allowed in any of ``roles``, in a stable order."""
        return tuple(obj for role in sorted(roles) for obj in self.objects.get(role, ()))

    @functools.cache  # noqa: B019
    def _refusal_text(self, roles: frozenset[str]) -> tuple[str, str]:
        named = {role for role in roles if role not in self.silent_roles}
        noun = self.nouns[named.pop()] if len(named) == 1 else self.default_noun
        verdict = f"is not an allowed {noun}" if noun else "is not allowed"
        fix = f"use one of {', '.join(public_name(obj) for obj in self.allowed(roles))}"
        if roles & self.widened_roles and self.widening_hint:
            fix += f", {self.widening_hint}"
        return verdict, fix

    def check(self, target: Any, *, key: str, roles: Iterable[str]) -> Any:
        """Return the object ``target`` names when it is allowed in one of ``roles``.

        Parameters
        ----------
        target : str
            The ``_target_`` (or logging ``class``) string.
        key : str
            Where it appears, for the message (``resampler.sampler._target_``).
        roles : iterable of str
            The roles allowed at that place; none: nothing may be instantiated there.

        Returns
        -------
        object
            The allowed object (never called here).

        Raises
        ------
        ConfigError
            The target does not resolve, or resolves to an object outside the set; the message
            names the key, the target and the allowed choices.
        """
        roles = frozenset(roles)
        allowed = self.allowed(roles)
        try:
            obj = resolve_target(target)
        except UnresolvedTargetError as exc:
            reason = str(exc)
        else:
            if any(obj is candidate for candidate in allowed):
                return obj
            reason = f"it names {public_name(obj)}, which is outside the allow-set"
        if not roles:
            raise ConfigError(
                f"{key} {target!r} is not allowed: nothing is instantiated from this place of "
                f"the config ({reason}); remove it."
            )
        verdict, fix = self._refusal_text(roles)
        raise ConfigError(f"{key} {target!r} {verdict}; {fix} ({reason}).")

    def check_tree(
        self, node: Mapping[str, Any], *, key: str, roles: Iterable[str], nested: Iterable[str]
    ) -> dict[int, Any]:
        """Check every ``_target_`` in a component config and the parameters given to each.

        Parameters
        ----------
        node : mapping
            A plain component config with ``_target_``.
        key : str
            Where it sits (``resampler.sampler``), for messages.
        roles : iterable of str
            The roles its top target may have.
        nested : iterable of str
            The roles a nested target may have.

        Returns
        -------
        dict
            ``id(node) -> object`` for every target node, to instantiate exactly what was
            checked.

        Raises
        ------
        ConfigError
            A target outside the set, or parameters its object does not take.
        """
        found = {}
        nodes = list(target_nodes(node, key))
        for node_key, target_node in nodes:
            node_roles = roles if target_node is node else nested
            found[id(target_node)] = self.check(
                target_node["_target_"], key=f"{node_key}._target_", roles=node_roles
            )
        for node_key, target_node in nodes:
            check_arguments(found[id(target_node)], target_node, key=node_key)
        return found


def check_arguments(obj: Any, node: Mapping[str, Any], *, key: str) -> None:
    """Raise :class:`ConfigError` when ``node``'s parameters do not fit ``obj``'s signature.

    Hydra would only find out when calling it, inside a job; this checks without calling.

    Parameters
    ----------
    obj : callable
        The checked target.
    node : mapping
        Its config node (``_args_``, ``_partial_`` and the keyword parameters).
    key : str
        Where the node sits, for the message.

    Raises
    ------
    ConfigError
        A parameter it does not take, or a required one missing (unless ``_partial_``).
    """
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return
    args = list(node.get("_args_") or [])
    kwargs = {k: v for k, v in node.items() if k not in _HYDRA_KEYWORDS}
    bind = signature.bind_partial if node.get("_partial_") else signature.bind
    try:
        bind(*args, **kwargs)
    except TypeError as exc:
        accepted = [name for name in signature.parameters if name not in ("args", "kwargs")]
        raise ConfigError(
            f"{key}: {public_name(obj)} cannot take these parameters ({exc}); it accepts "
            f"{', '.join(accepted) or 'no parameters'}: remove or rename the others."
        ) from None


def target_nodes(node: Any, key: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every mapping with a ``_target_`` in a plain container, with its dotted key.

    Parameters
    ----------
    node : mapping, list or scalar
        A plain container (``OmegaConf.to_container``).
    key : str
        The dotted key of ``node`` itself.

    Yields
    ------
    tuple of (str, mapping)
        The key and the mapping, parents before their children.
    """
    if isinstance(node, Mapping):
        if "_target_" in node:
            yield key, node
        for child_key, value in node.items():
            yield from target_nodes(value, f"{key}.{child_key}" if key else str(child_key))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from target_nodes(value, f"{key}.{index}" if key else str(index))


def outermost_target_nodes(node: Any, key: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The mappings with a ``_target_`` that no other such mapping contains, with their keys."""
    if isinstance(node, Mapping) and "_target_" in node:
        yield key, node
    elif isinstance(node, Mapping):
        for child_key, value in node.items():
            yield from outermost_target_nodes(value, f"{key}.{child_key}" if key else child_key)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from outermost_target_nodes(value, f"{key}.{index}" if key else str(index))
