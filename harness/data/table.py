"""User tables: CSV and Parquet files read into a validated :class:`Dataset`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from harness.data.dataset import Dataset
from harness.data.roles import DEFAULT_MIN_MINORITY, ColumnRoles, DataChecks
from harness.data.validate import make_dataset
from harness.errors import ConfigError, InputDataError

TABLE_FORMATS = ("csv", "parquet")
_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_format(path: str | Path) -> str:
    """Return ``"csv"`` or ``"parquet"`` from a file name (compressed ``.csv.gz`` included).

    Raises
    ------
    ConfigError
        The suffix is not a known table format.
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    for suffix in reversed(suffixes):
        if suffix in _SUFFIX_FORMATS:
            return _SUFFIX_FORMATS[suffix]
    raise ConfigError(
        f"cannot tell the format of {str(path)!r} from its suffix; name the file *.csv, "
        "*.csv.gz or *.parquet, or pass format='csv' or format='parquet'."
    )


def read_table(path: str | Path, *, format: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file, turning every read failure into :class:`InputDataError`.

    Parameters
    ----------
    path : str or Path
        File to read.
    format : {"csv", "parquet"}, optional
        Overrides the format guessed from the suffix.

    Returns
    -------
    DataFrame
    """
    path = Path(path).expanduser()
    kind = format or table_format(path)
    if kind not in TABLE_FORMATS:
        raise ConfigError(f"format={kind!r} is not supported; use one of {TABLE_FORMATS}.")
    if not path.is_file():
        raise InputDataError(
            f"data file {str(path)!r} does not exist (or is not a file); check the path, "
            "which is relative to the directory the command runs in."
        )
    try:
        if kind == "parquet":
            _check_unique_names(path, _parquet_column_names(path), pd.DataFrame())
            return pd.read_parquet(path)
        # round_trip: floats parse back to the exact value written, so digests match.
        frame = pd.read_csv(path, float_precision="round_trip")
    except InputDataError:  # already names the problem and the fix
        raise
    except pd.errors.EmptyDataError as error:
        raise InputDataError(
            f"data file {str(path)!r} is empty; write the table with a header row first."
        ) from error
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        raise InputDataError(
            f"cannot read {str(path)!r} as {kind}: {error}. Check that the file is a valid, "
            f"complete {kind} file (re-export it), or set format to its real format."
        ) from error
    _check_unique_names(path, _csv_header(path), frame)
    return frame


def _csv_header(path: Path) -> list[str]:
    """The column names as written in the file's first line (pandas renames copies)."""
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    return header.iloc[0].tolist() if len(header) else []


def _parquet_column_names(path: Path) -> list[str]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # another engine reads the file; it reports duplicates its own way
        return []
    return list(pq.read_schema(path).names)


def _check_unique_names(path: Path, names: list[str], frame: pd.DataFrame) -> None:
    """Refuse a file that names a column twice.

    pandas renames the copies in a CSV (``a``, ``a.1``, ...), so without this check a duplicated
    target column would silently become a feature; pyarrow fails with a cryptic message.
    """
    # Empty CSV names are no duplicates: pandas calls them "Unnamed: <position>".
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if not duplicated:
        return
    copies = tuple(f"{n}." for n in duplicated)
    renamed = [c for c in frame.columns if str(c) not in names and str(c).startswith(copies)]
    how = f" (pandas would rename the copies to {renamed})" if renamed else ""
    raise InputDataError(
        f"data file {str(path)!r} names the column(s) {duplicated} more than once{how}: give "
        "every column a unique name in the file, or drop the copies."
    )


def load_table(
    path: str | Path,
    target: str,
    positive_label: Any = None,
    *,
    name: str | None = None,
    categorical: Sequence[str] = (),
    sensitive: Sequence[str] = (),
    drop: Sequence[str] = (),
    format: Literal["csv", "parquet"] | None = None,
    min_minority: int = DEFAULT_MIN_MINORITY,
    zero_variance: Literal["warn", "drop", "error"] = "warn",
    group: str | None = None,
    time: str | None = None,
    sensitive_as_feature: bool = True,
) -> Dataset:
    """Load a user CSV or Parquet table as a :class:`Dataset`.

    The keyword arguments are the ``dataset.loader`` keys of ``conf/dataset/table.yaml``.

    Parameters
    ----------
    path : str or Path
        The CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``) file.
    target, positive_label, categorical, sensitive, drop, group, time, sensitive_as_feature
        The columns' roles, as the fields of :class:`~harness.data.roles.ColumnRoles` of the
        same names describe them. A sensitive column of text (``gender``: ``"female"``,
        ``"male"``) that stays a feature is one-hot encoded like the ``categorical`` ones
        (:func:`text_sensitive_columns`); list it in ``drop`` or set
        ``sensitive_as_feature=False`` to keep it for the fairness metrics only.
    name : str, optional
        Data set name; defaults to the file name without its suffixes.
    format : {"csv", "parquet"}, optional
        Overrides the format guessed from the suffix.
    min_minority, zero_variance
        The checks, as the fields of :class:`~harness.data.roles.DataChecks` of the same names
        describe them.

    Returns
    -------
    Dataset
    """
    path = Path(path).expanduser()
    frame = read_table(path, format=format)
    _check_boolean_positive_label(frame, target, positive_label)
    if sensitive_as_feature:
        categorical = [*categorical, *text_sensitive_columns(frame, sensitive, categorical, drop)]
    roles = ColumnRoles(
        target=target,
        positive_label=positive_label,
        categorical=categorical,
        sensitive=sensitive,
        drop=drop,
        group=group,
        time=time,
        sensitive_as_feature=sensitive_as_feature,
    )
    checks = DataChecks(min_minority=min_minority, zero_variance=zero_variance)
    return make_dataset(
        frame,
        roles,
        name=name or path.name.split(".")[0],
        source=f"file:{path}",
        checks=checks,
    )


def text_sensitive_columns(
    frame: pd.DataFrame,
    sensitive: Sequence[str],
    categorical: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> list[str]:
    """The sensitive columns that hold text and stay features: they are categorical.

    A sensitive column is read as groups (``female``, ``male``); as a feature, text can only be
    one-hot encoded, so declaring it ``categorical`` as well would be the user's only choice.

    Parameters
    ----------
    frame : DataFrame
        The table as read.
    sensitive, categorical, drop : sequence of str
        The columns of those roles.

    Returns
    -------
    list of str
        In the order of ``sensitive``; columns missing from ``frame`` are left to the table's
        checks, which name them.
    """
    return [
        column
        for column in sensitive
        if column in frame.columns
        and column not in categorical
        and column not in drop
        and not pd.api.types.is_numeric_dtype(frame[column])
        and not pd.api.types.is_bool_dtype(frame[column])
    ]


#: The words YAML 1.1 (and so an unquoted value in a config file) reads as booleans.
_YAML_BOOLEAN_WORDS = {True: ("yes", "on", "true"), False: ("no", "off", "false")}


def _check_boolean_positive_label(frame: pd.DataFrame, target: str, positive_label: Any) -> None:
    """Refuse a boolean ``positive_label`` that a YAML file made of a text label (``yes``).

    Raises
    ------
    ConfigError
        Naming the text label it most likely was and how to quote it.
    """
    if not isinstance(positive_label, bool) or target not in frame.columns:
        return
    labels = [label for label in frame[target].dropna().unique() if isinstance(label, str)]
    if not labels or str(positive_label).lower() in {str(x).strip().lower() for x in labels}:
        return
    meant = [x for x in labels if x.strip().lower() in _YAML_BOOLEAN_WORDS[positive_label]]
    guess = meant[0] if meant else sorted(labels)[0]
    raise ConfigError(
        f"positive_label is the boolean {positive_label}, but target column {target!r} holds "
        f"the text labels {sorted(labels)}: YAML reads an unquoted yes, no, on, off, true or "
        f"false as a boolean. Quote it in the config file (positive_label: '{guess}'); on the "
        f"command line, dataset.loader.positive_label={guess} is already text."
    )
