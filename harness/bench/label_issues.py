"""The error of ``data/label_issues`` by noise level, direction and class overlap
(``harness bench --part label-issues``).

Each repeat draws a data set with scikit-learn's ``make_classification`` (3 000 rows, 8
features of which 5 informative, 10 % minority, no label noise of its own) at two class
separations (``class_sep`` 2.0: separated; 0.8: overlapping), then flips a known number of
labels: ``level × (minority rows)`` rows, taken from the minority class
(``minority_to_majority``), from the majority class (``majority_to_minority``) or half from each
(``both``). The truth is the number of flipped rows per minority-labelled row after flipping,
the quantity ``data/label_issues`` estimates; the estimate is the harness's own
(:func:`harness.metrics.label_quality.label_issue_estimate`, seed = repeat). Reported per cell:
the mean truth and estimate, the mean and the largest absolute error, the share of repeats
whose 95 % bootstrap interval holds the truth, and the share of flagged rows that were truly
flipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

OVERLAPS = {"separated": 2.0, "overlapping": 0.8}
LEVELS = (0.0, 0.05, 0.10, 0.20)
DIRECTIONS = ("minority_to_majority", "majority_to_minority", "both")
REPEATS = 5
ROWS, FEATURES, INFORMATIVE, MINORITY_SHARE = 3000, 8, 5, 0.10


def _flip(y: np.ndarray, level: float, direction: str, rng: np.random.Generator) -> np.ndarray:
    """The rows to flip: ``level × minority rows`` of them, from the class(es) ``direction``
    names (none at level 0, whatever the direction)."""
    n = int(round(level * int(np.sum(y == 1))))
    if n == 0:
        return np.array([], dtype=int)
    sources = {"minority_to_majority": (1,), "majority_to_minority": (0,), "both": (1, 0)}
    classes = sources[direction]
    counts = [n // len(classes) + (i < n % len(classes)) for i in range(len(classes))]
    picked = [
        rng.choice(np.flatnonzero(y == c), k, replace=False)
        for c, k in zip(classes, counts, strict=True)
    ]
    return np.concatenate(picked)


def measure(overlap: str, level: float, direction: str, repeat: int) -> dict[str, float]:
    """One estimate against its truth."""
    from sklearn.datasets import make_classification

    from harness.metrics.label_quality import label_issue_estimate

    X, y = make_classification(
        ROWS,
        FEATURES,
        n_informative=INFORMATIVE,
        weights=[1 - MINORITY_SHARE],
        flip_y=0,
        class_sep=OVERLAPS[overlap],
        random_state=repeat,
    )
    flipped = _flip(y, level, direction, np.random.default_rng([repeat, int(level * 100)]))
    noisy = y.copy()
    noisy[flipped] = 1 - noisy[flipped]
    truth = flipped.size / int(np.sum(noisy == 1))
    estimate = label_issue_estimate(X, noisy, random_state=repeat)
    low, high = estimate.intervals["label_issues"]
    flagged = np.flatnonzero(estimate.flagged)
    true_flags = np.intersect1d(flagged, flipped).size
    return {
        "truth": truth,
        "estimate": estimate.shares["label_issues"],
        "covered": float(low <= truth <= high),
        "flag_precision": true_flags / flagged.size if flagged.size else float("nan"),
    }


def run_label_issues(
    repeats: int = REPEATS,
    overlaps: Sequence[str] = tuple(OVERLAPS),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every cell (overlap × level × direction), ``repeats`` data sets each."""
    from threadpoolctl import threadpool_limits

    cells = []
    with threadpool_limits(1):
        for overlap in overlaps:
            for level in LEVELS:
                for direction in DIRECTIONS if level > 0 else ("none",):
                    rows = [measure(overlap, level, direction, r) for r in range(repeats)]
                    errors = np.array([r["estimate"] - r["truth"] for r in rows])
                    precision = np.array([r["flag_precision"] for r in rows])
                    cells.append(
                        {
                            "overlap": overlap,
                            "level": level,
                            "direction": direction,
                            "repeats": repeats,
                            "truth": float(np.mean([r["truth"] for r in rows])),
                            "estimate": float(np.mean([r["estimate"] for r in rows])),
                            "mean_error": float(errors.mean()),
                            "max_abs_error": float(np.abs(errors).max()),
                            "coverage": float(np.mean([r["covered"] for r in rows])),
                            "flag_precision": float(np.nanmean(precision))
                            if np.isfinite(precision).any()
                            else float("nan"),
                        }
                    )
                    log(f"label-issues {overlap} {level:g} {direction}: done")
    return {"rows": ROWS, "minority_share": MINORITY_SHARE, "cells": cells}


def render_label_issues(data: dict[str, Any]) -> str:
    """The part's table in Markdown (what docs/statistics.md quotes)."""
    lines = [
        "| overlap | flipped (× minority rows) | direction | truth | estimate | mean error | "
        "largest error | interval holds truth | flagged rows truly flipped |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in data["cells"]:
        precision = (
            "–" if c["flag_precision"] != c["flag_precision"] else f"{c['flag_precision']:.2f}"
        )
        lines.append(
            f"| {c['overlap']} | {c['level']:g} | {c['direction']} | {c['truth']:.3f} | "
            f"{c['estimate']:.3f} | {c['mean_error']:+.3f} | {c['max_abs_error']:.3f} | "
            f"{c['coverage']:.2f} | {precision} |"
        )
    return "\n".join(lines) + "\n"
