"""The settle rule: which neighbour ranks a minority row still needs counted, from partial counts.

Δ_i = K − max{j : j + c_j ≤ K} (0 if no such j), where c_j counts the majority rows ranked
before the j-th own-class neighbour (:func:`harness.resample.difficulty.counts_from_closer`).
Two facts make partial counts enough to stop early without changing Δ_i:

* counts only grow as partitions are added, so once ``j + (partial c_j) > K`` the rank j can
  never satisfy ``j + c_j ≤ K`` again: its exact count is no longer needed;
* ``j + c_j`` grows strictly with j (c_j is non-decreasing), so the ranks that still satisfy it
  are a prefix 1 … t. After partial counts, ``t_partial = max{j : j + c_j ≤ K}`` bounds the final
  t from above, and only ranks ``j ≤ t_partial`` still matter; the radius left to screen shrinks
  to that neighbour's radius.

A row with ``t_partial = 0`` (c_1 ≥ K already) is *settled*: Δ_i = K whatever the partitions not
yet counted hold. Counts kept this way may stop short for ranks already known to fail, but each
is either the full count or already failing, so :func:`counts_from_closer` gives the same Δ_i.
Capping at K keeps that property too (``j ≥ 1``, so ``j + c_j > K`` whenever ``c_j ≥ K``).
"""

from __future__ import annotations

import numpy as np

from harness.resample.difficulty import counts_from_closer


def ranks_needed(closer: np.ndarray) -> np.ndarray:
    """``max{j : j + c_j ≤ K}`` per row (0 when none): the ranks still worth counting.

    Parameters
    ----------
    closer : ndarray of int, shape (m, K)
        Partial counts: for each rank, its full count so far, or a count that already makes
        ``j + c_j > K``.

    Returns
    -------
    ndarray of int64, shape (m,)
        0 for a settled row (Δ_i = K is final); otherwise only ranks 1 … value still matter.
    """
    return closer.shape[1] - counts_from_closer(closer)


def add_counts(total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``min(total + counts, K)``: partial counts of two disjoint row sets, capped exactly at K.

    Parameters
    ----------
    total, counts : ndarray of int, shape (m, K)

    Returns
    -------
    ndarray of int64, shape (m, K)
    """
    return np.minimum(total + counts, total.shape[1])
