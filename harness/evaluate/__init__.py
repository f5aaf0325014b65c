"""The pure core: the leakage-free evaluation protocol and the statistics of its results.

Nothing here writes folders, tracks or exports; :mod:`harness.runner` does that.
"""
