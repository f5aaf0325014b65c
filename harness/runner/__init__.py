"""The application layer: run jobs, experiments and sweeps, and publish what they produce.

Built on the pure core in :mod:`harness.evaluate` (protocol and statistics) and the
presentation in :mod:`harness.report`; tracking and export are reached only through
:mod:`harness.runner.publish`.
"""
