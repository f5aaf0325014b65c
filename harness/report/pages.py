"""Human reports: Markdown and a self-contained HTML page per run and per sweep.

Every string that comes from a data set or a config (column names, group labels) is escaped in
HTML, so a column called ``<script>`` renders as text.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.metrics.catalog import GROUPS, headline_keys, parse_key
from harness.report.evaluation_plots import evaluation_plots
from harness.report.figures import close_to_png, pyplot, with_note
from harness.runs import RunFolder, write_bytes_atomic, write_text_atomic

#: The headline metrics of the metric catalog, in its group order.
HEADLINE_METRICS = headline_keys()


def format_ci(mean: float, ci: Any) -> str:
    """``0.712 [0.650, 0.774]`` — a mean and its 95 % confidence interval."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    if not ci or any(v is None or (isinstance(v, float) and math.isnan(v)) for v in ci):
        return f"{mean:.3f}"
    return f"{mean:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


_MIB = 2.0**20
#: How a unit of the metric catalog is shown: the scale a value is divided by, and its suffix.
UNIT_DISPLAY = {"bytes": (_MIB, "MiB"), "seconds": (1.0, "s")}
OTHER_GROUP = "other"


def format_value(value: float | None, ci: Any, unit: str) -> str:
    """A mean and its interval in the unit's display form (``171.2 MiB [160.0, 182.4]``)."""
    scale, suffix = UNIT_DISPLAY.get(unit, (1.0, ""))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    scaled_ci = [v / scale for v in ci] if ci and all(v is not None for v in ci) else None
    text = format_ci(value / scale, scaled_ci)
    if unit == "count" and scaled_ci is None and float(value).is_integer():
        text = f"{int(value)}"
    return f"{text} {suffix}".rstrip()


def grouped_metrics(
    metrics: dict[str, float], ci95: dict[str, Any]
) -> list[tuple[str, pd.DataFrame]]:
    """A job's metrics as one table per catalog group, in the catalog's group order.

    Headline metrics come first within a group; values are shown in their unit (bytes as MiB,
    seconds as s), with the catalog's one-line description.

    Returns
    -------
    list of (str, DataFrame)
        Group name and its table (columns ``metric``, ``mean [95% CI]``, ``unit``,
        ``meaning``); keys the catalog does not know are listed under ``other``.
    """
    rows: dict[str, list[tuple[tuple[int, str], dict[str, str]]]] = {}
    for key, value in metrics.items():
        parsed = parse_key(key)
        spec = parsed.spec if parsed is not None else None
        group = spec.group if spec is not None else OTHER_GROUP
        unit = spec.unit if spec is not None else ""
        shown_unit = UNIT_DISPLAY.get(unit, (1.0, unit))[1]
        row = {
            "metric": key,
            "mean [95% CI]": format_value(value, ci95.get(key), unit),
            "unit": shown_unit,
            "meaning": spec.description if spec is not None else "",
        }
        order = (0 if spec is not None and spec.headline else 1, key)
        rows.setdefault(group, []).append((order, row))
    ordered = [g for g in (*GROUPS, OTHER_GROUP) if g in rows]
    return [
        (group, pd.DataFrame([row for _, row in sorted(rows[group], key=lambda r: r[0])]))
        for group in ordered
    ]


def markdown_table(frame: pd.DataFrame) -> str:
    """Render a DataFrame as a GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            text = "n/a" if math.isnan(value) else f"{value:.4g}"
        else:
            text = str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _plot_pr_curve(true: np.ndarray, score: np.ndarray, title: str) -> bytes:
    """Precision-recall curve with the prevalence baseline (a no-skill model's precision)."""
    from sklearn.metrics import PrecisionRecallDisplay

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    PrecisionRecallDisplay.from_predictions(true, score, ax=ax, name="out-of-fold")
    prevalence = float(np.mean(true))
    ax.axhline(prevalence, color="grey", linestyle="--", label=f"prevalence {prevalence:.3f}")
    if len(np.unique(score)) <= 3:
        ax.text(0.02, 0.02, "hard predictions: few thresholds", transform=ax.transAxes)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    return close_to_png(fig)


def _plot_roc_curve(true: np.ndarray, score: np.ndarray, title: str) -> bytes:
    """ROC curve with the chance diagonal."""
    from sklearn.metrics import RocCurveDisplay

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    RocCurveDisplay.from_predictions(true, score, ax=ax, name="out-of-fold")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="chance")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    return close_to_png(fig)


def _plot_group_recall(group_recall: pd.DataFrame, title: str) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(group_recall) + 1.5))
    labels = [
        f"{s}={g}" for s, g in zip(group_recall["sensitive"], group_recall["group"], strict=True)
    ]
    ax.barh(labels, group_recall["recall"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("minority recall")
    ax.set_title(title)
    return close_to_png(fig)


#: The catalog pattern of a group's recall (the bar chart of the report).
GROUP_RECALL = "fairness/{column}/group/{group}/recall"


def _group_recall_table(metrics: dict[str, float]) -> pd.DataFrame:
    rows = []
    for key, value in metrics.items():
        parsed = parse_key(key)
        if parsed is not None and parsed.spec.name == GROUP_RECALL:
            rows.append({"sensitive": parsed.column, "group": parsed.group, "recall": value})
    return pd.DataFrame(rows, columns=["sensitive", "group", "recall"])


def _heading(group: str) -> str:
    return group[:1].upper() + group[1:]


def write_run_report(folder: RunFolder | Path, record: dict[str, Any], result: Any) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``plots/*.png`` for one job, each atomically.

    The plots: precision-recall and ROC curves, confusion matrix, reliability diagram and
    precision/recall/F1 against the threshold (all from the pooled out-of-fold predictions,
    see :func:`harness.report.evaluation_plots.evaluation_plots`), and recall per sensitive
    group.

    Parameters
    ----------
    folder : RunFolder or Path
        The job's run folder.
    record : dict
        The record the job is about to commit as ``result.json``.
    result : ProtocolResult
        The protocol's output (for the out-of-fold curves).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = folder if isinstance(folder, RunFolder) else RunFolder(folder)
    folder.plots.mkdir(exist_ok=True)
    images: dict[str, bytes] = {}
    artifacts = result.artifacts
    if artifacts.oof_score:
        true = np.concatenate(artifacts.oof_true)
        score = np.concatenate(artifacts.oof_score)
        if 0 < true.sum() < len(true):
            subject = f"{record['dataset']} / {record['resampler']} / {record['model']}"
            images["pr_curve"] = _plot_pr_curve(true, score, f"Precision-recall: {subject}")
            if len(np.unique(score)) > 2:  # a ROC curve of hard 0/1 predictions is one point
                images["roc_curve"] = _plot_roc_curve(true, score, f"ROC: {subject}")
    images.update(evaluation_plots(record, artifacts))
    group_recall = _group_recall_table(record["metrics"])
    if not group_recall.empty:
        images["group_recall"] = _plot_group_recall(group_recall, "Recall per sensitive group")
    written = []
    for name, png in images.items():
        path = folder.plot(name)
        write_bytes_atomic(path, lambda tmp, png=png: tmp.write_bytes(png))
        written.append(path)

    title = (
        f"Run {record['experiment']}: {record['dataset']} / {record['resampler']} / "
        f"{record['model']} (seed {record['seed']})"
    )
    groups = grouped_metrics(record["metrics"], record["ci95"])
    markdown = [f"# {title}", "", f"Folds: {record['n_folds']}"]
    for group, table in groups:
        markdown += ["", f"## {_heading(group)}", "", markdown_table(table)]
    markdown += [
        "",
        *(f"![{name}]({folder.plot(name).relative_to(folder.path)})" for name in images),
    ]
    write_text_atomic(folder.report_md, "\n".join(markdown) + "\n")
    tables = [(_heading(group), table) for group, table in groups]
    write_text_atomic(folder.report_html, render_html(title, tables, images))
    return [*written, folder.report_md, folder.report_html]


#: Tables fit the page: small type, headers wrap at "/", an interval sits under its mean, and
#: a table still too wide scrolls sideways inside its own box instead of running off the page.
REPORT_CSS = (
    "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;"
    "color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;font-size:0.82em;table-layout:auto}"
    "td,th{border:1px solid #ddd;padding:3px 5px;text-align:right;white-space:nowrap}"
    "th{white-space:normal;vertical-align:bottom;min-width:3.5em}"
    "td .ci{display:block;font-size:0.85em;color:#666}"
    "td:first-child,th:first-child{text-align:left}"
    "th{background:#f4f4f4;position:sticky;top:0}"
    "tr:nth-child(even) td{background:#fafafa}"
    ".figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:1em}"
    "figure{margin:0}"
    "figure img{width:100%;height:auto}"
    "figcaption{font-size:0.8em;color:#555}"
)


def render_html(
    title: str, tables: list[tuple[str, pd.DataFrame]], images: dict[str, bytes]
) -> str:
    """A self-contained HTML page: inline PNG images first, then the escaped tables.

    Parameters
    ----------
    title : str
        Page title and heading.
    tables : list of (str, DataFrame)
        Heading and table, in order; every cell is escaped.
    images : dict of str to bytes
        Caption and PNG bytes, embedded as data URIs.

    Returns
    -------
    str
        The page.
    """
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title>",
        f"<style>{REPORT_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if images:
        parts.append("<div class='figures'>")
    for name, png in images.items():
        encoded = base64.b64encode(png).decode()
        alt = html.escape(name)
        parts.append(
            f"<figure><img alt='{alt}' src='data:image/png;base64,{encoded}'>"
            f"<figcaption>{alt}</figcaption></figure>"
        )
    if images:
        parts.append("</div>")
    for heading, frame in tables:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        table = frame.to_html(index=False, escape=True, na_rep="n/a", border=0)
        parts.append(f"<div class='scroll'>{_compact_cells(table)}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


_VALUE_WITH_INTERVAL = re.compile(r"<td>([^<\[]+?) (\[[^<\]]*\])</td>")
_HEADER = re.compile(r"<th>([^<]*)</th>")


def _compact_cells(table: str) -> str:
    """Put each ``mean [low, high]`` interval under its mean and let headers break in keys.

    The table's text is already escaped; only the layout changes.
    """
    table = _VALUE_WITH_INTERVAL.sub(r"<td>\1<span class='ci'>\2</span></td>", table)
    return _HEADER.sub(lambda m: "<th>" + _breakable(m.group(1)) + "</th>", table)


def _breakable(header: str) -> str:
    """Allow a line break after each "/" and "_" of a metric key."""
    return header.replace("/", "/<wbr>").replace("_", "_<wbr>")


@dataclass(frozen=True)
class ThresholdLine:
    """An SLO objective drawn on a forest plot: ``metric op threshold`` for some strategies."""

    name: str
    op: str
    threshold: float
    applies_to: tuple[str, ...] | None = None

    def applies(self, strategy: str) -> bool:
        """Whether the objective covers ``strategy``."""
        return self.applies_to is None or strategy in self.applies_to

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the objective."""
        return _OPERATORS[self.op](value, self.threshold)


_OPERATORS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}
PASS_COLOUR, FAIL_COLOUR, PLAIN_COLOUR, BASELINE_COLOUR = "#1a7f37", "#cf222e", "#0969da", "#666"


def slo_lines(metric: str, slo_set: Any) -> list[ThresholdLine]:
    """The objectives (and warnings) of an SLO set on ``metric``, as plot lines."""
    if slo_set is None:
        return []
    objectives = [*slo_set.objectives, *getattr(slo_set, "warnings", ())]
    return [
        ThresholdLine(o.name, o.op, float(o.threshold), o.applies_to)
        for o in objectives
        if o.metric == metric
    ]


def _forest_style(
    strategy: str, mean: float, lines: Sequence[ThresholdLine], reference: str
) -> tuple[str, str]:
    """Colour and marker of a strategy's row: grey square for the baseline, green or red
    against the SLO lines that cover it, plain otherwise."""
    covering = [line for line in lines if line.applies(strategy)]
    if strategy == reference:
        return BASELINE_COLOUR, "s"
    if covering and np.isfinite(mean):
        return (PASS_COLOUR if all(line.met(mean) for line in covering) else FAIL_COLOUR), "o"
    return PLAIN_COLOUR, "o"


def forest_plot_png(
    rows: pd.DataFrame,
    metric: str,
    *,
    lines: Sequence[ThresholdLine] = (),
    significant: Collection[tuple] = frozenset(),
    reference: str = "none",
) -> bytes:
    """A forest plot of one metric: every strategy's mean and 95 % interval, ranked.

    One panel per data set and model. With several seeds, a strategy's row holds one bar per
    seed and is ranked by the mean over them, so the figure's size (and its drawing time)
    grows with the strategies, not with strategies × seeds.

    Parameters
    ----------
    rows : DataFrame
        One row per job: ``dataset``, ``model``, ``seed``, ``strategy``, ``mean``, ``ci_low``,
        ``ci_high`` and optionally ``resampler`` (the long format of comparison.csv, filtered
        to ``metric``); the plot has a row per resampler name.
    metric : str
        The metric key; its direction (metric catalog) decides the ranking, best on top.
    lines : list of ThresholdLine
        SLO objectives on the metric: drawn as vertical lines; a strategy an objective covers
        is green when its mean meets every such objective, red when it misses one.
    significant : set of tuple
        ``(dataset, model, seed, strategy)`` whose difference to ``reference`` is significant
        (Holm-adjusted corrected t-test); marked with ``*``.
    reference : str
        The baseline strategy, drawn grey with a dashed line at its mean.

    Returns
    -------
    bytes
        The PNG image.
    """
    from harness.metrics.catalog import greater_is_better

    plt = pyplot()
    # A row per configured resampler (its name), styled by its strategy kind: the kind
    # decides the SLO colour and the baseline, and two configurations of one kind (ADASYN at
    # two betas) stay two rows.
    names = rows["resampler"].fillna(rows["strategy"]) if "resampler" in rows else rows["strategy"]
    rows = rows.assign(row=names.astype(str))
    panels = list(rows.groupby(["dataset", "model"], sort=True))
    heights = [max(frame["row"].nunique(), 1) for _, frame in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(7, 0.9 + 0.32 * sum(heights) + 0.45 * len(panels)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
        sharex=True,
    )
    descending = greater_is_better(metric) is not False
    n_seeds = int(rows["seed"].nunique())
    for ax, ((dataset, model), frame) in zip(axes[:, 0], panels, strict=True):
        means = frame.groupby("row")["mean"].mean()
        order = list(means.sort_values(ascending=not descending, na_position="last").index)
        order.reverse()  # best at the top
        for y, name in enumerate(order):
            runs = frame[frame["row"] == name].sort_values("seed")
            strategy = str(runs["strategy"].iloc[0])
            colour, marker = _forest_style(strategy, means[name], lines, reference)
            step = min(0.6 / len(runs), 0.25)
            # One artist for the bars and one for the markers of a row, whatever its seeds:
            # a 200-job sweep draws hundreds of rows, and each artist costs its drawing time.
            ys = y + (np.arange(len(runs)) - (len(runs) - 1) / 2) * step
            lows, highs = runs["ci_low"].to_numpy(float), runs["ci_high"].to_numpy(float)
            finite = np.isfinite(lows) & np.isfinite(highs)
            if finite.any():
                ax.hlines(ys[finite], lows[finite], highs[finite], color=colour, linewidth=2)
            ax.plot(
                runs["mean"].to_numpy(float), ys, linestyle="none", marker=marker, color=colour,
                markersize=7,
            )  # fmt: skip
            starred = sum(
                (dataset, model, row.seed, strategy) in significant
                for row in runs.itertuples(index=False)
            )
            star = ""
            if starred:
                star = " *" if len(runs) == 1 else f" *{starred}/{len(runs)}"
            ax.annotate(
                f"{means[name]:.3f}{star}",
                (means[name], y + (len(runs) - 1) / 2 * step),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=colour,
            )
        ax.set_yticks(range(len(order)), [str(s) for s in order], fontsize=8)
        ax.set_ylim(-0.7, len(order) - 0.3)
        baseline = frame.loc[frame["strategy"] == reference, "mean"].astype(float)
        if len(baseline) and np.isfinite(baseline.mean()):
            ax.axvline(baseline.mean(), color=BASELINE_COLOUR, linestyle=":", linewidth=1)
        for line in lines:
            ax.axvline(line.threshold, color=FAIL_COLOUR, linestyle="--", linewidth=1)
        label = f"{dataset} / {model}" + (f" / {n_seeds} seeds" if n_seeds > 1 else "")
        ax.set_title(label, fontsize=8, loc="left")
        ax.grid(axis="x", alpha=0.3)
    notes = [f"best on top; bars: 95 % interval; grey square: baseline {reference!r}"]
    if lines:
        notes.append(
            "dashed: SLO "
            + ", ".join(f"{line.op} {line.threshold:g}" for line in lines)
            + " (green meets it, red misses it)"
        )
    if n_seeds > 1:
        notes.append("one bar per seed, the number is the mean over the seeds")
    if significant:
        counted = " in n of k seeds" if n_seeds > 1 else ""
        notes.append(f"*: differs from {reference!r} (Holm-adjusted p < 0.05){counted}")
    axes[-1, 0].set_xlabel(metric, fontsize=9)
    fig.suptitle(metric, fontsize=10, x=0.01, ha="left")
    return with_note(fig, "\n".join(notes))
