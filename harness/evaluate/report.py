"""Human reports: Markdown and a self-contained HTML page per run and per sweep.

Every string that comes from a data set or a config (column names, group labels) is escaped in
HTML, so a column called ``<script>`` renders as text.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.metrics.catalog import parse_key
from harness.runs import RunFolder, write_bytes_atomic, write_text_atomic

HEADLINE_METRICS = (
    "test/minority_recall",
    "test/minority_precision",
    "test/minority_f1",
    "test/g_mean",
    "test/pr_auc",
    "gap/minority_recall",
    "resample/synthetic_ratio",
)


def format_ci(mean: float, ci: Any) -> str:
    """``0.712 [0.650, 0.774]`` — a mean and its 95 % confidence interval."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    if not ci or any(v is None or (isinstance(v, float) and math.isnan(v)) for v in ci):
        return f"{mean:.3f}"
    return f"{mean:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


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


def _figure_png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _plot_pr_curve(true: np.ndarray, score: np.ndarray, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import PrecisionRecallDisplay

    fig, ax = plt.subplots(figsize=(5, 4))
    PrecisionRecallDisplay.from_predictions(true, score, ax=ax, name="out-of-fold")
    ax.set_title(title)
    png = _figure_png(fig)
    plt.close(fig)
    return png


def _plot_group_recall(group_recall: pd.DataFrame, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.4 * len(group_recall) + 1.5))
    labels = [
        f"{s}={g}" for s, g in zip(group_recall["sensitive"], group_recall["group"], strict=True)
    ]
    ax.barh(labels, group_recall["recall"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("minority recall")
    ax.set_title(title)
    png = _figure_png(fig)
    plt.close(fig)
    return png


#: The catalog pattern of a group's recall (the bar chart of the report).
GROUP_RECALL = "fairness/{column}/group/{group}/recall"


def _group_recall_table(metrics: dict[str, float]) -> pd.DataFrame:
    rows = []
    for key, value in metrics.items():
        parsed = parse_key(key)
        if parsed is not None and parsed.spec.name == GROUP_RECALL:
            rows.append({"sensitive": parsed.column, "group": parsed.group, "recall": value})
    return pd.DataFrame(rows, columns=["sensitive", "group", "recall"])


def write_run_report(folder: RunFolder | Path, record: dict[str, Any], result: Any) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``plots/*.png`` for one job, each atomically.

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
            images["pr_curve"] = _plot_pr_curve(
                true, score, f"{record['dataset']} / {record['resampler']} / {record['model']}"
            )
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
    table = pd.DataFrame(
        [
            {"metric": key, "mean [95% CI]": format_ci(value, record["ci95"].get(key))}
            for key, value in sorted(record["metrics"].items())
        ]
    )
    markdown = [f"# {title}", "", f"Folds: {record['n_folds']}", "", markdown_table(table)]
    write_text_atomic(folder.report_md, "\n".join(markdown) + "\n")
    write_text_atomic(folder.report_html, render_html(title, [("Metrics", table)], images))
    return [*written, folder.report_md, folder.report_html]


def render_html(
    title: str, tables: list[tuple[str, pd.DataFrame]], images: dict[str, bytes]
) -> str:
    """A self-contained HTML page: escaped tables and inline PNG images."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "th{background:#f4f4f4}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, frame in tables:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(frame.to_html(index=False, escape=True, na_rep="n/a"))
    for name, png in images.items():
        encoded = base64.b64encode(png).decode()
        alt = html.escape(name)
        parts.append(f"<h2>{alt}</h2><img alt='{alt}' src='data:image/png;base64,{encoded}'>")
    parts.append("</body></html>")
    return "\n".join(parts)
