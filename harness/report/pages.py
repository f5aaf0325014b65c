"""Human reports: Markdown and a self-contained HTML page per run and per sweep.

Every string that comes from a data set or a config (column names, group labels) is escaped in
HTML, so a column called ``<script>`` renders as text.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Collection, Mapping, Sequence
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


def clipped_interval(key: str, ci: Any) -> Any:
    """``ci`` clipped to the range the metric catalog gives ``key``: a time, a size or a count
    never below 0, a ratio never above 1. A key the catalog does not know is left as it is.

    Every interval a report shows goes through here (the records are clipped when written, but
    a report must not rely on that: a record of a damaged or hand-made folder is shown too).
    """
    from harness.evaluate.summaries import clip_to_range

    if not ci or len(ci) != 2:
        return ci
    values = [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in ci]
    return clip_to_range(key, values)


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
            "mean [95% CI]": format_value(value, clipped_interval(key, ci95.get(key)), unit),
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
    ".verdicts li{margin:0.25em 0}.verdicts .legend{font-size:0.85em;color:#555}"
)


def render_html(
    title: str,
    tables: list[tuple[str, pd.DataFrame]],
    images: dict[str, bytes],
    *,
    lead: str = "",
    captions: Mapping[str, str] | None = None,
) -> str:
    """A self-contained HTML page: the lead section, inline PNG images, then the escaped tables.

    Parameters
    ----------
    title : str
        Page title and heading.
    tables : list of (str, DataFrame)
        Heading and table, in order; every cell is escaped.
    images : dict of str to bytes
        Caption and PNG bytes, embedded as data URIs.
    lead : str
        An HTML fragment shown first, under the title (already escaped by its maker, e.g.
        :func:`harness.report.verdicts.verdict_html`).
    captions : mapping of str to str, optional
        More text under an image's caption (escaped), by image name: what its colours mean.

    Returns
    -------
    str
        The page.
    """
    captions = captions or {}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title>",
        f"<style>{REPORT_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if lead:
        parts.append(lead)
    if images:
        parts.append("<div class='figures'>")
    for name, png in images.items():
        encoded = base64.b64encode(png).decode()
        alt = html.escape(name)
        more = f"<br>{html.escape(captions[name])}" if captions.get(name) else ""
        parts.append(
            f"<figure><img alt='{alt}' src='data:image/png;base64,{encoded}'>"
            f"<figcaption>{alt}{more}</figcaption></figure>"
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
    """An absolute SLO objective drawn on a forest plot: ``metric op threshold``.

    Attributes
    ----------
    name : str
        The objective's name.
    op : str
        ``>=``, ``>``, ``<=`` or ``<``: what a value must do to meet it.
    threshold : float
        The bound, drawn as a vertical line.
    applies_to : tuple of str or None
        The strategy kinds and families it covers (``None``: all), as in the SLO set.
    warning : bool
        A warning of the set (reported, never gating): drawn, but colours nothing.
    """

    name: str
    op: str
    threshold: float
    applies_to: tuple[str, ...] | None = None
    warning: bool = False

    def applies(self, strategy: str) -> bool:
        """Whether the objective covers the strategy kind ``strategy`` (families included)."""
        from harness.slo import applies_to_strategy

        return applies_to_strategy(self.applies_to, strategy)

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the objective."""
        return _OPERATORS[self.op](value, self.threshold)

    def describe(self) -> str:
        """``minority_recall (>= 0.8)``, with the strategies it is limited to."""
        limited = f", only {', '.join(self.applies_to)}" if self.applies_to else ""
        return f"{self.name} ({self.op} {self.threshold:g}{limited})"


@dataclass(frozen=True)
class RelativeLine:
    """A relative SLO objective on a forest plot's metric: every strategy against the
    reference's mean in its panel.

    A non-inferiority objective draws its bound, the reference's mean minus ``margin`` in the
    metric's worse direction; a superiority objective's bound is the reference's mean itself.
    """

    name: str
    test: str
    margin: float
    applies_to: tuple[str, ...] | None = None

    def describe(self, reference: str, larger_is_better: bool) -> str:
        """What the objective asks, in words."""
        side = "right" if larger_is_better else "left"
        if self.test == "non_inferiority":
            sign = "−" if larger_is_better else "+"
            return (
                f"{self.name}: not worse than {reference!r} by more than {self.margin:g} "
                f"(dash-dot line: {reference!r}'s mean {sign} {self.margin:g})"
            )
        return f"{self.name}: better than {reference!r} ({side} of its dotted line)"


_OPERATORS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}
PASS_COLOUR, FAIL_COLOUR, PLAIN_COLOUR, BASELINE_COLOUR = "#1a7f37", "#cf222e", "#0969da", "#666"
INCONCLUSIVE_COLOUR = "#bf8700"
#: Objective bounds are drawn in near-black (never in a verdict colour), warnings in brown.
LINE_COLOUR, WARNING_LINE_COLOUR = "#24292f", "#8a4600"
_VERDICT_COLOURS = {"PASS": PASS_COLOUR, "FAIL": FAIL_COLOUR, "INCONCLUSIVE": INCONCLUSIVE_COLOUR}
_SEVERITY = {"FAIL": 0, "INCONCLUSIVE": 1, "PASS": 2}


def slo_lines(metric: str, slo_set: Any) -> list[ThresholdLine]:
    """The absolute objectives and the warnings of an SLO set on ``metric``, as plot lines."""
    if slo_set is None:
        return []
    objectives = [(o, False) for o in slo_set.objectives]
    objectives += [(o, True) for o in getattr(slo_set, "warnings", ())]
    return [
        ThresholdLine(o.name, o.op, float(o.threshold), o.applies_to, warning)
        for o, warning in objectives
        if o.metric == metric
    ]


def relative_lines(metric: str, slo_set: Any) -> list[RelativeLine]:
    """The relative objectives of an SLO set on ``metric``."""
    section = getattr(slo_set, "relative", None)
    if section is None:
        return []
    return [
        RelativeLine(o.name, o.test, float(o.margin), o.applies_to)
        for o in section.objectives
        if o.metric == metric
    ]


def slo_metrics(slo_set: Any, *, warnings: bool = False) -> list[str]:
    """Every metric key a relative or an absolute objective of the set uses (and a warning,
    with ``warnings``), in the set's order; the fairness bounds (one key per sensitive column,
    judged on pooled out-of-fold values) are left out."""
    if slo_set is None:
        return []
    section = getattr(slo_set, "relative", None)
    objectives = [
        *(section.objectives if section is not None else ()),
        *slo_set.objectives,
        *(getattr(slo_set, "warnings", ()) if warnings else ()),
    ]
    return list(dict.fromkeys(o.metric for o in objectives))


@dataclass(frozen=True)
class ForestPlot:
    """A forest plot and its note: every colour, marker and line of the plot, in words."""

    png: bytes
    note: str


def forest_plot_png(rows: pd.DataFrame, metric: str, **options: Any) -> bytes:
    """The PNG of :func:`forest_plot`."""
    return forest_plot(rows, metric, **options).png


def forest_plot(
    rows: pd.DataFrame,
    metric: str,
    *,
    lines: Sequence[ThresholdLine] = (),
    relative: Sequence[RelativeLine] = (),
    verdicts: Mapping[tuple, str] | None = None,
    significant: Collection[tuple] = frozenset(),
    reference: str = "none",
    slo_name: str | None = None,
) -> ForestPlot:
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
        Absolute objectives (and warnings) on the metric: drawn as vertical lines.
    relative : list of RelativeLine
        Relative objectives on the metric: a non-inferiority bound is drawn in each panel.
    verdicts : mapping, optional
        ``(dataset, model, seed, resampler)`` -> the gate's verdict (PASS, FAIL, INCONCLUSIVE)
        of the objectives on this metric: a row is green, red or amber by its worst run, and
        blue when no objective on the metric judged it. Without it, a row an absolute
        objective covers is green when its mean meets every such objective, red when it
        misses one.
    significant : set of tuple
        ``(dataset, model, seed, strategy)`` whose difference to ``reference`` is significant
        (Holm-adjusted corrected t-test); marked with ``*``.
    reference : str
        The reference strategy: a square, with a dotted line at its mean.
    slo_name : str, optional
        The SLO set drawn, named in the note; without one (and without lines) the note says
        that no SLO set was given.

    Returns
    -------
    ForestPlot
        The PNG and its note (also drawn under the figure).
    """
    from harness.metrics.catalog import greater_is_better

    plt = pyplot()
    # A row per configured resampler (its name), styled by its strategy kind: the kind
    # decides the SLO coverage and the reference, and two configurations of one kind (ADASYN
    # at two betas) stay two rows.
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
    used: set[str] = set()
    drew_reference_line = drew_bound = False
    for ax, ((dataset, model), frame) in zip(axes[:, 0], panels, strict=True):
        means = frame.groupby("row")["mean"].mean()
        order = list(means.sort_values(ascending=not descending, na_position="last").index)
        order.reverse()  # best at the top
        for y, name in enumerate(order):
            runs = frame[frame["row"] == name].sort_values("seed")
            strategy = str(runs["strategy"].iloc[0])
            judged = None
            if verdicts is not None:
                found = [verdicts.get((dataset, model, seed, name)) for seed in runs["seed"]]
                found = [v for v in found if v in _SEVERITY]
                judged = min(found, key=_SEVERITY.__getitem__) if found else ""
            colour, marker, style = _forest_style(strategy, means[name], lines, reference, judged)
            used.add(style)
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
            drew_reference_line = True
            ax.axvline(baseline.mean(), color=BASELINE_COLOUR, linestyle=":", linewidth=1)
            for objective in relative:
                if objective.test == "non_inferiority":
                    drew_bound = True
                    margin = -objective.margin if descending else objective.margin
                    bound = baseline.mean() + margin
                    ax.axvline(bound, color=LINE_COLOUR, linestyle="-.", linewidth=1)
        for line in lines:
            colour = WARNING_LINE_COLOUR if line.warning else LINE_COLOUR
            ax.axvline(line.threshold, color=colour, linestyle="--", linewidth=1)
        label = f"{dataset} / {model}" + (f" / {n_seeds} seeds" if n_seeds > 1 else "")
        ax.set_title(label, fontsize=8, loc="left")
        ax.grid(axis="x", alpha=0.3)
    note = forest_note(
        metric,
        used=used,
        lines=lines,
        relative=relative,
        verdicts_given=verdicts is not None,
        reference=reference,
        reference_line=drew_reference_line,
        non_inferiority_bound=drew_bound,
        n_seeds=n_seeds,
        significant=bool(significant),
        slo_name=slo_name,
    )
    axes[-1, 0].set_xlabel(metric, fontsize=9)
    fig.suptitle(metric, fontsize=10, x=0.01, ha="left")
    return ForestPlot(with_note(fig, _wrapped(note)), note)


def _forest_style(
    strategy: str,
    mean: float,
    lines: Sequence[ThresholdLine],
    reference: str,
    judged: str | None = None,
) -> tuple[str, str, str]:
    """Colour, marker and the note's name for a strategy's row.

    The reference is a square; every row's colour is the gate's verdict on the metric when
    ``judged`` is given (``""``: no objective on the metric judged it), else green or red
    by its mean against the absolute objectives that cover it; blue when nothing covers it
    (grey for the reference).
    """
    marker = "s" if strategy == reference else "o"
    plain = ("reference", BASELINE_COLOUR) if strategy == reference else ("plain", PLAIN_COLOUR)
    if judged is not None:
        if judged in _VERDICT_COLOURS:
            return _VERDICT_COLOURS[judged], marker, judged
        return plain[1], marker, plain[0]
    covering = [line for line in lines if line.applies(strategy) and not line.warning]
    if covering and np.isfinite(mean):
        met = all(line.met(mean) for line in covering)
        return (PASS_COLOUR, marker, "mean meets") if met else (FAIL_COLOUR, marker, "mean misses")
    return plain[1], marker, plain[0]


def forest_note(
    metric: str,
    *,
    used: Collection[str],
    lines: Sequence[ThresholdLine] = (),
    relative: Sequence[RelativeLine] = (),
    verdicts_given: bool = False,
    reference: str = "none",
    reference_line: bool = True,
    non_inferiority_bound: bool = False,
    n_seeds: int = 1,
    significant: bool = False,
    slo_name: str | None = None,
) -> str:
    """What every colour, marker and line of a forest plot means, one sentence each.

    Parameters
    ----------
    used : collection of str
        The row styles drawn (:func:`_forest_style`'s third value): only those are explained.
    The rest as in :func:`forest_plot`.
    """
    from harness.metrics.catalog import greater_is_better

    larger = greater_is_better(metric) is not False
    judged_by = f"the SLO set {slo_name!r}" if slo_name else "the SLO set"
    seeds = " over the seeds (one bar per seed)" if n_seeds > 1 else ""
    notes = [
        f"Best on top; bars: 95 % intervals, clipped to the metric's range; the number: the "
        f"mean{seeds}."
    ]
    if slo_name is None and not lines and not relative:
        notes.append(
            "No SLO set was given, so no objective is drawn and no strategy is judged "
            "(`harness compare --slo NAME` draws one)."
        )
    elif not lines and not relative:
        notes.append(f"{judged_by[0].upper()}{judged_by[1:]} has no objective on {metric}.")
    square = f"Square: the reference {reference!r}"
    if "reference" in used:
        square += " (grey: no objective on this metric judges it)"
    notes.append(square + ("; grey dotted line: its mean." if reference_line else "."))
    if verdicts_given:
        verdict_words = {
            "PASS": f"green: PASS, the gate's verdict under {judged_by} on every objective on "
            "this metric that judges it",
            "FAIL": "red: FAIL, an objective on this metric is shown missed (or could not be "
            "checked)",
            "INCONCLUSIVE": "amber: INCONCLUSIVE, an objective on this metric is shown neither "
            "met nor missed",
        }
        notes += [f"{verdict_words[v][0].upper()}{verdict_words[v][1:]}." for v in verdict_words
                  if v in used]  # fmt: skip
        if "plain" in used:
            notes.append(
                f"Blue: no objective of {judged_by} on this metric judged it (none covers the "
                "strategy, or it does not apply, e.g. to a model with hard scores)."
            )
    else:
        if "mean meets" in used:
            notes.append(
                "Green: the mean meets every objective line that covers the strategy (the mean "
                "only: no gate verdict was given)."
            )
        if "mean misses" in used:
            notes.append("Red: the mean misses an objective line that covers the strategy.")
        if "plain" in used:
            what = "no objective line covers the strategy" if lines else "not judged"
            if relative:
                what += (
                    " (relative objectives are judged by the gate on paired folds, and no gate "
                    "verdict was given)"
                )
            notes.append(f"Blue: {what}.")
    gating = [line for line in lines if not line.warning]
    warnings = [line for line in lines if line.warning]
    if gating:
        notes.append(
            "Black dashed: the bound of " + "; ".join(line.describe() for line in gating) + "."
        )
    if warnings:
        notes.append(
            "Brown dashed: the warning "
            + "; ".join(line.describe() for line in warnings)
            + " (reported, never gating)."
        )
    for objective in relative:
        text = objective.describe(reference, larger)
        if objective.test == "non_inferiority" and not non_inferiority_bound:
            text += f" (not drawn: no {reference!r} run in the panel)"
        notes.append(f"Relative objective {text}; judged on paired folds, not on these means.")
    if significant:
        counted = " (in n of k seeds)" if n_seeds > 1 else ""
        notes.append(
            f"*: differs from {reference!r} (paired corrected t-test, Holm-adjusted "
            f"p < 0.05){counted}."
        )
    return " ".join(notes)


def _wrapped(note: str, width: int = 120) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(note, width))
