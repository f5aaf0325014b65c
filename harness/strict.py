"""Strict readers of settings fields: one rule per kind of value, one message style.

Every YAML setting the harness reads (SLO sets, monitoring settings, the evaluation profile)
goes through these: an unknown key is refused with a "did you mean", a wrong type or an
impossible value is a :class:`~harness.errors.ConfigError` naming where it stands and the fix,
never a silent default.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigError, InputDataError

_DURATION = re.compile(r"^\d+[smhdw]$")


def strict_mapping(
    raw: Any,
    where: str,
    allowed: Iterable[str],
    *,
    required: Iterable[str] = (),
    see: str = "",
) -> Mapping[str, Any]:
    """``raw`` as a mapping with only ``allowed`` keys and every ``required`` one.

    Raises
    ------
    ConfigError
        Naming ``where``, the key and the fix (``see`` names an example file, if any).
    """
    allowed = tuple(allowed)
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{where} must be a mapping with the keys {', '.join(allowed)}; got "
            f"{type(raw).__name__}."
        )
    for key in raw:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            guess = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(
                f"{where}: unknown key {key!r}{guess}; the allowed keys are "
                f"{', '.join(allowed)}. Fix or remove it."
            )
    for key in required:
        if key not in raw:
            example = f" (see {see})" if see else ""
            raise ConfigError(f"{where} is missing '{key}'; add it{example}.")
    return raw


def nonempty_list(value: Any, where: str, key: str) -> list[Any]:
    """``value`` (the entry ``key`` of ``where``) as a non-empty list, or a
    :class:`ConfigError` naming both."""
    if not isinstance(value, list):
        raise ConfigError(
            f"{where}: '{key}' must be a list, got {type(value).__name__}; write one entry "
            "per line starting with '- '."
        )
    if not value:
        raise ConfigError(
            f"{where}: '{key}' is an empty list, which would check nothing; add an entry or "
            "remove the key."
        )
    return value


def nonempty_text(value: Any, where: str) -> str:
    """``value`` as a non-empty string, or a :class:`ConfigError` naming ``where``."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty text, got {value!r}.")
    return value


def finite_number(value: Any, where: str, *, example: str) -> float:
    """``value`` as a finite float (never a boolean), or a :class:`ConfigError` naming
    ``where`` and an ``example`` of a good value."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(
            f"{where} {value!r} is not a number; write a plain number such as {example}."
        )
    if not math.isfinite(value):
        raise ConfigError(f"{where} must be finite, got {value!r}; write e.g. {example}.")
    return float(value)


def one_of(value: Any, where: str, choices: Iterable[str]) -> str:
    """``value`` if it is one of the strings ``choices``, or a :class:`ConfigError` listing them."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{where} {value!r} is not one of {choices}; pick one of them.")
    return value


def duration(value: Any, where: str) -> str:
    """``value`` as a Prometheus duration of one unit (``30s``, ``5m``, ``1h``, ``30d``), or a
    :class:`ConfigError` naming ``where``."""
    if not isinstance(value, str) or not _DURATION.match(value):
        raise ConfigError(
            f"{where} {value!r} is not a Prometheus duration; use e.g. 30s, 5m, 1h, 30d."
        )
    return value


# -- command-line settings: ``key=value`` in the message ----------------------------------------


def integer_setting(value: Any, key: str, minimum: int) -> int:
    """``value`` as an integer ≥ ``minimum`` (never a boolean), or a :class:`ConfigError`
    showing the override that fixes it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"{key} must be an integer >= {minimum}, got {value!r}; e.g. {key}={max(minimum, 2)}."
        )
    return value


def boolean_setting(value: Any, key: str) -> bool:
    """``value`` as a boolean, or a :class:`ConfigError` showing the override that fixes it."""
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}; e.g. {key}=false.")
    return value


def choice_setting(value: Any, key: str, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``, or a :class:`ConfigError` listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise ConfigError(f"{key} must be one of {list(choices)}, got {value!r}.")
    return value


def fraction_setting(value: Any, key: str, *, allow_none: bool) -> float | None:
    """``value`` as a number in (0, 1) (or ``None`` when allowed), or a :class:`ConfigError`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        hint = " (or null to skip it)" if allow_none else ""
        raise ConfigError(f"{key} must be a number in (0, 1){hint}, got {value!r}; e.g. 0.7.")
    return float(value)


# -- files ------------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows (the harness writes null)")


class _DuplicateKeyError(ValueError):
    """A key that appears twice in one JSON object."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen[key] = value
    return seen


def _second_line_of(text: str, key: str) -> int | None:
    """The line of the second ``"key":`` in ``text`` (where a duplicate stands), if found."""
    pattern = re.compile(r'"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:')
    found = [match.start() for match in pattern.finditer(text)]
    return text.count("\n", 0, found[1]) + 1 if len(found) > 1 else None


def read_json_object(path: Path, *, fix: str) -> dict[str, Any]:
    """The JSON object in the file ``path``, strictly.

    Refused, each with an :class:`~harness.errors.InputDataError` naming the file, the problem
    and ``fix``: text that is not UTF-8 or not JSON, ``NaN`` or ``Infinity`` (the harness
    writes ``null``), a key that appears twice in one object (which one would count?), and a
    document that is not an object.

    Parameters
    ----------
    path : Path
        The file.
    fix : str
        What the user should do, e.g. ``"rerun the job with `harness run` to rewrite it"``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        payload = json.loads(
            text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicate_keys
        )
    except _DuplicateKeyError as exc:
        line = _second_line_of(text, exc.key)
        where = f" (line {line})" if line else ""
        raise InputDataError(f"{path} is not valid JSON ({exc}{where}): {fix}.") from exc
    except (json.JSONDecodeError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputDataError(f"{path} is not valid JSON ({reason}): {fix}.") from exc
    if not isinstance(payload, dict):
        raise InputDataError(f"{path} must hold a JSON object: {fix}.")
    return payload


# libyaml's parser when PyYAML was built with it (the safe constructor stays Python's): the
# gate reads a config.yaml per run, and the pure-Python parser takes ~20 ms for one.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictYamlLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader, refusing a key that appears twice in one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {key!r} appears twice in one mapping (first on line {seen[key]}, "
                    f"again on line {key_node.start_mark.line + 1}): which one counts is not "
                    "clear, so neither does; keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, *, what: str, fix: str, error: type[Exception] = ConfigError) -> Any:
    """The YAML document in the file ``path``, strictly (safe tags only, no duplicate key).

    Parameters
    ----------
    path : Path
        The file.
    what : str
        What the file is, for the message (``"SLO file slo.yaml"``).
    fix : str
        What the user should do about a file that cannot be read.
    error : type
        The exception to raise: :class:`~harness.errors.ConfigError` for settings,
        :class:`~harness.errors.InputDataError` for a run's own files.

    Raises
    ------
    ConfigError or InputDataError
        Naming the file, the problem (with its line) and ``fix``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        return yaml.load(text, Loader=_StrictYamlLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        reason = (
            "it nests too deeply" if isinstance(exc, RecursionError) else " ".join(str(exc).split())
        )
        raise error(f"{what} is not valid YAML ({reason}): {fix}.") from exc
