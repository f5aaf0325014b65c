"""Distance to closest record (DCR): do synthetic rows copy real ones?"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from harness.errors import InputDataError
from harness.metrics._checks import as_matrix


@dataclass(frozen=True)
class PrivacyResult:
    """Distance to closest record of synthetic rows, against real rows among themselves.

    Attributes
    ----------
    median_dcr_synthetic : float
        Median distance of a synthetic row to its nearest real row.
    median_dcr_real : float
        Median distance of a real row to its nearest other real row.
    real_p5 : float
        5th percentile of the real-to-real distances.
    share_closer_than_real_p5 : float
        Share of synthetic rows closer to a real row than ``real_p5``. Informative only:
        interpolation (SMOTE, ADASYN) places rows on segments between real rows, so this share
        is naturally well above 5 % for them.
    share_copies : float
        Share of synthetic rows within ``copy_tolerance`` of a real row (exact or near copies).
    copy_tolerance : float
        The distance under which a synthetic row counts as a copy.
    flagged : bool
        ``share_copies > max_copy_share``.
    """

    median_dcr_synthetic: float
    median_dcr_real: float
    real_p5: float
    share_closer_than_real_p5: float
    share_copies: float
    copy_tolerance: float
    flagged: bool


def privacy_distance(
    real,
    synthetic,
    *,
    relative_tolerance: float = 0.01,
    max_copy_share: float = 0.05,
) -> PrivacyResult:
    """Distance to closest record (DCR) of synthetic rows, with a copy flag.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
        The real rows the synthetic rows were made from (e.g. the minority rows of the fold),
        at least two.
    synthetic : array-like of shape (n_synthetic, n_features)
        The synthetic rows, same feature space; may be empty.
    relative_tolerance : float, default=0.01
        A synthetic row is a near copy when its DCR is at most ``relative_tolerance`` times the
        median real-to-real DCR (scale-free; an exact copy has DCR 0).
    max_copy_share : float, default=0.05
        Flag rule: flagged when more than this share of synthetic rows are copies. Interpolation
        with ``lambda ~ U(0, 1)`` produces near copies only when lambda falls within about 1 % of
        0 or 1 (about 2 % of rows), while duplication (random oversampling) copies every row.

    Returns
    -------
    PrivacyResult
        With no synthetic row, the synthetic statistics are NaN and ``flagged`` is False.
    """
    real = as_matrix(real, "real")
    if len(real) < 2:
        raise InputDataError(
            f"privacy_distance needs at least two real rows, got {len(real)}: pass all real "
            "rows of the class the synthetic rows were made from"
        )
    # kneighbors() without X excludes each real row from its own neighbours.
    index = NearestNeighbors(n_neighbors=1).fit(real)
    real_dcr = index.kneighbors()[0][:, 0]
    median_real = float(np.median(real_dcr))
    real_p5 = float(np.percentile(real_dcr, 5))
    tolerance = relative_tolerance * median_real

    synthetic = np.asarray(synthetic, dtype=float)
    if synthetic.size == 0:
        return PrivacyResult(math.nan, median_real, real_p5, math.nan, math.nan, tolerance, False)
    synthetic = as_matrix(synthetic, "synthetic")
    if synthetic.shape[1] != real.shape[1]:
        raise InputDataError(
            f"synthetic rows have {synthetic.shape[1]} features, real rows {real.shape[1]}: "
            "pass both in the same (preprocessed) feature space"
        )
    synthetic_dcr = index.kneighbors(synthetic)[0][:, 0]
    share_copies = float(np.mean(synthetic_dcr <= tolerance))
    return PrivacyResult(
        median_dcr_synthetic=float(np.median(synthetic_dcr)),
        median_dcr_real=median_real,
        real_p5=real_p5,
        share_closer_than_real_p5=float(np.mean(synthetic_dcr < real_p5)),
        share_copies=share_copies,
        copy_tolerance=tolerance,
        flagged=share_copies > max_copy_share,
    )
