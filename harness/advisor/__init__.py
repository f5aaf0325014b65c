"""The advisor: "should I resample this data?", learned from the benchmark's outcomes.

:mod:`harness.advisor.features` computes a loaded data set's meta-features,
:mod:`harness.advisor.model` fits and applies the model of the benchmark's outcomes,
:mod:`harness.advisor.validation` validates it leaving one data set out, and
:mod:`harness.advisor.store` reads and writes the versioned model file shipped with the package.
"""
