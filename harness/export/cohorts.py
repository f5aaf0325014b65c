"""Outcomes per cohort of one sensitive column: minority recall per group, in service.

``harness_serving_cohort_outcomes_total{model, dataset, sensitive, cohort, outcome}`` counts
the same outcomes as the serving counter (``tp``, ``fn``, ``fp``, ``tn``), split by the value
of one sensitive column. Every cohort value is a label value, so a cardinality guard caps the
number of cohorts: values beyond the first ``max_cohorts`` are counted under ``__other__``
(and in ``harness_serving_cohort_overflow_total``), missing values under ``__missing__``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Counter

from harness.errors import ConfigError, InputDataError
from harness.export.names import (
    COHORT_OUTCOMES,
    COHORT_OVERFLOW,
    OUTCOMES,
    SERVING_LABELS,
    counter_name,
)

log = logging.getLogger(__name__)

OTHER = "__other__"
MISSING = "__missing__"
DEFAULT_MAX_COHORTS = 20


class CohortOutcomeCounter:
    """Count minority outcomes per cohort of one sensitive column.

    Parameters
    ----------
    registry : CollectorRegistry
        Where the counters live (the serving counter's registry, so one endpoint serves both).
    model, dataset : str
        Values of the ``model`` and ``dataset`` labels.
    sensitive : str
        The sensitive column whose values are the cohorts (the ``sensitive`` label).
    positive_label : int, float, bool or str
        The minority class.
    max_cohorts : int
        Distinct cohort values kept as their own label value; later ones become ``__other__``.

    Raises
    ------
    ConfigError
        ``sensitive`` is empty or ``max_cohorts`` is not a positive integer.

    Examples
    --------
    >>> from prometheus_client import CollectorRegistry
    >>> counter = CohortOutcomeCounter(CollectorRegistry(), model="m", dataset="d", sensitive="sex")
    >>> counter.record_outcomes([1, 1, 1], [1, 0, 1], ["F", "F", "M"])
    >>> counter.recall("F"), counter.recall("M")
    (0.5, 1.0)
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        model: str,
        dataset: str,
        sensitive: str,
        positive_label: Any = 1,
        max_cohorts: int = DEFAULT_MAX_COHORTS,
    ):
        if not str(sensitive).strip():
            raise ConfigError(
                "the cohort column is empty: pass the name of a sensitive column of the data "
                "set (e.g. sex), or do not count cohorts."
            )
        if isinstance(max_cohorts, bool) or not isinstance(max_cohorts, int) or max_cohorts < 1:
            raise ConfigError(
                f"max_cohorts must be a whole number of at least 1, got {max_cohorts!r}; e.g. 20."
            )
        self._registry = registry
        self.model, self.dataset, self.sensitive = str(model), str(dataset), str(sensitive)
        self.positive_label = positive_label
        self.max_cohorts = max_cohorts
        self._cohorts: list[str] = []
        self._outcomes = Counter(
            counter_name(COHORT_OUTCOMES),
            "Labelled predictions by outcome for the minority class, per cohort of a sensitive "
            "column.",
            labelnames=[*SERVING_LABELS, "sensitive", "cohort", "outcome"],
            registry=registry,
        )
        self._overflow = Counter(
            counter_name(COHORT_OVERFLOW),
            "Rows counted under the cohort __other__ because the cohort limit was reached.",
            labelnames=[*SERVING_LABELS, "sensitive"],
            registry=registry,
        )
        self._overflow.labels(self.model, self.dataset, self.sensitive)

    @property
    def cohorts(self) -> list[str]:
        """The cohort label values seen so far (``__other__`` when the limit was reached)."""
        return list(self._cohorts)

    def _cohort(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            value = MISSING
        text = str(value)
        if text in self._cohorts:
            return text
        if len(self._cohorts) < self.max_cohorts:
            self._add(text)
            return text
        if OTHER not in self._cohorts:
            log.warning(
                "more than %d cohorts of %s: further values are counted as %s; raise "
                "max_cohorts or choose a column with fewer values",
                self.max_cohorts,
                self.sensitive,
                OTHER,
            )
            self._add(OTHER)
        return OTHER

    def _add(self, cohort: str) -> None:
        self._cohorts.append(cohort)
        # Every outcome series of a cohort exists from its first row, so rates have no gaps.
        for outcome in OUTCOMES:
            self._outcomes.labels(self.model, self.dataset, self.sensitive, cohort, outcome)

    def record_outcomes(self, y_true: Any, y_pred: Any, cohorts: Any) -> None:
        """Count the outcomes of labelled predictions, each under its row's cohort.

        Parameters
        ----------
        y_true, y_pred : array-like of shape (n,)
            True and predicted labels (already checked by the serving counter).
        cohorts : array-like of shape (n,)
            The sensitive column's value for each row.

        Raises
        ------
        InputDataError
            The three arrays differ in length.
        """
        truth = np.asarray(y_true, dtype=object).ravel() == self.positive_label
        predicted = np.asarray(y_pred, dtype=object).ravel() == self.positive_label
        values = np.asarray(cohorts, dtype=object).ravel()
        if not len(truth) == len(predicted) == len(values):
            raise InputDataError(
                f"y_true, y_pred and cohorts have {len(truth)}, {len(predicted)} and "
                f"{len(values)} values; pass the cohort of exactly the rows whose labels arrived."
            )
        labels = [self._cohort(value) for value in values]
        outcome_of = np.where(
            truth, np.where(predicted, "tp", "fn"), np.where(predicted, "fp", "tn")
        )
        counts: dict[tuple[str, str], int] = {}
        for cohort, outcome in zip(labels, outcome_of, strict=True):
            counts[(cohort, str(outcome))] = counts.get((cohort, str(outcome)), 0) + 1
        for (cohort, outcome), count in counts.items():
            self._outcomes.labels(self.model, self.dataset, self.sensitive, cohort, outcome).inc(
                count
            )
        overflow = sum(1 for label in labels if label == OTHER)
        if overflow:
            self._overflow.labels(self.model, self.dataset, self.sensitive).inc(overflow)

    def outcome_count(self, cohort: str, outcome: str) -> float:
        """Current count of ``outcome`` for ``cohort``."""
        value = self._registry.get_sample_value(
            COHORT_OUTCOMES,
            {
                "model": self.model,
                "dataset": self.dataset,
                "sensitive": self.sensitive,
                "cohort": cohort,
                "outcome": outcome,
            },
        )
        return float(value or 0.0)

    def recall(self, cohort: str) -> float:
        """Recall of the minority class within ``cohort`` so far (NaN before any event)."""
        tp, fn = self.outcome_count(cohort, "tp"), self.outcome_count(cohort, "fn")
        return tp / (tp + fn) if tp + fn else float("nan")
