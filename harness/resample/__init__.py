"""The shared resampling core: ADASYN, SMOTE, random oversampling and the no-resampling baselines.

All samplers follow the imbalanced-learn ``fit_resample`` contract and record
``sampling_strategy_``, ``n_original_``, ``n_synthetic_``, ``lineage_`` and ``notes_``.
"""

from harness.resample.adasyn import ADASYN
from harness.resample.baselines import ClassWeightBaseline, NoResampling
from harness.resample.random_over import RandomOverSampler
from harness.resample.registry import STRATEGIES, make_sampler
from harness.resample.smote import SMOTE

__all__ = [
    "ADASYN",
    "SMOTE",
    "STRATEGIES",
    "ClassWeightBaseline",
    "NoResampling",
    "RandomOverSampler",
    "make_sampler",
]
