"""The statistical studies of ``harness bench``: each measures what a verdict or an interval of
the harness promises, and prints the Markdown table docs/statistics.md quotes.

``harness bench --part NAME [--size N] [--datasets a,b]`` runs one and writes
``<out>/parts/NAME.json``; ``--size`` is the study's size (below), ``--datasets`` the built-in
data sets it uses (default: the study's own).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import ConfigError


@dataclass(frozen=True)
class Study:
    """One study: its module, what ``--size`` counts and its default, and whether it takes
    built-in data sets (the others simulate data whose truth is known)."""

    module: str
    size: str
    default_size: int
    takes_datasets: bool = False

    def run(
        self, name: str, size: int, datasets: tuple[str, ...] | None, log: Callable[[str], None]
    ) -> dict[str, Any]:
        """Run the study (``run_<name>`` of its module) and return the part's data."""
        module = importlib.import_module(self.module)
        function = getattr(module, "run_" + name.replace("-", "_"))
        if self.takes_datasets:
            return function(datasets or module.DATASETS, size, log)
        if datasets:
            raise ConfigError(
                f"--datasets does not apply to the {name} study: it simulates data whose truth "
                "is known (docs/statistics.md); leave the option out"
            )
        return function(size, log=log)

    def render(self, name: str, data: dict[str, Any]) -> str:
        """The study's Markdown table (``render_<name>`` of its module)."""
        module = importlib.import_module(self.module)
        return getattr(module, "render_" + name.replace("-", "_"))(data)


STUDIES: dict[str, Study] = {
    "regression-gate": Study(
        "harness.bench.regression_gate",
        "fold seeds per data set (each evaluated with two sampler seeds: that many A/A pairs "
        "per path)",
        300,
        takes_datasets=True,
    ),
    "label-issues": Study(
        "harness.bench.label_issues",
        "simulated data sets per cell (overlap × noise level × direction)",
        5,
    ),
    "interval-coverage": Study(
        "harness.bench.interval_coverage",
        "simulated data sets per size (n = 200 and 1000, 10 % minority)",
        400,
    ),
}
