"""Benchmark data shapes and their data files (generated once, loaded by every worker)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification

from harness.errors import ConfigError

_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000}
_PATTERN = re.compile(r"^(\d+)([km]?)x(\d+)x(\d+(?:\.\d+)?)%$")


@dataclass(frozen=True)
class Shape:
    """``n_rows`` rows, ``n_features`` features, ``minority`` share of rows in class 1."""

    n_rows: int
    n_features: int
    minority: float

    @property
    def label(self) -> str:
        """Compact name, e.g. ``1Mx20x5%``; :func:`parse_shape` reads it back."""
        rows = self.n_rows
        if rows % 1_000_000 == 0:
            text = f"{rows // 1_000_000}M"
        elif rows % 1_000 == 0:
            text = f"{rows // 1_000}k"
        else:
            text = str(rows)
        return f"{text}x{self.n_features}x{self.minority * 100:g}%"


def parse_shape(text: str) -> Shape:
    """Read ``ROWSxFEATURESxPERCENT%`` (``ROWS`` may end in k or M), e.g. ``100kx20x5%``.

    Raises
    ------
    ConfigError
        If the text does not follow that form.
    """
    match = _PATTERN.match(text.strip().lower())
    if match is None:
        raise ConfigError(
            f"Cannot read the benchmark shape {text!r}: write ROWSxFEATURESxPERCENT%, "
            "e.g. 100kx20x5% or 1Mx50x1%."
        )
    rows, suffix, features, percent = match.groups()
    return Shape(int(rows) * _SUFFIXES[suffix], int(features), float(percent) / 100)


def parse_shapes(text: str) -> list[Shape]:
    """Read a comma-separated list of shapes (see :func:`parse_shape`)."""
    return [parse_shape(part) for part in text.split(",") if part.strip()]


FULL_SHAPES = [
    Shape(rows, features, minority)
    for rows in (10_000, 100_000, 1_000_000)
    for features in (20, 50)
    for minority in (0.05, 0.01)
]
QUICK_SHAPES = [Shape(2_000, 8, 0.05)]


def make_shape_data(shape: Shape, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded ``make_classification`` set: half the features informative, 1 % label noise."""
    X, y = make_classification(
        n_samples=shape.n_rows,
        n_features=shape.n_features,
        n_informative=max(2, shape.n_features // 2),
        n_redundant=0,
        n_clusters_per_class=2,
        weights=[1.0 - shape.minority],
        flip_y=0.01,
        random_state=seed,
    )
    return X, y


def write_shape_data(shape: Shape, folder: Path, seed: int = 0) -> Path:
    """Generate the data of ``shape`` into ``folder/<label>.npz`` (once) and return the path."""
    path = Path(folder) / f"{shape.label.replace('%', 'pct')}.npz"
    if not path.is_file():
        X, y = make_shape_data(shape, seed)
        np.savez(path, X=X, y=y)
    return path
