"""Evidently runs cost about a second each: small tables, few columns, one run per check."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from harness.errors import InputDataError
from harness.metrics import DriftResult, data_drift, synthetic_realism


def _table(rng, n=200, shift=0.0):
    return pd.DataFrame(
        {
            "age": rng.normal(40 + shift, 10, n),
            "income": rng.normal(3.0 + shift / 10, 1.0, n),
            "score": rng.normal(0.0, 1.0, n),
        }
    )


def test_drifted_current_set_is_flagged():
    rng = np.random.default_rng(0)
    result = data_drift(_table(rng), _table(rng, shift=15.0), top_n=2)
    assert isinstance(result, DriftResult)
    assert result.drifted is True
    assert result.share_drifted == pytest.approx(2 / 3)
    assert set(result.per_column) == {"age", "income"}  # drifted columns first
    for detail in result.per_column.values():
        assert detail["drifted"] is True
        assert set(detail) == {"drift_score", "drifted", "stattest"}
    assert "<html" in result.html.lower()


def test_undrifted_current_set_is_not_flagged():
    rng = np.random.default_rng(1)
    result = data_drift(_table(rng), _table(rng))
    assert result.drifted is False
    assert result.share_drifted < 0.5
    assert set(result.per_column) == {"age", "income", "score"}


def test_shifted_synthetic_rows_fail_realism_and_interpolated_rows_pass():
    rng = np.random.default_rng(2)
    real = rng.normal(0.0, 1.0, (150, 3))
    pairs = rng.integers(0, len(real), (150, 2))
    lam = rng.random((150, 1))
    interpolated = real[pairs[:, 0]] + lam * (real[pairs[:, 1]] - real[pairs[:, 0]])
    assert synthetic_realism(real, real + 10.0 * real.std(axis=0)).drifted is True
    realistic = synthetic_realism(real, interpolated)
    assert realistic.drifted is False
    assert set(realistic.per_column) == {"x0", "x1", "x2"}


def test_mismatched_columns_or_empty_rejected():
    rng = np.random.default_rng(3)
    with pytest.raises(InputDataError, match="same columns"):
        data_drift(_table(rng), _table(rng).rename(columns={"age": "AGE"}))
    with pytest.raises(InputDataError, match="no rows"):
        synthetic_realism(np.ones((10, 2)), np.empty((0, 2)))
    with pytest.raises(InputDataError, match="but current has .+x0"):
        synthetic_realism(_table(rng), np.ones((10, 2)))


def test_importing_the_metrics_does_not_import_evidently():
    code = "import sys, harness.metrics; print('evidently' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
