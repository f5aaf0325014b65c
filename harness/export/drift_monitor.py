"""Drift of the minority class's features in service, one Evidently test per window.

The served rows whose label is the minority class are collected for ``window_s`` seconds; each
closed window is tested against the training rows of the minority class with Evidently's
data-drift preset (:func:`harness.metrics.drift.data_drift`), in a background thread so serving
never waits for it. Exported, with the labels ``model`` and ``dataset``:

- ``harness_serving_minority_drift_share``: share of the features that drifted in the last
  tested window;
- ``harness_serving_minority_drift_detected``: 1 when that window drifted (at least
  ``drift_share`` of the features), else 0;
- ``harness_serving_minority_drift_window_rows``: minority rows in that window;
- ``harness_serving_minority_drift_last_check_timestamp_seconds``;
- ``harness_serving_minority_drift_windows_total{result}``: windows by result, ``drifted``,
  ``stable``, ``too_few_rows`` (not tested), ``skipped`` (a newer window replaced it while a
  test was running) or ``error``.

The alert rule (:func:`harness.export.rules.drift_alert_rule`) adds the hysteresis: a ticket
only when every window over a span drifted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from prometheus_client import CollectorRegistry, Counter, Gauge

from harness.errors import ConfigError
from harness.export.names import (
    DRIFT_DETECTED,
    DRIFT_LAST_CHECK,
    DRIFT_SHARE,
    DRIFT_WINDOW_ROWS,
    DRIFT_WINDOWS,
    SERVING_LABELS,
    counter_name,
)
from harness.extras import require

log = logging.getLogger(__name__)

RESULTS = ("drifted", "stable", "too_few_rows", "skipped", "error")
DEFAULT_MIN_ROWS = 20

#: ``test(reference, current, drift_share) -> (share of drifted features, window drifted)``.
DriftTest = Callable[[pd.DataFrame, pd.DataFrame, float], tuple[float, bool]]


def evidently_drift_test(
    reference: pd.DataFrame, current: pd.DataFrame, drift_share: float
) -> tuple[float, bool]:
    """Evidently's data-drift preset through :func:`harness.metrics.drift.data_drift`."""
    from harness.metrics.drift import data_drift

    result = data_drift(reference, current, drift_share=drift_share)
    return result.share_drifted, result.drifted


def require_evidently() -> None:
    """Refuse the default drift test when Evidently (the ``drift`` extra) is not installed.

    Raises
    ------
    MissingExtraError
        Naming the extra, and ``--drift-window 0`` to serve without the monitor.
    """
    require("evidently", "the minority drift monitor (--drift-window; 0 turns it off)")


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        frame = rows.copy()
        frame.columns = [str(c) for c in frame.columns]
        return frame.reset_index(drop=True)
    return pd.DataFrame(np.asarray(rows), columns=columns)


class MinorityDriftMonitor:
    """Test each window of served minority rows for drift against the training minority rows.

    Parameters
    ----------
    registry : CollectorRegistry
        Where the gauges live (the serving counter's registry, so one endpoint serves both).
    model, dataset : str
        Values of the ``model`` and ``dataset`` labels.
    reference : DataFrame or ndarray of shape (n, p)
        The training rows of the minority class, in the features the model is served.
    window_s : float
        Length of a window in seconds.
    positive_label : int, float, bool or str
        The minority class.
    drift_share : float
        A window drifted when at least this share of the features drift.
    min_rows : int
        Windows with fewer minority rows are not tested.
    test : callable, optional
        The drift test (:data:`DriftTest`); Evidently by default.
    clock : callable
        Seconds, monotonic; replaceable in tests.

    Raises
    ------
    ConfigError
        A non-positive window, a share outside (0, 1], or an empty reference.
    MissingExtraError
        The default test without Evidently installed (the ``drift`` extra).

    Examples
    --------
    >>> monitor = MinorityDriftMonitor(registry, model="m", dataset="d", reference=X_train[y == 1],
    ...                                window_s=300)                       # doctest: +SKIP
    >>> monitor.start(); monitor.observe(X_batch, y_batch); monitor.stop()  # doctest: +SKIP
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        model: str,
        dataset: str,
        reference: Any,
        window_s: float,
        positive_label: Any = 1,
        drift_share: float = 0.5,
        min_rows: int = DEFAULT_MIN_ROWS,
        test: DriftTest | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not window_s > 0:
            raise ConfigError(f"the drift window must be positive seconds, got {window_s!r}.")
        if not 0.0 < drift_share <= 1.0:
            raise ConfigError(f"drift_share must be in (0, 1], got {drift_share!r}; e.g. 0.5.")
        if len(reference) == 0:
            raise ConfigError(
                "the drift reference has no rows: pass the training rows of the minority class."
            )
        columns = (
            [str(c) for c in reference.columns]
            if isinstance(reference, pd.DataFrame)
            else [f"x{i}" for i in range(np.asarray(reference).shape[1])]
        )
        self._columns = columns
        self.reference = _frame(reference, columns)
        self.window_s = float(window_s)
        self.positive_label = positive_label
        self.drift_share = float(drift_share)
        self.min_rows = int(min_rows)
        if test is None:  # Evidently (the drift extra): missing, refuse now, not per window
            require_evidently()
        self._test = test or evidently_drift_test
        self._clock = clock
        labels = (str(model), str(dataset))
        self._registry, self._labels = registry, labels
        self._share = Gauge(
            DRIFT_SHARE,
            "Share of the features of served minority rows that drifted in the last window.",
            SERVING_LABELS,
            registry=registry,
        ).labels(*labels)
        self._detected = Gauge(
            DRIFT_DETECTED,
            "1 when the last tested window of served minority rows drifted, else 0.",
            SERVING_LABELS,
            registry=registry,
        ).labels(*labels)
        self._rows = Gauge(
            DRIFT_WINDOW_ROWS,
            "Minority rows in the last tested window.",
            SERVING_LABELS,
            registry=registry,
        ).labels(*labels)
        self._checked = Gauge(
            DRIFT_LAST_CHECK,
            "Unix time of the last drift test.",
            SERVING_LABELS,
            registry=registry,
        ).labels(*labels)
        windows = Counter(
            counter_name(DRIFT_WINDOWS),
            "Windows of served minority rows, by result of the drift test.",
            [*SERVING_LABELS, "result"],
            registry=registry,
        )
        self._windows = {result: windows.labels(*labels, result) for result in RESULTS}
        self._buffer: list[pd.DataFrame] = []
        self._window_start: float | None = None
        self._pending: pd.DataFrame | None = None
        self._busy = False
        self._stopping = False
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> MinorityDriftMonitor:
        """Start the background thread that tests closed windows."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="minority-drift", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Let a running test finish (up to ``timeout_s``) and stop the thread."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

    # -- serving side ---------------------------------------------------------------------

    def observe(self, X: Any, y_true: Any) -> None:
        """Add the minority rows of a labelled batch; close the window when its time is up.

        Parameters
        ----------
        X : DataFrame or ndarray of shape (n, p)
            The served rows, in the reference's columns.
        y_true : array-like of shape (n,)
            Their true labels.
        """
        now = self._clock()
        if self._window_start is None:
            self._window_start = now
        elif now - self._window_start >= self.window_s:
            self.close_window()
            self._window_start = now
        is_minority = np.asarray(y_true, dtype=object).ravel() == self.positive_label
        if is_minority.any():
            rows = (
                X.iloc[np.flatnonzero(is_minority)]
                if isinstance(X, pd.DataFrame)
                else (np.asarray(X)[is_minority])
            )
            self._buffer.append(_frame(rows, self._columns))

    def close_window(self) -> None:
        """Hand the collected rows to the background test and start a new window."""
        window = pd.concat(self._buffer, ignore_index=True) if self._buffer else None
        self._buffer = []
        rows = 0 if window is None else len(window)
        if rows < self.min_rows:
            self._windows["too_few_rows"].inc()
            return
        with self._condition:
            if self._pending is not None:
                self._windows["skipped"].inc()
            self._pending = window
            self._condition.notify_all()
        if self._thread is None:  # no background thread: test right away
            self._test_pending()

    # -- background -----------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                if self._pending is None and self._stopping:
                    return
            self._test_pending()

    def _test_pending(self) -> None:
        with self._condition:
            window, self._pending = self._pending, None
        if window is None:
            return
        try:
            share, drifted = self._test(self.reference, window, self.drift_share)
        except Exception:  # a failed test must not stop serving; it is counted and logged
            log.exception("the drift test of a window of %d minority rows failed", len(window))
            self._windows["error"].inc()
            return
        self._share.set(float(share))
        self._detected.set(1.0 if drifted else 0.0)
        self._rows.set(float(len(window)))
        self._checked.set(time.time())
        self._windows["drifted" if drifted else "stable"].inc()

    def window_count(self, result: str) -> float:
        """How many windows ended with ``result`` (one of :data:`RESULTS`)."""
        value = self._registry.get_sample_value(
            DRIFT_WINDOWS,
            {"model": self._labels[0], "dataset": self._labels[1], "result": result},
        )
        return float(value or 0.0)
