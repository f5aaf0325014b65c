"""Strategy-independent statistics of a training fold, computed once per fold.

The minority neighbour distances and the minority-overlap rate depend only on a fold's real
(preprocessed) training rows, K and the fold's seed, never on the resampler or the model. An
ablation evaluates several strategies on the same folds, so without a cache it computes the same
numbers once per strategy. :class:`FoldStatisticsCache` keys them by the content of the inputs
(a digest of the training matrix and labels, K and the seed): a hit returns exactly what the
computation returned, and any change of data set, fold, preprocessing, K or seed is a miss.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np

from harness.metrics import minority_label_noise, neighbor_distance_stats


def fold_digest(X_train: np.ndarray, y_train: np.ndarray) -> str:
    """A sha256 of a fold's training rows and labels (values, shape and dtype).

    Parameters
    ----------
    X_train : ndarray of shape (n_samples, n_features)
        The preprocessed real training rows.
    y_train : ndarray of shape (n_samples,)
        Their labels.

    Returns
    -------
    str
        Hex digest; equal digests mean equal inputs.
    """
    digest = hashlib.sha256()
    for array in (np.asarray(X_train), np.asarray(y_train)):
        contiguous = np.ascontiguousarray(array)
        digest.update(f"{contiguous.dtype.str}{contiguous.shape}".encode())
        digest.update(contiguous.tobytes())
    return digest.hexdigest()


def compute_fold_statistics(
    X_train: np.ndarray, y_train: np.ndarray, *, k: int, random_state: int
) -> dict[str, float]:
    """The neighbour-distance statistics and the minority-overlap rate of one training fold.

    Parameters
    ----------
    X_train : ndarray of shape (n_samples, n_features)
        The preprocessed real training rows (no synthetic row).
    y_train : ndarray of shape (n_samples,)
        Labels, 1 = minority.
    k : int
        Neighbours for both statistics.
    random_state : int
        Seed of the minority-overlap rate's inner folds.

    Returns
    -------
    dict
        ``neighbors/minority_knn_mean``, ``_median``, ``_p95`` and
        ``data/minority_overlap``.
    """
    minority = X_train[y_train == 1]
    stats = {
        f"neighbors/{key}": value for key, value in neighbor_distance_stats(minority, k=k).items()
    }
    stats["data/minority_overlap"] = minority_label_noise(
        X_train, y_train, pos_label=1, k=k, random_state=random_state
    )
    return stats


class FoldStatisticsCache:
    """An in-process, size-bounded cache of :func:`compute_fold_statistics`.

    Parameters
    ----------
    max_entries : int, default=4096
        Entries kept (least recently used dropped first); each is a few floats.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, int, int], dict[str, float]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(
        self, X_train: np.ndarray, y_train: np.ndarray, *, k: int, random_state: int
    ) -> dict[str, float]:
        """Return the fold's statistics, computing them on the first request only.

        Parameters
        ----------
        X_train, y_train, k, random_state
            As for :func:`compute_fold_statistics`.

        Returns
        -------
        dict
            A fresh copy, so a caller cannot alter the cached values.
        """
        key = (fold_digest(X_train, y_train), int(k), int(random_state))
        stats = self._entries.get(key)
        if stats is None:
            self.misses += 1
            stats = compute_fold_statistics(X_train, y_train, k=k, random_state=random_state)
            self._entries[key] = stats
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        else:
            self.hits += 1
            self._entries.move_to_end(key)
        return dict(stats)

    def clear(self) -> None:
        """Drop every entry and reset the hit and miss counters."""
        self._entries.clear()
        self.hits = self.misses = 0


# One cache per process: jobs run one after another in a process (or in a worker of the
# parallel pool) share it.
FOLD_STATISTICS = FoldStatisticsCache()
