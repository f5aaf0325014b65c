"""Pure metric functions: minority SLIs, gap, synthetic-data, noise, fairness and drift metrics.

Every function returns plain floats or dicts keyed by the metric names of the results contract,
without the scope prefix (the caller adds ``test/``, ``train/``, ``fairness/<column>/`` ...).
Evidently is imported only when a drift function is called.
"""

from harness.metrics.classification import SLI_KEYS, minority_slis
from harness.metrics.drift import DriftResult, data_drift, synthetic_realism
from harness.metrics.fairness import group_fairness
from harness.metrics.gap import GAP_KEYS, train_test_gap
from harness.metrics.noise import minority_label_noise
from harness.metrics.privacy import PrivacyResult, privacy_distance
from harness.metrics.synthetic import (
    neighbor_distance_stats,
    synthetic_distance_stats,
    synthetic_ratio,
)

__all__ = [
    "GAP_KEYS",
    "SLI_KEYS",
    "DriftResult",
    "PrivacyResult",
    "data_drift",
    "group_fairness",
    "minority_label_noise",
    "minority_slis",
    "neighbor_distance_stats",
    "privacy_distance",
    "synthetic_distance_stats",
    "synthetic_ratio",
    "synthetic_realism",
    "train_test_gap",
]
