"""Reading the fold tables and fold sizes of two runs compared fold by fold.

Shared by the relative objectives (a strategy against its reference job) and the regression
gate (a candidate against its champion): ``folds.csv`` read once and strictly, the fold sizes of
``result.json``, and the check that every fold value is finite and inside the metric's range.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import InputDataError
from harness.gate.sources import Candidate
from harness.metrics import catalog
from harness.runs import RunFolder, metric_column

SIZES = ("n_train", "n_test")


def values_problem(values: pd.Series, metric: str) -> str | None:
    """Why fold values of ``metric`` cannot be compared (NaN, infinite, out of range), naming
    the first folds; ``None`` when every value is usable."""
    spec = catalog.spec_of(metric)
    bad = [
        f"repeat {r} fold {f}: {v}"
        for (r, f), v in values.items()
        if not (math.isfinite(v) and spec.low <= v <= spec.high)
    ]
    if not bad:
        return None
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return (
        f"{metric} is NaN, infinite or outside [{spec.low:g}, {spec.high:g}] in "
        f"{len(bad)} fold(s) ({'; '.join(bad[:3])}{more})"
    )


def fold_sizes(candidate: Candidate) -> tuple[float, float] | None:
    """``(n_train, n_test)`` of the record; ``None`` when it does not record them.

    Raises
    ------
    InputDataError
        When they are recorded but are not positive numbers.
    """
    record = candidate.record
    if not all(key in record for key in SIZES):
        return None
    sizes = []
    for key in SIZES:
        value = record[key]
        valid = isinstance(value, int | float) and not isinstance(value, bool)
        if not valid or not math.isfinite(value) or value <= 0:
            raise InputDataError(
                f"{candidate.source}: {key} = {value!r} in result.json is not a positive number "
                "of rows; the record is damaged or was not written by `harness run`: rerun the "
                "job."
            )
        sizes.append(float(value))
    return sizes[0], sizes[1]


class FoldCache:
    """Every ``folds.csv`` read once, strictly, indexed by ``(repeat, fold)``; the metric
    columns of two runs aligned by fold (:meth:`paired`)."""

    def __init__(self) -> None:
        self._tables: dict[Path, pd.DataFrame | None] = {}

    def get(self, candidate: Candidate) -> pd.DataFrame | None:
        path = RunFolder(candidate.run_dir).folds
        if path not in self._tables:
            self._tables[path] = RunFolder(candidate.run_dir).read_folds()
        return self._tables[path]

    def column(self, candidate: Candidate, metric: str) -> pd.Series:
        path = RunFolder(candidate.run_dir).folds
        return metric_column(self.get(candidate), metric, path)

    def paired(
        self, candidate: Candidate, reference: Candidate, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        ours = self.column(candidate, metric).sort_index()
        theirs = self.column(reference, metric).reindex(ours.index)
        return ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float)
