"""How many synthetic rows each minority row receives.

Two allocations share one output shape, an integer array ``g`` over the rows of one class with
``g.sum() == total`` exactly:

- ADASYN: proportional to the difficulty ratio r_i, rounded by the largest-remainder method;
- SMOTE: as even as possible, the remainder going to randomly chosen rows.

(Random oversampling draws its rows directly: :mod:`harness.resample.random_over`.)
"""

from __future__ import annotations

import numpy as np

from harness.errors import NoHardSamplesError

NO_HARD_SAMPLES_POLICIES = ("smote", "raise")


def difficulty_ratios(neighbor_labels: np.ndarray, target_class: object) -> np.ndarray:
    """ADASYN's r_i = Δ_i / K.

    Parameters
    ----------
    neighbor_labels : ndarray of shape (n_rows, K)
        Labels of the K nearest neighbours (self excluded) of each row of the class, found in the
        whole training set.
    target_class : object
        The class being oversampled; every other label counts as majority (one-vs-rest).

    Returns
    -------
    ndarray of float64, shape (n_rows,)
        Share of each row's neighbours that belong to another class, in [0, 1].
    """
    return majority_counts(neighbor_labels, target_class) / neighbor_labels.shape[1]


def majority_counts(neighbor_labels: np.ndarray, target_class: object) -> np.ndarray:
    """Δ_i: how many of each row's neighbours belong to another class (int64)."""
    return np.count_nonzero(neighbor_labels != target_class, axis=1).astype(np.int64)


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights``, summing to ``total`` exactly.

    Each row first gets the floor of its quota ``w_i / Σw · total``; the rows left over go to the
    largest fractional parts. Ties are broken by larger weight, then by lower position, so the
    result is deterministic and monotone: ``w_i > w_j`` implies ``g_i >= g_j``. Integer weights
    are split with exact integer arithmetic.

    Parameters
    ----------
    weights : array-like of shape (n,)
        Non-negative weights with a positive sum.
    total : int
        Non-negative number to split.

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        If a weight is negative or not finite, or all weights are zero while ``total > 0``.
    """
    weights = np.asarray(weights)
    total = int(total)
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}: pass the number of rows to create.")
    if weights.size == 0 or total == 0:
        return np.zeros(weights.shape[0], dtype=np.int64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("weights must be finite and >= 0: check the difficulty ratios passed in.")
    if not np.any(weights > 0):
        raise ValueError(
            "All weights are zero, so there is nothing to be proportional to: "
            "use uniform_allocation instead."
        )

    if np.issubdtype(weights.dtype, np.integer):
        scaled = weights.astype(np.int64) * total
        weight_sum = int(weights.sum())
        floors = scaled // weight_sum
        # Compared as integers: remainder_i / weight_sum has the same order as remainder_i.
        fractions = (scaled % weight_sum).astype(np.float64)
    else:
        # Scaled to a maximum of 1 first: total / Σw overflows when the weights are tiny.
        relative = weights.astype(np.float64) / float(weights.max())
        quotas = relative * (total / float(relative.sum()))
        floors = np.floor(quotas).astype(np.int64)
        fractions = quotas - floors

    shares = floors.astype(np.int64)
    left = total - int(shares.sum())
    # Largest fraction first, then larger weight, then lower position (lexsort: last key first).
    order = np.lexsort((np.arange(weights.size), -weights.astype(np.float64), -fractions))
    if left > 0:
        shares[order[:left]] += 1
    elif left < 0:
        # Only reachable through float rounding of the quotas: take back from the smallest.
        smallest_first = order[::-1]
        shares[smallest_first[shares[smallest_first] > 0][:-left]] -= 1
    return shares


def uniform_allocation(n_rows: int, total: int, random_state: np.random.Generator) -> np.ndarray:
    """Spread ``total`` as evenly as possible over ``n_rows`` rows (SMOTE).

    Every row gets ``total // n_rows``; the ``total % n_rows`` rows left over go to distinct rows
    chosen at random.

    Parameters
    ----------
    n_rows : int
        Rows of the class (> 0).
    total : int
        Rows to create (>= 0).
    random_state : numpy.random.Generator
        Source of randomness for the remainder (the class's allocation stream,
        :mod:`harness.resample.streams`).

    Returns
    -------
    ndarray of int64, shape (n_rows,)
    """
    shares = np.full(n_rows, total // n_rows, dtype=np.int64)
    extra = total % n_rows
    if extra:
        shares[random_state.choice(n_rows, size=extra, replace=False)] += 1
    return shares


def adasyn_allocation(
    delta: np.ndarray,
    total: int,
    policy: str,
    random_state: np.random.Generator,
    target_class: object = None,
) -> tuple[np.ndarray, bool]:
    """ADASYN allocation g_i ∝ r_i, with the no-hard-sample policy when Σ r_i = 0.

    Parameters
    ----------
    delta : ndarray of int, shape (n_rows,)
        Majority-neighbour counts Δ_i (r_i = Δ_i / K, so they share r_i's proportions).
    total : int
        G, the rows to create for the class.
    policy : {"smote", "raise"}
        What to do when no row has a majority neighbour: fall back to the uniform SMOTE
        allocation, or raise :class:`~harness.errors.NoHardSamplesError`.
    random_state : numpy.random.Generator
        Used by the uniform fallback only.
    target_class : object, optional
        Named in the error message.

    Returns
    -------
    shares : ndarray of int64, shape (n_rows,)
        g_i, summing to ``total``.
    fell_back : bool
        True when the uniform fallback was used.
    """
    if total == 0:
        return np.zeros(delta.shape[0], dtype=np.int64), False
    if np.any(delta > 0):
        return largest_remainder(delta, total), False
    if policy == "raise":
        raise NoHardSamplesError(
            f"ADASYN found no row of class {target_class!r} with a neighbour from another class "
            "(every difficulty ratio r_i is 0), so its weights are undefined. Use "
            'no_hard_samples="smote" to spread the rows uniformly instead, or use SMOTE.'
        )
    return uniform_allocation(delta.shape[0], total, random_state), True
