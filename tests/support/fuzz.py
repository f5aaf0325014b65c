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


def document_paths(node, prefix: tuple = (), *, keys_only: bool = False):
    """Every path into a JSON / YAML document: the key of every mapping entry and, unless
    ``keys_only``, the index of every list item (inner nodes and leaves, parents first). With
    ``keys_only`` the paths still go through lists, to the keys of the mappings inside them."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from document_paths(value, (*prefix, key), keys_only=keys_only)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if not keys_only:
                yield (*prefix, index)
            yield from document_paths(value, (*prefix, index), keys_only=keys_only)
