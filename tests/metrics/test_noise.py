import math

import numpy as np
import pytest

from harness.errors import InputDataError
from harness.metrics import minority_label_noise


def _two_blobs(seed=0, n_majority=240, n_minority=60):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0.0, 1.0, (n_majority, 2)), rng.normal(8.0, 1.0, (n_minority, 2))])
    y = np.r_[np.zeros(n_majority, dtype=int), np.ones(n_minority, dtype=int)]
    return X, y, rng


def test_separable_classes_have_no_label_noise():
    X, y, _ = _two_blobs()
    assert minority_label_noise(X, y) == pytest.approx(0.0, abs=0.02)


def test_flipped_labels_are_found():
    X, y, rng = _two_blobs()
    # 20 majority rows relabelled as minority: a quarter of the minority labels are wrong
    flipped = rng.choice(np.flatnonzero(y == 0), size=20, replace=False)
    y_noisy = y.copy()
    y_noisy[flipped] = 1
    noise = minority_label_noise(X, y_noisy)
    # confident learning is conservative: most flips are found, clean rows are not blamed
    assert 0.6 * 20 / 80 <= noise <= 20 / 80 + 0.03


def test_pos_label_and_seed():
    X, y, _ = _two_blobs()
    labels = np.where(y == 1, "rare", "common")
    assert minority_label_noise(X, labels, pos_label="rare", random_state=3) == pytest.approx(
        minority_label_noise(X, y, random_state=3)
    )


def test_too_few_minority_rows_is_nan():
    X, y, _ = _two_blobs(n_minority=1)
    assert math.isnan(minority_label_noise(X, y))


def test_bad_k_rejected():
    X, y, _ = _two_blobs()
    with pytest.raises(InputDataError, match="k >= 1"):
        minority_label_noise(X, y, k=0)
