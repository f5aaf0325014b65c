"""Record the harness's outputs in a normalised form and compare two records.

A refactoring that should not change behaviour is checked by recording the outputs of a fixed
set of ``harness`` commands before and after it and comparing the two records::

    python scripts/same_outputs.py record BASELINE        # before the change
    python scripts/same_outputs.py check BASELINE         # after it: exit 0 when identical

``record`` runs each command through ``python -m harness.cli`` in a subprocess, with its own
``HARNESS_ROOT`` under the record folder; the environment (``PYTHONPATH`` included) is passed
through, so pointing ``PYTHONPATH`` at another checkout records that checkout's code. The
subprocesses run in the current folder. The outputs that describe behaviour are then copied to
``OUT_DIR/normalised/`` with stable names, after the fields listed in :data:`VOLATILE` (the
one table of what legitimately changes from run to run) are replaced by placeholders.
``diff`` compares two normalised trees file by file; ``check`` records into a temporary folder
and diffs it against a baseline.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple


class Volatile(NamedTuple):
    """One row of the table of volatile fields (see :data:`VOLATILE`)."""

    kind: str
    pattern: str
    placeholder: str


# =============================================================================================
# VOLATILE FIELDS: the one table of what legitimately changes from one run to the next.
#
# Each match is replaced by its placeholder; nothing is dropped (a key or column that
# disappears is still a difference) and nothing else is rounded: every other value must be
# identical as written. Deliberately NOT volatile: harness_version, run keys, data set digests,
# seeds, fold counts and every metric outside time/ and memory/.
#
# kind "root"   the absolute root folder of a recorded command (its HARNESS_ROOT, which also
#               holds the dashboards' --out folder), wherever it occurs in a copied file
# kind "text"   a regular expression, replaced wherever it occurs in a copied text file
# kind "key"    a JSON key, CSV column, MLflow tag or Prometheus label whose whole name
#               matches: its value is replaced (a null stays null)
# kind "metric" a metric name that matches (re.search): every value of the metric is replaced:
#               mean, std, ci95, fold_means and fold values in result.json, folds.csv columns,
#               comparison/paired-test rows, report tables (md and html), MLflow metrics
# kind "prom"   a Prometheus sample whose metric name matches: its value is replaced
# =============================================================================================
VOLATILE: tuple[Volatile, ...] = (
    # kind      pattern                                                      placeholder
    # The record's own folder (differs between records).
    Volatile("root", "", "<root>"),
    # Run-folder names: Hydra's ${now:%Y-%m-%d_%H-%M-%S-%f} in outputs/runs/<experiment>/<time>.
    Volatile("text", r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-\d{6}", "<run-time>"),
    # Wall-clock times: started_at/finished_at/logged_at values, report headers, log lines.
    Volatile(
        "text",
        r"\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2}| UTC)?",
        "<timestamp>",
    ),
    # Plots inlined in report.html: PNGs are not compared byte by byte (plot names are listed).
    Volatile("text", r"(?<=data:image/png;base64,)[A-Za-z0-9+/=]+", "<png>"),
    # MLflow run ids in runs:/ URIs and logged-model ids (random uuid4 hex).
    Volatile("text", r"(?<=runs:/)[0-9a-f]{32}|\bm-[0-9a-f]{32}\b", "<mlflow-id>"),
    # Wall-clock times under their own key (the "text" rule above catches them in any case).
    Volatile("key", r"started_at|finished_at|logged_at|created_at|updated_at", "<volatile>"),
    # The commit of the code under test: differs between the two checkouts by design.
    Volatile("key", r"git_commit|git\.commit", "<volatile>"),
    # MLflow run ids and tracking URIs.
    Volatile("key", r"(?:mlflow_|parent_)?run_id|(?:tracking_|artifact_)?uri", "<volatile>"),
    # MLflow's own tags about the process that logged (user, source file, model history).
    Volatile("key", r"mlflow\.(?:user|source\..*|log-model\.history)", "<volatile>"),
    # Durations and traced memory: every value of metrics time/... and memory/...
    Volatile("metric", r"(?:^|/)(?:time|memory)/", "<volatile>"),
    # Prometheus timestamp gauges (harness_last_*_timestamp_seconds).
    Volatile("prom", r"_timestamp_seconds$", "<volatile>"),
    # The time/ and memory/ metrics as Prometheus gauges (harness_time_*, harness_memory_*).
    Volatile("prom", r"^harness_(?:time|memory)_", "<volatile>"),
)

#: Files copied (normalised) from a run or sweep folder and from each job folder. The gzipped
#: CSVs are stored decompressed (gzip headers hold a time).
COPIED_FILES = frozenset(
    {
        "folds.csv",
        "result.json",
        "comparison.csv",
        "paired_tests.csv",
        "ranks.csv",
        "cost_quality.csv",
        "left_out.csv",
        "manifest.json",
        "report.md",
        "report.html",
        "config.yaml",
        "dataset.json",
        "tracking.json",
        "lineage.csv.gz",
        "fold0_synthetic.csv.gz",
        "fold0_train_minority.csv.gz",
    }
)
#: Folders of a run folder that are not copied: Hydra's own records (absolute paths, versions,
#: the launching process) and the saved model (a pickle; its file names are listed).
SKIPPED_FOLDERS = frozenset({".hydra", "model", "plots"})
#: Columns of a CSV row that name what the row is about; kept when the row's metric is volatile.
ID_COLUMNS = frozenset(
    {
        "dataset",
        "resampler",
        "strategy",
        "model",
        "seed",
        "status",
        "metric",
        "ci_method",
        "n",
        "n_folds",
        "candidate",
        "reference",
        "greater_is_better",
        "rope",
        "note",
        "repeat",
        "fold",
    }
)
#: Environment of every recorded command, on top of the caller's (PYTHONPATH is passed through).
FIXED_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "COLUMNS": "100",
    "LINES": "50",
}
#: Environment variables removed from every recorded command: a user config folder would add
#: options the other record does not have.
REMOVED_ENV = ("HARNESS_CONFIG_PATH",)
NORMALISED = "normalised"
MAX_SHOWN = 8


@dataclass(frozen=True)
class Case:
    """One recorded command.

    Attributes
    ----------
    name : str
        Its folder under ``normalised/`` and ``runs/``.
    commands : tuple of tuple of str
        ``harness`` arguments of each command run, in order; ``{root}`` stands for the case's
        HARNESS_ROOT.
    folders : str
        Glob (relative to ``outputs/``) of the run or sweep folder to copy; empty for none.
    """

    name: str
    commands: tuple[tuple[str, ...], ...]
    folders: str = ""


CASES = (
    # `make run`: the quick ablation, default tracking (sqlite) and export (textfile).
    Case("quick", (("run", "experiment=quick"),), "runs/quick/*"),
    # A small sweep through Hydra's launcher: comparison, paired tests, publishing.
    Case("sweep", (("run", "-m", "resampler=none,adasyn", "evaluation=fast"),), "sweeps/*"),
    # Mixed-type data: nominal samplers, decision threshold, fairness groups.
    Case("mixed_types", (("run", "experiment=mixed_types"),), "runs/mixed_types/*"),
    # Generated Grafana dashboards, Prometheus rules and Alertmanager routing.
    Case(
        "dashboards",
        (
            ("dashboards", "--out", "{root}/default"),
            ("dashboards", "--slo", "relative", "--out", "{root}/relative"),
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


def _rules(kind: str) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(v.pattern), v.placeholder) for v in VOLATILE if v.kind == kind]


TEXT_RULES = _rules("text")
KEY_RULES = _rules("key")
METRIC_RULES = _rules("metric")
PROM_RULES = _rules("prom")
ROOT_PLACEHOLDER = next(v.placeholder for v in VOLATILE if v.kind == "root")


def _key_placeholder(key: str) -> str | None:
    for pattern, placeholder in KEY_RULES:
        if pattern.fullmatch(key):
            return placeholder
    return None


def _metric_placeholder(name: str) -> str | None:
    for pattern, placeholder in METRIC_RULES:
        if pattern.search(name):
            return placeholder
    return None


def _mask(value: Any, placeholder: str) -> Any:
    """Replace every non-null leaf of ``value`` by ``placeholder``, keeping its shape."""
    if isinstance(value, dict):
        return {k: _mask(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, placeholder) for v in value]
    return None if value is None else placeholder


def normalise_text(text: str, roots: Iterable[str]) -> str:
    """Replace the root folders and the ``text`` rules of :data:`VOLATILE` in ``text``."""
    for root in sorted(set(roots), key=len, reverse=True):
        text = text.replace(root, ROOT_PLACEHOLDER)
    for pattern, placeholder in TEXT_RULES:
        text = pattern.sub(placeholder, text)
    return text


def normalise_json_value(value: Any) -> Any:
    """Apply the ``key`` and ``metric`` rules of :data:`VOLATILE` to parsed JSON."""
    if isinstance(value, list):
        return [normalise_json_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        placeholder = _key_placeholder(key) or _metric_placeholder(key)
        out[key] = _mask(item, placeholder) if placeholder else normalise_json_value(item)
    return out


def normalise_csv(text: str) -> str:
    """Replace volatile columns, and the values of rows about a volatile metric, in a CSV."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    header = rows[0]
    masked_columns = {
        i: p
        for i, name in enumerate(header)
        if (p := _key_placeholder(name) or _metric_placeholder(name))
    }
    metric_column = header.index("metric") if "metric" in header else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows[1:]:
        row_placeholder = None
        if metric_column is not None and metric_column < len(row):
            row_placeholder = _metric_placeholder(row[metric_column])
        new = []
        for i, cell in enumerate(row):
            name = header[i] if i < len(header) else ""
            placeholder = masked_columns.get(i)
            if placeholder is None and row_placeholder and name not in ID_COLUMNS:
                placeholder = row_placeholder
            new.append(placeholder if placeholder and cell != "" else cell)
        writer.writerow(new)
    return out.getvalue()


def _mask_table_row(header: list[str], cells: list[str]) -> list[str]:
    """Mask the cells of one report table row that hold a volatile metric's value.

    A row is about a volatile metric when one of its cells names one (``time/fit_seconds``):
    its cells holding a digit are masked, except the name. A column is when its header names
    one: its non-empty cells are masked.
    """
    named = [i for i, c in enumerate(cells) if _metric_placeholder(c.strip())]
    out = list(cells)
    for i, cell in enumerate(cells):
        text = cell.strip()
        column = _metric_placeholder(header[i].strip()) if i < len(header) else None
        if column and text:
            out[i] = column
        elif named and i not in named and re.search(r"\d", text):
            out[i] = _metric_placeholder(cells[named[0]].strip()) or text
    return out


def normalise_markdown(text: str) -> str:
    """Mask volatile metrics in the tables of a markdown report."""
    lines = text.split("\n")
    header: list[str] = []
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = []
            continue
        cells = stripped.strip("|").split("|")
        if re.fullmatch(r"[\s|:-]+", stripped):
            continue
        if not header:
            header = cells
        new = _mask_table_row(header, cells) if cells is not header else cells
        if new != cells:
            lines[n] = "| " + " | ".join(c.strip() for c in new) + " |"
    return "\n".join(lines)


_HTML_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL | re.IGNORECASE)
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.DOTALL | re.IGNORECASE)
_HTML_CELL = re.compile(r"(<(t[dh])\b[^>]*>)(.*?)(</\2>)", re.DOTALL | re.IGNORECASE)


def normalise_html(text: str) -> str:
    """Mask volatile metrics in the tables of an HTML report."""

    def table(match: re.Match[str]) -> str:
        header: list[str] = []

        def row(row_match: re.Match[str]) -> str:
            nonlocal header
            cells = list(_HTML_CELL.finditer(row_match.group(1)))
            texts = [c.group(3) for c in cells]
            if cells and all(c.group(2).lower() == "th" for c in cells):
                header = texts
                return row_match.group(0)
            new = _mask_table_row(header, texts)
            if new == texts:
                return row_match.group(0)
            body = row_match.group(1)
            for cell, value in sorted(zip(cells, new, strict=True), key=lambda p: -p[0].start()):
                body = body[: cell.start(3)] + value + body[cell.end(3) :]
            start = row_match.start(1) - row_match.start(0)
            end = row_match.end(1) - row_match.start(0)
            whole = row_match.group(0)
            return whole[:start] + body + whole[end:]

        return _HTML_ROW.sub(row, match.group(0))

    return _HTML_TABLE.sub(table, text)


_PROM_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?(\s+)(\S+)(\s+\S+)?$")
_PROM_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def normalise_prometheus(text: str) -> str:
    """Mask timestamp gauges, time/memory gauges and volatile labels in a Prometheus textfile."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        match = _PROM_SAMPLE.match(line)
        if line.startswith("#") or not match:
            continue
        name, labels, space, value, stamp = match.groups()
        labels = labels or ""

        def label(m: re.Match[str]) -> str:
            placeholder = _key_placeholder(m.group(1))
            return f'{m.group(1)}="{placeholder}"' if placeholder else m.group(0)

        labels = _PROM_LABEL.sub(label, labels)
        for pattern, placeholder in PROM_RULES:
            if pattern.search(name):
                value = placeholder
                stamp = f" {placeholder}" if stamp else stamp
        lines[n] = f"{name}{labels}{space}{value}{stamp or ''}"
    return "\n".join(lines)


def normalise_file(source: Path, roots: Iterable[str]) -> tuple[str, str]:
    """The normalised content of one output file, and the name to store it under.

    Parameters
    ----------
    source : Path
        The file written by the harness.
    roots : iterable of str
        Absolute folders to replace by the ``root`` placeholder.

    Returns
    -------
    tuple of (str, str)
        The stored file name (``.gz`` dropped) and its normalised text.
    """
    name = source.name
    if name.endswith(".gz"):
        raw = gzip.decompress(source.read_bytes()).decode("utf-8")
        name = name[: -len(".gz")]
    else:
        raw = source.read_text(encoding="utf-8")
    text = normalise_text(raw, roots)
    if name.endswith(".json"):
        value = normalise_json_value(json.loads(text))
        return name, json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if name.endswith(".csv"):
        return name, normalise_csv(text)
    if name.endswith(".md"):
        return name, normalise_markdown(text)
    if name.endswith(".html"):
        return name, normalise_html(text)
    if name.endswith(".prom"):
        return name, normalise_prometheus(text)
    return name, text


# ---------------------------------------------------------------------------------------------
# MLflow store
# ---------------------------------------------------------------------------------------------


def _files_under(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _local_path(uri: str | None) -> Path | None:
    if uri and uri.startswith("file://"):
        return Path(uri[len("file://") :])
    return None


def _add_step(steps: dict[str, Any], step: int, value: float, is_nan: Any) -> None:
    """Add one logged value to a metric's ``{step: value}`` series (``"3#2"``: logged again)."""
    key, again = str(step), 1
    while key in steps:
        again += 1
        key = f"{step}#{again}"
    steps[key] = math.nan if is_nan else value


def _pairs(con: Any, sql: str, key: Any) -> dict[str, Any]:
    """The rows of a two-column query for one ``key``, as a mapping of the first to the second."""
    return {row[0]: row[1] for row in con.execute(sql, (key,))}


def dump_mlflow(database: Path) -> dict[str, Any]:
    """What was published to an MLflow SQLite store, without ids and times.

    Runs are named by their run name and run key, parents by their run name; each run lists
    its tags, params, metric series (step and value), input data sets, artifact files and
    logged models. Volatile keys and metrics are masked as :data:`VOLATILE` says.

    Parameters
    ----------
    database : Path
        The ``mlflow.db`` file.

    Returns
    -------
    dict
        ``{"experiments": [...], "runs": {run name: run}, ...}``, in a stable order (runs
        sorted by name and run key; metric series as ``{step: value}``).
    """
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        experiments = {
            r["experiment_id"]: r["name"] for r in con.execute("SELECT * FROM experiments")
        }
        runs = list(con.execute("SELECT * FROM runs"))
        names = {r["run_uuid"]: r["name"] for r in runs}
        out_runs = []
        for run in runs:
            rid = run["run_uuid"]
            tags = {
                r["key"]: r["value"]
                for r in con.execute("SELECT key, value FROM tags WHERE run_uuid=?", (rid,))
            }
            parent = tags.pop("mlflow.parentRunId", None)
            tags.pop("mlflow.runName", None)
            params = _pairs(con, "SELECT key, value FROM params WHERE run_uuid=?", rid)
            series: dict[str, dict[str, Any]] = {}
            for r in con.execute(
                "SELECT key, step, value, is_nan FROM metrics WHERE run_uuid=? "
                "ORDER BY key, step, value",
                (rid,),
            ):
                _add_step(series.setdefault(r["key"], {}), r["step"], r["value"], r["is_nan"])
            datasets = []
            for r in con.execute(
                "SELECT d.name, d.digest, d.dataset_source_type, d.dataset_source, "
                "d.dataset_schema, d.dataset_profile, i.input_uuid FROM inputs i "
                "JOIN datasets d ON d.dataset_uuid = i.source_id "
                "WHERE i.destination_id=? AND i.source_type='DATASET'",
                (rid,),
            ):
                input_tags = _pairs(
                    con, "SELECT name, value FROM input_tags WHERE input_uuid=?", r["input_uuid"]
                )
                item = dict(zip(r.keys(), tuple(r), strict=True))  # sqlite3.Row yields values
                del item["input_uuid"]
                datasets.append({**item, "tags": input_tags})
            models = []
            for m in con.execute("SELECT * FROM logged_models WHERE source_run_id=?", (rid,)):
                mid = m["model_id"]
                model_params = _pairs(
                    con,
                    "SELECT param_key, param_value FROM logged_model_params WHERE model_id=?",
                    mid,
                )
                model_tags = _pairs(
                    con, "SELECT tag_key, tag_value FROM logged_model_tags WHERE model_id=?", mid
                )
                model_metrics: dict[str, dict[str, Any]] = {}
                for t in con.execute(
                    "SELECT metric_name, metric_step, metric_value FROM logged_model_metrics "
                    "WHERE model_id=? ORDER BY metric_name, metric_step, metric_value",
                    (mid,),
                ):
                    steps = model_metrics.setdefault(t["metric_name"], {})
                    _add_step(steps, t["metric_step"], t["metric_value"], False)
                models.append(
                    {
                        "name": m["name"],
                        "model_type": m["model_type"],
                        "status": m["status"],
                        "params": model_params,
                        "tags": model_tags,
                        "metrics": model_metrics,
                        "artifacts": _files_under(_local_path(m["artifact_location"]) or Path()),
                    }
                )
            out_runs.append(
                {
                    "name": run["name"],
                    "experiment": experiments.get(run["experiment_id"]),
                    "status": run["status"],
                    "lifecycle_stage": run["lifecycle_stage"],
                    "parent": names.get(parent) if parent else None,
                    "tags": dict(sorted(tags.items())),
                    "params": dict(sorted(params.items())),
                    "metrics": series,
                    "datasets": sorted(datasets, key=lambda d: json.dumps(d, sort_keys=True)),
                    "artifacts": _files_under(_local_path(run["artifact_uri"]) or Path()),
                    "models": sorted(models, key=lambda d: json.dumps(d, sort_keys=True)),
                }
            )
        registered = [
            {"name": r["name"], "version": r["version"], "stage": r["current_stage"]}
            for r in con.execute("SELECT * FROM model_versions ORDER BY name, version")
        ]
    finally:
        con.close()
    out_runs.sort(key=lambda r: (r["name"] or "", r["tags"].get("harness.run_key", "")))
    by_name: dict[str, Any] = {}
    for run in out_runs:
        key, again = str(run.pop("name")), 1
        while key in by_name:  # the same run name twice: numbered in run-key order
            again += 1
            key = f"{key.split(' #')[0]} #{again}"
        by_name[key] = run
    return {
        "experiments": sorted(experiments.values()),
        "runs": by_name,
        "registered_model_versions": registered,
    }


# ---------------------------------------------------------------------------------------------
# record
# ---------------------------------------------------------------------------------------------


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REMOVED_ENV}
    env.update(FIXED_ENV)
    env["HARNESS_ROOT"] = str(root)
    return env


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_folder(folder: Path, dest: Path, roots: list[str]) -> None:
    """Copy the :data:`COPIED_FILES` of a run or sweep folder, normalised, keeping its layout."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or path.name not in COPIED_FILES:
            continue
        if any(part in SKIPPED_FOLDERS for part in rel.parts[:-1]):
            continue
        name, text = normalise_file(path, roots)
        target_rel = normalise_text(rel.parent.as_posix(), roots)
        _write(dest / target_rel / name, text)


def _inventory(outputs: Path, roots: list[str]) -> list[str]:
    return sorted(normalise_text(p, roots) for p in _files_under(outputs))


def _harness_location(python: str, env: dict[str, str]) -> str:
    probe = "import harness, sys; print(harness.__file__); print(harness.__version__)"
    done = subprocess.run(
        [python, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or done.stderr.strip()


def record_case(case: Case, out_dir: Path, python: str) -> dict[str, Any]:
    """Run one case's commands and store its normalised outputs.

    Parameters
    ----------
    case : Case
        What to run and what to copy.
    out_dir : Path
        The record folder: raw outputs go to ``runs/<case>``, logs to ``logs/``, normalised
        files to ``normalised/<case>``.
    python : str
        The interpreter that runs ``-m harness.cli``.

    Returns
    -------
    dict
        Exit codes and wall time of the case (for ``record.json``).
    """
    root = (out_dir / "runs" / case.name).resolve()
    root.mkdir(parents=True)
    roots = [str(root), os.path.abspath(out_dir / "runs" / case.name)]
    dest = out_dir / NORMALISED / case.name
    logs = out_dir / "logs"
    logs.mkdir(exist_ok=True)
    env = _env(root)
    started = time.monotonic()
    commands = []
    for index, template in enumerate(case.commands):
        args = [a.replace("{root}", str(root)) for a in template]
        stem = f"{case.name}.{index}"
        with (
            open(logs / f"{stem}.stdout", "w") as stdout,
            open(logs / f"{stem}.stderr", "w") as stderr,
        ):
            done = subprocess.run(
                [python, "-m", "harness.cli", *args],
                env=env,
                stdout=stdout,
                stderr=stderr,
                check=False,
            )
        stdout_text = (logs / f"{stem}.stdout").read_text(encoding="utf-8", errors="replace")
        _write(dest / f"stdout.{index}.txt", normalise_text(stdout_text, roots))
        commands.append({"harness": list(template), "exit_code": done.returncode})
        if done.returncode != 0:
            print(
                f"  warning: harness {' '.join(args)} exited with {done.returncode} "
                f"(see {logs / (stem + '.stderr')})",
                file=sys.stderr,
            )
    _write(dest / "commands.json", json.dumps(commands, indent=2) + "\n")
    outputs = root / "outputs"
    if case.folders:
        folders = sorted(p for p in outputs.glob(case.folders) if p.is_dir())
        if len(folders) != 1:
            print(
                f"  warning: {case.name}: expected one folder {case.folders}, found {len(folders)}",
                file=sys.stderr,
            )
        for folder in folders:
            _copy_folder(folder, dest if len(folders) == 1 else dest / folder.name, roots)
        inventory = _inventory(outputs, roots)
        _write(dest / "files.txt", "".join(f"{p}\n" for p in inventory))
        _write(dest / "plots.txt", "".join(f"{p}\n" for p in inventory if p.endswith(".png")))
        textfile = outputs / "metrics" / "harness.prom"
        if textfile.is_file():
            _write(dest / "metrics" / "harness.prom", normalise_file(textfile, roots)[1])
        database = root / "mlflow.db"
        if database.is_file():
            published = normalise_json_value(
                json.loads(normalise_text(json.dumps(dump_mlflow(database)), roots))
            )
            _write(dest / "mlflow.json", json.dumps(published, indent=2) + "\n")
    else:
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            for rel in _files_under(sub):
                name, text = normalise_file(sub / rel, roots)
                _write(dest / sub.name / Path(rel).parent / name, text)
    return {"commands": commands, "seconds": round(time.monotonic() - started, 1)}


def record(out_dir: Path, python: str) -> int:
    """Run every case of :data:`CASES` and store the normalised outputs under ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        A new or empty folder.
    python : str
        The interpreter that runs ``-m harness.cli``.

    Returns
    -------
    int
        0, or 2 when ``out_dir`` is not empty.
    """
    if out_dir.exists() and any(out_dir.iterdir()):
        print(f"error: {out_dir} is not empty; record into a new folder.", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _env(out_dir.resolve())
    location = _harness_location(python, env)
    print(f"harness code: {location.replace(chr(10), ', version ')}")
    print(f"PYTHONPATH:   {os.environ.get('PYTHONPATH', '(unset)')}")
    started = time.monotonic()
    cases = {}
    for case in CASES:
        print(f"{case.name}: " + "; ".join("harness " + " ".join(c) for c in case.commands))
        cases[case.name] = record_case(case, out_dir, python)
        print(f"  {cases[case.name]['seconds']} s")
    info = {
        "harness": location.split("\n"),
        "python": python,
        "pythonpath": os.environ.get("PYTHONPATH"),
        "cwd": os.getcwd(),
        "cases": cases,
        "seconds": round(time.monotonic() - started, 1),
    }
    _write(out_dir / "record.json", json.dumps(info, indent=2) + "\n")
    count = sum(1 for p in (out_dir / NORMALISED).rglob("*") if p.is_file())
    print(f"recorded {count} normalised files in {out_dir / NORMALISED} ({info['seconds']} s)")
    return 0


# ---------------------------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------------------------


def _same_leaf(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def json_differences(a: Any, b: Any, path: str = "") -> list[str]:
    """The differences between two parsed JSON values, each naming its key path.

    Parameters
    ----------
    a, b : Any
        Parsed JSON.
    path : str
        The key path of ``a`` and ``b`` (``metrics["test/minority_f1"]``).

    Returns
    -------
    list of str
        One line per difference; empty when the values are equal.
    """
    where = path or "(top level)"
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in a.keys() - b.keys():
            out.append(f"{path}[{key!r}]: only in A")
        for key in b.keys() - a.keys():
            out.append(f"{path}[{key!r}]: only in B")
        for key in [k for k in a if k in b]:
            out += json_differences(a[key], b[key], f"{path}[{key!r}]")
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            out += json_differences(x, y, f"{path}[{index}]")
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items in A, {len(b)} in B")
        return out
    if _same_leaf(a, b):
        return []
    return [f"{where}: {json.dumps(a)} != {json.dumps(b)}"]


def csv_differences(a: str, b: str) -> list[str]:
    """The differing cells of two CSV files, named by line and column."""
    rows_a = list(csv.reader(io.StringIO(a)))
    rows_b = list(csv.reader(io.StringIO(b)))
    header = rows_a[0] if rows_a else []
    out = []
    if rows_a[:1] != rows_b[:1]:
        out.append(f"header: {rows_a[:1]} != {rows_b[:1]}")
    for line, (x, y) in enumerate(zip(rows_a[1:], rows_b[1:], strict=False), start=2):
        if x == y:
            continue
        if len(x) != len(y):
            out.append(f"line {line}: {len(x)} cells in A, {len(y)} in B")
            continue
        for column, (u, v) in enumerate(zip(x, y, strict=True)):
            if u != v:
                name = header[column] if column < len(header) else f"#{column}"
                key = ", ".join(
                    f"{h}={c}"
                    for h, c in zip(header, x, strict=False)
                    if h
                    in ("dataset", "resampler", "model", "metric", "candidate", "repeat", "fold")
                )
                out.append(
                    f"line {line}{f' ({key})' if key else ''}, column {name!r}: {u!r} != {v!r}"
                )
    if len(rows_a) != len(rows_b):
        out.append(f"{len(rows_a)} lines in A, {len(rows_b)} in B")
    return out


def text_differences(a: str, b: str) -> list[str]:
    """The first differing lines of two text files, as a unified diff without context."""
    import difflib

    lines = difflib.unified_diff(a.splitlines(), b.splitlines(), "A", "B", n=0, lineterm="")
    return [line[:300] for line in list(lines)[2:]]


def file_differences(a: Path, b: Path) -> list[str]:
    """The differences between two normalised files (JSON structurally, CSV by cell).

    Parameters
    ----------
    a, b : Path
        The same relative file in two normalised trees.

    Returns
    -------
    list of str
        Empty when the files are identical.
    """
    if a.read_bytes() == b.read_bytes():
        return []
    text_a = a.read_text(encoding="utf-8", errors="replace")
    text_b = b.read_text(encoding="utf-8", errors="replace")
    if a.suffix == ".json":
        try:
            found = json_differences(json.loads(text_a), json.loads(text_b))
        except ValueError:
            return text_differences(text_a, text_b)
        return found or ["same content, different key order or layout"]
    if a.suffix == ".csv":
        return csv_differences(text_a, text_b) or ["same cells, different quoting"]
    return text_differences(text_a, text_b) or ["differs in whitespace or line endings"]


def _normalised(folder: Path) -> Path:
    return folder / NORMALISED if (folder / NORMALISED).is_dir() else folder


def diff(a_dir: Path, b_dir: Path, show: Callable[[str], None] = print) -> int:
    """Compare two records file by file and show every difference.

    Parameters
    ----------
    a_dir, b_dir : Path
        Record folders (or their ``normalised`` folders).
    show : callable
        Receives each output line.

    Returns
    -------
    int
        0 when identical, 1 when anything differs, 2 when a folder is missing.
    """
    a_root, b_root = _normalised(a_dir), _normalised(b_dir)
    for folder in (a_root, b_root):
        if not folder.is_dir():
            show(f"error: {folder} is not a folder")
            return 2
    files_a, files_b = set(_files_under(a_root)), set(_files_under(b_root))
    problems = 0
    for rel in sorted(files_a - files_b):
        show(f"only in A: {rel}")
        problems += 1
    for rel in sorted(files_b - files_a):
        show(f"only in B: {rel}")
        problems += 1
    for rel in sorted(files_a & files_b):
        found = file_differences(a_root / rel, b_root / rel)
        if not found:
            continue
        problems += 1
        show(f"differs: {rel}")
        for line in found[:MAX_SHOWN]:
            show(f"    {line}")
        if len(found) > MAX_SHOWN:
            show(f"    ... and {len(found) - MAX_SHOWN} more")
    compared = len(files_a | files_b)
    if problems:
        show(f"{problems} of {compared} files differ (A = {a_root}, B = {b_root})")
        return 1
    show(f"identical: {compared} files (A = {a_root}, B = {b_root})")
    return 0


def check(baseline: Path, python: str, work_dir: Path | None, keep: bool) -> int:
    """Record into a temporary folder and diff it against ``baseline``.

    Parameters
    ----------
    baseline : Path
        A folder written by ``record``.
    python : str
        The interpreter that runs ``-m harness.cli``.
    work_dir : Path or None
        Where to make the temporary folder (the system's temporary folder when None).
    keep : bool
        Keep the new record even when it is identical (a differing one is always kept).

    Returns
    -------
    int
        0 when identical, 1 when anything differs, 2 on a usage error.
    """
    if not _normalised(baseline).is_dir():
        print(f"error: {baseline} holds no record", file=sys.stderr)
        return 2
    new = Path(tempfile.mkdtemp(prefix="same-outputs-", dir=work_dir))
    code = record(new, python)
    if code:
        return code
    code = diff(baseline, new)
    if code == 0 and not keep:
        shutil.rmtree(new)
    else:
        print(f"new record kept in {new}")
    return code


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The command-line parser (``--help`` describes every subcommand)."""
    cases = "\n".join(
        f"  {c.name:<12} " + "; ".join("harness " + " ".join(a) for a in c.commands) for c in CASES
    )
    main = argparse.ArgumentParser(
        prog="same_outputs.py",
        description=textwrap.fill(
            "Check that a change leaves the harness's outputs unchanged: record them "
            "(normalised: times, paths, run ids and time/memory metrics replaced by "
            "placeholders), then compare two records.",
            width=88,
        ),
        epilog=(
            f"recorded commands (each with its own HARNESS_ROOT):\n{cases}\n\n"
            "The commands run in the current folder with `python -m harness.cli`; PYTHONPATH\n"
            "is passed through, so PYTHONPATH=CHECKOUT records that checkout's code.\n\n"
            "examples:\n"
            "  python scripts/same_outputs.py record baseline\n"
            "  python scripts/same_outputs.py check baseline\n"
            "  python scripts/same_outputs.py diff baseline other-record\n"
            "  PYTHONPATH=../old-checkout python scripts/same_outputs.py record old"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    python_help = "interpreter that runs `-m harness.cli` (default: this one)"

    rec = sub.add_parser("record", help="run the commands and store normalised outputs")
    rec.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="a new or empty folder")
    rec.add_argument("--python", default=sys.executable, help=python_help)

    dif = sub.add_parser("diff", help="compare two records; exit 0 when identical, 1 if not")
    dif.add_argument("a_dir", type=Path, metavar="A_DIR", help="a record (e.g. the baseline)")
    dif.add_argument("b_dir", type=Path, metavar="B_DIR", help="another record")

    chk = sub.add_parser(
        "check", help="record into a temporary folder and diff it against a baseline"
    )
    chk.add_argument("baseline", type=Path, metavar="BASELINE_DIR", help="a record")
    chk.add_argument("--python", default=sys.executable, help=python_help)
    chk.add_argument(
        "--work-dir", type=Path, help="where to make the temporary record (default: system's)"
    )
    chk.add_argument("--keep", action="store_true", help="keep the new record even when identical")
    return main


def main(argv: list[str] | None = None) -> int:
    """Run ``record``, ``diff`` or ``check``; returns the exit code."""
    ns = parser().parse_args(argv)
    if ns.command == "record":
        return record(ns.out_dir, ns.python)
    if ns.command == "diff":
        return diff(ns.a_dir, ns.b_dir)
    return check(ns.baseline, ns.python, ns.work_dir, ns.keep)


if __name__ == "__main__":
    sys.exit(main())
