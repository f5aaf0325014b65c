"""Cost and quality of a resampler's settings: what each setting buys against what it costs.

For every job of a (data set, model, seed) the section shows the minority-recall gain over no
treatment (paired over the same folds, with its Nadeau–Bengio corrected 95 % interval), the
mean resampling time per fold and the mean peak traced memory of the resampling step per fold,
and marks the Pareto fronts: recall gain against time, recall gain against memory (each its
own plot panel) and, in the table, against both costs at once.

The experiment report includes the section when the records hold at least two settings of
one strategy kind (their ``resampler.sampler.*`` parameters differ) next to a ``none``
baseline of the same data set, model and seed; ``experiment=cost_quality`` is built that way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.evaluate.inference import corrected_interval
from harness.metrics.catalog import greater_is_better, spec_of
from harness.report.figures import pyplot, with_note
from harness.report.pages import (
    BASELINE_COLOUR,
    FAIL_COLOUR,
    PLAIN_COLOUR,
    UNIT_DISPLAY,
    format_ci,
    markdown_table,
)
from harness.runs import ExperimentFolder, RunFolder, write_bytes_atomic

#: The no-treatment kind every gain is measured against (as in harness.report.comparison).
REFERENCE = "none"
#: The quality measure: its gain over the reference is maximised.
QUALITY_METRIC = "test/minority_recall"
#: The costs, one plot panel each.
COST_METRICS = ("time/resample_seconds", "memory/peak_bytes")
SAMPLER_PARAM_PREFIX = "resampler.sampler."
GROUP = ["dataset", "model", "seed"]
HEADING = "Cost and quality: recall gain against resampling time and peak memory"


def pareto_front(points: Any, maximise: Sequence[bool]) -> np.ndarray:
    """Which points no other point dominates.

    Point ``a`` dominates point ``b`` when ``a`` is at least as good as ``b`` in every
    objective and strictly better in at least one. Identical points do not dominate each
    other, so a tie on the front keeps every tied point on it.

    Parameters
    ----------
    points : array-like of shape (n_points, n_objectives)
        Finite objective values, one row per point.
    maximise : sequence of bool, length n_objectives
        For each objective, ``True`` when greater is better and ``False`` when smaller is.

    Returns
    -------
    ndarray of bool, shape (n_points,)
        ``True`` for the points on the front.

    Raises
    ------
    ValueError
        When ``points`` is not a 2-D array of finite numbers, or ``maximise`` does not give
        one direction per objective.
    """
    values = np.asarray(points, dtype=float)
    if values.ndim != 2:
        raise ValueError(
            f"points must be a 2-D array (one row per point, one column per objective), got "
            f"shape {values.shape}; e.g. [[0.1, 0.02], [0.2, 0.05]]."
        )
    if len(maximise) != values.shape[1]:
        raise ValueError(
            f"maximise gives {len(maximise)} direction(s) for {values.shape[1]} objective(s): "
            "give one True (greater is better) or False (smaller is better) per column."
        )
    if not np.isfinite(values).all():
        raise ValueError(
            "points hold NaN or infinite values: leave out the points without a measure "
            "before computing the front."
        )
    signs = np.where(np.asarray(maximise, dtype=bool), 1.0, -1.0)
    better = values * signs  # every objective now maximised
    at_least = (better[:, None, :] >= better[None, :, :]).all(axis=2)
    strictly = (better[:, None, :] > better[None, :, :]).any(axis=2)
    dominated = (at_least & strictly).any(axis=0)
    return ~dominated


def _kind(record: dict[str, Any]) -> str:
    return str(record.get("strategy") or record["resampler"])


def _sampler_params(record: dict[str, Any]) -> dict[str, Any]:
    params = record.get("params") or {}
    return {
        key.removeprefix(SAMPLER_PARAM_PREFIX): value
        for key, value in params.items()
        if key.startswith(SAMPLER_PARAM_PREFIX)
    }


def _groups(records: list[dict[str, Any]]) -> dict[tuple, list[dict[str, Any]]]:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for record in records:
        if record.get("status") == "success":
            groups.setdefault(tuple(record[key] for key in GROUP), []).append(record)
    return groups


def _varied_keys(records: list[dict[str, Any]]) -> list[str]:
    """The sampler parameters whose values differ among ``records`` (one strategy kind)."""
    settings = [_sampler_params(r) for r in records]
    keys = sorted({key for setting in settings for key in setting})
    return [key for key in keys if len({repr(s.get(key)) for s in settings}) > 1]


def shows_cost_quality(records: list[dict[str, Any]]) -> bool:
    """Whether the experiment report includes the cost/quality section.

    Parameters
    ----------
    records : list of dict
        The ``result.json`` records of the experiment.

    Returns
    -------
    bool
        ``True`` when some (data set, model, seed) has a successful ``none`` job and at least
        two successful jobs of one other strategy kind whose sampler parameters differ.
    """
    for group in _groups(records).values():
        kinds: dict[str, list[dict[str, Any]]] = {}
        for record in group:
            kinds.setdefault(_kind(record), []).append(record)
        if REFERENCE not in kinds:
            continue
        if any(kind != REFERENCE and _varied_keys(same) for kind, same in kinds.items()):
            return True
    return False


def _fold_scores(record: dict[str, Any]) -> pd.Series | None:
    path = RunFolder(record["run_dir"]).folds if "run_dir" in record else None
    if path is None or not path.is_file():
        return None
    folds = pd.read_csv(path).set_index(["repeat", "fold"])
    return folds[QUALITY_METRIC] if QUALITY_METRIC in folds.columns else None


def _gain(record: dict[str, Any], reference: dict[str, Any]) -> dict[str, float]:
    """The quality gain over ``reference`` on paired folds, with its corrected interval.

    Without both ``folds.csv`` files the gain is the difference of the means, without an
    interval.
    """
    candidate, baseline = _fold_scores(record), _fold_scores(reference)
    if candidate is None or baseline is None:
        mean = record["metrics"].get(QUALITY_METRIC, math.nan)
        base = reference["metrics"].get(QUALITY_METRIC, math.nan)
        return {"mean": mean - base, "ci_low": math.nan, "ci_high": math.nan}
    candidate, baseline = candidate.align(baseline, join="inner")
    interval = corrected_interval(
        (candidate - baseline).to_numpy(),
        float(record.get("n_train") or 0),
        float(record.get("n_test") or 0),
    )
    return {key: interval[key] for key in ("mean", "ci_low", "ci_high")}


def _setting(record: dict[str, Any], varied: list[str]) -> str:
    params = _sampler_params(record)
    return ", ".join(f"{key}={params.get(key)}" for key in varied)


def _cost_column(metric: str) -> str:
    unit = UNIT_DISPLAY.get(spec_of(metric).unit, (1.0, spec_of(metric).unit))[1]
    return f"{metric} ({unit})"


def _cost_value(record: dict[str, Any], metric: str) -> float:
    value = record["metrics"].get(metric)
    if value is None:
        return math.nan
    return float(value) / UNIT_DISPLAY.get(spec_of(metric).unit, (1.0, ""))[0]


GAIN_COLUMN = f"gain in {QUALITY_METRIC}"
FRONT_COLUMNS = {metric: f"front: gain vs {metric}" for metric in COST_METRICS}
FRONT_ALL = "front: gain vs both costs"


def cost_quality_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per successful job whose group has a ``none`` baseline: its gain and costs.

    Parameters
    ----------
    records : list of dict
        ``result.json`` records, each with its ``run_dir`` (for the paired fold scores).

    Returns
    -------
    DataFrame
        ``dataset``, ``model``, ``seed``, ``resampler``, ``strategy``, ``setting`` (the sampler
        parameters that vary within the strategy kind), ``resample/synthetic_ratio``,
        ``test/minority_recall``, the gain with ``ci_low``/``ci_high`` (NaN without fold
        scores), the costs in display units (seconds, MiB), and one boolean column per Pareto
        front (each cost against the gain, and both costs against the gain). A point without a
        cost measure is on no front that needs it.
    """
    rows = []
    for key, group in sorted(_groups(records).items(), key=lambda item: str(item[0])):
        references = [r for r in group if _kind(r) == REFERENCE]
        if not references:
            continue
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for record in group:
            by_kind.setdefault(_kind(record), []).append(record)
        block = []
        for kind, same in sorted(by_kind.items()):
            varied = _varied_keys(same)
            for record in sorted(same, key=lambda r: str(r["resampler"])):
                gain = _gain(record, references[0])
                row = dict(zip(GROUP, key, strict=True))
                row |= {
                    "resampler": record["resampler"],
                    "strategy": kind,
                    "setting": _setting(record, varied),
                    "resample/synthetic_ratio": record["metrics"].get("resample/synthetic_ratio"),
                    QUALITY_METRIC: record["metrics"].get(QUALITY_METRIC),
                    GAIN_COLUMN: gain["mean"],
                    "ci_low": gain["ci_low"],
                    "ci_high": gain["ci_high"],
                }
                row |= {_cost_column(m): _cost_value(record, m) for m in COST_METRICS}
                block.append(row)
        rows.extend(_mark_fronts(pd.DataFrame(block)).to_dict("records"))
    columns = [
        *GROUP, "resampler", "strategy", "setting", "resample/synthetic_ratio", QUALITY_METRIC,
        GAIN_COLUMN, "ci_low", "ci_high", *(_cost_column(m) for m in COST_METRICS),
        *FRONT_COLUMNS.values(), FRONT_ALL,
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _mark_fronts(block: pd.DataFrame) -> pd.DataFrame:
    """Add the front columns to the rows of one (data set, model, seed)."""
    gain_up = greater_is_better(QUALITY_METRIC) is not False
    fronts = {FRONT_ALL: list(COST_METRICS), **{FRONT_COLUMNS[m]: [m] for m in COST_METRICS}}
    for column, costs in fronts.items():
        objectives = [GAIN_COLUMN, *(_cost_column(m) for m in costs)]
        directions = [gain_up, *(greater_is_better(m) is not False for m in costs)]
        values = block[objectives].astype(float)
        measured = np.isfinite(values.to_numpy()).all(axis=1)
        marked = np.zeros(len(block), dtype=bool)
        if measured.any():
            marked[measured] = pareto_front(values.to_numpy()[measured], directions)
        block[column] = marked
    return block


PLOT_NOTE = (
    "red: on the Pareto front (no other setting has a larger gain at no larger cost), joined "
    f"by its staircase; square: {REFERENCE!r}; bars: 95 % interval of the gain (paired folds, "
    "Nadeau–Bengio corrected); costs are means per fold"
)


def cost_quality_png(table: pd.DataFrame) -> bytes:
    """Recall gain against each cost, one row of panels per (data set, model, seed).

    Front points are red and joined by the staircase that bounds what the settings attain
    (the best gain available at or below each cost); the ``none`` baseline is a grey square
    at zero gain (red too when on the front); bars are 95 % intervals of the gain; each point
    is labelled with its varied sampler setting (its resampler name when nothing varies).

    Parameters
    ----------
    table : DataFrame
        :func:`cost_quality_table`.

    Returns
    -------
    bytes
        The PNG image.
    """
    plt = pyplot()
    groups = list(table.groupby(GROUP, sort=True))
    fig, axes = plt.subplots(
        len(groups), len(COST_METRICS), figsize=(11, 0.6 + 3.4 * len(groups)), squeeze=False
    )
    for row_axes, (key, frame) in zip(axes, groups, strict=True):
        for ax, metric in zip(row_axes, COST_METRICS, strict=True):
            _panel(ax, frame, metric)
        row_axes[0].set_title(" / ".join(str(part) for part in key), fontsize=9, loc="left")
    fig.suptitle(HEADING, fontsize=10, x=0.01, ha="left")
    return with_note(fig, PLOT_NOTE)


def _panel(ax: Any, frame: pd.DataFrame, metric: str) -> None:
    cost, front = _cost_column(metric), FRONT_COLUMNS[metric]
    shown = frame[np.isfinite(frame[cost].astype(float))]
    for row in shown.to_dict("records"):
        x, y = float(row[cost]), float(row[GAIN_COLUMN])
        on_front, baseline = bool(row[front]), row["strategy"] == REFERENCE
        colour = FAIL_COLOUR if on_front else (BASELINE_COLOUR if baseline else PLAIN_COLOUR)
        low, high = float(row["ci_low"]), float(row["ci_high"])
        if np.isfinite(low) and np.isfinite(high):
            ax.vlines(x, low, high, color=colour, linewidth=1, alpha=0.6)
        marker = "s" if baseline else "o"
        ax.plot(x, y, marker=marker, color=colour, markersize=7 if on_front else 5)
        ax.annotate(
            str(row["setting"] or row["resampler"]),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            color=colour,
        )
    on_front = shown[shown[front].astype(bool)].sort_values(cost)
    if len(on_front) > 1:
        ax.plot(
            on_front[cost], on_front[GAIN_COLUMN], drawstyle="steps-post", color=FAIL_COLOUR,
            linewidth=1,
        )  # fmt: skip
    ax.axhline(0.0, color=BASELINE_COLOUR, linestyle=":", linewidth=1)
    ax.set_xlabel(cost, fontsize=8)
    ax.set_ylabel(f"{GAIN_COLUMN} over {REFERENCE!r}", fontsize=8)
    ax.grid(alpha=0.3)


def _shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the report shows it: the gain as ``mean [95% CI]``, fronts as marks."""
    shown = table.drop(columns=["ci_low", "ci_high"]).copy()
    shown[GAIN_COLUMN] = [
        format_ci(row[GAIN_COLUMN], [row["ci_low"], row["ci_high"]]) for _, row in table.iterrows()
    ]
    for column in (*FRONT_COLUMNS.values(), FRONT_ALL):
        shown[column] = np.where(table[column].astype(bool), "yes", "")
    return shown.round(4)


def write_cost_quality_section(
    folder: ExperimentFolder,
    records: list[dict[str, Any]],
    lines: list[str],
    tables: list[tuple[str, pd.DataFrame]],
    images: dict[str, bytes],
) -> list[Path]:
    """Add the cost/quality section to an experiment report being written, when it applies.

    Writes ``cost_quality.csv`` and ``plots/cost_quality.png`` into ``folder`` and appends
    the section's Markdown to ``lines``, its table to ``tables`` and its image to ``images``
    (the parts :func:`harness.report.comparison.compare` renders into report.md and
    report.html). Does nothing unless :func:`shows_cost_quality` says the records call for it.

    Parameters
    ----------
    folder : ExperimentFolder
        The experiment (or sweep) folder.
    records : list of dict
        Its ``result.json`` records, each with ``run_dir``.
    lines : list of str
        The report's Markdown lines, appended to.
    tables : list of (str, DataFrame)
        The report's tables, appended to.
    images : dict of str to bytes
        The report's images by caption, added to.

    Returns
    -------
    list of Path
        The files written (none when the section does not apply).
    """
    if not shows_cost_quality(records):
        return []
    table = cost_quality_table(records)
    if table.empty:
        return []
    write_bytes_atomic(folder.cost_quality_csv, lambda tmp: table.to_csv(tmp, index=False))
    png = cost_quality_png(table)
    folder.plots.mkdir(exist_ok=True)
    write_bytes_atomic(folder.cost_quality_plot, lambda tmp: tmp.write_bytes(png))
    shown = _shown_table(table)
    costs = " and ".join(f"`{metric}`" for metric in COST_METRICS)
    lines += [
        "",
        f"## {HEADING}",
        "",
        f"Gain: `{QUALITY_METRIC}` minus that of `{REFERENCE}` on the same folds, with its "
        f"corrected 95 % interval; costs: {costs}, means per fold. A setting is on a front "
        "when no other job of its data set, model and seed has a larger gain at no larger "
        "cost.",
        "",
        f"![cost and quality]({folder.cost_quality_plot.relative_to(folder.path)})",
        "",
        markdown_table(shown),
    ]
    tables.append((HEADING, shown))
    images[HEADING] = png
    return [folder.cost_quality_csv, folder.cost_quality_plot]
