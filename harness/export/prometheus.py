"""Run results as Prometheus series: collector, textfile, Pushgateway and HTTP endpoint.

Every series carries the labels ``experiment``, ``dataset``, ``resampler`` and ``model``;
fairness series also ``sensitive`` and ``group``. Data values only ever appear as label values,
never in a metric name (:mod:`harness.export.names`); prometheus-client escapes them, so a data
set's strings cannot break the exposition format, and no two series are exported twice.
"""

from __future__ import annotations

import logging
import math
import urllib.error
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from harness.export.names import (
    LAST_FAILURE,
    LAST_RUN,
    LAST_SUCCESS,
    RUN_LABELS,
    RUN_STATUSES,
    RUNS_TOTAL,
    SLO_MET,
    SLO_OBJECTIVE_THRESHOLD,
    counter_name,
    prometheus_series,
)
from harness.runs import readable_records
from harness.slo import SLOSet

log = logging.getLogger(__name__)

Record = dict[str, Any]


#: The values of the ``export.mode`` setting.
EXPORT_MODES = ("none", "textfile", "pushgateway", "http")


class ExportWarning(UserWarning):
    """An export target could not be reached; the run's results are intact."""


def run_labels(record: Record) -> dict[str, str]:
    """The identity labels of a run record."""
    return {label: str(record.get(label) or "") for label in RUN_LABELS}


def _identity(record: Record) -> tuple[str, ...]:
    return tuple(run_labels(record).values())


def _timestamp(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def latest_records(records: Iterable[Record]) -> list[Record]:
    """The most recent record of each (experiment, dataset, resampler, model)."""
    latest: dict[tuple[str, ...], Record] = {}
    for record in records:
        key = _identity(record)
        seen = latest.get(key)
        if seen is None or (record.get("finished_at") or "") >= (seen.get("finished_at") or ""):
            latest[key] = record
    return list(latest.values())


class ResultsCollector(Collector):
    """A prometheus-client collector over run records, re-read on every collection.

    Parameters
    ----------
    records : callable
        Returns the run records to expose (all of them: the latest per run identity is
        exposed as gauges, every record counts in ``harness_runs_total``).
    slo : SLOSet, optional
        Adds ``harness_slo_objective_threshold`` and ``harness_slo_met``.
    """

    def __init__(
        self,
        records: Callable[[], list[Record]],
        slo: SLOSet | None = None,
        experiment: str | None = None,
    ):
        self._records = records
        self._slo = slo
        self._experiment = experiment

    def collect(self) -> Iterator[Metric]:
        records = self._records()
        if self._experiment is not None:
            default = self._experiment
            records = [{**r, "experiment": r.get("experiment") or default} for r in records]
        latest = latest_records(records)
        yield from self._metric_families(latest)
        yield from self._run_families(records)
        if self._slo is not None:
            yield from self._slo_families(latest)

    def _metric_families(self, latest: list[Record]) -> Iterator[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        extra_labels: dict[str, tuple[str, ...]] = {}
        # A series seen twice would make the exposition invalid (a Pushgateway refuses the
        # whole push): the first key wins, the clash is logged.
        seen: dict[tuple[str, ...], str] = {}
        for record in latest:
            if record.get("status") != "success":
                continue
            labels = run_labels(record)
            for key, value in sorted((record.get("metrics") or {}).items()):
                if not _is_number(value):
                    continue
                name, extra = prometheus_series(key)
                if name not in families:
                    extra_labels[name] = tuple(extra)
                    families[name] = GaugeMetricFamily(
                        name,
                        f"Mean over folds of the {key.split('/')[0]} metric {name[8:]}.",
                        labels=[*RUN_LABELS, *extra],
                    )
                elif extra_labels[name] != tuple(extra):
                    log.warning("metric key %s clashes with another key on series %s", key, name)
                    continue
                series = (name, *labels.values(), *extra.values())
                if series in seen:
                    log.warning(
                        "metric keys %s and %s give the same series %s%s; %s is not exported",
                        seen[series],
                        key,
                        name,
                        {**labels, **extra},
                        key,
                    )
                    continue
                seen[series] = key
                families[name].add_metric([*labels.values(), *extra.values()], float(value))
        yield from families.values()

    def _run_families(self, records: list[Record]) -> Iterator[Metric]:
        # Every status series of every job exists from the job's first record on (at 0 when
        # no run had that status), so a first failure is an increase Prometheus can see.
        counts = Counter((*_identity(r), str(r.get("status"))) for r in records)
        for identity in {_identity(r) for r in records}:
            for status in RUN_STATUSES:
                counts.setdefault((*identity, status), 0)
        runs = CounterMetricFamily(
            counter_name(RUNS_TOTAL),
            "Runs recorded, by final status.",
            labels=[*RUN_LABELS, "status"],
        )
        for labels, count in sorted(counts.items()):
            runs.add_metric(list(labels), float(count))
        yield runs
        yield self._finished_family(
            records,
            LAST_SUCCESS,
            "Unix time at which the latest successful run finished.",
            lambda status: status == "success",
        )
        yield self._finished_family(
            records,
            LAST_FAILURE,
            "Unix time at which the latest run that did not succeed finished.",
            lambda status: status not in ("success", "running"),
        )
        last_run = GaugeMetricFamily(
            LAST_RUN,
            "Unix time at which the latest run finished, labelled with its status.",
            labels=[*RUN_LABELS, "status"],
        )
        latest: dict[tuple[str, ...], tuple[float, str]] = {}
        for record in records:
            finished = _timestamp(record.get("finished_at"))
            if finished is None:
                continue
            key = _identity(record)
            if key not in latest or finished >= latest[key][0]:
                latest[key] = (finished, str(record.get("status")))
        for labels, (finished, status) in sorted(latest.items()):
            last_run.add_metric([*labels, status], finished)
        yield last_run

    @staticmethod
    def _finished_family(
        records: list[Record], name: str, documentation: str, keep: Callable[[str], bool]
    ) -> GaugeMetricFamily:
        """Per job, the latest ``finished_at`` among its records whose status ``keep`` accepts."""
        family = GaugeMetricFamily(name, documentation, labels=list(RUN_LABELS))
        stamps: dict[tuple[str, ...], float] = {}
        for record in records:
            finished = _timestamp(record.get("finished_at"))
            if keep(str(record.get("status"))) and finished is not None:
                key = _identity(record)
                stamps[key] = max(stamps.get(key, 0.0), finished)
        for labels, finished in sorted(stamps.items()):
            family.add_metric(list(labels), finished)
        return family

    def _slo_families(self, latest: list[Record]) -> Iterator[Metric]:
        slo = self._slo
        threshold = GaugeMetricFamily(
            SLO_OBJECTIVE_THRESHOLD,
            "Threshold of each SLO objective.",
            labels=["slo", "objective", "metric"],
        )
        for objective in slo.objectives:
            threshold.add_metric([slo.name, objective.name, objective.metric], objective.threshold)
        yield threshold
        met = GaugeMetricFamily(
            SLO_MET,
            "1 when the latest run meets the SLO objective, 0 when it does not.",
            labels=["slo", "objective", "metric", *RUN_LABELS],
        )
        for record in latest:
            if record.get("status") != "success":
                continue
            metrics = record.get("metrics") or {}
            for objective in slo.objectives:
                if not objective.applies(str(record.get("strategy"))):
                    continue
                value = metrics.get(objective.metric)
                ok = value is not None and objective.is_met(float(value))
                labels = [slo.name, objective.name, objective.metric, *run_labels(record).values()]
                met.add_metric(labels, 1.0 if ok else 0.0)
        yield met


def results_registry(
    records: Callable[[], list[Record]], slo: SLOSet | None, experiment: str | None = None
) -> CollectorRegistry:
    """A fresh registry (never the global one) exposing the records ``records()`` returns."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ResultsCollector(records, slo, experiment))
    return registry


def build_registry(
    results: list[Record], experiment: str | None = None, *, slo: SLOSet | None = None
) -> CollectorRegistry:
    """Build a registry of the series of ``results``.

    Parameters
    ----------
    results : list of dict
        ``result.json`` records. The latest record of each (experiment, dataset, resampler,
        model) gives the metric gauges; every record counts in ``harness_runs_total{status}``.
    experiment : str, optional
        Experiment label of records that do not name their experiment.
    slo : SLOSet, optional
        Adds ``harness_slo_objective_threshold`` and ``harness_slo_met`` for its batch
        objectives.

    Returns
    -------
    CollectorRegistry
        A new registry; the global default registry is never touched.

    Examples
    --------
    >>> from prometheus_client import generate_latest
    >>> record = {"experiment": "quick", "dataset": "pima", "resampler": "adasyn",
    ...           "model": "tree", "status": "success", "metrics": {"test/minority_recall": 0.7}}
    >>> b"harness_test_minority_recall{" in generate_latest(build_registry([record]))
    True
    """
    snapshot = list(results)
    return results_registry(lambda: snapshot, slo, experiment)


@dataclass
class ExportReport:
    """What an export did.

    Attributes
    ----------
    mode : str
        The export mode: none, textfile, pushgateway or http.
    textfile : Path or None
        The textfile written, if any.
    pushed : bool or None
        Whether the Pushgateway accepted the push; ``None`` when no push was asked for.
    warnings : list of str
        The warnings raised, one per target that failed.
    """

    mode: str
    textfile: Path | None = None
    pushed: bool | None = None
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str, stacklevel: int = 2) -> None:
        """Raise ``message`` as an :class:`ExportWarning` and keep it in :attr:`warnings`.

        ``stacklevel`` counts from the caller of this method, as for :func:`warnings.warn`.
        """
        warnings.warn(message, ExportWarning, stacklevel=stacklevel + 1)
        self.warnings.append(message)


def write_textfile(path: Path, registry: CollectorRegistry) -> Path:
    """Write ``registry`` in the node_exporter textfile format, atomically."""
    from prometheus_client import write_to_textfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # write_to_textfile writes a temporary file in the same folder and renames it.
    write_to_textfile(str(path), registry)
    return path


def push(url: str, job: str, records: list[Record], slo: SLOSet | None, timeout: float) -> None:
    """Push-add each run's series to a Pushgateway, grouped by the run's identity."""
    from prometheus_client import pushadd_to_gateway

    for identity in latest_records(records):
        same = [r for r in records if _identity(r) == _identity(identity)]
        registry = results_registry(lambda same=same: same, slo)
        pushadd_to_gateway(
            url, job=job, registry=registry, grouping_key=run_labels(identity), timeout=timeout
        )


def export_results(
    records: list[Record],
    cfg: Any,
    slo: SLOSet | None = None,
    *,
    results_root: Path | None = None,
) -> ExportReport:
    """Export run records as configured; never raises for an unreachable target.

    Parameters
    ----------
    records : list of dict
        The ``result.json`` records of this run or sweep.
    cfg : mapping
        The ``export`` config: ``mode`` (none, textfile, pushgateway, http), ``textfile_path``,
        ``pushgateway_url``, ``job``, ``timeout_s``. In ``http`` mode only the textfile is
        written here; ``harness serve-metrics`` serves the run folders.
    slo : SLOSet, optional
        Adds the SLO threshold and met series.
    results_root : Path, optional
        When given, the textfile exposes every run found under it (the latest per identity,
        and all of them in the run counter), not only ``records``.

    Returns
    -------
    ExportReport
    """
    mode = str(cfg.get("mode", "none"))
    if mode not in EXPORT_MODES:
        report = ExportReport(mode=mode)
        report.warn(f"unknown export mode {mode!r}; use none, textfile, pushgateway or http.")
        return report
    every = (lambda: readable_records(results_root)) if results_root else (lambda: list(records))
    textfile_path = cfg.get("textfile_path")

    def push_runs(_: CollectorRegistry, url: str, job: str, timeout: float) -> None:
        push(url, job, records, slo, timeout)  # one group per run identity

    return export_registry(
        cfg,
        lambda: results_registry(every, slo),
        textfile=Path(textfile_path) if textfile_path else None,
        push_to=push_runs,
        what="metrics",
    )


def export_registry(
    cfg: Any,
    make_registry: Callable[[], CollectorRegistry],
    *,
    textfile: Path | None,
    push_to: Callable[[CollectorRegistry, str, str, float], None],
    what: str,
) -> ExportReport:
    """Write a registry to ``textfile`` and push as ``cfg`` says; warn, never raise.

    The one export flow of run results and gate verdicts: mode ``none`` does nothing; any
    other mode writes the textfile (when there is one); ``pushgateway`` also pushes. A target
    that fails is an :class:`ExportWarning` kept in the report, never an error.

    Parameters
    ----------
    cfg : mapping
        The ``export`` config: ``mode``, ``pushgateway_url``, ``job``, ``timeout_s``.
    make_registry : callable
        Builds the registry the textfile holds; called once, unless the mode is ``none``.
    textfile : Path or None
        Where to write the textfile; ``None`` writes none.
    push_to : callable
        ``push_to(registry, url, job, timeout_s)`` pushes to the Pushgateway at ``url``
        (``registry`` is the one ``make_registry`` built); whatever it raises becomes a
        warning.
    what : str
        What is exported, in words (``metrics``, ``gate verdict``), named in the warnings.

    Returns
    -------
    ExportReport
    """
    report = ExportReport(mode=str(cfg.get("mode", "none")))
    if report.mode == "none":
        return report
    registry = make_registry()
    # stacklevel 3: the warnings point at the caller of export_results / export_gate_verdicts.
    if textfile is not None:
        try:
            report.textfile = write_textfile(textfile, registry)
        except OSError as exc:
            report.warn(f"could not write the {what} textfile {textfile}: {exc}", stacklevel=3)
    if report.mode != "pushgateway":
        return report
    url = cfg.get("pushgateway_url")
    if not url:
        report.pushed = False
        report.warn(
            f"export mode is pushgateway but export.pushgateway_url is not set, so the {what} "
            "series were not pushed (the run's results are intact); set "
            "export.pushgateway_url=http://host:9091.",
            stacklevel=3,
        )
        return report
    try:
        push_to(registry, str(url), str(cfg.get("job", "harness")), cfg.get("timeout_s", 5))
        report.pushed = True
    except Exception as exc:  # any push failure: the run's results and exit code must survive
        report.pushed = False
        kept = f"; the textfile {report.textfile} was written" if report.textfile else ""
        report.warn(push_failure_message(str(url), exc, kept), stacklevel=3)
    return report


_MAX_BODY_CHARS = 300


def _response_body(error: urllib.error.HTTPError) -> str:
    try:
        body = error.read().decode("utf-8", "replace")
    except Exception:  # the body is a courtesy; the status code is the message
        return ""
    return " ".join(body.split())[:_MAX_BODY_CHARS]


def push_failure_message(url: str, error: BaseException, kept: str = "") -> str:
    """Say why a push failed, telling a refusal (an HTTP error) from an unreachable gateway.

    Parameters
    ----------
    url : str
        The Pushgateway URL.
    error : BaseException
        What the push raised.
    kept : str
        Appended after "intact in its run folder" (e.g. where the textfile was written).

    Returns
    -------
    str
        One line: what happened, that the results are intact, and what to do.
    """
    intact = f"The run's results are intact in its run folder{kept}"
    if isinstance(error, urllib.error.HTTPError):
        body = _response_body(error)
        answer = f"HTTP {error.code} {error.reason}" + (f": {body}" if body else "")
        return (
            f"Pushgateway at {url} refused the push ({answer}). {intact}; fix what the answer "
            "names (check the series with `promtool check metrics` on the textfile), or use "
            "export=textfile."
        )
    if isinstance(error, OSError):  # URLError, refused connection, timeout, DNS failure
        reason = getattr(error, "reason", None) or error
        return (
            f"Pushgateway at {url} is unreachable ({reason}). {intact}; start the Pushgateway, "
            "check export.pushgateway_url, or use export=textfile."
        )
    return (
        f"could not push to the Pushgateway at {url} ({type(error).__name__}: {error}). "
        f"{intact}; check export.pushgateway_url (e.g. http://host:9091), or use export=textfile."
    )
