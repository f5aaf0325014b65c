"""A partitioned Parquet data set: its files in name order and the global index of each row.

The global row index of a row is its position when the partition files are read one after the
other, sorted by name; it is the index the tie rule of :mod:`harness.resample.ties` compares.
Any filesystem pyarrow reads is accepted (``s3://...``, ``gs://...``, a local folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from harness.errors import InputDataError


def filesystem_and_path(location: str) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem and the path within it for a URI or a local path."""
    if "://" in location:
        return pafs.FileSystem.from_uri(location)
    return pafs.LocalFileSystem(), str(Path(location).resolve())


@dataclass(frozen=True)
class Partition:
    """One Parquet file of the data set and where its rows start in the global order."""

    location: str
    first_row: int
    n_rows: int


@dataclass(frozen=True)
class PartitionedDataset:
    """The partitions of a data set, in global row order, and its column names."""

    partitions: tuple[Partition, ...]
    feature_columns: tuple[str, ...]
    target: str

    @property
    def n_rows(self) -> int:
        """Rows of the whole data set."""
        return sum(part.n_rows for part in self.partitions)


def discover(location: str, target: str) -> PartitionedDataset:
    """List the ``.parquet`` files of a folder (sorted by name) and read only their footers.

    Parameters
    ----------
    location : str
        Folder (local path or URI) holding the partition files.
    target : str
        Name of the class column; every other column is a feature.

    Returns
    -------
    PartitionedDataset

    Raises
    ------
    InputDataError
        If the folder has no ``.parquet`` file, the target column is missing, or the files do
        not share one schema.
    """
    filesystem, root = filesystem_and_path(location)
    infos = filesystem.get_file_info(pafs.FileSelector(root, allow_not_found=True))
    files = sorted(info.path for info in infos if info.path.endswith(".parquet") and info.is_file)
    if not files:
        raise InputDataError(
            f"No .parquet file in {location!r}: pass --input a folder of Parquet partitions "
            "(e.g. written by pandas.DataFrame.to_parquet or pyarrow.dataset.write_dataset)."
        )
    prefix = location.split("://")[0] + "://" if "://" in location else ""
    partitions, first_row, schema = [], 0, None
    for path in files:
        with filesystem.open_input_file(path) as handle:
            metadata = pq.read_metadata(handle)
        names = tuple(metadata.schema.names)
        if schema is None:
            schema = names
        elif names != schema:
            raise InputDataError(
                f"Partition {path!r} has columns {list(names)} but the first one has "
                f"{list(schema)}: write every partition with the same columns."
            )
        partitions.append(Partition(prefix + path, first_row, metadata.num_rows))
        first_row += metadata.num_rows
    if target not in schema:
        raise InputDataError(
            f"Target column {target!r} is not in the data set (columns: {list(schema)}): pass "
            "the class column's name with --target."
        )
    features = tuple(name for name in schema if name != target)
    return PartitionedDataset(tuple(partitions), features, target)


def read_partition(
    partition: Partition, feature_columns: tuple[str, ...], target: str
) -> tuple[np.ndarray, np.ndarray]:
    """Features (float64, one row per row) and labels of one partition.

    Returns
    -------
    X : ndarray of float64, shape (n_rows, n_features)
    y : ndarray, shape (n_rows,)
    """
    filesystem, path = filesystem_and_path(partition.location)
    with filesystem.open_input_file(path) as handle:
        table = pq.read_table(handle, columns=[*feature_columns, target])
    X = np.empty((table.num_rows, len(feature_columns)), dtype=np.float64)
    for position, name in enumerate(feature_columns):
        column = table.column(name)
        if not pa.types.is_integer(column.type) and not pa.types.is_floating(column.type):
            raise InputDataError(
                f"Feature column {name!r} has type {column.type}, but ADASYN interpolates "
                "numbers: encode it as numbers first, or drop it from the data set."
            )
        X[:, position] = column.to_numpy(zero_copy_only=False)
    if np.isnan(X).any():
        raise InputDataError(
            f"Partition {partition.location!r} has missing feature values: impute them before "
            "resampling."
        )
    y = table.column(target).to_numpy(zero_copy_only=False)
    return X, y
