"""Fast neighbour backends, registered with :mod:`harness.resample.neighbors`; the interface
they implement is :mod:`harness.resample.backends.protocol`."""
