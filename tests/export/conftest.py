"""Fixtures shared by the export tests: the default SLO set and the Prometheus tools."""

from __future__ import annotations

import pytest

from harness.slo import SLOSet, load_slo_set
from tests.support.prometheus import require_binary


@pytest.fixture(scope="module")
def default_slo() -> SLOSet:
    """The SLO set of ``conf/slo/default.yaml``."""
    return load_slo_set("default")


@pytest.fixture(scope="session")
def promtool() -> str:
    """The path of ``promtool`` (Debian package ``prometheus``)."""
    return require_binary("promtool", "prometheus")


@pytest.fixture(scope="session")
def amtool() -> str:
    """The path of ``amtool`` (Debian package ``prometheus-alertmanager``)."""
    return require_binary("amtool", "prometheus-alertmanager")
