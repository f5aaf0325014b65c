"""Meta-features of a loaded data set, in the space its runs see.

The features are computed on the whole data set after the harness's own preprocessing
(:func:`harness.evaluate.protocol.make_preprocessor`: scaled numeric columns, one-hot
categorical ones), the space in which the samplers find neighbours and the models learn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from harness.data import Dataset
from harness.errors import InputDataError
from harness.evaluate.protocol import make_preprocessor
from harness.metrics.meta_features import META_FEATURES, meta_features

#: Fewer rows of either class than this and no meta-feature is computed: below it the overlap
#: measures move in steps of a sixth or more of the minority class, too coarse to advise on.
MIN_MINORITY_ROWS = 6


def check_judgeable(dataset: Dataset) -> None:
    """Refuse a data set the advisor cannot judge.

    Raises
    ------
    InputDataError
        Fewer than :data:`MIN_MINORITY_ROWS` minority rows, or fewer majority rows than that,
        naming the counts and what to do instead.
    """
    minority = int((dataset.y == 1).sum())
    majority = len(dataset.y) - minority
    if min(minority, majority) < MIN_MINORITY_ROWS:
        raise InputDataError(
            f"data set {dataset.name!r} has {minority} minority and {majority} majority rows: "
            f"the advisor needs at least {MIN_MINORITY_ROWS} of each to measure class overlap; "
            "collect more rows of the rare class, or run the treatments and compare them "
            "(harness run) instead of asking for advice"
        )


def dataset_meta_features(dataset: Dataset, *, random_state: int = 0) -> dict[str, float]:
    """The meta-features of :data:`harness.metrics.meta_features.META_FEATURES` of a data set.

    Parameters
    ----------
    dataset : Dataset
        A loaded data set (``y`` 1 = minority).
    random_state : int, default=0
        Seed of the cross-validated features.

    Returns
    -------
    dict
        Feature name -> value.

    Raises
    ------
    InputDataError
        A data set :func:`check_judgeable` refuses.
    """
    check_judgeable(dataset)
    X = make_preprocessor(dataset).fit_transform(dataset.X)
    return meta_features(X, dataset.y, random_state=random_state)


def meta_feature_table(
    names: Iterable[str], load: Callable[[str], Dataset], *, random_state: int = 0
) -> pd.DataFrame:
    """The meta-features of several data sets, one row each.

    Parameters
    ----------
    names : iterable of str
        Data set names ``load`` understands.
    load : callable
        Name -> :class:`~harness.data.Dataset`.
    random_state : int, default=0

    Returns
    -------
    DataFrame
        Index ``dataset``; columns ``digest`` (of the data loaded), every meta-feature, and
        ``note``: why a data set has no meta-features (too few rows of a class), else empty.
    """
    rows = []
    for name in names:
        dataset = load(name)
        row = {"dataset": name, "digest": dataset.digest, "note": ""}
        try:
            row |= dataset_meta_features(dataset, random_state=random_state)
        except InputDataError as exc:
            row["note"] = str(exc).split(":")[0]
        rows.append(row)
    columns = ["dataset", "digest", *META_FEATURES, "note"]
    return pd.DataFrame(rows, columns=columns).set_index("dataset")
