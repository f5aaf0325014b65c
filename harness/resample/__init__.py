"""The shared resampling core: ADASYN, SMOTE, their nominal–continuous variants, random
oversampling, imbalanced-learn treatments wrapped with lineage, and the no-resampling baselines.

All samplers follow the imbalanced-learn ``fit_resample`` contract and record
``sampling_strategy_``, ``n_original_``, ``n_synthetic_``, ``lineage_`` and ``notes_``.
"""

from harness.resample.adasyn import ADASYN
from harness.resample.baselines import ClassWeightBaseline, DecisionThreshold, NoResampling
from harness.resample.nominal_samplers import ADASYNNC, SMOTENC
from harness.resample.random_over import RandomOverSampler
from harness.resample.registry import STRATEGIES, make_sampler
from harness.resample.smote import SMOTE
from harness.resample.wrapped import SMOTEENN, BorderlineSMOTE, SMOTETomek

__all__ = [
    "ADASYN",
    "ADASYNNC",
    "SMOTE",
    "SMOTEENN",
    "SMOTENC",
    "STRATEGIES",
    "BorderlineSMOTE",
    "ClassWeightBaseline",
    "DecisionThreshold",
    "NoResampling",
    "RandomOverSampler",
    "SMOTETomek",
    "make_sampler",
]
