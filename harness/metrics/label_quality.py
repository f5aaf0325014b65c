"""Label issues: rows whose label looks wrong, found by confident learning (cleanlab).

The estimate uses out-of-fold probabilities of a *fixed* model — a random forest, 5-fold —
independent of the model the run evaluates, so it describes the data, not the run. It looks in
both directions: minority-labelled rows that look like majority rows, and majority-labelled rows
that look like minority rows. Both are expressed as a share of the minority class's size,
because that is what an ADASYN user needs to know: how many of the rows about to be
interpolated from (or left out) are mislabelled.

Label noise and class overlap cannot be fully separated from data alone: where the classes
overlap, a correct label can look wrong to any model. The estimate is close to the truth on
well-separated data (tests/metrics/test_label_quality.py) and reads high where classes overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.errors import InputDataError
from harness.metrics._checks import as_1d, as_matrix

N_SPLITS = 5
N_ESTIMATORS = 100
N_BOOT = 1000


def out_of_fold_probabilities(X, y_minority, *, random_state: int = 0) -> np.ndarray:
    """Out-of-fold probabilities of the fixed reference model (random forest, 5-fold)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    n_splits = min(N_SPLITS, int(np.bincount(y_minority).min()))
    if n_splits < 2:
        raise InputDataError(
            "label issues need at least 2 rows of each class: add rows of the rarer class"
        )
    forest = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=random_state, n_jobs=1)
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return cross_val_predict(forest, X, y_minority, cv=folds, method="predict_proba")


def label_issue_shares(X, y, *, pos_label=1, random_state: int = 0) -> dict[str, float]:
    """The point estimate of :func:`label_issue_estimate` (same arguments, no interval)."""
    return label_issue_estimate(X, y, pos_label=pos_label, random_state=random_state).shares


@dataclass(frozen=True)
class LabelIssueEstimate:
    """The label-issue shares of a data set, with their bootstrap intervals.

    Attributes
    ----------
    shares : dict
        ``minority_mislabelled``, ``majority_mislabelled`` and ``label_issues`` (their sum),
        each per minority row.
    intervals : dict
        ``name -> [low, high]``: the percentile interval of each share over bootstrap
        resamples of the rows (:func:`bootstrap_shares`).
    flagged : ndarray of bool
        The rows cleanlab flags.
    """

    shares: dict[str, float]
    intervals: dict[str, list[float]]
    flagged: np.ndarray


def shares_of(flagged, y_minority) -> dict[str, float]:
    """The two directions and their sum, per minority row, of the ``flagged`` rows."""
    flagged = np.asarray(flagged, dtype=bool)
    y_minority = np.asarray(y_minority, dtype=int)
    n_minority = int(y_minority.sum())
    minority = float(np.count_nonzero(flagged & (y_minority == 1))) / n_minority
    majority = float(np.count_nonzero(flagged & (y_minority == 0))) / n_minority
    return {
        "minority_mislabelled": minority,
        "majority_mislabelled": majority,
        "label_issues": minority + majority,
    }


def bootstrap_shares(
    flagged,
    y_minority,
    *,
    n_boot: int = N_BOOT,
    confidence: float = 0.95,
    random_state: int = 0,
) -> dict[str, list[float]]:
    """Percentile intervals of the shares over bootstrap resamples of the rows.

    A resample of the rows only changes how many rows of each of four kinds it holds (flagged
    or not, minority-labelled or not), so each resample is one multinomial draw of those four
    counts: exact, and cheap at any size. The flags are those of the full data: the interval
    is the row-sampling uncertainty of the share, not the error of the flagging itself (the
    bias by noise level, direction and class overlap is measured by ``harness bench --part
    label-issues``, docs/statistics.md).

    Returns
    -------
    dict
        ``name -> [low, high]`` for the three shares.
    """
    flagged = np.asarray(flagged, dtype=bool)
    y_minority = np.asarray(y_minority, dtype=int)
    kinds = [
        flagged & (y_minority == 1),
        flagged & (y_minority == 0),
        ~flagged & (y_minority == 1),
        ~flagged & (y_minority == 0),
    ]
    n = flagged.size
    probabilities = np.array([np.count_nonzero(k) for k in kinds], dtype=float) / n
    counts = np.random.default_rng(random_state).multinomial(n, probabilities, size=n_boot)
    minority_rows = counts[:, 0] + counts[:, 2]
    usable = minority_rows > 0
    minority = counts[usable, 0] / minority_rows[usable]
    majority = counts[usable, 1] / minority_rows[usable]
    tail = (1.0 - confidence) / 2
    out = {}
    for name, values in (
        ("minority_mislabelled", minority),
        ("majority_mislabelled", majority),
        ("label_issues", minority + majority),
    ):
        low, high = np.quantile(values, [tail, 1.0 - tail])
        out[name] = [float(low), float(high)]
    return out


def label_issue_estimate(
    X, y, *, pos_label=1, random_state: int = 0, n_boot: int = N_BOOT
) -> LabelIssueEstimate:
    """Likely mislabelled rows in both directions, per minority row, with bootstrap intervals.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric features (preprocessed).
    y : array-like of shape (n_samples,)
        Labels; ``pos_label`` is the minority class, every other label the rest.
    pos_label : object, default=1
        The minority label.
    random_state : int, default=0
        Seed of the reference model and its folds (same seed, same estimate).
    n_boot : int, default=1000
        Bootstrap resamples of the intervals.

    Returns
    -------
    LabelIssueEstimate
        ``shares``: ``minority_mislabelled`` (minority-labelled rows whose label looks wrong),
        ``majority_mislabelled`` (majority-labelled rows that look like minority rows) and
        ``label_issues`` (their sum), each divided by the number of minority rows; their
        ``intervals``; the ``flagged`` rows.
    """
    from cleanlab.filter import find_label_issues

    X = as_matrix(X, "X")
    y = as_1d(y, "y")
    if X.shape[0] != y.shape[0]:
        raise InputDataError(
            f"X has {X.shape[0]} rows and y has {y.shape[0]}: pass one label per row"
        )
    y_minority = (y == pos_label).astype(int)
    n_minority = int(y_minority.sum())
    if n_minority == 0:
        raise InputDataError(
            f"no row has the minority label {pos_label!r}: pass the label of the rare class"
        )
    probabilities = out_of_fold_probabilities(X, y_minority, random_state=random_state)
    # n_jobs=1: cleanlab's own process pool fails inside the worker processes of a sweep.
    issues = np.asarray(find_label_issues(labels=y_minority, pred_probs=probabilities, n_jobs=1))
    intervals = bootstrap_shares(issues, y_minority, n_boot=n_boot, random_state=random_state)
    return LabelIssueEstimate(shares_of(issues, y_minority), intervals, issues)
