"""The gate's verdict per experiment and objective, as Prometheus series.

Batch-quality alerts read these series instead of every strategy row of every past run: the
gate judges the latest run of an experiment (or the champion, under ``harness promote``), and
each of its objectives becomes one verdict. Relative objectives (regression against a
baseline) cannot be written as PromQL thresholds, so the verdict is exported, not the rule.

Series (labels ``experiment`` and ``objective``; the objective is the gate check's name):

- ``harness_gate_verdict{experiment, objective, verdict}``: a state set, 1 for the current
  verdict (``PASS``, ``FAIL``, ``INCONCLUSIVE`` or ``NOT APPLICABLE``; ``WARN`` or ``OK`` for
  the SLO set's warnings, which never gate) and 0 for the others;
- ``harness_gate_objective_worst_value{experiment, objective, metric, candidate, required}``:
  the value of the worst run among those that decide the verdict (NaN when none has one);
- ``harness_gate_failed_candidates{experiment, objective}``: how many runs fail it;
- ``harness_gate_evaluated_timestamp_seconds{experiment}``: when the gate ran.

A new export of an experiment replaces all of its previous verdicts (its own textfile, its own
Pushgateway group), so an objective dropped from the SLO set stops alerting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from harness.export.names import (
    GATE_EVALUATED,
    GATE_FAILED_CANDIDATES,
    GATE_VERDICT,
    GATE_WORST_VALUE,
    sanitize,
)
from harness.export.prometheus import (
    ExportReport,
    export_registry,
)

PASS, FAIL, NOT_APPLICABLE = "PASS", "FAIL", "NOT APPLICABLE"
INCONCLUSIVE = "INCONCLUSIVE"  # the data show neither that the objective is met nor missed
WARN, OK = "WARN", "OK"  # the verdicts of the SLO set's warnings, which never gate
VERDICTS = (PASS, FAIL, INCONCLUSIVE, NOT_APPLICABLE, WARN, OK)
#: Which verdict an objective gets when its runs disagree: the first one any run has.
PRECEDENCE = (FAIL, INCONCLUSIVE, WARN, PASS, OK, NOT_APPLICABLE)
#: Verdict names of older gate results, read as their current equivalent.
_ALIASES = {"SKIP": NOT_APPLICABLE}
_LOWER_IS_WORSE = (">=", ">")
_HIGHER_IS_WORSE = ("<=", "<")


@dataclass(frozen=True)
class ObjectiveVerdict:
    """The gate's verdict on one objective over every run it checked.

    Attributes
    ----------
    experiment, objective : str
        What the verdict is about (``objective`` is the gate check's name).
    metric : str
        The metric key the objective checks.
    verdict : str
        ``FAIL`` when any run fails, else ``INCONCLUSIVE`` when any is inconclusive, else
        ``WARN`` when any warns, else ``PASS`` when any passes, else ``OK`` when any is clear
        of a warning, else ``NOT APPLICABLE``.
    n_failed : int
        Runs that fail the objective.
    worst_candidate : str
        The run with the worst value among those that decide the verdict.
    worst_value : float
        Its value (NaN when unknown, e.g. a missing metric).
    required : str
        The rule, e.g. ``>= 0.8``; for a relative objective the bound on the improvement over
        the reference and the test that decides it (empty when the check has no numeric
        bound).
    """

    experiment: str
    objective: str
    metric: str
    verdict: str
    n_failed: int
    worst_candidate: str
    worst_value: float
    required: str


def _field(check: Any, name: str) -> Any:
    if isinstance(check, Mapping):
        return check.get(name)
    return getattr(check, name, None)


def _verdict(check: Any) -> str:
    verdict = str(_field(check, "verdict") or "")
    verdict = _ALIASES.get(verdict, verdict)
    if verdict not in VERDICTS:
        raise ValueError(
            f"gate check {_field(check, 'name')!r} has verdict {verdict!r}, not one of "
            f"{', '.join(VERDICTS)}: export the checks of a gate result (GateResult.checks or "
            "gate.json)."
        )
    return verdict


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _worst(checks: list[Any]) -> Any:
    """The check whose value is furthest on the wrong side of (or closest to) its bound."""
    op = str(_field(checks[0], "op") or "")
    known = [c for c in checks if not math.isnan(_number(_field(c, "value")))]
    if not known or (op not in _LOWER_IS_WORSE and op not in _HIGHER_IS_WORSE):
        return checks[0]
    pick = min if op in _LOWER_IS_WORSE else max
    return pick(known, key=lambda c: _number(_field(c, "value")))


def _required(check: Any) -> str:
    """The rule the check applies, in words: the bound, and for a relative check the test.

    An absolute objective reads ``>= 0.8``. A relative check's value is the improvement over
    the reference and its verdict a Holm-adjusted p-value, not the value against the bound,
    so an improvement of -0.011 can fail a margin of 0.02: the rule says both.
    """
    threshold = _number(_field(check, "threshold"))
    if math.isnan(threshold):
        return ""
    bound = f"{_field(check, 'op')} {threshold:.4g}"
    comparison = _field(check, "comparison")
    if _field(check, "kind") != "relative" or comparison is None:
        return bound
    reference = _field(comparison, "reference") or "the reference"
    alpha = _number(_field(comparison, "alpha"))
    level = f"{alpha:g}" if not math.isnan(alpha) else "alpha"
    return (
        f"improvement over {reference} {bound}, shown by a Holm-adjusted one-sided "
        f"p-value < {level} (the value is the improvement)"
    )


def objective_verdicts(checks: Iterable[Any], experiment: str) -> list[ObjectiveVerdict]:
    """Fold the checks of one gate run into one verdict per objective.

    Parameters
    ----------
    checks : iterable of Check or dict
        The gate's checks (``GateResult.checks``, or the ``checks`` of ``gate.json``), each
        with ``name``, ``metric``, ``verdict``, ``candidate`` and, when numeric, ``value``,
        ``op`` and ``threshold``.
    experiment : str
        The experiment the gate judged.

    Returns
    -------
    list of ObjectiveVerdict
        One per distinct check name, in the order the names first appear.

    Raises
    ------
    ValueError
        A check's verdict is not one of PASS, FAIL, NOT APPLICABLE (or the older SKIP).

    Examples
    --------
    >>> checks = [
    ...     {"name": "minority_recall", "metric": "test/minority_recall", "verdict": "FAIL",
    ...      "candidate": "pima__smote", "value": 0.7, "op": ">=", "threshold": 0.8},
    ...     {"name": "minority_recall", "metric": "test/minority_recall", "verdict": "PASS",
    ...      "candidate": "pima__adasyn", "value": 0.85, "op": ">=", "threshold": 0.8},
    ... ]
    >>> [(v.objective, v.verdict, v.worst_candidate) for v in objective_verdicts(checks, "quick")]
    [('minority_recall', 'FAIL', 'pima__smote')]
    """
    by_name: dict[str, list[Any]] = {}
    for check in checks:
        by_name.setdefault(str(_field(check, "name")), []).append(check)
    verdicts = []
    for name, group in by_name.items():
        states = [_verdict(c) for c in group]
        verdict = next(v for v in PRECEDENCE if v in states)
        deciding = [c for c, state in zip(group, states, strict=True) if state == verdict]
        worst = _worst(deciding)
        verdicts.append(
            ObjectiveVerdict(
                experiment=str(experiment),
                objective=name,
                metric=str(_field(worst, "metric") or ""),
                verdict=verdict,
                n_failed=states.count(FAIL),
                worst_candidate=str(_field(worst, "candidate") or ""),
                worst_value=_number(_field(worst, "value")),
                required=_required(worst),
            )
        )
    return verdicts


class VerdictCollector(Collector):
    """A collector over the verdicts of one gate run."""

    def __init__(self, verdicts: list[ObjectiveVerdict], evaluated_at: float):
        self._verdicts = verdicts
        self._evaluated_at = evaluated_at

    def collect(self) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            GATE_VERDICT,
            "The gate's verdict per experiment and objective: 1 for the current verdict.",
            labels=["experiment", "objective", "verdict"],
        )
        worst = GaugeMetricFamily(
            GATE_WORST_VALUE,
            "Value of the worst run among those that decide the objective's verdict.",
            labels=["experiment", "objective", "metric", "candidate", "required"],
        )
        failed = GaugeMetricFamily(
            GATE_FAILED_CANDIDATES,
            "Runs that fail the objective in the latest gate run.",
            labels=["experiment", "objective"],
        )
        experiments = set()
        for verdict in self._verdicts:
            experiments.add(verdict.experiment)
            for candidate in VERDICTS:
                state.add_metric(
                    [verdict.experiment, verdict.objective, candidate],
                    1.0 if verdict.verdict == candidate else 0.0,
                )
            worst.add_metric(
                [
                    verdict.experiment,
                    verdict.objective,
                    verdict.metric,
                    verdict.worst_candidate,
                    verdict.required,
                ],
                verdict.worst_value,
            )
            failed.add_metric([verdict.experiment, verdict.objective], float(verdict.n_failed))
        evaluated = GaugeMetricFamily(
            GATE_EVALUATED,
            "Unix time at which the gate judged the experiment.",
            labels=["experiment"],
        )
        for experiment in sorted(experiments):
            evaluated.add_metric([experiment], self._evaluated_at)
        yield from (state, worst, failed, evaluated)


def verdict_registry(
    checks: Iterable[Any], experiment: str, *, evaluated_at: float | None = None
) -> CollectorRegistry:
    """A new registry (never the global one) with the verdicts of one gate run.

    Parameters
    ----------
    checks : iterable of Check or dict
        See :func:`objective_verdicts`.
    experiment : str
        The experiment the gate judged.
    evaluated_at : float, optional
        Unix time of the gate run; now when omitted.
    """
    registry = CollectorRegistry(auto_describe=False)
    verdicts = objective_verdicts(checks, experiment)
    stamp = time.time() if evaluated_at is None else float(evaluated_at)
    registry.register(VerdictCollector(verdicts, stamp))
    return registry


def verdict_textfile(textfile_path: Path, experiment: str) -> Path:
    """The textfile of ``experiment``'s verdicts, next to the results textfile.

    One file per experiment (``harness_gate_<experiment>.prom``), so node_exporter's textfile
    collector serves every experiment's latest verdict and a new gate run replaces only its own.
    """
    return Path(textfile_path).with_name(f"harness_gate_{sanitize(experiment) or 'unnamed'}.prom")


def export_gate_verdicts(
    checks: Iterable[Any],
    experiment: str,
    cfg: Mapping[str, Any],
    *,
    evaluated_at: float | None = None,
) -> ExportReport:
    """Export one gate run's verdicts as configured; never raises for an unreachable target.

    Parameters
    ----------
    checks : iterable of Check or dict
        The gate's checks (see :func:`objective_verdicts`).
    experiment : str
        The experiment the gate judged.
    cfg : mapping
        The ``export`` config, as for :func:`harness.export.prometheus.export_results`:
        ``mode`` (none, textfile, pushgateway, http), ``textfile_path``, ``pushgateway_url``,
        ``job``, ``timeout_s``. The textfile goes next to ``textfile_path``
        (:func:`verdict_textfile`); the push replaces the Pushgateway group
        ``{job="<job>_gate", experiment="<experiment>"}``.
    evaluated_at : float, optional
        Unix time of the gate run; now when omitted.

    Returns
    -------
    ExportReport
    """
    textfile_path = cfg.get("textfile_path")

    def push_verdicts(registry: CollectorRegistry, url: str, job: str, timeout: float) -> None:
        from prometheus_client import push_to_gateway

        grouping_key = {"experiment": str(experiment)}
        push_to_gateway(
            url, job=f"{job}_gate", registry=registry, grouping_key=grouping_key, timeout=timeout
        )

    return export_registry(
        cfg,
        lambda: verdict_registry(checks, experiment, evaluated_at=evaluated_at),
        textfile=verdict_textfile(Path(textfile_path), experiment) if textfile_path else None,
        push_to=push_verdicts,
        what="gate verdict",
    )
