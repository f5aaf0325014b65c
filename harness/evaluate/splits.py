"""How rows are split into training and test folds.

- ``stratified`` (default): repeated stratified k-fold.
- ``group``: repeated ``StratifiedGroupKFold``: every row of one group (a customer, a patient)
  lands on the same side, so ADASYN never interpolates between a group's rows in train and
  its rows in test.
- ``time``: expanding-window folds over rows ordered by time; every test row comes after every
  training row (``TimeSeriesSplit``). One repeat: the order is the data's, not random.
- ``holdout``: the protocol of the ADASYN paper (He et al. 2008, Table II: 100 runs, each a
  random split of every class into halves): a stratified random train/test split, repeated
  ``n_repeats`` times; with ``test_size=0.5`` each class is halved to within one row. These are
  not the folds of a k-fold: each split is drawn anew, so the corrected intervals and tests
  (:mod:`harness.evaluate.inference`) use J = ``n_repeats`` and ``n_test/n_train`` = 1.

Each split is ``(repeat, fold, train_index, test_index)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    StratifiedShuffleSplit,
    TimeSeriesSplit,
)

from harness.errors import ConfigError

SCHEMES = ("stratified", "group", "time", "holdout")

Split = tuple[int, int, np.ndarray, np.ndarray]


def fold_splits(
    y: np.ndarray,
    *,
    n_splits: int,
    n_repeats: int,
    seed: int,
    scheme: str = "stratified",
    groups: np.ndarray | None = None,
    order: np.ndarray | None = None,
    test_size: float = 0.5,
) -> list[Split]:
    """The folds of one evaluation.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels (stratification).
    n_splits, n_repeats : int
        Folds per repeat and repeats (``time`` allows one repeat; ``holdout`` has one fold per
        repeat and ignores ``n_splits``).
    seed : int
        Random seed of the splitter.
    scheme : {"stratified", "group", "time", "holdout"}
        See the module docstring.
    groups : ndarray, optional
        Group of each row; required by ``group``.
    order : ndarray, optional
        Sort key of each row (a timestamp); required by ``time``.
    test_size : float, default=0.5
        Share of rows in the test set of ``holdout``.

    Returns
    -------
    list of (repeat, fold, train_index, test_index)

    Raises
    ------
    ConfigError
        Unknown scheme, a missing group or time column, or a scheme the data cannot support.
    """
    y = np.asarray(y)
    placeholder = np.zeros(len(y))
    if scheme == "stratified":
        splitter = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=seed
        )
        return [
            (i // n_splits, i % n_splits, train, test)
            for i, (train, test) in enumerate(splitter.split(placeholder, y))
        ]
    if scheme == "group":
        return _group_splits(y, groups, n_splits, n_repeats, seed)
    if scheme == "time":
        return _time_splits(y, order, n_splits, n_repeats)
    if scheme == "holdout":
        if not 0.0 < test_size < 1.0:
            raise ConfigError(
                f"evaluation.test_size={test_size!r} must be in (0, 1), e.g. 0.5 for the "
                "paper's half/half split"
            )
        splitter = StratifiedShuffleSplit(
            n_splits=n_repeats, test_size=test_size, random_state=seed
        )
        pairs = splitter.split(placeholder, y)
        return [(i, 0, train, test) for i, (train, test) in enumerate(pairs)]
    raise ConfigError(
        f"evaluation.folds={scheme!r} is not a fold scheme; use one of {list(SCHEMES)}."
    )


def _group_splits(y, groups, n_splits, n_repeats, seed) -> list[Split]:
    if groups is None:
        raise ConfigError(
            "evaluation.folds=group needs a group column: name it with dataset.loader.group "
            "(e.g. customer_id)."
        )
    groups = np.asarray(groups)
    if len(np.unique(groups)) < n_splits:
        raise ConfigError(
            f"evaluation.folds=group: {len(np.unique(groups))} groups cannot fill "
            f"{n_splits} folds; lower evaluation.n_splits."
        )
    splits = []
    for repeat in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + repeat)
        for fold, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y, groups)):
            splits.append((repeat, fold, train, test))
    return splits


def _time_splits(y, order, n_splits, n_repeats) -> list[Split]:
    if order is None:
        raise ConfigError(
            "evaluation.folds=time needs a time column: name it with dataset.loader.time "
            "(e.g. event_date)."
        )
    if n_repeats != 1:
        raise ConfigError(
            "evaluation.folds=time has one fixed order, so repeats would be identical: set "
            "evaluation.n_repeats=1."
        )
    by_time = np.argsort(np.asarray(order), kind="stable")
    splitter = TimeSeriesSplit(n_splits=n_splits)
    splits = []
    for fold, (train, test) in enumerate(splitter.split(by_time)):
        train_rows, test_rows = by_time[train], by_time[test]
        if len(np.unique(y[train_rows])) < 2 or len(np.unique(y[test_rows])) < 2:
            raise ConfigError(
                f"evaluation.folds=time: fold {fold} has a single class on one side; use fewer "
                "folds (evaluation.n_splits) so each window holds minority rows."
            )
        splits.append((0, fold, train_rows, test_rows))
    return splits
