"""Serving counters: the event-based minority-recall SLI of a model in service.

Minority recall in service is ``rate(tp) / rate(tp + fn)`` over
``harness_serving_outcomes_total``; the alert rules and dashboards compute it from there.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from prometheus_client import CollectorRegistry, Counter

from harness.errors import ConfigError, InputDataError
from harness.export.names import (
    OUTCOMES,
    SERVING_LABELS,
    SERVING_OUTCOMES,
    SERVING_PREDICTIONS,
    counter_name,
)

_MAX_SHOWN = 5


def _label_kind(value: Any) -> str | None:
    """``"number"`` (ints, floats, booleans), ``"text"``, or ``None`` for anything else.

    Labels of different kinds never compare equal (``"1" != 1``), so a counter whose
    positive label is of one kind cannot map a label of the other.
    """
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool | np.bool_):
        return "number"
    if isinstance(value, numbers.Real) and not (isinstance(value, float) and np.isnan(value)):
        return "number"
    return None


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _shown(values: list[Any]) -> str:
    text = ", ".join(repr(_plain(v)) for v in values[:_MAX_SHOWN])
    return text + (f" and {len(values) - _MAX_SHOWN} more" if len(values) > _MAX_SHOWN else "")


class MinorityOutcomeCounter:
    """Count a model's predictions and, once the true labels arrive, its outcomes.

    The counter maps exactly two classes: ``positive_label`` (the minority) and one negative
    label, given as ``negative_label`` or, when omitted, taken from the first batch that holds
    a label other than ``positive_label``. Every label of ``y_true`` and ``y_pred`` must equal
    one of the two; a batch with any other label is refused as a whole (nothing is counted),
    with :class:`~harness.errors.InputDataError`. This covers labels of a type that can never
    equal ``positive_label`` (``"yes"``/``"no"`` with the default ``positive_label=1``), missing
    labels (``None``, NaN), a third class, and a first batch with two candidate negative labels.
    Numbers compare by value (``1 == 1.0 == True``); text never equals a number.

    Parameters
    ----------
    registry : CollectorRegistry, optional
        Where the counters live; a new registry when omitted (never the global one).
    model : str
        Value of the ``model`` label.
    dataset : str
        Value of the ``dataset`` label.
    positive_label : int, float, bool or str
        The minority (positive) class.
    negative_label : int, float, bool or str, optional
        The other class; inferred from the first batch that holds it when omitted.

    Attributes
    ----------
    registry : CollectorRegistry
        Expose it with ``prometheus_client.start_http_server(port, registry=...)`` or push it.
    negative_label : object or None
        The negative class, once declared or seen.

    Raises
    ------
    ConfigError
        ``positive_label`` or ``negative_label`` is not a number or a string, or they are equal
        or of different kinds.

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
        positive_label: int | float | str = 1,
        negative_label: int | float | str | None = None,
    ):
        self._check_class_labels(positive_label, negative_label)
        self.registry = registry if registry is not None else CollectorRegistry()
        self.model = str(model)
        self.dataset = str(dataset)
        self.positive_label = positive_label
        self.negative_label = negative_label
        self._predictions = Counter(
            counter_name(SERVING_PREDICTIONS),
            "Predictions served, by predicted class.",
            labelnames=[*SERVING_LABELS, "predicted_class"],
            registry=self.registry,
        )
        self._outcomes = Counter(
            counter_name(SERVING_OUTCOMES),
            "Labelled predictions by outcome for the minority class: tp, fn, fp, tn.",
            labelnames=[*SERVING_LABELS, "outcome"],
            registry=self.registry,
        )
        # Every outcome series exists from the start, so rate(tp + fn) has no gaps.
        for outcome in OUTCOMES:
            self._outcomes.labels(self.model, self.dataset, outcome)

    @staticmethod
    def _check_class_labels(positive: Any, negative: Any) -> None:
        if _label_kind(positive) is None:
            raise ConfigError(
                f"positive_label={positive!r} is not a class label: pass the minority class as "
                "a number or a string, exactly as the model predicts it (e.g. 1 or 'yes')."
            )
        if negative is None:
            return
        if _label_kind(negative) != _label_kind(positive) or negative == positive:
            raise ConfigError(
                f"negative_label={negative!r} cannot be the other class of "
                f"positive_label={positive!r}: pass a different label of the same type "
                "(both numbers or both strings), or leave negative_label out to infer it."
            )

    def _accept(self, labels: np.ndarray, what: str) -> None:
        """Refuse ``labels`` unless each is the positive or the negative class; learn the
        negative class from them when it is not known yet (see the class docstring)."""
        positive, negative = self.positive_label, self.negative_label
        foreign, others = [], []
        for value in pd.unique(labels):
            if _label_kind(value) != _label_kind(positive):
                foreign.append(value)
            elif value != positive and (negative is None or value != negative):
                others.append(value)
        if foreign:
            raise InputDataError(
                f"{what} holds label(s) {_shown(foreign)} that can never equal "
                f"positive_label={positive!r} (a missing value, or another type): create the "
                "counter with positive_label (and negative_label) set to the two classes exactly "
                "as they appear in the labels, or fill in missing labels first."
            )
        if negative is not None and others:
            raise InputDataError(
                f"{what} holds label(s) {_shown(others)} outside the two classes this counter "
                f"maps (positive_label={positive!r}, negative_label={negative!r}): map the "
                "labels to those two classes first, or use one counter per class pair."
            )
        if len(others) > 1:
            raise InputDataError(
                f"{what} holds {len(others)} labels other than positive_label={positive!r} "
                f"({_shown(others)}), but the counter maps exactly two classes: map the labels "
                "to two classes first and pass negative_label, or check that positive_label is "
                "the minority label as the model predicts it."
            )
        if others:
            self.negative_label = _plain(others[0])

    @staticmethod
    def _as_labels(values: Any) -> np.ndarray:
        return np.asarray(values, dtype=object).ravel()

    def record_predictions(self, y_pred: Any) -> None:
        """Count served predictions by predicted class.

        Parameters
        ----------
        y_pred : array-like of shape (n,)
            Predicted class labels: ``positive_label`` or the negative label.

        Raises
        ------
        InputDataError
            A label the counter cannot map (see the class docstring); nothing is counted.
        """
        self._accept(self._as_labels(y_pred), "y_pred")
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
            ``y_true`` and ``y_pred`` have different lengths, or hold a label the counter
            cannot map (see the class docstring); nothing is counted.
        """
        true_labels, predicted_labels = self._as_labels(y_true), self._as_labels(y_pred)
        if true_labels.shape != predicted_labels.shape:
            raise InputDataError(
                f"y_true has {true_labels.size} labels but y_pred {predicted_labels.size}; pass "
                "the predictions of exactly the rows whose labels arrived."
            )
        self._accept(np.concatenate([true_labels, predicted_labels]), "y_true / y_pred")
        truth = true_labels == self.positive_label
        predicted = predicted_labels == self.positive_label
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
            SERVING_OUTCOMES,
            {"model": self.model, "dataset": self.dataset, "outcome": outcome},
        )
        return float(value or 0.0)

    def prediction_count(self, predicted_class: Any) -> float:
        """Current value of ``harness_serving_predictions_total{predicted_class=...}``."""
        value = self.registry.get_sample_value(
            SERVING_PREDICTIONS,
            {"model": self.model, "dataset": self.dataset, "predicted_class": str(predicted_class)},
        )
        return float(value or 0.0)

    def minority_recall(self) -> float:
        """Recall of the minority class over all outcomes counted so far (NaN before any)."""
        tp, fn = self.outcome_count("tp"), self.outcome_count("fn")
        return tp / (tp + fn) if tp + fn else float("nan")
