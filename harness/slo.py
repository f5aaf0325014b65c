"""SLO sets: load and validate ``conf/slo/<name>.yaml``.

One SLO set is the single source of truth for the Prometheus exporter, the alert rules, the
Grafana dashboards and the CI gate.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigError

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
DECISIONS = ("point", "ci")
_DURATION = re.compile(r"^\d+[smhdw]$")

CONF_SLO_DIR = Path(__file__).resolve().parent.parent / "conf" / "slo"


@dataclass(frozen=True)
class Objective:
    """One threshold on one metric key.

    Parameters
    ----------
    name : str
        Short identifier, used in alert names and gate check names.
    metric : str
        Metric key from the results record, e.g. ``test/minority_recall``. For fairness
        objectives the bare metric name (``equalized_odds_difference``), checked for every
        sensitive column.
    op : str
        One of ``>=``, ``>``, ``<=``, ``<``: the comparison that must hold for the SLO to be met.
    threshold : float
        The bound.
    decision : str
        ``point`` compares the mean over folds; ``ci`` fails only when the whole 95 %
        confidence interval lies on the wrong side of the threshold.
    applies_to : tuple of str or None
        Resampler names the objective applies to; ``None`` means every resampler.
    """

    name: str
    metric: str
    op: str
    threshold: float
    decision: str = "point"
    applies_to: tuple[str, ...] | None = None

    def is_met(self, value: float) -> bool:
        """Return whether ``value`` satisfies the objective (NaN never does)."""
        if value is None or math.isnan(value):
            return False
        return OPERATORS[self.op](float(value), self.threshold)

    def is_met_ci(self, low: float, high: float) -> bool:
        """Return whether a 95 % CI ``[low, high]`` is *not* wholly on the wrong side."""
        if self.op in (">=", ">"):
            return self.is_met(high)
        return self.is_met(low)

    def applies(self, resampler: str) -> bool:
        """Return whether the objective applies to runs of ``resampler``."""
        return self.applies_to is None or resampler in self.applies_to


@dataclass(frozen=True)
class BurnRateAlert:
    """One multiwindow burn-rate alert (SRE workbook, chapter 5)."""

    severity: str
    long_window: str
    short_window: str
    factor: float


@dataclass(frozen=True)
class ServingSLO:
    """Event-based SLO for a model in service: minority recall from outcome counters."""

    minority_recall_objective: float
    burn_rate_alerts: tuple[BurnRateAlert, ...]
    stale_after: str = "1d"

    @property
    def error_budget(self) -> float:
        """Allowed share of missed minority events, ``1 - objective``."""
        return 1.0 - self.minority_recall_objective


@dataclass(frozen=True)
class SLOSet:
    """A named set of objectives, fairness bounds and the serving SLO."""

    name: str
    error_budget_window: str
    objectives: tuple[Objective, ...]
    fairness: tuple[Objective, ...] = field(default_factory=tuple)
    serving: ServingSLO | None = None
    source: str = ""

    def objective(self, name: str) -> Objective:
        """Return the objective called ``name`` (batch or fairness)."""
        for objective in (*self.objectives, *self.fairness):
            if objective.name == name:
                return objective
        raise KeyError(name)


def available_slo_sets(directory: Path = CONF_SLO_DIR) -> list[str]:
    """Return the names of the SLO sets shipped in ``directory``."""
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))


def load_slo_set(name_or_path: str | Path, directory: Path = CONF_SLO_DIR) -> SLOSet:
    """Load and validate an SLO set.

    Parameters
    ----------
    name_or_path : str or Path
        A set name under ``conf/slo/`` (``default``) or a path to a YAML file.
    directory : Path
        Where named sets live.

    Returns
    -------
    SLOSet

    Raises
    ------
    ConfigError
        The file is missing, not YAML, or a field is missing or has the wrong type.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(directory) / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"SLO set {str(name_or_path)!r} not found (looked for {path.name}). "
            f"Use one of {available_slo_sets(directory)} or pass the path of a YAML file."
        )
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"SLO file {path.name} is not valid YAML ({exc}); fix its syntax."
        ) from exc
    return parse_slo_set(raw, source=path.name)


def parse_slo_set(raw: Any, source: str = "<dict>") -> SLOSet:
    """Validate a mapping loaded from YAML and build an :class:`SLOSet`."""
    if not isinstance(raw, dict):
        raise ConfigError(f"SLO file {source} must be a mapping with 'name' and 'objectives'.")
    name = raw.get("name") or Path(source).stem
    objectives = _parse_objectives(raw.get("objectives"), source, "objectives", required=True)
    fairness = _parse_objectives(raw.get("fairness"), source, "fairness", required=False)
    window = str(raw.get("error_budget_window", "30d"))
    _check_duration(window, source, "error_budget_window")
    serving = _parse_serving(raw.get("serving"), source)
    return SLOSet(
        name=str(name),
        error_budget_window=window,
        objectives=objectives,
        fairness=fairness,
        serving=serving,
        source=source,
    )


def _parse_objectives(
    items: Any, source: str, section: str, *, required: bool
) -> tuple[Objective, ...]:
    if items is None:
        if required:
            raise ConfigError(f"SLO file {source} has no '{section}' list; add at least one.")
        return ()
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ConfigError(f"SLO file {source}: '{section}' must be a list of objectives.")
    parsed = []
    for index, item in enumerate(items):
        where = f"SLO file {source}, {section}[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a mapping with name, metric, op, threshold.")
        for key in ("metric", "op", "threshold"):
            if key not in item:
                raise ConfigError(f"{where} is missing '{key}'; add it (e.g. threshold: 0.8).")
        threshold = item["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise ConfigError(
                f"{where}: threshold {threshold!r} is not a number; write a plain number "
                "such as 0.8."
            )
        if not math.isfinite(float(threshold)):
            raise ConfigError(f"{where}: threshold must be finite, got {threshold!r}.")
        op = str(item["op"])
        if op not in OPERATORS:
            raise ConfigError(f"{where}: op {op!r} is not one of {list(OPERATORS)}.")
        decision = str(item.get("decision", "point"))
        if decision not in DECISIONS:
            raise ConfigError(f"{where}: decision {decision!r} is not one of {list(DECISIONS)}.")
        applies_to = item.get("applies_to")
        if applies_to is not None:
            if isinstance(applies_to, str) or not isinstance(applies_to, Sequence):
                raise ConfigError(f"{where}: applies_to must be a list of resampler names.")
            applies_to = tuple(str(a) for a in applies_to)
        parsed.append(
            Objective(
                name=str(item.get("name") or str(item["metric"]).replace("/", "_")),
                metric=str(item["metric"]),
                op=op,
                threshold=float(threshold),
                decision=decision,
                applies_to=applies_to,
            )
        )
    names = [o.name for o in parsed]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"SLO file {source}: objective names {duplicates} are not unique.")
    return tuple(parsed)


def _parse_serving(raw: Any, source: str) -> ServingSLO | None:
    if raw is None:
        return None
    where = f"SLO file {source}, serving"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping.")
    objective = raw.get("minority_recall_objective")
    if isinstance(objective, bool) or not isinstance(objective, int | float):
        raise ConfigError(f"{where}: minority_recall_objective must be a number in (0, 1).")
    if not 0.0 < float(objective) < 1.0:
        raise ConfigError(f"{where}: minority_recall_objective {objective} must be in (0, 1).")
    alerts = []
    for index, item in enumerate(raw.get("burn_rate_alerts") or []):
        try:
            alert = BurnRateAlert(
                severity=str(item["severity"]),
                long_window=str(item["long_window"]),
                short_window=str(item["short_window"]),
                factor=float(item["factor"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{where}.burn_rate_alerts[{index}] needs severity, long_window, short_window "
                f"and a numeric factor ({exc})."
            ) from exc
        _check_duration(alert.long_window, source, "long_window")
        _check_duration(alert.short_window, source, "short_window")
        alerts.append(alert)
    stale_after = str(raw.get("stale_after", "1d"))
    _check_duration(stale_after, source, "stale_after")
    return ServingSLO(float(objective), tuple(alerts), stale_after)


def _check_duration(value: str, source: str, key: str) -> None:
    if not _DURATION.match(value):
        raise ConfigError(
            f"SLO file {source}: {key} {value!r} is not a Prometheus duration; "
            "use e.g. 5m, 1h, 30d."
        )
