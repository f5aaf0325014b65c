import math

import numpy as np
import pytest

from harness.errors import InputDataError
from harness.metrics import privacy_distance


@pytest.fixture
def real():
    return np.random.default_rng(0).normal(size=(200, 4))


def _smote_like(real, n, k=5, seed=1):
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    neighbours = NearestNeighbors(n_neighbors=k + 1).fit(real).kneighbors(real)[1][:, 1:]
    parents = rng.integers(0, len(real), n)
    chosen = neighbours[parents, rng.integers(0, k, n)]
    lam = rng.random((n, 1))
    return real[parents] + lam * (real[chosen] - real[parents])


def test_exact_copies_are_flagged(real):
    copies = real[np.random.default_rng(1).integers(0, len(real), 150)]
    result = privacy_distance(real, copies)
    assert result.share_copies == 1.0
    assert result.median_dcr_synthetic == 0.0
    assert result.flagged is True


def test_smote_like_interpolation_is_not_flagged(real):
    result = privacy_distance(real, _smote_like(real, 300))
    assert result.share_copies <= 0.05
    assert result.flagged is False
    assert 0 < result.median_dcr_synthetic < result.median_dcr_real


def test_real_statistics_exclude_the_row_itself():
    line = np.array([[0.0], [1.0], [3.0], [6.0]])
    result = privacy_distance(line, np.array([[0.5], [6.0]]))
    # real-to-real nearest distances: 1, 1, 2, 3
    assert result.median_dcr_real == pytest.approx(1.5)
    assert result.real_p5 == pytest.approx(1.0)
    assert result.share_closer_than_real_p5 == pytest.approx(1.0)
    assert result.share_copies == pytest.approx(0.5)
    assert result.copy_tolerance == pytest.approx(0.015)


def test_no_synthetic_rows_is_nan_and_not_flagged(real):
    result = privacy_distance(real, np.empty((0, 4)))
    assert math.isnan(result.median_dcr_synthetic) and math.isnan(result.share_copies)
    assert result.flagged is False


def test_bad_inputs_rejected(real):
    with pytest.raises(InputDataError, match="at least two real rows"):
        privacy_distance(real[:1], real)
    with pytest.raises(InputDataError, match="same"):
        privacy_distance(real, real[:, :2])
