"""From fold results to the numbers a run records: means, intervals, pooled fairness, label issues.

- Means over folds, with the Nadeau–Bengio corrected interval by default (fold scores of
  repeated cross-validation are correlated; the plain Student-t interval is too narrow), or a
  percentile bootstrap over pooled out-of-fold predictions for the test metrics.
- Fairness from the pooled out-of-fold predictions of the first repeat (one prediction per
  row, each group at its full size), with bootstrap intervals of the gaps and Wilson intervals of
  each group's recall and selection rate; the per-fold averages are kept apart as
  ``fold_means``.
- Label issues of the data set, from a fixed reference model, once per data set and seed, with
  bootstrap intervals over rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import ConfigError
from harness.evaluate.inference import CORRECTED_T, corrected_interval
from harness.evaluate.oof_bootstrap import OOF_BOOTSTRAP, bootstrap_intervals
from harness.evaluate.pooled import POOLED_JACKKNIFE, pooled_intervals
from harness.evaluate.pooled_bootstrap import POOLED_BOOTSTRAP, pooled_bootstrap_intervals
from harness.evaluate.protocol import FoldArtifacts
from harness.metrics.catalog import MetricKey, fairness_keys

CI_METHODS = {
    "pooled_bootstrap": POOLED_BOOTSTRAP,
    "corrected_t": CORRECTED_T,
    "pooled_jackknife": POOLED_JACKKNIFE,
    "oof_bootstrap": OOF_BOOTSTRAP,
}
#: The ratio metrics ``pooled_bootstrap`` and ``pooled_jackknife`` estimate from pooled
#: out-of-fold predictions.
POOLED_KEYS = ("test/minority_recall", "test/minority_precision", "test/minority_f1", "test/pr_auc")


@dataclass
class Summary:
    """What a job records from its folds."""

    metrics: dict[str, float]
    std: dict[str, float]
    ci95: dict[str, list[float]]
    ci_method: str
    fold_means: dict[str, float] = field(default_factory=dict)


def clip_to_range(key: str, interval: list[float] | None) -> list[float] | None:
    """Clip an interval to the metric's range in the metric catalog: a recall CI never passes
    1, a time or a count never falls below 0; a key the catalog does not know is left as is."""
    parsed = MetricKey.parse(key)
    if parsed is None or interval is None:
        return interval
    low, high = parsed.spec.low, parsed.spec.high
    return [None if value is None else float(min(max(value, low), high)) for value in interval]


#: Fewer distinct minority scores per test fold (median over folds) than this are hard scores:
#: a decision tree's 0/1 leaves, a 5-NN's six vote shares. They rank nothing, so PR-AUC and
#: ROC-AUC measure an operating point, and no threshold can be tuned to a precision target.
MIN_SCORE_LEVELS = 10


def hard_scores(folds: pd.DataFrame) -> tuple[bool, float]:
    """Whether the model's scores are hard, and the median distinct scores per test fold.

    Returns
    -------
    tuple of (bool, float)
        ``True`` when the median of ``test/score_levels`` is below :data:`MIN_SCORE_LEVELS`
        (or the folds record none: no scores at all).
    """
    if "test/score_levels" not in folds:
        return True, math.nan
    levels = pd.to_numeric(folds["test/score_levels"], errors="coerce").to_numpy(dtype=float)
    median = float(np.nanmedian(levels)) if np.isfinite(levels).any() else math.nan
    return bool(not median >= MIN_SCORE_LEVELS), median


def undefined_metrics(folds: pd.DataFrame, precision_target: float | None) -> dict[str, str]:
    """The metrics a job has no value for, each with why (``result.json`` ``undefined``).

    The operating point exists only when every fold's training rows reached the precision
    target at some threshold: a mean over the folds that reached it would select the easy
    folds, and a 0.0 for the others would enter the mean as a measurement.
    """
    if precision_target is None or "test/operating_point_reached" not in folds:
        return {}
    reached = pd.to_numeric(folds["test/operating_point_reached"], errors="coerce")
    missed = int((reached != 1.0).sum())
    if missed == 0:
        return {}
    reason = (
        f"the precision target {precision_target:g} was not reached on the training rows in "
        f"{missed} of {len(folds)} folds (no threshold there reaches it), so there is no "
        "operating point to measure"
    )
    from harness.evaluate.protocol import OPERATING_POINT_KEYS

    return {key: reason for key in OPERATING_POINT_KEYS if key != "test/operating_point_reached"}


def drop_undefined(summary: Summary, undefined: dict[str, str]) -> None:
    """Remove the mean, spread and interval of every undefined metric from ``summary``."""
    for key in undefined:
        summary.metrics[key] = math.nan
        summary.std.pop(key, None)
        summary.ci95.pop(key, None)


def summarize_folds(
    folds: pd.DataFrame,
    columns: Iterable[str],
    *,
    n_train: float,
    n_test: float,
    ci_method: str = "corrected_t",
    artifacts: FoldArtifacts | None = None,
    random_state: int = 0,
) -> Summary:
    """Mean, standard deviation and 95 % interval of each metric column over folds.

    Parameters
    ----------
    folds : DataFrame
        One row per (repeat, fold).
    columns : iterable of str
        Metric columns.
    n_train, n_test : float
        Rows of one training and one test fold (the correction's ``n_test/n_train``).
    ci_method : {"pooled_bootstrap", "corrected_t", "pooled_jackknife", "oof_bootstrap"}
        ``pooled_bootstrap`` (the shipped default, ``conf/evaluation/default.yaml``) replaces
        the mean and interval of the ratio metrics :data:`POOLED_KEYS` by the mean over
        repeats of each repeat's pooled out-of-fold metric and its row-bootstrap interval
        (``std`` stays the spread of the fold values)
        (:mod:`harness.evaluate.pooled_bootstrap`; needs ``artifacts``); ``pooled_jackknife``
        replaces the mean, spread and interval of the ratio metrics
        :data:`POOLED_KEYS` by the pooled out-of-fold jackknife estimate and its corrected
        interval (:mod:`harness.evaluate.pooled`; needs ``artifacts``); ``oof_bootstrap``
        replaces the intervals of the ``test/`` minority SLIs by the percentile bootstrap over
        the pooled out-of-fold predictions of the first repeat (needs ``artifacts``).
    artifacts : FoldArtifacts, optional
        The out-of-fold predictions of every fold.
    random_state : int
        Seed of the bootstrap.

    Returns
    -------
    Summary
    """
    if ci_method not in CI_METHODS:
        raise ConfigError(
            f"evaluation.ci_method={ci_method!r} is not a method; use one of {list(CI_METHODS)}."
        )
    metrics, std, ci95 = {}, {}, {}
    for column in columns:
        values = pd.to_numeric(folds[column], errors="coerce").to_numpy(dtype=float)
        summary = corrected_interval(values, n_train, n_test)
        metrics[column] = summary["mean"]
        std[column] = summary["std"]
        ci95[column] = [summary["ci_low"], summary["ci_high"]]
    method = CI_METHODS["corrected_t"]
    pooled_folds = artifacts.fold_predictions if artifacts is not None else []
    if ci_method == "pooled_bootstrap" and pooled_folds:
        pooled = pooled_bootstrap_intervals(pooled_folds, random_state=random_state)
        # ``std`` stays the fold spread: power and the unpaired change read it as one.
        _replace_pooled(metrics, ci95, pooled, std=None)
        method = f"{POOLED_BOOTSTRAP} ({', '.join(POOLED_KEYS)}); {CORRECTED_T} (the rest)"
    if ci_method == "pooled_jackknife" and pooled_folds:
        pooled = pooled_intervals(pooled_folds, _pooled_metrics, n_train, n_test)
        _replace_pooled(metrics, ci95, pooled, std=std)
        method = f"{POOLED_JACKKNIFE} ({', '.join(POOLED_KEYS)}); {CORRECTED_T} (the rest)"
    if ci_method == "oof_bootstrap" and artifacts is not None and artifacts.oof_true:
        y_true = np.concatenate(artifacts.oof_true)
        y_pred = np.concatenate(artifacts.oof_pred)
        score = np.concatenate(artifacts.oof_score) if artifacts.oof_score else None
        boot = bootstrap_intervals(y_true, y_pred, score, random_state=random_state)
        ci95.update({k: v for k, v in boot.items() if k in ci95})
        method = f"{OOF_BOOTSTRAP} (test minority SLIs); {CORRECTED_T} (the rest)"
    ci95 = {key: clip_to_range(key, interval) for key, interval in ci95.items()}
    return Summary(metrics=metrics, std=std, ci95=ci95, ci_method=method)


def _replace_pooled(
    metrics: dict[str, float],
    ci95: dict[str, list[float]],
    pooled: dict[str, dict[str, float]],
    *,
    std: dict[str, float] | None,
) -> None:
    """Put the pooled estimate and interval of every :data:`POOLED_KEYS` metric the folds have
    in place of the fold mean's (and its spread, when ``std`` is given)."""
    for key in (k for k in POOLED_KEYS if k in metrics):
        found = pooled[key.removeprefix("test/")]
        metrics[key] = found["mean"]
        ci95[key] = [found["ci_low"], found["ci_high"]]
        if std is not None:
            std[key] = found["std"]


def _pooled_metrics(y_true, y_pred, y_score) -> dict[str, float]:
    from harness.metrics import minority_slis

    values = minority_slis(y_true, y_pred, y_score, pos_label=1)
    return {key.removeprefix("test/"): values[key.removeprefix("test/")] for key in POOLED_KEYS}


def pool_fairness(
    summary: Summary,
    artifacts: FoldArtifacts,
    sensitive_columns: Iterable[str],
    *,
    min_group_size: int,
    random_state: int = 0,
) -> None:
    """Replace the fold-averaged fairness metrics of ``summary`` by pooled ones, in place.

    The fold averages move to ``summary.fold_means``; the pooled values get bootstrap
    intervals, group sizes and the count of groups too small to enter the gaps.
    """
    from harness.metrics.fairness_pooled import pooled_group_fairness

    columns = [str(c) for c in sensitive_columns]
    if not columns or not artifacts.oof_true:
        return
    for key in [k for k in summary.metrics if k.startswith("fairness/")]:
        summary.fold_means[key] = summary.metrics.pop(key)
        summary.std.pop(key, None)
        summary.ci95.pop(key, None)
    y_true = np.concatenate(artifacts.oof_true)
    y_pred = np.concatenate(artifacts.oof_pred)
    groups = pd.concat(artifacts.oof_groups, ignore_index=True)
    for column in columns:
        pooled = pooled_group_fairness(
            y_true,
            y_pred,
            groups[column].to_numpy(),
            min_group_size=min_group_size,
            random_state=random_state,
        )
        point = {k: v for k, v in pooled.items() if not k.endswith(("_ci_low", "_ci_high"))}
        keyed = fairness_keys(column, point)
        summary.metrics.update(keyed)
        # The gaps' bootstrap intervals and each group's recall and selection-rate intervals.
        for low_key in [k for k in pooled if k.endswith("_ci_low")]:
            stem = low_key.removesuffix("_ci_low")
            key = fairness_keys(column, {stem: 0.0}).popitem()[0]
            summary.ci95[key] = [pooled[low_key], pooled[f"{stem}_ci_high"]]


_LABEL_ISSUES: dict[tuple[str, int], tuple[dict[str, float], dict[str, list[float]]]] = {}


def label_issues(
    dataset: Any, preprocessor: Any, seed: int
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """``data/label_issues`` and its two directions with their 95 % bootstrap intervals, once
    per data set and seed (cached).

    The features are preprocessed by a clone fitted on all rows: the estimate describes the
    data set, not a fold. The intervals are the row-sampling uncertainty of each share
    (:func:`harness.metrics.label_quality.bootstrap_shares`), not the error of the flagging.

    Returns
    -------
    tuple of (dict, dict)
        The shares by metric key, and their intervals by metric key (empty when the data set
        has too few rows of a class for the reference model's folds: the shares are NaN).
    """
    from sklearn.base import clone

    from harness.metrics.label_quality import label_issue_estimate

    key = (str(dataset.digest), int(seed))
    if key not in _LABEL_ISSUES:
        X = clone(preprocessor).fit_transform(dataset.X)
        try:
            estimate = label_issue_estimate(X, dataset.y, pos_label=1, random_state=seed)
        except ValueError:  # too few rows of a class for the reference model's folds
            names = ("minority_mislabelled", "majority_mislabelled", "label_issues")
            _LABEL_ISSUES[key] = ({f"data/{k}": math.nan for k in names}, {})
        else:
            _LABEL_ISSUES[key] = (
                {f"data/{k}": v for k, v in estimate.shares.items()},
                {f"data/{k}": v for k, v in estimate.intervals.items()},
            )
    shares, intervals = _LABEL_ISSUES[key]
    return dict(shares), {k: list(v) for k, v in intervals.items()}
