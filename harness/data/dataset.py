"""The :class:`Dataset` record every other package receives."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import InputDataError


def content_digest(
    X: pd.DataFrame, y: np.ndarray, sensitive: pd.DataFrame, positive_label: Any
) -> str:
    """Return the sha256 of a data set's content (names, dtypes, values, labels).

    Parameters
    ----------
    X : DataFrame
        Features.
    y : ndarray
        Binary target.
    sensitive : DataFrame
        Sensitive columns.
    positive_label : object
        The original label value of the positive class.

    Returns
    -------
    str
        Hexadecimal sha256; equal content gives an equal digest in every process.
    """
    digest = hashlib.sha256()
    for frame in (X, sensitive):
        digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        if len(frame.columns):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    digest.update(repr(positive_label).encode())
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class Dataset:
    """A binary classification data set with the minority class as the positive class.

    Parameters
    ----------
    name : str
        Name used in configs, MLflow and the Prometheus label ``dataset``.
    X : DataFrame
        Features only (no target); categorical columns are listed in ``categorical``.
    y : ndarray of int
        ``1`` for the minority (positive) class, ``0`` for every other row.
    positive_label : object
        The original label value mapped to ``1``.
    categorical : list of str
        Columns of ``X`` to one-hot encode.
    sensitive : DataFrame
        Sensitive columns, row-aligned with ``X``; may have zero columns.
    digest : str
        sha256 of the content, see :func:`content_digest`.
    source : str
        Where the data came from (package and loader, or file path).
    groups : ndarray, optional
        Group of each row, for group-aware folds.
    order : ndarray, optional
        Time order of each row, for expanding-window folds.
    """

    name: str
    X: pd.DataFrame
    y: np.ndarray
    positive_label: Any
    categorical: list[str] = field(default_factory=list)
    sensitive: pd.DataFrame = field(default_factory=pd.DataFrame)
    digest: str = ""
    source: str = ""
    groups: np.ndarray | None = None
    order: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.y.ndim != 1 or len(self.y) != len(self.X):
            raise InputDataError(
                f"data set {self.name!r}: y has shape {self.y.shape} but X has {len(self.X)} rows; "
                "pass one label per row of X."
            )
        for role, frame in (("X", self.X), ("sensitive", self.sensitive)):
            duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
            if duplicated:
                raise InputDataError(
                    f"data set {self.name!r}: {role} has duplicate column names {duplicated}; "
                    "rename the columns so that each name is unique, or drop the copies."
                )
        if len(self.sensitive.columns) and len(self.sensitive) != len(self.X):
            raise InputDataError(
                f"data set {self.name!r}: sensitive has {len(self.sensitive)} rows but X has "
                f"{len(self.X)}; pass sensitive columns row-aligned with X."
            )
        unknown = [c for c in self.categorical if c not in self.X.columns]
        if unknown:
            raise InputDataError(
                f"data set {self.name!r}: categorical columns {unknown} are not in X; "
                "list only feature columns in categorical."
            )

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.X)

    @property
    def n_features(self) -> int:
        """Number of feature columns (before one-hot encoding)."""
        return len(self.X.columns)

    @property
    def n_minority(self) -> int:
        """Number of minority (positive) rows."""
        return int(np.count_nonzero(self.y == 1))

    @property
    def imbalance_ratio(self) -> float:
        """Majority rows divided by minority rows (``inf`` without minority rows)."""
        n_minority = self.n_minority
        if n_minority == 0:
            return float("inf")
        return (self.n_rows - n_minority) / n_minority

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready description (written to ``dataset.json`` in a run folder).

        Returns
        -------
        dict
            ``name``, ``source``, ``digest``, ``rows``, ``features``, ``minority``,
            ``imbalance_ratio``, ``positive_label``, ``categorical`` and ``sensitive``.
        """
        label = self.positive_label
        if isinstance(label, np.generic):
            label = label.item()
        if not isinstance(label, str | int | float | bool) and label is not None:
            label = str(label)
        return {
            "name": self.name,
            "source": self.source,
            "digest": self.digest,
            "rows": self.n_rows,
            "features": self.n_features,
            "minority": self.n_minority,
            "imbalance_ratio": round(self.imbalance_ratio, 4),
            "positive_label": label,
            "categorical": list(self.categorical),
            "sensitive": [str(c) for c in self.sensitive.columns],
        }
