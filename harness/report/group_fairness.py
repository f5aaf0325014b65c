"""Per-group recall and selection rate of every strategy, for an experiment's report.

Read from the records' pooled out-of-fold fairness (:mod:`harness.metrics.fairness_pooled`):
for each sensitive column, one row per (job, group) with the group's size, its recall and
selection rate with their 95 % Wilson intervals, and whether the group is below the job's
``evaluation.min_group_size`` (such a group is left out of the fairness gaps); and one plot of
recall per group with every strategy's interval. Which per-group metrics there are comes from
the metric catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.metrics.catalog import CATALOG, parse_key
from harness.metrics.fairness_pooled import MIN_GROUP_SIZE
from harness.report.figures import pyplot, with_note
from harness.report.pages import clipped_interval, format_ci, markdown_table
from harness.runs import ExperimentFolder, write_bytes_atomic

FAIRNESS_GROUP = "fairness"
#: How :mod:`harness.metrics.fairness_pooled` makes the intervals of fairness values.
POOLED_FAIRNESS_CI_METHOD = (
    "pooled out-of-fold (first repeat): percentile bootstrap for the gaps, Wilson score for "
    "each group's rates"
)

#: The per-group metrics of the catalog (recall, selection rate, size), in catalog order.
PER_GROUP_SPECS = tuple(spec for spec in CATALOG.values() if "{group}" in spec.name)
SIZE_UNIT = "count"
PLOTTED = "recall"
MIN_GROUP_SIZE_PARAM = "evaluation.min_group_size"
IDENTITY = ("dataset", "model", "seed")
ROW_IDENTITY = (*IDENTITY, "strategy", "sensitive", "group")
SMALL_COLUMN = "small group"


def _bare(spec_name: str) -> str:
    return spec_name.rsplit("/", 1)[1]


RATE_METRICS = tuple(_bare(s.name) for s in PER_GROUP_SPECS if s.unit != SIZE_UNIT)
SIZE_METRIC = next(_bare(s.name) for s in PER_GROUP_SPECS if s.unit == SIZE_UNIT)


def fairness_keys(records: list[dict[str, Any]]) -> list[str]:
    """Every fairness key any record holds (gaps, per-group values, counts), sorted."""
    return sorted(
        {
            key
            for record in records
            for key in record.get("metrics", {})
            if (parsed := parse_key(key)) is not None and parsed.spec.group == FAIRNESS_GROUP
        }
    )


def _min_group_size(record: dict[str, Any]) -> int:
    value = (record.get("params") or {}).get(MIN_GROUP_SIZE_PARAM)
    return MIN_GROUP_SIZE if value is None else int(value)


def group_values(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (successful job, sensitive column, group): size, rates and their intervals.

    Returns
    -------
    DataFrame
        Columns ``dataset``, ``model``, ``seed``, ``strategy``, ``sensitive``, ``group``,
        ``min_group_size``, the size metric, and for each rate metric ``<m>``, ``<m>_ci_low``
        and ``<m>_ci_high`` (NaN where undefined). Empty when no job has a sensitive column.
    """
    rows: dict[tuple, dict[str, Any]] = {}
    for record in records:
        if record.get("status") != "success":
            continue
        intervals = record.get("ci95") or {}
        for key, value in (record.get("metrics") or {}).items():
            parsed = parse_key(key)
            if parsed is None or parsed.group is None:
                continue
            strategy = str(record.get("strategy") or record["resampler"])
            identity = (*(record[k] for k in IDENTITY), strategy, parsed.column, parsed.group)
            row = rows.setdefault(
                identity,
                {
                    **dict(zip(ROW_IDENTITY, identity, strict=True)),
                    "min_group_size": _min_group_size(record),
                },
            )
            metric = _bare(parsed.spec.name)
            row[metric] = np.nan if value is None else float(value)
            if metric in RATE_METRICS:
                low, high = clipped_interval(key, intervals.get(key)) or (None, None)
                row[f"{metric}_ci_low"] = np.nan if low is None else float(low)
                row[f"{metric}_ci_high"] = np.nan if high is None else float(high)
    columns = [*ROW_IDENTITY, "min_group_size", SIZE_METRIC]
    for metric in RATE_METRICS:
        columns += [metric, f"{metric}_ci_low", f"{metric}_ci_high"]
    frame = pd.DataFrame(list(rows.values())).reindex(columns=columns)
    return frame.sort_values([*IDENTITY, "sensitive", "group", "strategy"], ignore_index=True)


def group_tables(values: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """One display table per sensitive column: strategy × group with size and intervals.

    Parameters
    ----------
    values : DataFrame
        The output of :func:`group_values`.

    Returns
    -------
    list of (str, DataFrame)
        The sensitive column and its table (``dataset``, ``model``, ``seed``, ``group``,
        ``strategy``, ``n``, ``<rate> [95% CI]`` per rate metric, ``small group``).
    """
    tables = []
    for column, frame in values.groupby("sensitive", sort=True):
        table = frame[[*IDENTITY, "group", "strategy"]].copy()
        sizes = frame[SIZE_METRIC]
        table["n"] = sizes.map(lambda n: "n/a" if not np.isfinite(n) else f"{int(n)}")
        for metric in RATE_METRICS:
            bounds = zip(frame[f"{metric}_ci_low"], frame[f"{metric}_ci_high"], strict=True)
            table[f"{metric} [95% CI]"] = [
                format_ci(mean, list(ci)) for mean, ci in zip(frame[metric], bounds, strict=True)
            ]
        small = sizes < frame["min_group_size"]
        table[SMALL_COLUMN] = [
            f"yes (n < {limit})" if flag else ""
            for flag, limit in zip(small, frame["min_group_size"], strict=True)
        ]
        tables.append((str(column), table.reset_index(drop=True)))
    return tables


def group_recall_png(values: pd.DataFrame, column: str) -> bytes:
    """Recall per group of one sensitive column: every strategy's point and 95 % interval.

    One panel per (data set, model, seed); groups below the minimum size are drawn hollow and
    labelled ``small``.
    """
    plt = pyplot()
    frame = values[values["sensitive"] == column]
    panels = list(frame.groupby(list(IDENTITY), sort=True))
    strategies = sorted(frame["strategy"].unique())
    fig, axes = plt.subplots(len(panels), 1, figsize=(7, 3.2 * len(panels) + 0.6), squeeze=False)
    colours = plt.get_cmap("tab10")
    width = 0.7 / max(len(strategies), 1)
    for ax, ((dataset, model, seed), panel) in zip(axes[:, 0], panels, strict=True):
        groups = sorted(panel["group"].unique())
        for index, strategy in enumerate(strategies):
            rows = panel[panel["strategy"] == strategy].set_index("group").reindex(groups)
            x = np.arange(len(groups)) - 0.35 + width * (index + 0.5)
            mean = rows[PLOTTED].to_numpy(dtype=float)
            low = rows[f"{PLOTTED}_ci_low"].to_numpy(dtype=float)
            high = rows[f"{PLOTTED}_ci_high"].to_numpy(dtype=float)
            small = (rows[SIZE_METRIC] < rows["min_group_size"]).to_numpy()
            colour = colours(index % 10)
            shown = np.isfinite(mean) & np.isfinite(low) & np.isfinite(high)
            # The interval as it is: the fold mean can lie outside the pooled Wilson interval
            # on small groups, where an error bar around the point could not be drawn.
            ax.vlines(x[shown], low[shown], high[shown], colors=[colour])
            for hollow in (False, True):
                chosen = small == hollow
                ax.plot(
                    x[chosen],
                    mean[chosen],
                    "o",
                    color=colour,
                    markerfacecolor="white" if hollow else colour,
                    label=strategy if not hollow else None,
                )
        sizes = panel.groupby("group")[SIZE_METRIC].max().reindex(groups)
        limits = panel.groupby("group")["min_group_size"].max().reindex(groups)
        labels = [
            f"{group}\nn={int(n)}" + (" (small)" if n < limit else "") if np.isfinite(n) else group
            for group, n, limit in zip(groups, sizes, limits, strict=True)
        ]
        ax.set_xticks(range(len(groups)), labels, fontsize=8)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("minority recall", fontsize=9)
        ax.set_title(f"{dataset} / {model} / seed {seed}", fontsize=8, loc="left")
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(
        fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), title="strategy", title_fontsize=8
    )
    fig.suptitle(f"Recall per {column} group", fontsize=10, x=0.01, ha="left")
    return with_note(
        fig,
        "pooled out-of-fold predictions; bars: 95 % Wilson interval; hollow: group below the "
        "minimum size (left out of the fairness gaps)",
    )


SECTION_HEADING = "Recall and selection rate per sensitive group"
SECTION_LEGEND = (
    "Pooled out-of-fold predictions of the first repeat (one prediction per row); 95 % Wilson "
    "intervals; n is the group's size; a small group is below evaluation.min_group_size and is "
    "left out of the fairness gaps."
)


@dataclass
class ReportSection:
    """What one section adds to an experiment report."""

    files: list[Path] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    markdown: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def group_fairness_section(
    folder: ExperimentFolder, records: list[dict[str, Any]]
) -> ReportSection:
    """Write one recall plot per sensitive column and return the section of the report.

    Parameters
    ----------
    folder : ExperimentFolder
        Where the plots go (``plots/group_recall_<column>.png``).
    records : list of dict
        The compared jobs' records.

    Returns
    -------
    ReportSection
        Empty when no job has a sensitive column.
    """
    section = ReportSection()
    values = group_values(records)
    if values.empty:
        return section
    section.markdown += ["", f"## {SECTION_HEADING}", "", SECTION_LEGEND]
    for column, table in group_tables(values):
        png = group_recall_png(values, column)
        path = folder.group_recall_plot(column)
        path.parent.mkdir(exist_ok=True)
        write_bytes_atomic(path, lambda tmp, png=png: tmp.write_bytes(png))
        section.files.append(path)
        section.images[f"Recall per group: {column}"] = png
        heading = f"Per group: {column}"
        section.markdown += [
            "",
            f"### {heading}",
            "",
            f"![recall per {column} group]({path.relative_to(folder.path)})",
            "",
            markdown_table(table),
        ]
        section.tables.append((heading, table))
    return section
