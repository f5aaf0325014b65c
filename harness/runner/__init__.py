"""The runner: compose a run's jobs, check their configs, run them into run folders.

Built on the evaluation core (:mod:`harness.evaluate`) and the components layer
(:mod:`harness.components`); it neither judges (gate) nor publishes (tracking, export): the
pipeline above composes those (:mod:`harness.pipeline`).
"""
