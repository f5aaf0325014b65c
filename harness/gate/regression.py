"""Regression against a baseline run, through MLflow's ``MetricThreshold``.

The direction of each metric comes from the metric catalog (``greater_is_better``); a metric
the catalog does not know, or one with no better direction, cannot be a regression metric.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterable, Iterator, Sequence

from harness.errors import ConfigError, InputDataError
from harness.gate.checks import FAIL, PASS, Check, value_problem
from harness.gate.sources import Candidate
from harness.metrics import catalog

DEFAULT_REGRESSION_METRICS = ("test/minority_recall", "test/minority_f1", "test/pr_auc")


def parse_regression_metrics(text: str | Iterable[str]) -> tuple[str, ...]:
    """The regression metric keys of ``--regression-metrics``, each checked in the catalog.

    Parameters
    ----------
    text : str or iterable of str
        Comma-separated keys, or the keys.

    Returns
    -------
    tuple of str

    Raises
    ------
    ConfigError
        When no key is left, or a key is unknown, renamed or has no better direction.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    keys = tuple(dict.fromkeys(k.strip() for k in items if k.strip()))
    if not keys:
        raise ConfigError(
            "--regression-metrics names no metric, which would drop every regression check: "
            f"list metric keys, e.g. {','.join(DEFAULT_REGRESSION_METRICS)}, or omit the "
            "option for that default."
        )
    for key in keys:
        try:
            spec = catalog.spec_of(key)
        except InputDataError as exc:
            raise ConfigError(f"--regression-metrics: {exc}") from exc
        if spec.greater_is_better is None:
            raise ConfigError(
                f"--regression-metrics: {key} has no better direction (neither larger nor "
                "smaller is better), so it cannot regress; bound it in the SLO set instead."
            )
    return keys


def finite_change(value: float | None, option: str) -> float | None:
    """Return ``value`` when it is ``None`` or finite.

    Raises
    ------
    ConfigError
        For NaN or an infinity, naming ``option``.
    """
    if value is not None and not math.isfinite(value):
        raise ConfigError(f"{option} must be a finite number, got {value}; e.g. -0.02 or 0.01.")
    return value


def regression_checks(
    candidate: Candidate,
    baseline: Candidate,
    metrics: Sequence[str] = DEFAULT_REGRESSION_METRICS,
    *,
    min_absolute_change: float | None = 0.0,
    min_relative_change: float | None = None,
) -> list[Check]:
    """Compare ``candidate`` with ``baseline`` through MLflow's ``MetricThreshold``.

    A positive change is MLflow's own rule: the candidate must beat the baseline by at least
    that much (``min_absolute_change`` / ``min_relative_change`` of ``MetricThreshold``). Zero
    means "no worse than the baseline" and a negative change is the drop allowed (``-0.02``
    accepts a candidate up to 0.02 below the baseline); both become MLflow's absolute
    ``threshold``, placed relative to the baseline value.

    Parameters
    ----------
    candidate, baseline : Candidate
        The run under test and the run it must not regress from.
    metrics : sequence of str
        Metric keys to compare (see :func:`parse_regression_metrics`).
    min_absolute_change : float or None
        Required change in metric units (see above); ``None`` to skip.
    min_relative_change : float or None
        Required change as a share of ``|baseline|`` in [-1, 1]; ``None`` to skip.

    Returns
    -------
    list of Check
        One per metric, kind ``regression``. A value missing, null, non-finite or out of range
        on either side fails.
    """
    finite_change(min_absolute_change, "--min-absolute-change")
    finite_change(min_relative_change, "--min-relative-change")
    checks = []
    for metric in parse_regression_metrics(metrics):
        higher = bool(catalog.greater_is_better(metric))
        verdict, bound, detail = _compare(
            metric, candidate, baseline, higher, min_absolute_change, min_relative_change
        )
        checks.append(
            Check(
                f"regression[{metric}]",
                "regression",
                metric,
                candidate.metrics.get(metric),
                bound,
                ">=" if higher else "<=",
                verdict,
                detail,
                candidate.name,
            )
        )
    return checks


def _compare(
    metric: str,
    candidate: Candidate,
    baseline: Candidate,
    higher: bool,
    min_absolute_change: float | None,
    min_relative_change: float | None,
) -> tuple[str, float | None, str]:
    """The verdict, the bound on the candidate's value and the reason, for one metric."""
    problem = value_problem(metric, baseline.metrics)
    if problem is not None:
        return (
            FAIL,
            None,
            f"the baseline {baseline.name}: {problem}: choose a baseline that measured it or "
            "drop it from --regression-metrics",
        )
    reference = float(baseline.metrics[metric])
    kwargs, bound = _threshold_arguments(
        reference, higher, min_absolute_change, min_relative_change
    )
    problem = value_problem(metric, candidate.metrics)
    if problem is not None:
        return FAIL, bound, f"{problem}, so it cannot be compared with the baseline {baseline.name}"
    failure = _mlflow_failure(metric, float(candidate.metrics[metric]), reference, higher, kwargs)
    if failure is not None:
        return FAIL, bound, f"{failure} (baseline {baseline.name})"
    op = ">=" if higher else "<="
    return PASS, bound, f"baseline {baseline.name} = {reference:.4g}; required {op} {bound:.4g}"


def _mlflow_failure(
    metric: str, value: float, reference: float, higher: bool, kwargs: dict[str, float]
) -> str | None:
    """MLflow's message when the value fails its ``MetricThreshold``, else ``None``."""
    import mlflow
    from mlflow.models import MetricThreshold
    from mlflow.models.evaluation import EvaluationResult
    from mlflow.models.evaluation.validation import ModelValidationFailedException

    try:
        with _quiet_mlflow_validation():
            mlflow.validate_evaluation_results(
                {metric: MetricThreshold(greater_is_better=higher, **kwargs)},
                EvaluationResult({metric: value}, {}),
                EvaluationResult({metric: reference}, {}),
            )
    except ModelValidationFailedException as exc:
        return exc.message
    return None


@contextlib.contextmanager
def _quiet_mlflow_validation() -> Iterator[None]:
    """Silence MLflow's INFO lines for each validation; the gate reports the outcome itself."""
    logger = logging.getLogger("mlflow.models.evaluation.validation")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _threshold_arguments(
    reference: float,
    higher: bool,
    min_absolute_change: float | None,
    min_relative_change: float | None,
) -> tuple[dict[str, float], float]:
    """MetricThreshold keyword arguments and the effective bound on the candidate's value."""
    sign = 1.0 if higher else -1.0
    kwargs: dict[str, float] = {}
    bounds: list[float] = []
    absolute_bounds: list[float] = []
    if min_absolute_change is not None:
        bound = reference + sign * float(min_absolute_change)
        if min_absolute_change > 0:
            kwargs["min_absolute_change"] = float(min_absolute_change)
            bounds.append(bound)
        else:
            absolute_bounds.append(bound)
    if min_relative_change is not None:
        bound = reference + sign * float(min_relative_change) * abs(reference)
        if min_relative_change > 0:
            kwargs["min_relative_change"] = float(min_relative_change)
            bounds.append(bound)
        else:
            absolute_bounds.append(bound)
    if absolute_bounds:
        strictest = max(absolute_bounds) if higher else min(absolute_bounds)
        kwargs["threshold"] = float(strictest)
        bounds.append(strictest)
    if not kwargs:  # nothing asked: no worse than the baseline
        kwargs["threshold"] = float(reference)
        bounds.append(reference)
    return kwargs, (max(bounds) if higher else min(bounds))
