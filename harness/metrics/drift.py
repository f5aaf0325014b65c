"""Data drift and synthetic realism, tested by Evidently.

Evidently is imported inside the functions: importing it takes seconds, and most runs never
make a drift report.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from harness.errors import InputDataError
from harness.extras import require
from harness.metrics._checks import frames_alike, two_d_frame
from harness.metrics.privacy import PrivacyResult, privacy_distance

__all__ = ["DriftResult", "PrivacyResult", "data_drift", "privacy_distance", "synthetic_realism"]

_DRIFTED_STATUSES = {"FAIL", "WARNING"}


@dataclass(frozen=True)
class DriftResult:
    """Outcome of one Evidently data-drift report.

    Attributes
    ----------
    share_drifted : float
        Share of the columns whose drift test fired.
    drifted : bool
        Evidently's data-set drift verdict (share of drifted columns >= its ``drift_share``).
    per_column : dict
        For the ``top_n`` most drifted columns: ``{"drift_score", "drifted", "stattest"}``.
        The score is a p-value for tests named ``... p_value`` (smaller is more drifted) and a
        distance otherwise (larger is more drifted).
    html : str
        The Evidently report as a self-contained HTML page.
    """

    share_drifted: float
    drifted: bool
    per_column: dict[str, dict[str, Any]] = field(default_factory=dict)
    html: str = field(default="", repr=False)


def _evidently():
    """Import Evidently (the ``drift`` extra), silencing the deprecation warnings its
    web-server dependencies emit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        evidently = require("evidently", "the data-drift checks (Evidently)")
        presets = require("evidently.presets", "the data-drift checks (Evidently)")
    return evidently.Report, presets.DataDriftPreset


def _as_frame(data, name: str) -> pd.DataFrame:
    """``data`` as a DataFrame with string column names (``x0``, ``x1``, ... for an array)."""
    frame = two_d_frame(data, name, prefix="x")
    frame.columns = [str(column) for column in frame.columns]
    if frame.empty:
        raise InputDataError(
            f"{name} has no rows or no columns: a drift test needs data on both sides; skip the "
            "check when there is nothing to compare (e.g. a sampler that appended no rows)"
        )
    return frame


def _severity(score: float, threshold: float, is_p_value: bool) -> float:
    """How far past its threshold a column is; larger means more drifted."""
    if is_p_value:
        return threshold / max(score, 1e-300)
    return score / threshold if threshold > 0 else score


def _parse(snapshot: dict, top_n: int) -> tuple[float, bool, dict[str, dict[str, Any]]]:
    status_by_metric = {
        test["metric_config"]["metric_id"]: test["status"] for test in snapshot.get("tests", [])
    }
    share, verdict, columns = 0.0, None, []
    for metric in snapshot["metrics"]:
        config = metric["config"]
        kind = config.get("type", "")
        status = status_by_metric.get(metric["id"])
        if kind.endswith("DriftedColumnsCount"):
            share = float(metric["value"]["share"])
            if status is not None:
                verdict = status in _DRIFTED_STATUSES
            else:
                verdict = share >= float(config.get("drift_share", 0.5))
        elif kind.endswith("ValueDrift"):
            score, threshold = float(metric["value"]), float(config["threshold"])
            method = str(config["method"])
            is_p_value = "p_value" in method
            if status is not None:
                drifted = status in _DRIFTED_STATUSES
            else:
                drifted = score < threshold if is_p_value else score >= threshold
            columns.append(
                (
                    drifted,
                    _severity(score, threshold, is_p_value),
                    str(config["column"]),
                    {"drift_score": score, "drifted": bool(drifted), "stattest": method},
                )
            )
    columns.sort(key=lambda item: (item[0], item[1]), reverse=True)
    per_column = {name: detail for _, _, name, detail in columns[:top_n]}
    return share, bool(verdict), per_column


def data_drift(reference, current, *, top_n: int = 10, drift_share: float = 0.5) -> DriftResult:
    """Test every column of ``current`` against ``reference`` with Evidently's drift preset.

    Parameters
    ----------
    reference : DataFrame or array of shape (n_ref, n_features)
        The reference data (e.g. the training rows).
    current : DataFrame or array of shape (n_cur, n_features)
        The data to test, with the same columns.
    top_n : int, default=10
        Number of columns kept in ``per_column``, most drifted first.
    drift_share : float, default=0.5
        Evidently's data-set drift rule: drifted when at least this share of columns drift.

    Returns
    -------
    DriftResult
        Share of drifted columns, Evidently's verdict, the top columns and the HTML report.

    Notes
    -----
    Evidently picks the test per column from its type and size (e.g. Kolmogorov-Smirnov
    p-value for numeric columns up to 1000 rows, normed Wasserstein distance above).
    """
    Report, DataDriftPreset = _evidently()

    fix = "compare tables with the same columns in the same order"
    reference, current = frames_alike(reference, "reference", current, "current", fix, _as_frame)
    report = Report([DataDriftPreset(drift_share=drift_share)], include_tests=True)
    snapshot = report.run(current_data=current, reference_data=reference)
    share, drifted, per_column = _parse(snapshot.dict(), top_n)
    return DriftResult(
        share_drifted=share,
        drifted=drifted,
        per_column=per_column,
        html=snapshot.get_html_str(as_iframe=False),
    )


def synthetic_realism(real_minority, synthetic_minority, *, top_n: int = 10) -> DriftResult:
    """Test the synthetic rows against the real minority rows of the same training fold.

    Realistic synthetic rows are drawn from the distribution of the real minority class, so
    the drift test should not fire; ``drifted`` True means the synthetic rows are unrealistic.

    Parameters
    ----------
    real_minority : DataFrame or array of shape (n_real, n_features)
        Real minority rows of the training fold (reference).
    synthetic_minority : DataFrame or array of shape (n_synthetic, n_features)
        The rows the sampler generated for that fold (current), in the same feature space.
    top_n : int, default=10
        Number of columns kept in ``per_column``.

    Returns
    -------
    DriftResult
        As :func:`data_drift`.
    """
    real = _as_frame(real_minority, "real_minority")
    synthetic = _as_frame(synthetic_minority, "synthetic_minority")
    if not isinstance(synthetic_minority, pd.DataFrame) and synthetic.shape[1] == real.shape[1]:
        synthetic.columns = real.columns  # an array of synthetic rows takes the real names
    return data_drift(real, synthetic, top_n=top_n)
