"""Move a registered model's alias (``champion``) back to the version that held it before.

The runbooks' first remedy when a promotion broke the serving SLOs: ``harness promote
--rollback --model-name NAME``. Everything is recorded in the MLflow model registry, so the
next person sees what happened and why:

- the version that loses the alias gets the tags ``harness.rolled_back``,
  ``harness.rolled_back_at``, ``harness.rolled_back_reason`` and
  ``harness.replaced_by.<alias>``, and a line in its description;
- the version that gets it back gets ``harness.restored_at`` and
  ``harness.restored_from.<alias>``;
- the registered model keeps the alias history in ``harness.alias.<alias>.history`` (JSON,
  newest last), which later rollbacks read.

The previous holder is, in this order: the version named by ``harness.previous.<alias>`` on the
current one (see :func:`record_promotion`), the entry before the current one in the alias
history, or the newest older version that passed the gate and was never rolled back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness.errors import ConfigError, RunNotFoundError

ROLLED_BACK = "harness.rolled_back"
ROLLED_BACK_AT = "harness.rolled_back_at"
ROLLED_BACK_REASON = "harness.rolled_back_reason"
GATE_TAG = "harness.gate"
MAX_HISTORY = 20
_MAX_TAG = 5000


def previous_tag(alias: str) -> str:
    """Tag on a version naming the version that held ``alias`` before it."""
    return f"harness.previous.{alias}"


def history_tag(alias: str) -> str:
    """Tag on the registered model holding the history of ``alias`` (JSON list)."""
    return f"harness.alias.{alias}.history"


@dataclass(frozen=True)
class Rollback:
    """What a rollback did.

    Attributes
    ----------
    model_name, alias : str
        The registered model and the alias moved.
    from_version, to_version : str
        The version that held the alias, and the one that holds it now.
    reason : str
        Why, as recorded.
    at : str
        When, ISO 8601 (UTC).
    """

    model_name: str
    alias: str
    from_version: str
    to_version: str
    reason: str
    at: str

    def describe(self) -> str:
        """One line for the terminal."""
        return (
            f"rolled back: {self.model_name} alias {self.alias!r} moved from version "
            f"{self.from_version} to version {self.to_version} ({self.reason}); recorded in the "
            "model registry (tags harness.rolled_back*, harness.restored_*)."
        )


def record_promotion(client: Any, model_name: str, alias: str, new_version: str) -> None:
    """Record who held ``alias`` before ``new_version`` takes it; call it before moving the alias.

    Tags ``new_version`` with :func:`previous_tag` and appends the promotion to the alias
    history, so :func:`rollback` knows where to go back to.

    Parameters
    ----------
    client : mlflow.MlflowClient
        A client of the model registry.
    model_name, alias : str
        The registered model and the alias about to move.
    new_version : str
        The version that is about to take the alias.
    """
    current = _alias_holder(client, model_name, alias)
    if current is not None and str(current.version) != str(new_version):
        client.set_model_version_tag(
            model_name, str(new_version), previous_tag(alias), str(current.version)
        )
    _append_history(client, model_name, alias, str(new_version), "promoted")


def rollback(
    model_name: str,
    *,
    alias: str = "champion",
    tracking_uri: str | None = None,
    reason: str = "",
    to_version: str | None = None,
    client: Any = None,
) -> Rollback:
    """Move ``alias`` of ``model_name`` back to its previous holder and record it in MLflow.

    Parameters
    ----------
    model_name : str
        The registered model.
    alias : str
        The alias to move back (``champion``).
    tracking_uri : str, optional
        The MLflow store; ``$MLFLOW_TRACKING_URI`` or ``sqlite:///mlflow.db`` when omitted.
    reason : str
        Why, recorded on the versions (e.g. the alert that fired).
    to_version : str, optional
        Go back to this version instead of the previous holder.
    client : mlflow.MlflowClient, optional
        An open client (``tracking_uri`` is then ignored).

    Returns
    -------
    Rollback

    Raises
    ------
    RunNotFoundError
        No version holds the alias, or there is no earlier version to go back to.
    ConfigError
        ``to_version`` is the current holder or not a version of the model.
    """
    if client is None:
        from harness.gate.sources import mlflow_client

        client = mlflow_client(tracking_uri)
    current = _alias_holder(client, model_name, alias)
    if current is None:
        raise RunNotFoundError(
            f"no version of {model_name!r} holds the alias {alias!r}, so there is nothing to "
            "roll back: check the model name (`harness promote` sets the alias) and the "
            "tracking URI."
        )
    current_version = str(current.version)
    target = str(to_version) if to_version is not None else _previous(client, model_name, alias)
    if target is None or target == current_version:
        if to_version is not None:
            raise ConfigError(
                f"version {to_version} of {model_name!r} already holds {alias!r}: pass another "
                "--to-version, or leave it out to go back to the previous holder."
            )
        raise RunNotFoundError(
            f"{model_name!r} has no earlier version to move {alias!r} back to (version "
            f"{current_version} is the only one that passed the gate): fix forward with a new "
            "`harness promote`, or pass the version to restore."
        )
    _check_version(client, model_name, target)
    reason = reason.strip() or "manual rollback"
    at = datetime.now(UTC).isoformat(timespec="seconds")
    client.set_registered_model_alias(model_name, alias, target)
    for key, value in {
        ROLLED_BACK: "true",
        ROLLED_BACK_AT: at,
        ROLLED_BACK_REASON: reason,
        f"harness.replaced_by.{alias}": target,
    }.items():
        client.set_model_version_tag(model_name, current_version, key, value[:_MAX_TAG])
    client.set_model_version_tag(model_name, target, "harness.restored_at", at)
    client.set_model_version_tag(
        model_name, target, f"harness.restored_from.{alias}", current_version
    )
    line = f"Rolled back from {alias!r} to version {target} at {at}: {reason}"
    description = (current.description or "").strip()
    client.update_model_version(
        model_name, current_version, description=f"{description}\n{line}".strip()
    )
    _append_history(client, model_name, alias, target, f"rollback from {current_version}")
    return Rollback(model_name, alias, current_version, target, reason, at)


# -- registry helpers -------------------------------------------------------------------------


def _alias_holder(client: Any, model_name: str, alias: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None


def _check_version(client: Any, model_name: str, version: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_model_version(model_name, version)
    except MlflowException as exc:
        raise ConfigError(
            f"{model_name!r} has no version {version}: pick one of the versions listed in the "
            "model registry (mlflow ui, Models), or leave the version out."
        ) from exc


def _history(client: Any, model_name: str, alias: str) -> list[dict[str, str]]:
    tags = client.get_registered_model(model_name).tags or {}
    try:
        history = json.loads(tags.get(history_tag(alias), "[]"))
    except json.JSONDecodeError:
        return []
    return [h for h in history if isinstance(h, dict) and "version" in h]


def _append_history(client: Any, model_name: str, alias: str, version: str, event: str) -> None:
    history = _history(client, model_name, alias)
    history.append(
        {"version": version, "event": event, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    )
    while len(history) > 1 and len(json.dumps(history[-MAX_HISTORY:])) > _MAX_TAG:
        history = history[1:]
    client.set_registered_model_tag(
        model_name, history_tag(alias), json.dumps(history[-MAX_HISTORY:])
    )


def _previous(client: Any, model_name: str, alias: str) -> str | None:
    current = _alias_holder(client, model_name, alias)
    current_version = str(current.version)
    versions = {str(v.version): v for v in client.search_model_versions(f"name = '{model_name}'")}

    def usable(version: str | None) -> bool:
        if version is None or version == current_version or version not in versions:
            return False
        return (versions[version].tags or {}).get(ROLLED_BACK) != "true"

    named = (current.tags or {}).get(previous_tag(alias))
    if usable(named):
        return named
    earlier = [h["version"] for h in _history(client, model_name, alias)]
    if current_version in earlier:
        earlier = earlier[: len(earlier) - 1 - earlier[::-1].index(current_version)]
    for version in reversed(earlier):
        if usable(version):
            return version
    passed = [
        number
        for number, v in versions.items()
        if number.isdigit()
        and int(number) < int(current_version)
        and (v.tags or {}).get(GATE_TAG) == "passed"
        and usable(number)
    ]
    return max(passed, key=int) if passed else None
