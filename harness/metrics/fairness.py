"""Group fairness of minority-class predictions, computed by fairlearn."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    equalized_odds_difference,
    selection_rate,
)
from sklearn.metrics import recall_score

from harness.errors import InputDataError
from harness.metrics._checks import as_1d, same_length

#: Recall of a group without positive rows is undefined: NaN, not a misleading 0.0.
group_recall = partial(recall_score, zero_division=np.nan)


def _groups(sensitive_features) -> np.ndarray:
    if isinstance(sensitive_features, pd.DataFrame):
        if sensitive_features.shape[1] != 1:
            raise InputDataError(
                f"sensitive_features has {sensitive_features.shape[1]} columns: pass one "
                "sensitive column at a time, e.g. df['sex']"
            )
        sensitive_features = sensitive_features.iloc[:, 0]
    groups = as_1d(sensitive_features, "sensitive_features")
    if pd.isna(groups).any():
        raise InputDataError(
            "sensitive_features contains missing values: fill them with an explicit group, "
            "e.g. .fillna('unknown')"
        )
    return groups


def group_fairness(y_true, y_pred, sensitive_features, *, pos_label=1) -> dict[str, float]:
    """Per-group recall and selection rate, equalized odds and demographic parity differences.

    Everything is computed by fairlearn (``MetricFrame``, ``equalized_odds_difference``,
    ``demographic_parity_difference``); nothing is re-implemented here.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sensitive_features : array-like of shape (n_samples,)
        One sensitive column (the group of each row).
    pos_label : scalar, default=1
        The minority (positive) label; other labels are "rest".

    Returns
    -------
    dict
        ``equalized_odds_difference``, ``demographic_parity_difference``, ``min_group_recall``
        and, for each group ``g``, ``group/<g>/recall`` and ``group/<g>/selection_rate``
        (``g`` as ``str``, raw: it may contain ``/``). Plain floats.
        :func:`harness.metrics.catalog.fairness_keys` turns them into the escaped metric keys of
        one sensitive column.

    Notes
    -----
    A group without positive rows has recall NaN (undefined, not 0.0); ``min_group_recall``
    is the smallest recall over the groups where it is defined, and NaN when it is defined for
    no group. ``equalized_odds_difference`` is fairlearn's worst case between groups of the
    true and false positive rate differences.
    """
    y_true = as_1d(y_true, "y_true")
    y_pred = as_1d(y_pred, "y_pred")
    groups = _groups(sensitive_features)
    same_length(y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    truth = (y_true == pos_label).astype(int)
    predicted = (y_pred == pos_label).astype(int)

    # A one-column frame, not the bare array: fairlearn takes a single-row 1-D array for a
    # 2-D one and refuses it ("Feature array has too many dimensions").
    groups = pd.DataFrame({"group": groups})
    frame = MetricFrame(
        metrics={"recall": group_recall, "selection_rate": selection_rate},
        y_true=truth,
        y_pred=predicted,
        sensitive_features=groups,
    )
    by_group = frame.by_group
    recalls = by_group["recall"].to_numpy(dtype=float)
    result = {
        "equalized_odds_difference": float(
            equalized_odds_difference(truth, predicted, sensitive_features=groups)
        ),
        "demographic_parity_difference": float(
            demographic_parity_difference(truth, predicted, sensitive_features=groups)
        ),
        "min_group_recall": float(np.nanmin(recalls)) if np.isfinite(recalls).any() else math.nan,
    }
    for group, row in by_group.iterrows():
        result[f"group/{group}/recall"] = float(row["recall"])
        result[f"group/{group}/selection_rate"] = float(row["selection_rate"])
    return result
