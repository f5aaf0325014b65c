"""Data sets: the :class:`Dataset` record, built-in real data sets and user CSV/Parquet tables.

Hydra configs in ``conf/dataset/`` instantiate :func:`load_builtin` or :func:`load_table`;
code builds one from a config with :func:`harness.components.datasets.load_dataset`.
"""

from harness.data.builtin import BUILTIN_DATASETS, builtin_names, load_builtin
from harness.data.catalog import format_datasets_table, list_datasets
from harness.data.dataset import Dataset, content_digest
from harness.data.roles import ColumnRoles, DataChecks
from harness.data.table import load_table, read_table
from harness.data.validate import DataQualityWarning, make_dataset

__all__ = [
    "BUILTIN_DATASETS",
    "ColumnRoles",
    "DataChecks",
    "DataQualityWarning",
    "Dataset",
    "builtin_names",
    "content_digest",
    "format_datasets_table",
    "list_datasets",
    "load_builtin",
    "load_table",
    "make_dataset",
    "read_table",
]
