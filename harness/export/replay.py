"""Replay a held-out set through a fitted model at a chosen rate, feeding the serving counters.

Injected shifts show how the serving SLIs and their alerts react, from a chosen point of the
stream on or in timed phases (a game day: clean, drift, clean, label shift, clean):

- covariate drift: features moved by ``k`` standard deviations; the minority drift monitor
  sees it, and recall or precision follow depending on where the model's boundary lies;
- label shift, minority to majority (``flip_minority``): predictions of flipped rows become
  false positives, so **precision** drops; recall cannot drop (the flipped rows leave its
  numerator and denominator alike);
- label shift, majority to minority (``flip_majority``): predictions of flipped rows become
  false negatives, so **recall** drops;
- a changed minority prevalence (``minority_prevalence``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from prometheus_client import push_to_gateway

from harness.errors import ConfigError, InputDataError
from harness.export.cohorts import CohortOutcomeCounter
from harness.export.drift_monitor import MinorityDriftMonitor
from harness.export.serving import MinorityOutcomeCounter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CovariateDrift:
    """Shift numeric features by ``shift_std`` standard deviations after ``after_fraction``.

    Parameters
    ----------
    shift_std : float
        ``k``: each shifted column moves by ``k`` times its standard deviation in ``X``
        (negative ``k`` moves it down).
    after_fraction : float
        Share of the stream (in rows, 0-1) sent before the drift starts (ignored in phases).
    columns : tuple of str or int, optional
        Columns to shift (names for a DataFrame, positions for an array); all numeric columns
        when omitted.
    """

    shift_std: float
    after_fraction: float = 0.5
    columns: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class LabelShift:
    """Change the true labels after ``after_fraction`` of the stream.

    Parameters
    ----------
    after_fraction : float
        Share of the stream (in rows, 0-1) sent before the shift starts (ignored in phases).
    flip_minority : float
        Share (0-1) of minority rows whose label is flipped to the majority class: their
        minority predictions become false positives, which a precision SLI sees.
    minority_prevalence : float, optional
        Target share (0-1) of minority rows in the batches after the shift; rows are drawn
        with replacement from each class to reach it.
    flip_majority : float
        Share (0-1) of majority rows whose label is flipped to the minority class: their
        majority predictions become false negatives, which a recall SLI sees.
    """

    after_fraction: float = 0.5
    flip_minority: float = 0.0
    minority_prevalence: float | None = None
    flip_majority: float = 0.0


@dataclass(frozen=True)
class Phase:
    """One timed stretch of a replay, with the shifts active during it.

    Parameters
    ----------
    seconds : float
        Length of the phase at the replay's rate.
    drift : CovariateDrift, optional
        Covariate drift during the phase (its ``after_fraction`` is ignored).
    label_shift : LabelShift, optional
        Label shift during the phase (its ``after_fraction`` is ignored).
    name : str
        Shown in logs, e.g. ``drift``.
    """

    seconds: float
    drift: CovariateDrift | None = None
    label_shift: LabelShift | None = None
    name: str = ""


@dataclass(frozen=True)
class PushTarget:
    """A Pushgateway to push the serving counters to after every batch."""

    url: str
    job: str = "harness_replay"
    timeout_s: float = 5.0


@dataclass(frozen=True)
class ReplayPlan:
    """The shape of a replayed stream: its rate, length, batches and injected shifts.

    The plan is checked when it is built, so a bad plan is refused before any row is sent.
    The stream is one shuffled pass over the rows, or, with ``duration_s`` or ``phases``,
    ``rate_per_s`` rows per second cycling through them.

    Parameters
    ----------
    rate_per_s : float
        Rows per second.
    duration_s : float, optional
        Stream length in seconds; one pass over the rows when omitted.
    batch_size : int
        Rows per prediction call.
    drift : CovariateDrift, optional
        Injected covariate drift from ``drift.after_fraction`` of the stream on.
    label_shift : LabelShift, optional
        Injected label shift from ``label_shift.after_fraction`` of the stream on.
    phases : sequence of Phase, optional
        Timed phases instead of ``duration_s``, ``drift`` and ``label_shift`` (a game day);
        kept as a tuple.

    Raises
    ------
    ConfigError
        A non-positive rate, duration, phase or batch size, a fraction outside [0, 1], or
        ``phases`` together with ``duration_s``/``drift``/``label_shift``.
    """

    rate_per_s: float
    duration_s: float | None = None
    batch_size: int = 50
    drift: CovariateDrift | None = None
    label_shift: LabelShift | None = None
    phases: Sequence[Phase] | None = None

    def __post_init__(self) -> None:
        if self.phases is not None:
            object.__setattr__(self, "phases", tuple(self.phases))
        _check_plan(self)


@dataclass(frozen=True)
class ReplaySinks:
    """Where a replay's predictions and outcomes go: the outcome counter always, and any of a
    per-cohort counter, a drift monitor, a Pushgateway and an HTTP endpoint.

    Parameters
    ----------
    counter : MinorityOutcomeCounter
        Receives the predictions and outcomes of every batch.
    cohort_counter : CohortOutcomeCounter, optional
        Receives the outcomes per cohort (needs the ``cohorts`` of :func:`replay`).
    drift_monitor : MinorityDriftMonitor, optional
        Receives every labelled batch, as served (after any covariate drift).
    push : PushTarget, optional
        Push the counters to a Pushgateway after every batch (grouping key: model, dataset).
    port : int, optional
        Serve the counters on ``http://addr:port/metrics`` while the replay runs.
    addr : str
        Address for ``port``.
    linger_s : float
        Seconds to keep serving on ``port`` after the last batch, so a final scrape sees the
        final counts.
    """

    counter: MinorityOutcomeCounter
    cohort_counter: CohortOutcomeCounter | None = None
    drift_monitor: MinorityDriftMonitor | None = None
    push: PushTarget | None = None
    port: int | None = None
    addr: str = "127.0.0.1"
    linger_s: float = 0.0


@dataclass
class ReplayReport:
    """What a replay sent."""

    rows: int = 0
    batches: int = 0
    elapsed_s: float = 0.0
    shifted_rows: int = 0
    push_failures: int = 0


@dataclass(frozen=True)
class _Segment:
    """Rows ``start:stop`` of the stream and the shifts active on them."""

    start: int
    stop: int
    drift: CovariateDrift | None
    label_shift: LabelShift | None


def replay(
    model: Any,
    X: Any,
    y: Any,
    plan: ReplayPlan,
    sinks: ReplaySinks,
    *,
    cohorts: Any = None,
    random_state: int | None = 0,
    on_phase: Callable[[int, Phase], None] | None = None,
) -> ReplayReport:
    """Stream ``X, y`` through ``model`` as ``plan`` says, into ``sinks``.

    Each batch is predicted (``sinks.counter.record_predictions``) and its true labels are
    recorded right away (``sinks.counter.record_outcomes``). The loop is bounded by the plan's
    length, and paced at its rate.

    Parameters
    ----------
    model : estimator
        A fitted model or pipeline with ``predict``.
    X : DataFrame or ndarray of shape (n, p)
        Held-out features.
    y : array-like of shape (n,)
        Their true labels.
    plan : ReplayPlan
        Rate, length, batch size and injected shifts of the stream.
    sinks : ReplaySinks
        Counters, drift monitor and exports that receive the stream.
    cohorts : array-like of shape (n,), optional
        The sensitive column's value of each row of ``X``, for ``sinks.cohort_counter``.
    random_state : int, optional
        Seed of the shuffling and of the label shift.
    on_phase : callable, optional
        Called with the index and the phase as each of ``plan.phases`` starts.

    Returns
    -------
    ReplayReport

    Raises
    ------
    ConfigError
        A cohort counter without cohorts, or drift columns that are not numeric columns of
        ``X`` (a bad plan is refused earlier, when :class:`ReplayPlan` is built).
    InputDataError
        ``X``, ``y`` (and ``cohorts``) differ in length or are empty.
    """
    counter = sinks.counter
    features = X if isinstance(X, pd.DataFrame) else np.asarray(X)
    labels = np.asarray(y).ravel()
    if len(features) != len(labels) or len(labels) == 0:
        raise InputDataError(
            f"replay needs as many labels as rows and at least one row; got {len(features)} "
            f"rows and {len(labels)} labels. Pass the held-out X and its y."
        )
    groups = _cohort_values(cohorts, sinks.cohort_counter, len(labels))
    rng = np.random.default_rng(random_state)
    segments = _segments(len(labels), plan)
    total = segments[-1].stop
    order = _stream_order(len(labels), total, rng)
    shifts: dict[int, Any] = {}
    server = None
    if sinks.port:
        from harness.export.http_server import start_registry_server

        server = start_registry_server(counter.registry, sinks.port, sinks.addr)[0]
    report = ReplayReport()
    start = time.monotonic()
    try:
        for index, segment in enumerate(segments):
            if plan.phases is not None and on_phase is not None:
                on_phase(index, plan.phases[index])
            for begin in range(segment.start, segment.stop, plan.batch_size):
                rows = order[begin : min(begin + plan.batch_size, segment.stop)]
                batch_y = labels[rows]
                if segment.label_shift is not None:
                    rows, batch_y = _shift_labels(
                        labels, rows, segment.label_shift, counter.positive_label, rng
                    )
                batch_X = _take(features, rows)
                if segment.drift is not None:
                    key = id(segment.drift)
                    if key not in shifts:
                        shifts[key] = _column_shift(features, segment.drift)
                    batch_X = _apply_shift(batch_X, shifts[key])
                if segment.drift is not None or segment.label_shift is not None:
                    report.shifted_rows += len(rows)
                predictions = model.predict(batch_X)
                counter.record_predictions(predictions)
                counter.record_outcomes(batch_y, predictions)
                if sinks.cohort_counter is not None:
                    sinks.cohort_counter.record_outcomes(batch_y, predictions, groups[rows])
                if sinks.drift_monitor is not None:
                    sinks.drift_monitor.observe(batch_X, batch_y)
                report.rows += len(rows)
                report.batches += 1
                if sinks.push is not None and not _push(sinks.push, counter):
                    report.push_failures += 1
                # Pace by the schedule, not by sleeping a fixed time, so slow batches catch up.
                delay = start + report.rows / plan.rate_per_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        report.elapsed_s = time.monotonic() - start
        if server is not None and sinks.linger_s > 0:
            time.sleep(sinks.linger_s)
    finally:
        report.elapsed_s = report.elapsed_s or time.monotonic() - start
        if server is not None:
            server.shutdown()
            server.server_close()
    return report


def _check_plan(plan: ReplayPlan) -> None:
    """Refuse a plan whose rate, length, batch size, phases or shift fractions are out of range."""
    rate_per_s, duration_s, batch_size = plan.rate_per_s, plan.duration_s, plan.batch_size
    drift, label_shift, phases = plan.drift, plan.label_shift, plan.phases
    if not rate_per_s > 0 or not math.isfinite(rate_per_s):
        raise ConfigError(f"rate_per_s must be a positive number, got {rate_per_s!r}.")
    if duration_s is not None and not duration_s > 0:
        raise ConfigError(f"duration_s must be positive (or omitted for one pass): {duration_s}.")
    if int(batch_size) < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size!r}.")
    if phases is not None:
        if duration_s is not None or drift is not None or label_shift is not None:
            raise ConfigError(
                "phases set the length and the shifts of the stream: pass either phases or "
                "duration_s/drift/label_shift, not both."
            )
        if not phases:
            raise ConfigError("phases is empty: give at least one Phase(seconds=...).")
        for index, phase in enumerate(phases):
            if not phase.seconds > 0 or not math.isfinite(phase.seconds):
                raise ConfigError(
                    f"phase {index} ({phase.name or 'unnamed'}) must last a positive number of "
                    f"seconds, got {phase.seconds!r}."
                )
    shifts = [(drift, label_shift)] + [(p.drift, p.label_shift) for p in phases or ()]
    fractions = {}
    for drift_i, shift_i in shifts:
        if drift_i is not None:
            fractions["drift.after_fraction"] = drift_i.after_fraction
        if shift_i is not None:
            fractions["label_shift.after_fraction"] = shift_i.after_fraction
            fractions["label_shift.flip_minority"] = shift_i.flip_minority
            fractions["label_shift.flip_majority"] = shift_i.flip_majority
            if shift_i.minority_prevalence is not None:
                fractions["label_shift.minority_prevalence"] = shift_i.minority_prevalence
        for name, value in fractions.items():
            if not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value!r}.")


def _cohort_values(cohorts: Any, counter: CohortOutcomeCounter | None, n_rows: int) -> Any:
    if counter is None:
        return None
    if cohorts is None:
        raise ConfigError(
            "a cohort counter needs the cohort of every row: pass cohorts= (the sensitive "
            "column's values, aligned with X), or leave the cohort counter out."
        )
    values = np.asarray(cohorts, dtype=object).ravel()
    if len(values) != n_rows:
        raise InputDataError(
            f"cohorts has {len(values)} values for {n_rows} rows; pass the sensitive column of "
            "exactly the replayed rows."
        )
    return values


def _segments(n_rows: int, plan: ReplayPlan) -> list[_Segment]:
    """Split the stream into stretches with constant shifts."""
    rate_per_s, duration_s, phases = plan.rate_per_s, plan.duration_s, plan.phases
    drift, label_shift = plan.drift, plan.label_shift
    if phases is not None:
        segments, start = [], 0
        for phase in phases:
            stop = start + max(1, round(rate_per_s * phase.seconds))
            segments.append(_Segment(start, stop, phase.drift, phase.label_shift))
            start = stop
        return segments
    total = n_rows if duration_s is None else max(1, round(rate_per_s * duration_s))
    drift_from = math.ceil(drift.after_fraction * total) if drift else total
    shift_from = math.ceil(label_shift.after_fraction * total) if label_shift else total
    bounds = sorted({0, total, min(drift_from, total), min(shift_from, total)})
    return [
        _Segment(
            begin,
            end,
            drift if begin >= drift_from else None,
            label_shift if begin >= shift_from else None,
        )
        for begin, end in zip(bounds, bounds[1:], strict=False)
    ]


def _stream_order(n_rows: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """Row positions to send: shuffled passes over the rows, ``total`` in all."""
    passes = [rng.permutation(n_rows) for _ in range(math.ceil(total / n_rows))]
    return np.concatenate(passes)[:total]


def _take(features: Any, rows: np.ndarray) -> Any:
    if isinstance(features, pd.DataFrame):
        return features.iloc[rows]
    return features[rows]


def _column_shift(features: Any, drift: CovariateDrift) -> Any:
    """The vector added to every row once drift starts: ``k * std`` per shifted column."""
    if isinstance(features, pd.DataFrame):
        numeric = features.select_dtypes("number").columns
        columns = list(drift.columns) if drift.columns is not None else list(numeric)
        unknown = [c for c in columns if c not in numeric]
        if unknown:
            raise ConfigError(
                f"drift columns {unknown} are not numeric columns of X; choose among "
                f"{list(numeric)}."
            )
        return (drift.shift_std * features[columns].std(ddof=0)).to_dict()
    shift = np.zeros(features.shape[1])
    columns = list(drift.columns) if drift.columns is not None else list(range(features.shape[1]))
    shift[columns] = drift.shift_std * features[:, columns].astype(float).std(axis=0)
    return shift


def _apply_shift(batch_X: Any, shift: Any) -> Any:
    if isinstance(batch_X, pd.DataFrame):
        shifted = batch_X.copy()
        for column, delta in shift.items():
            shifted[column] = shifted[column] + delta
        return shifted
    return batch_X + shift


def _shift_labels(
    labels: np.ndarray,
    rows: np.ndarray,
    shift: LabelShift,
    positive_label: Any,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows to send and their (shifted) true labels."""
    if shift.minority_prevalence is not None:
        minority = np.flatnonzero(labels == positive_label)
        majority = np.flatnonzero(labels != positive_label)
        if len(minority) == 0 or len(majority) == 0:
            raise InputDataError(
                "minority_prevalence needs both classes in y; replay a held-out set that "
                "contains minority and majority rows."
            )
        n_minority = rng.binomial(len(rows), shift.minority_prevalence)
        rows = np.concatenate(
            [rng.choice(minority, n_minority), rng.choice(majority, len(rows) - n_minority)]
        )
    batch_y = labels[rows].copy()
    is_minority = batch_y == positive_label
    if shift.flip_minority > 0:
        flip = is_minority & (rng.random(len(batch_y)) < shift.flip_minority)
        batch_y[flip] = _majority_label(labels, positive_label)
    if shift.flip_majority > 0:
        flip = ~is_minority & (rng.random(len(batch_y)) < shift.flip_majority)
        batch_y = batch_y.astype(np.result_type(batch_y, np.asarray([positive_label])))
        batch_y[flip] = positive_label
    return rows, batch_y


def _majority_label(labels: np.ndarray, positive_label: Any) -> Any:
    others = labels[labels != positive_label]
    if others.size == 0:
        raise InputDataError(
            "flip_minority needs a majority class in y; replay a held-out set with both classes."
        )
    values, counts = np.unique(others, return_counts=True)
    return values[np.argmax(counts)]


def _push(target: PushTarget, counter: MinorityOutcomeCounter) -> bool:
    try:
        push_to_gateway(
            target.url,
            job=target.job,
            registry=counter.registry,
            grouping_key={"model": counter.model, "dataset": counter.dataset},
            timeout=target.timeout_s,
        )
    except Exception as exc:  # a transport error must not stop the stream
        from harness.export.prometheus import push_failure_message

        log.warning("%s; the replay goes on.", push_failure_message(target.url, exc))
        return False
    return True
