"""Generalisation gap between training and test scores."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from harness.errors import InputDataError

GAP_KEYS = ("minority_recall", "minority_f1")


def train_test_gap(
    train: Mapping[str, float], test: Mapping[str, float], keys: Iterable[str] = GAP_KEYS
) -> dict[str, float]:
    """Train minus test score for each key: a large positive gap signals overfitting.

    Parameters
    ----------
    train, test : mapping of str to float
        Scores on the training rows and on the test rows, e.g. from
        :func:`harness.metrics.minority_slis`.
    keys : iterable of str, default=("minority_recall", "minority_f1")
        The scores to compare.

    Returns
    -------
    dict
        ``{key: train[key] - test[key]}``; NaN when either side is NaN.

    Raises
    ------
    InputDataError
        When a key is missing from ``train`` or ``test``.
    """
    gaps = {}
    for key in keys:
        missing = [name for name, scores in (("train", train), ("test", test)) if key not in scores]
        if missing:
            raise InputDataError(
                f"score {key!r} is missing from {' and '.join(missing)}: compute both sides with "
                "the same metric function, or pass keys= with the scores they share"
            )
        difference = float(train[key]) - float(test[key])
        gaps[key] = math.nan if math.isnan(difference) else difference
    return gaps
