"""Replay a held-out set through a fitted model at a chosen rate, feeding the serving counters.

Optional injected shifts show how the serving SLI and its alerts react: covariate drift
(features moved by ``k`` standard deviations) or label shift (minority labels flipped, or the
minority prevalence changed) from a chosen point of the stream on.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from prometheus_client import push_to_gateway

from harness.errors import ConfigError, InputDataError
from harness.export.serving import MinorityOutcomeCounter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CovariateDrift:
    """Shift numeric features by ``shift_std`` standard deviations after ``after_fraction``.

    Parameters
    ----------
    shift_std : float
        ``k``: each shifted column moves by ``k`` times its standard deviation in ``X``.
    after_fraction : float
        Share of the stream (in rows, 0-1) sent before the drift starts.
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
        Share of the stream (in rows, 0-1) sent before the shift starts.
    flip_minority : float
        Share (0-1) of minority rows whose label is flipped to the majority class.
    minority_prevalence : float, optional
        Target share (0-1) of minority rows in the batches after the shift; rows are drawn
        with replacement from each class to reach it.
    """

    after_fraction: float = 0.5
    flip_minority: float = 0.0
    minority_prevalence: float | None = None


@dataclass(frozen=True)
class PushTarget:
    """A Pushgateway to push the serving counters to after every batch."""

    url: str
    job: str = "harness_replay"
    timeout_s: float = 5.0


@dataclass
class ReplayReport:
    """What a replay sent."""

    rows: int = 0
    batches: int = 0
    elapsed_s: float = 0.0
    shifted_rows: int = 0
    push_failures: int = 0


def replay(
    model: Any,
    X: Any,
    y: Any,
    *,
    rate_per_s: float,
    duration_s: float | None = None,
    batch_size: int = 50,
    drift: CovariateDrift | None = None,
    label_shift: LabelShift | None = None,
    counter: MinorityOutcomeCounter,
    push: PushTarget | None = None,
    port: int | None = None,
    addr: str = "127.0.0.1",
    linger_s: float = 0.0,
    random_state: int | None = 0,
) -> ReplayReport:
    """Stream ``X, y`` through ``model`` at ``rate_per_s`` rows per second.

    Each batch is predicted (``counter.record_predictions``) and its true labels are recorded
    right away (``counter.record_outcomes``). The loop is bounded: one shuffled pass over the
    rows, or, with ``duration_s``, ``rate_per_s * duration_s`` rows cycling through them.

    Parameters
    ----------
    model : estimator
        A fitted model or pipeline with ``predict``.
    X : DataFrame or ndarray of shape (n, p)
        Held-out features.
    y : array-like of shape (n,)
        Their true labels.
    rate_per_s : float
        Rows per second.
    duration_s : float, optional
        Stream length in seconds; one pass over the rows when omitted.
    batch_size : int
        Rows per prediction call.
    drift : CovariateDrift, optional
        Injected covariate drift.
    label_shift : LabelShift, optional
        Injected label shift.
    counter : MinorityOutcomeCounter
        Receives the predictions and outcomes.
    push : PushTarget, optional
        Push the counters to a Pushgateway after every batch (grouping key: model, dataset).
    port : int, optional
        Serve the counters on ``http://addr:port/metrics`` while the replay runs.
    addr : str
        Address for ``port``.
    linger_s : float
        Seconds to keep serving on ``port`` after the last batch, so a final scrape sees the
        final counts.
    random_state : int, optional
        Seed of the shuffling and of the label shift.

    Returns
    -------
    ReplayReport

    Raises
    ------
    ConfigError
        A non-positive rate, duration or batch size, or a fraction outside [0, 1].
    InputDataError
        ``X`` and ``y`` differ in length or are empty.
    """
    _check_arguments(rate_per_s, duration_s, batch_size, drift, label_shift)
    features = X if isinstance(X, pd.DataFrame) else np.asarray(X)
    labels = np.asarray(y).ravel()
    if len(features) != len(labels) or len(labels) == 0:
        raise InputDataError(
            f"replay needs as many labels as rows and at least one row; got {len(features)} "
            f"rows and {len(labels)} labels. Pass the held-out X and its y."
        )
    rng = np.random.default_rng(random_state)
    total = len(labels) if duration_s is None else max(1, round(rate_per_s * duration_s))
    order = _stream_order(len(labels), total, rng)
    shift = _column_shift(features, drift)
    if port:
        from harness.export.http_server import start_registry_server

        server = start_registry_server(counter.registry, port, addr)[0]
    else:
        server = None
    report = ReplayReport()
    start = time.monotonic()
    try:
        for begin in range(0, total, batch_size):
            rows = order[begin : begin + batch_size]
            shifted = drift is not None and begin >= drift.after_fraction * total
            batch_X = _take(features, rows)
            if shifted:
                batch_X = _apply_shift(batch_X, shift)
                report.shifted_rows += len(rows)
            batch_y = labels[rows]
            if label_shift is not None and begin >= label_shift.after_fraction * total:
                batch_X, batch_y = _shift_labels(
                    features, labels, batch_X, batch_y, label_shift, counter.positive_label, rng
                )
                if not shifted:
                    report.shifted_rows += len(rows)
            predictions = model.predict(batch_X)
            counter.record_predictions(predictions)
            counter.record_outcomes(batch_y, predictions)
            report.rows += len(rows)
            report.batches += 1
            if push is not None and not _push(push, counter):
                report.push_failures += 1
            # Pace by the schedule, not by sleeping a fixed time, so slow batches catch up.
            delay = start + report.rows / rate_per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        report.elapsed_s = time.monotonic() - start
        if server is not None and linger_s > 0:
            time.sleep(linger_s)
    finally:
        report.elapsed_s = report.elapsed_s or time.monotonic() - start
        if server is not None:
            server.shutdown()
            server.server_close()
    return report


def _check_arguments(
    rate_per_s: float,
    duration_s: float | None,
    batch_size: int,
    drift: CovariateDrift | None,
    label_shift: LabelShift | None,
) -> None:
    if not rate_per_s > 0 or not math.isfinite(rate_per_s):
        raise ConfigError(f"rate_per_s must be a positive number, got {rate_per_s!r}.")
    if duration_s is not None and not duration_s > 0:
        raise ConfigError(f"duration_s must be positive (or omitted for one pass): {duration_s}.")
    if int(batch_size) < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size!r}.")
    fractions = {}
    if drift is not None:
        fractions["drift.after_fraction"] = drift.after_fraction
    if label_shift is not None:
        fractions["label_shift.after_fraction"] = label_shift.after_fraction
        fractions["label_shift.flip_minority"] = label_shift.flip_minority
        if label_shift.minority_prevalence is not None:
            fractions["label_shift.minority_prevalence"] = label_shift.minority_prevalence
    for name, value in fractions.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"{name} must be between 0 and 1, got {value!r}.")


def _stream_order(n_rows: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """Row positions to send: shuffled passes over the rows, ``total`` in all."""
    passes = [rng.permutation(n_rows) for _ in range(math.ceil(total / n_rows))]
    return np.concatenate(passes)[:total]


def _take(features: Any, rows: np.ndarray) -> Any:
    if isinstance(features, pd.DataFrame):
        return features.iloc[rows]
    return features[rows]


def _column_shift(features: Any, drift: CovariateDrift | None) -> Any:
    """The vector added to every row once drift starts: ``k * std`` per shifted column."""
    if drift is None:
        return 0.0
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
    features: Any,
    labels: np.ndarray,
    batch_X: Any,
    batch_y: np.ndarray,
    shift: LabelShift,
    positive_label: Any,
    rng: np.random.Generator,
) -> tuple[Any, np.ndarray]:
    if shift.minority_prevalence is not None:
        minority = np.flatnonzero(labels == positive_label)
        majority = np.flatnonzero(labels != positive_label)
        n_minority = rng.binomial(len(batch_y), shift.minority_prevalence)
        if len(minority) == 0 or len(majority) == 0:
            raise InputDataError(
                "minority_prevalence needs both classes in y; replay a held-out set that "
                "contains minority and majority rows."
            )
        rows = np.concatenate(
            [
                rng.choice(minority, n_minority),
                rng.choice(majority, len(batch_y) - n_minority),
            ]
        )
        batch_X, batch_y = _take(features, rows), labels[rows]
    if shift.flip_minority > 0:
        batch_y = batch_y.copy()
        is_minority = batch_y == positive_label
        flip = is_minority & (rng.random(len(batch_y)) < shift.flip_minority)
        majority_label = _majority_label(labels, positive_label)
        batch_y[flip] = majority_label
    return batch_X, batch_y


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
