"""Serving counters: the event-based minority-recall SLI of a model in service.

Minority recall in service is ``rate(tp) / rate(tp + fn)`` over
``harness_serving_outcomes_total``; the alert rules and dashboards compute it from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Counter

from harness.errors import InputDataError
from harness.export.names import OUTCOMES, SERVING_LABELS


class MinorityOutcomeCounter:
    """Count a model's predictions and, once the true labels arrive, its outcomes.

    Parameters
    ----------
    registry : CollectorRegistry, optional
        Where the counters live; a new registry when omitted (never the global one).
    model : str
        Value of the ``model`` label.
    dataset : str
        Value of the ``dataset`` label.
    positive_label : int or str
        The minority (positive) class.

    Attributes
    ----------
    registry : CollectorRegistry
        Expose it with ``prometheus_client.start_http_server(port, registry=...)`` or push it.

    Examples
    --------
    >>> counter = MinorityOutcomeCounter(model="tree", dataset="pima")
    >>> counter.record_predictions([1, 0, 0])          # at prediction time
    >>> counter.record_outcomes([1, 1, 0], [1, 0, 0])  # when the labels are known
    >>> counter.outcome_count("tp"), counter.outcome_count("fn")
    (1.0, 1.0)
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        model: str,
        dataset: str,
        positive_label: int | str = 1,
    ):
        self.registry = registry if registry is not None else CollectorRegistry()
        self.model = str(model)
        self.dataset = str(dataset)
        self.positive_label = positive_label
        self._predictions = Counter(
            "harness_serving_predictions",
            "Predictions served, by predicted class.",
            labelnames=[*SERVING_LABELS, "predicted_class"],
            registry=self.registry,
        )
        self._outcomes = Counter(
            "harness_serving_outcomes",
            "Labelled predictions by outcome for the minority class: tp, fn, fp, tn.",
            labelnames=[*SERVING_LABELS, "outcome"],
            registry=self.registry,
        )
        # Every outcome series exists from the start, so rate(tp + fn) has no gaps.
        for outcome in OUTCOMES:
            self._outcomes.labels(self.model, self.dataset, outcome)

    def record_predictions(self, y_pred: Any) -> None:
        """Count served predictions by predicted class.

        Parameters
        ----------
        y_pred : array-like of shape (n,)
            Predicted class labels.
        """
        classes, counts = np.unique(np.asarray(y_pred).ravel(), return_counts=True)
        for predicted, count in zip(classes, counts, strict=True):
            self._predictions.labels(self.model, self.dataset, str(predicted)).inc(float(count))

    def record_outcomes(self, y_true: Any, y_pred: Any) -> None:
        """Count the outcomes of predictions whose true labels are now known.

        Parameters
        ----------
        y_true : array-like of shape (n,)
            True class labels.
        y_pred : array-like of shape (n,)
            The predictions made for the same rows.

        Raises
        ------
        InputDataError
            ``y_true`` and ``y_pred`` have different lengths.
        """
        truth = np.asarray(y_true).ravel() == self.positive_label
        predicted = np.asarray(y_pred).ravel() == self.positive_label
        if truth.shape != predicted.shape:
            raise InputDataError(
                f"y_true has {truth.size} labels but y_pred {predicted.size}; pass the "
                "predictions of exactly the rows whose labels arrived."
            )
        counts = {
            "tp": np.sum(truth & predicted),
            "fn": np.sum(truth & ~predicted),
            "fp": np.sum(~truth & predicted),
            "tn": np.sum(~truth & ~predicted),
        }
        for outcome, count in counts.items():
            if count:
                self._outcomes.labels(self.model, self.dataset, outcome).inc(float(count))

    def outcome_count(self, outcome: str) -> float:
        """Current value of ``harness_serving_outcomes_total{outcome=...}``."""
        value = self.registry.get_sample_value(
            "harness_serving_outcomes_total",
            {"model": self.model, "dataset": self.dataset, "outcome": outcome},
        )
        return float(value or 0.0)

    def prediction_count(self, predicted_class: Any) -> float:
        """Current value of ``harness_serving_predictions_total{predicted_class=...}``."""
        value = self.registry.get_sample_value(
            "harness_serving_predictions_total",
            {"model": self.model, "dataset": self.dataset, "predicted_class": str(predicted_class)},
        )
        return float(value or 0.0)

    def minority_recall(self) -> float:
        """Recall of the minority class over all outcomes counted so far (NaN before any)."""
        tp, fn = self.outcome_count("tp"), self.outcome_count("fn")
        return tp / (tp + fn) if tp + fn else float("nan")
