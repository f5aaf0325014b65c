"""Fairness from pooled out-of-fold predictions, with group sizes and bootstrap intervals.

Averaging a max–min gap over folds inflates it for small groups (each fold's gap is a maximum
over noisy group rates). Pooling the out-of-fold predictions of one repeat gives every row one
prediction and each group its full size. The point values are fairlearn's; the bootstrap
resamples rows and recomputes the same quantities from per-group counts in one vectorised pass
(fairlearn's own ``MetricFrame(n_boot=...)`` gives per-metric intervals only and took seconds
per column); a test checks each bootstrap statistic against fairlearn on the same resample.
Groups below ``min_group_size`` rows are flagged and left out of the gaps. Each group's recall
and selection rate get a Wilson score interval (every group, small ones too: the interval is
wide where the group is small, and stays inside [0, 1] at a rate of 0 or 1).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.metrics._checks import as_1d, same_length
from harness.metrics.fairness import group_fairness

MIN_GROUP_SIZE = 30
N_BOOT = 1000


def _rates(tp, fn, fp, tn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = tp / (tp + fn)
        fpr = fp / (fp + tn)
        selection = (tp + fp) / (tp + fn + fp + tn)
    return tpr, fpr, selection


def _gap(values: np.ndarray) -> np.ndarray:
    """max - min over groups (last axis), ignoring undefined rates."""
    with np.errstate(invalid="ignore"):
        return np.nanmax(values, axis=-1) - np.nanmin(values, axis=-1)


def gaps_from_counts(tp, fn, fp, tn) -> dict[str, np.ndarray]:
    """Equalized-odds and demographic-parity differences from per-group confusion counts.

    Counts have groups on the last axis; any leading axes (bootstrap samples) are kept.
    """
    tpr, fpr, selection = _rates(*(np.asarray(c, dtype=float) for c in (tp, fn, fp, tn)))
    return {
        "equalized_odds_difference": np.fmax(_gap(tpr), _gap(fpr)),
        "demographic_parity_difference": _gap(selection),
    }


def pooled_group_fairness(
    y_true,
    y_pred,
    groups,
    *,
    pos_label=1,
    min_group_size: int = MIN_GROUP_SIZE,
    n_boot: int = N_BOOT,
    confidence: float = 0.95,
    random_state: int = 0,
) -> dict[str, float]:
    """Fairness of pooled out-of-fold predictions of one sensitive column.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and out-of-fold predicted labels (one prediction per row).
    groups : array-like of shape (n_samples,)
        The sensitive column.
    pos_label : object, default=1
        The minority label.
    min_group_size : int, default=30
        Groups with fewer rows are flagged (``n_small_groups``) and left out of the gaps.
    n_boot : int, default=1000
        Bootstrap resamples of rows.
    confidence : float, default=0.95
        Level of the percentile intervals.
    random_state : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    dict
        ``equalized_odds_difference`` and ``demographic_parity_difference`` with
        ``*_ci_low``/``*_ci_high``; ``min_group_recall``; ``n_small_groups``; and per group
        ``group/<g>/recall``, ``group/<g>/selection_rate``, ``group/<g>/n`` (raw group text;
        the caller escapes it into a metric key), and the Wilson interval of each group's
        recall and selection rate as ``group/<g>/recall_ci_low`` ... (NaN for the recall of a
        group without minority rows).
    """
    y_true = as_1d(y_true, "y_true")
    y_pred = as_1d(y_pred, "y_pred")
    groups = as_1d(groups, "groups").astype(str)
    same_length(y_true=y_true, y_pred=y_pred, groups=groups)
    sizes = pd.Series(groups).value_counts()
    kept_groups = sizes.index[sizes >= min_group_size]
    kept = np.isin(groups, kept_groups)
    result: dict[str, float] = {"n_small_groups": float((sizes < min_group_size).sum())}
    if kept.any() and len(kept_groups) >= 2:
        point = group_fairness(y_true[kept], y_pred[kept], groups[kept], pos_label=pos_label)
        result.update({k: v for k, v in point.items() if "/" not in k})
        result.update(
            _bootstrap(
                y_true[kept] == pos_label,
                y_pred[kept] == pos_label,
                groups[kept],
                n_boot,
                confidence,
                random_state,
            )
        )
    else:
        for key in ("equalized_odds_difference", "demographic_parity_difference"):
            result.update({key: math.nan, f"{key}_ci_low": math.nan, f"{key}_ci_high": math.nan})
        result["min_group_recall"] = math.nan
    every = group_fairness(y_true, y_pred, groups, pos_label=pos_label)
    for key, value in every.items():
        if key.startswith("group/"):
            result[key] = value
    for group, size in sizes.items():
        result[f"group/{group}/n"] = float(size)
    result.update(_group_intervals(y_true == pos_label, y_pred == pos_label, groups, confidence))
    return result


def _group_intervals(truth, predicted, groups, confidence) -> dict[str, float]:
    """Wilson score intervals of each group's recall and selection rate."""
    from statsmodels.stats.proportion import proportion_confint

    out = {}
    for group in np.unique(groups):
        rows = groups == group
        for metric, hits, trials in (
            ("recall", np.sum(truth[rows] & predicted[rows]), np.sum(truth[rows])),
            ("selection_rate", np.sum(predicted[rows]), np.sum(rows)),
        ):
            low, high = (math.nan, math.nan)
            if trials:
                low, high = proportion_confint(hits, trials, 1.0 - confidence, method="wilson")
            out[f"group/{group}/{metric}_ci_low"] = float(low)
            out[f"group/{group}/{metric}_ci_high"] = float(high)
    return out


def _bootstrap(truth, predicted, groups, n_boot, confidence, random_state) -> dict[str, float]:
    labels, codes = np.unique(groups, return_inverse=True)
    n = truth.size
    rng = np.random.default_rng(random_state)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)  # (n_boot, n)
    cells = {
        "tp": truth & predicted,
        "fn": truth & ~predicted,
        "fp": ~truth & predicted,
        "tn": ~truth & ~predicted,
    }
    onehot = np.zeros((n, labels.size))
    onehot[np.arange(n), codes] = 1.0
    counts = {name: weights @ (onehot * mask[:, None]) for name, mask in cells.items()}
    gaps = gaps_from_counts(counts["tp"], counts["fn"], counts["fp"], counts["tn"])
    tail = (1.0 - confidence) / 2
    out = {}
    for key, samples in gaps.items():
        low, high = np.nanquantile(samples, [tail, 1.0 - tail])
        out[f"{key}_ci_low"] = float(low)
        out[f"{key}_ci_high"] = float(high)
    return out
