"""``harness bench``: our samplers against imbalanced-learn's, and the harness's own overhead.

Every measurement runs in a fresh subprocess (:mod:`harness.bench.worker`) so that one
implementation's memory peak, caches and thread pools cannot affect another's figures.
"""
