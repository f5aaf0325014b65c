"""The statistical studies of ``harness bench``: each measures what a verdict or an interval of
the harness promises, and prints the Markdown table docs/statistics.md quotes.

``harness bench --part NAME [--size N] [--datasets a,b]`` runs one and writes
``<out>/parts/NAME.json``; ``--size`` is the study's size (below), ``--datasets`` the built-in
data sets it uses (default: the study's own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import ConfigError


@dataclass(frozen=True)
class Study:
    """One study: what ``--size`` counts, its default, and how to run and render it."""

    size: str
    default_size: int
    run: Callable[[int, tuple[str, ...] | None, Callable[[str], None]], dict[str, Any]]
    render: Callable[[dict[str, Any]], str]


def _regression_gate(
    size: int, datasets: tuple[str, ...] | None, log: Callable[[str], None]
) -> dict[str, Any]:
    from harness.bench import regression_gate as study

    return study.run_regression_gate(datasets or study.DATASETS, size, log)


def _render_regression_gate(data: dict[str, Any]) -> str:
    from harness.bench.regression_gate import render_regression_gate

    return render_regression_gate(data)


def _label_issues(
    size: int, datasets: tuple[str, ...] | None, log: Callable[[str], None]
) -> dict[str, Any]:
    from harness.bench import label_issues as study

    if datasets:
        raise ConfigError(
            "--datasets does not apply to the label-issues study: it draws simulated data with "
            "known flipped labels (docs/statistics.md)"
        )
    return study.run_label_issues(size, log=log)


def _render_label_issues(data: dict[str, Any]) -> str:
    from harness.bench.label_issues import render_label_issues

    return render_label_issues(data)


STUDIES: dict[str, Study] = {
    "regression-gate": Study(
        "fold seeds per data set (each evaluated with two sampler seeds: that many A/A pairs "
        "per path)",
        300,
        _regression_gate,
        _render_regression_gate,
    ),
    "label-issues": Study(
        "simulated data sets per cell (overlap × noise level × direction)",
        5,
        _label_issues,
        _render_label_issues,
    ),
}
