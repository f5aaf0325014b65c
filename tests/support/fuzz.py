"""Hypothesis settings shared by the property tests of the samplers and the metrics."""

from hypothesis import HealthCheck, settings

#: Derandomized (the same examples on every run, so a failure reproduces), no deadline (CI
#: machines are slow), no example database (nothing written next to the tests).
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
