"""Fast neighbour backends registered with :mod:`harness.resample.neighbors`."""
