"""Measure the generated recall pages against what the labels allow, on a real Prometheus.

For each label rate the SLO set's rules are generated as ``harness dashboards`` generates them
(with ``monitoring.labels.minority_per_hour`` set to that rate), and simulated serving counters
are evaluated by a real Prometheus (:mod:`harness.export.backfill`):

- **time to page**: the model's recall is ``objective + margin`` and falls, at a known moment in
  prediction time, to ``objective - drop``; each confirmed minority label arrives ``delay``
  after its prediction (Poisson arrivals at the rate, each caught with the model's recall).
  The time to page is from the fall to the first page, the delay included;
- **false pages per 30 days**: recall steady at ``objective + margin`` (the healthy model),
  over many independent series whose total length is at least the requested days; a false page
  is one start of firing after the series' longest window has filled;
- **the sequential bound**: the CUSUM's detection time at one false alarm per 30 days,
  ``delay + ln(1/alpha) / KL / rate`` (:func:`harness.export.label_rate.sequential_bound_hours`).

Both page rules are measured: the burn-rate page of the SLO set, and the evidence page sized
for the label rate. Counters are sampled every minute and the rules evaluated every minute.
Same design and seed, same table.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from harness.errors import ConfigError
from harness.export.backfill import (
    CounterSeries,
    add_blocks,
    blocks_from_openmetrics,
    blocks_from_rules,
    firing_starts,
    query_range,
    serving_blocks,
    write_openmetrics,
)
from harness.export.label_rate import evidence_test, recall_pair, sequential_bound_hours
from harness.export.monitoring import default_monitoring_settings
from harness.export.names import SERVING_OUTCOMES
from harness.export.rules import (
    BURN_ALERT,
    EVIDENCE_ALERT,
    alert_rules,
    duration_seconds,
    recording_rules,
)
from harness.slo import LabelSupply, SLOSet

STEP_S = 60
#: Simulated time starts here (2025-01-01 00:00 UTC): any fixed past moment would do.
EPOCH = 1_735_689_600
DATASET = "simulated"
PAGE_ALERTS = (BURN_ALERT, EVIDENCE_ALERT)
_RECORDED = re.compile(r"harness:[a-z_]+:[a-z0-9]+")


@dataclass(frozen=True)
class SimulationDesign:
    """What the simulation varies and how much of it runs.

    Attributes
    ----------
    rates : tuple of float
        Minority labels per hour.
    drops : tuple of float
        Falls of recall below the objective.
    delays : tuple of str
        Label delays (Prometheus durations).
    replicates : int
        Series per (rate, drop, delay) cell; the time to page is their median.
    healthy_days : float
        Total simulated days, per rate, of the healthy model (split over parallel series).
    warmup_hours, horizon_hours : float
        Healthy time before the fall (at least the longest window), and time watched after it.
    seed : int
        Seed of every random draw.
    """

    rates: tuple[float, ...] = (10.0, 50.0, 200.0)
    drops: tuple[float, ...] = (0.05, 0.10, 0.20)
    delays: tuple[str, ...] = ("0s", "1h", "6h")
    replicates: int = 8
    healthy_days: float = 90.0
    warmup_hours: float = 60.0
    horizon_hours: float = 72.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.replicates < 1 or self.healthy_days <= 0 or self.horizon_hours <= 0:
            raise ConfigError(
                "a simulation needs at least one replicate, healthy days and a horizon above 0."
            )


@dataclass(frozen=True)
class CellResult:
    """Time to page of one (rate, drop, delay) cell, per page rule, against the bound."""

    rate: float
    drop: float
    delay: str
    bound_hours: float
    #: Median hours to the first page per alert; ``inf`` when most series never paged.
    median_hours: dict[str, float] = field(default_factory=dict)
    #: Series of the cell that paged within the horizon, per alert.
    paged: dict[str, int] = field(default_factory=dict)
    replicates: int = 0


@dataclass(frozen=True)
class RateResult:
    """Everything measured at one label rate."""

    rate: float
    windows: tuple[str, ...]
    threshold: float
    healthy_days: float
    #: False pages per 30 days of the healthy model, per alert.
    false_pages_per_30d: dict[str, float]
    false_pages: dict[str, int]
    cells: tuple[CellResult, ...]


def simulate(
    slo_set: SLOSet,
    design: SimulationDesign,
    workdir: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> list[RateResult]:
    """Run the simulation for every rate of ``design``.

    Raises
    ------
    ConfigError
        The SLO set has no serving section, or Prometheus is not installed.
    """
    if slo_set.serving is None:
        raise ConfigError(
            f"SLO set {slo_set.name!r} has no 'serving' section: the simulation measures its "
            "serving recall alerts; add one with minority_recall_objective and burn_rate_alerts."
        )
    with tempfile.TemporaryDirectory(prefix="harness-alert-sim-", dir=workdir) as scratch:
        return [
            _simulate_rate(slo_set, design, rate, Path(scratch) / f"rate{index}", progress)
            for index, rate in enumerate(design.rates)
        ]


# -- one rate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    model: str
    recall_before: float
    recall_after: float
    fall_s: float  # seconds from the start, in prediction time (inf: no fall)
    delay_s: float
    #: Seeds the labels' random stream. The series of one fall and replicate share it across
    #: delays (common random numbers): their labels are the same, only later.
    stream: int


def _plan(slo_set: SLOSet, design: SimulationDesign, rate: float) -> tuple[list[_Series], float]:
    """The series of one rate and the span they cover, in seconds."""
    objective = slo_set.serving.minority_recall_objective
    healthy, _ = recall_pair(objective)
    longest = max(duration_seconds(w) for w in evidence_test(objective, rate).windows)
    warmup_s = max(design.warmup_hours * 3600.0, longest + 6 * 3600.0)
    span = warmup_s + design.horizon_hours * 3600.0
    series = [
        _Series(
            f"fall{drop:g}-delay{delay}-{rep}",
            healthy,
            objective - drop,
            warmup_s,
            duration_seconds(delay),
            stream=index * design.replicates + rep,
        )
        for index, drop in enumerate(design.drops)
        for delay in design.delays
        for rep in range(design.replicates)
    ]
    usable_days = (span - _skip_s(longest)) / 86400.0
    parallel = math.ceil(design.healthy_days / usable_days)
    first = len(design.drops) * design.replicates
    series += [
        _Series(f"healthy-{rep}", healthy, healthy, math.inf, 0.0, stream=first + rep)
        for rep in range(parallel)
    ]
    return series, span


def _skip_s(longest_window_s: float) -> float:
    """Start of the counted span of a healthy series: once its longest window has filled."""
    return longest_window_s + 3600.0


def _counters(one: _Series, rate: float, span: float, seed: int) -> dict:
    """Cumulative ``tp`` and ``fn`` counts per minute of one series.

    The labels of the predictions made in each minute are drawn in prediction time (Poisson
    at the rate, each caught with the recall of that minute), then arrive ``delay`` later.
    """
    minutes = int(span // STEP_S) + 1
    rng = np.random.default_rng([seed, int(round(rate * 1000)), one.stream])
    labels = rng.poisson(rate / 60.0, size=minutes)
    recall = np.where(np.arange(minutes) * STEP_S < one.fall_s, one.recall_before, one.recall_after)
    caught = rng.binomial(labels, recall)
    shift = int(one.delay_s // STEP_S)
    arrived = {"tp": np.zeros(minutes, dtype=np.int64), "fn": np.zeros(minutes, dtype=np.int64)}
    # Minute 0 is the counters' first sample, at zero: labels arrive from minute 1 on.
    arrived["tp"][shift + 1 :] = caught[: minutes - shift - 1]
    arrived["fn"][shift + 1 :] = (labels - caught)[: minutes - shift - 1]
    return {outcome: np.cumsum(counts) for outcome, counts in arrived.items()}


def _rule_levels(slo_set: SLOSet, page_rules: list[dict[str, Any]]) -> list[list[dict]]:
    """The recording rules the page alerts read, in backfill passes (a rule after its inputs)."""
    rules = {
        rule["record"]: rule
        for group in recording_rules(slo_set)["groups"]
        for rule in group["rules"]
    }
    needed: dict[str, dict] = {}
    pending = [name for rule in page_rules for name in _RECORDED.findall(rule["expr"])]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed[name] = rules[name]
            pending += _RECORDED.findall(rules[name]["expr"])
    levels: list[list[dict]] = []
    placed: set[str] = set()
    while len(placed) < len(needed):
        level = [
            rule
            for name, rule in needed.items()
            if name not in placed and set(_RECORDED.findall(rule["expr"])) <= placed
        ]
        levels.append(level)
        placed |= {rule["record"] for rule in level}
    return levels


def _page_rules(slo_set: SLOSet) -> list[dict[str, Any]]:
    settings = default_monitoring_settings(slo_set)
    return [
        rule
        for group in alert_rules(slo_set, settings)["groups"]
        for rule in group["rules"]
        if rule["alert"] in PAGE_ALERTS and rule["labels"].get("severity") == "page"
        and rule["labels"].get("sli") == "minority_recall"
    ]  # fmt: skip


def _simulate_rate(
    slo_set: SLOSet,
    design: SimulationDesign,
    rate: float,
    scratch: Path,
    progress: Callable[[str], None],
) -> RateResult:
    scratch.mkdir(parents=True)
    objective = slo_set.serving.minority_recall_objective
    sized = dataclasses.replace(slo_set, labels=LabelSupply(rate))
    test = evidence_test(objective, rate)
    page_rules = _page_rules(sized)
    series, span = _plan(sized, design, rate)
    progress(f"rate {rate:g}/h: {len(series)} series over {span / 86400:.1f} days")
    times = EPOCH + np.arange(int(span // STEP_S) + 1) * STEP_S
    counters = []
    for one in series:
        counts = _counters(one, rate, span, design.seed)
        for outcome in ("tp", "fn"):
            labels = {"model": one.model, "dataset": DATASET, "outcome": outcome}
            counters.append(CounterSeries(labels, times, counts[outcome]))
    family = SERVING_OUTCOMES.removesuffix("_total")
    source = write_openmetrics(scratch / "series.om", family, counters)
    data_dir = scratch / "data"
    blocks_from_openmetrics(source, data_dir)
    source.unlink()
    start, end = int(times[0]), int(times[-1])
    log = scratch / "prometheus.log"
    for index, level in enumerate(_rule_levels(sized, page_rules)):
        rule_file = scratch / f"rules{index}.yml"
        rule_file.write_text(yaml.safe_dump({"groups": [{"name": "sim", "rules": level}]}))
        with serving_blocks(data_dir, log) as url:
            blocks_from_rules(url, rule_file, start, end, scratch / f"rule-blocks{index}")
        add_blocks(scratch / f"rule-blocks{index}", data_dir)
        progress(f"rate {rate:g}/h: backfilled {len(level)} recording rules")
    fired: dict[str, dict[str, np.ndarray]] = {}
    with serving_blocks(data_dir, log) as url:
        for rule in page_rules:
            condition = query_range(url, rule["expr"], start, end, STEP_S)
            for_s = duration_seconds(rule["for"])
            fired[rule["alert"]] = {
                model: firing_starts(when, STEP_S, for_s) - EPOCH
                for model, when in condition.items()
            }
            progress(f"rate {rate:g}/h: evaluated {rule['alert']}")
    return _tabulate(sized, design, rate, test, series, span, fired)


def _tabulate(
    slo_set: SLOSet,
    design: SimulationDesign,
    rate: float,
    test: Any,
    series: Sequence[_Series],
    span: float,
    fired: dict[str, dict[str, np.ndarray]],
) -> RateResult:
    objective = slo_set.serving.minority_recall_objective
    longest = max(duration_seconds(w) for w in test.windows)
    healthy = [s for s in series if math.isinf(s.fall_s)]
    counted_days = len(healthy) * (span - _skip_s(longest)) / 86400.0
    false_pages = {
        alert: sum(
            int(np.sum(by_model.get(s.model, np.array([])) >= _skip_s(longest))) for s in healthy
        )
        for alert, by_model in fired.items()
    }
    cells = []
    for drop in design.drops:
        for delay in design.delays:
            members = [s for s in series if s.model.startswith(f"fall{drop:g}-delay{delay}-")]
            medians, paged = {}, {}
            for alert, by_model in fired.items():
                hours = []
                for member in members:
                    after = by_model.get(member.model, np.array([]))
                    after = after[after >= member.fall_s]
                    hours.append((after[0] - member.fall_s) / 3600.0 if after.size else math.inf)
                medians[alert] = float(np.median(hours))
                paged[alert] = int(np.sum(np.isfinite(hours)))
            bound = sequential_bound_hours(
                objective, objective - drop, rate, duration_seconds(delay) / 3600.0
            )
            cells.append(CellResult(rate, drop, delay, bound, medians, paged, len(members)))
    return RateResult(
        rate=rate,
        windows=test.windows,
        threshold=test.threshold,
        healthy_days=counted_days,
        false_pages_per_30d={a: n / counted_days * 30.0 for a, n in false_pages.items()},
        false_pages=false_pages,
        cells=tuple(cells),
    )


# -- the table --------------------------------------------------------------------------------


def _hours(cell: CellResult, alert: str) -> str:
    """Median hours to the page, and how many series of the cell paged at all."""
    value = cell.median_hours[alert]
    median = "no page" if math.isinf(value) else f"{value:.2f}"
    return f"{median} ({cell.paged[alert]}/{cell.replicates})"


def markdown_tables(results: Sequence[RateResult], design: SimulationDesign) -> str:
    """The two tables of docs/monitoring.md: time to page against the bound, false pages."""
    lines = [
        "| labels/h | recall falls by | label delay | sequential bound (h) "
        "| evidence page (h, paged) | evidence / bound | burn-rate page (h, paged) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for cell in result.cells:
            evidence = cell.median_hours[EVIDENCE_ALERT]
            ratio = evidence / cell.bound_hours
            lines.append(
                f"| {result.rate:g} | {cell.drop:g} | {cell.delay} | {cell.bound_hours:.2f} "
                f"| {_hours(cell, EVIDENCE_ALERT)} | {ratio:.2f} | {_hours(cell, BURN_ALERT)} |"
            )
    lines += [
        "",
        "| labels/h | evidence windows | threshold h | healthy days simulated "
        "| false pages / 30 d, evidence | false pages / 30 d, burn rate |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.rate:g} | {', '.join(result.windows)} | {result.threshold:.2f} "
            f"| {result.healthy_days:.0f} "
            f"| {result.false_pages_per_30d[EVIDENCE_ALERT]:.2f} "
            f"({result.false_pages[EVIDENCE_ALERT]} pages) "
            f"| {result.false_pages_per_30d[BURN_ALERT]:.2f} "
            f"({result.false_pages[BURN_ALERT]} pages) |"
        )
    lines += [
        "",
        f"Medians over {design.replicates} series per cell, watched {design.horizon_hours:g} h "
        'after the fall ("no page": most never paged), with how many paged at all; seed '
        f"{design.seed}.",
    ]
    return "\n".join(lines) + "\n"


def as_json(results: Sequence[RateResult], design: SimulationDesign) -> dict[str, Any]:
    """Everything measured, JSON-ready (``inf`` as ``None``)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    return clean(
        {"design": dataclasses.asdict(design), "rates": [dataclasses.asdict(r) for r in results]}
    )
