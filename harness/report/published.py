"""Published result tables a run can be compared with, shipped as data with their source.

A table is a CSV file in ``harness/report/published/``: comment lines (``#``) give its source
and protocol, then one row per (data set, method) with the harness's names for both
(``dataset``, ``strategy``: a sampler kind) and one column per reported measure.
:data:`MEASURES` maps the paper's measure names to the harness's metric keys, and
:data:`PROTOCOLS` holds the settings of each table's protocol that a run must share for its
numbers to be comparable (checked per job by :func:`protocol_differences`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from harness.errors import ConfigError, InputDataError

#: The paper's measure names and the metric keys that compute the same quantity.
MEASURES = {
    "OA": "test/accuracy",
    "Precision": "test/minority_precision",
    "Recall": "test/minority_recall",
    "F-measure": "test/minority_f1",
    "G-mean": "test/g_mean",
}

#: Per table, the settings (flat config keys of a record's ``params``) its protocol fixes,
#: for every strategy (``"*"``) and per strategy kind, and the number of splits behind each
#: published value.
PROTOCOLS: dict[str, dict[str, Any]] = {
    "he2008_table2": {
        "n_splits": 100,
        "*": {
            "evaluation.folds": "holdout",
            "evaluation.test_size": 0.5,
            "model.name": "decision_tree",
        },
        "smote": {"resampler.sampler.synthetic_percent": 200, "resampler.sampler.k_neighbors": 5},
        "adasyn": {
            "resampler.sampler.n_neighbors": 5,
            "resampler.sampler.beta": 1.0,
            "resampler.sampler.d_th": 0.75,
        },
    },
}

_IDENTITY = ("paper_dataset", "paper_method", "dataset", "strategy")


@dataclass(frozen=True)
class PublishedTable:
    """A published result table.

    Attributes
    ----------
    name : str
        The file's stem (``he2008_table2``), as ``experiment.replicates`` names it.
    source : str
        The citation (the file's first comment line).
    described : str
        The protocol behind the values, in words (its second comment line).
    values : DataFrame
        One row per published cell: ``paper_dataset``, ``paper_method``, ``dataset``,
        ``strategy``, ``measure`` (the paper's name), ``metric`` (the harness's key),
        ``value``.
    protocol : dict
        The table's entry of :data:`PROTOCOLS`.
    """

    name: str
    source: str
    described: str
    values: pd.DataFrame
    protocol: dict[str, Any]

    @property
    def datasets(self) -> list[str]:
        """The harness's names of the table's data sets, in the table's order."""
        return list(dict.fromkeys(self.values["dataset"]))


def published_names() -> list[str]:
    """The names of the shipped tables."""
    folder = resources.files("harness.report") / "published"
    return sorted(p.name.removesuffix(".csv") for p in folder.iterdir() if p.name.endswith(".csv"))


def load_published(name: str) -> PublishedTable:
    """Read a shipped published table.

    Parameters
    ----------
    name : str
        One of :func:`published_names` (``he2008_table2``).

    Returns
    -------
    PublishedTable

    Raises
    ------
    ConfigError
        ``name`` is not a shipped table.
    InputDataError
        The file lacks a column, holds a value that is not a number in [0, 1], or a
        (data set, method) twice.
    """
    known = published_names()
    if name not in known or name not in PROTOCOLS:
        raise ConfigError(
            f"experiment.replicates={name!r} is not a published table; use one of {known}."
        )
    resource = resources.files("harness.report") / "published" / f"{name}.csv"
    with resources.as_file(resource) as path:
        text = path.read_text(encoding="utf-8")
        wide = pd.read_csv(path, comment="#")
    comments = [line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")]
    missing = [c for c in (*_IDENTITY, *MEASURES) if c not in wide.columns]
    if missing:
        raise InputDataError(f"published table {name} has no column {missing}: reinstall it.")
    if wide.duplicated(["dataset", "strategy"]).any():
        raise InputDataError(f"published table {name} lists a (data set, method) twice.")
    rows = [
        {**{key: row[key] for key in _IDENTITY}, "measure": measure, "metric": metric}
        | {"value": pd.to_numeric(row[measure], errors="coerce")}
        for _, row in wide.iterrows()
        for measure, metric in MEASURES.items()
    ]
    values = pd.DataFrame(rows)  # the table's order: its rows, then the measures as published
    if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values["value"]):
        raise InputDataError(f"published table {name} holds a value outside [0, 1] or no number.")
    return PublishedTable(
        name=name,
        source=comments[0] if comments else "",
        described=comments[1] if len(comments) > 1 else "",
        values=values,
        protocol=PROTOCOLS[name],
    )


def protocol_differences(table: PublishedTable, record: dict[str, Any]) -> list[str]:
    """How one job's settings differ from the table's protocol (empty when they match).

    Parameters
    ----------
    table : PublishedTable
    record : dict
        A job's ``result.json`` (its ``params``, ``strategy`` and ``n_folds``).
    """
    params = record.get("params") or {}
    wanted = {**table.protocol["*"], **table.protocol.get(record.get("strategy"), {})}
    differences = [
        f"{key}={params.get(key)!r} (the paper: {value!r})"
        for key, value in wanted.items()
        if not _same(params.get(key), value)
    ]
    n_splits = table.protocol["n_splits"]
    if record.get("n_folds") != n_splits:
        differences.append(f"{record.get('n_folds')} splits (the paper: {n_splits})")
    return differences


def _same(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) or value is None:
        return value == wanted
    try:
        return math.isclose(float(value), float(wanted))
    except (TypeError, ValueError):
        return False
