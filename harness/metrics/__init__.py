"""Pure metric functions: minority SLIs, gap, synthetic-data, noise, fairness and drift metrics.

Every function returns plain floats or dicts keyed by the metric names of the results contract,
without the scope prefix (the caller adds ``test/``, ``train/``, ``fairness/<column>/`` ...).
The names below are imported on first use, so ``import harness.metrics.catalog`` (read by the
gate and the SLO parser) does not pay for scikit-learn, fairlearn or Evidently.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "SLI_KEYS": "classification",
    "minority_slis": "classification",
    "DriftResult": "drift",
    "data_drift": "drift",
    "synthetic_realism": "drift",
    "group_fairness": "fairness",
    "GAP_KEYS": "gap",
    "train_test_gap": "gap",
    "minority_label_noise": "noise",
    "PrivacyResult": "privacy",
    "privacy_distance": "privacy",
    "neighbor_distance_stats": "synthetic",
    "synthetic_distance_stats": "synthetic",
    "synthetic_ratio": "synthetic",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'harness.metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"harness.metrics.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
