"""The table of built-in data sets shown by ``harness datasets``."""

from __future__ import annotations

import pandas as pd

from harness.data.builtin import BUILTIN_DATASETS, load_builtin

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
    """Describe every built-in data set (loads each once; later calls hit the cache).

    Returns
    -------
    DataFrame
        One row per data set with the columns ``name``, ``rows``, ``features``, ``minority``
        (minority rows), ``imbalance_ratio`` (majority / minority), ``sensitive`` (comma-separated
        sensitive columns, empty when none), ``source`` and ``description``.
    """
    rows = []
    for name, spec in BUILTIN_DATASETS.items():
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
