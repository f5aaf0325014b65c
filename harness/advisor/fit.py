"""Fit the advisor from the benchmark's compact table: models, validation, the shipped files.

:func:`fit_advisor` is what ``harness advisor-fit`` runs: the outcomes of the table
(:func:`harness.advisor.model.outcome_table`), the meta-features of its data sets (reused from
the stored table when the data set's content digest is unchanged, else computed), one set of
models per model family on every data set, and the leave-one-data-set-out validation
(:mod:`harness.advisor.validation`). Same table, same files: every step is seeded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from harness.advisor.features import meta_feature_table
from harness.advisor.model import (
    LOG_FEATURES,
    MAIN_METRIC,
    MODEL_FEATURES,
    FamilyModels,
    fit_family,
    outcome_table,
)
from harness.advisor.store import model_document
from harness.advisor.validation import BOOTSTRAP, Figure, family_validation, lodo_predictions
from harness.data import Dataset
from harness.errors import InputDataError

LABEL = (
    "the paired mean difference of {metric} (treatment - reference, over the same folds) is "
    "above 0 (label 1; a tie or a loss is 0)"
)


@dataclass
class FittedAdvisor:
    """Everything ``harness advisor-fit`` writes."""

    families: dict[str, FamilyModels]
    document: dict[str, Any]
    features: pd.DataFrame
    outcomes: pd.DataFrame
    validation: dict[str, dict] = field(default_factory=dict)


def read_benchmark_table(path: Path) -> tuple[pd.DataFrame, str]:
    """The compact table and its sha256.

    Raises
    ------
    InputDataError
        The file is missing or not a CSV table.
    """
    try:
        data = Path(path).read_bytes()
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputDataError(
            f"cannot read the benchmark table {path} ({exc}): pass the compact table "
            "`harness benchmark-report` writes (docs/data/benchmark.csv.gz)"
        ) from exc
    return table, hashlib.sha256(data).hexdigest()


def benchmark_features(
    names: list[str],
    stored: pd.DataFrame | None,
    digests: dict[str, str],
    load: Callable[[str], Dataset],
) -> pd.DataFrame:
    """The meta-features of the benchmark's data sets, computed once.

    A stored row is kept when its ``digest`` equals the data set's current one (``digests``);
    every other data set of ``names`` is loaded and computed. Stored rows of data sets outside
    ``names`` stay (a partial benchmark does not lose what was computed for the rest).
    """
    kept = pd.DataFrame()
    if stored is not None and len(stored):
        current = [n for n in stored.index if stored.at[n, "digest"] == digests.get(n)]
        kept = stored.loc[current]
    todo = [n for n in names if n not in kept.index]
    computed = meta_feature_table(todo, load) if todo else pd.DataFrame()
    table = pd.concat([t for t in (kept, computed) if len(t)])
    table["note"] = table["note"].fillna("")
    return table.sort_index()


def _figure(figure: Figure) -> list[float]:
    return [round(figure.value, 6), round(figure.low, 6), round(figure.high, 6)]


def _plain(validation: dict) -> dict:
    out = {}
    for key, value in validation.items():
        if isinstance(value, Figure):
            out[key] = _figure(value)
        elif isinstance(value, dict):
            out[key] = _plain(value)
        elif isinstance(value, float):
            out[key] = round(value, 6)
        else:
            out[key] = value
    return out


def fit_advisor(
    compact: pd.DataFrame,
    features: pd.DataFrame,
    *,
    table_sha256: str,
    metric: str = MAIN_METRIC,
    seed: int = 0,
    bootstrap: int = BOOTSTRAP,
) -> FittedAdvisor:
    """Fit and validate the advisor.

    Parameters
    ----------
    compact : DataFrame
        The benchmark's compact table.
    features : DataFrame
        Meta-features of its data sets, index ``dataset`` (rows with a ``note`` are left out).
    table_sha256 : str
        The table file's sha256, recorded in the model file.
    metric : str, default ``test/g_mean``
    seed : int, default 0
        Seed of the bootstrap.
    bootstrap : int, default :data:`harness.advisor.validation.BOOTSTRAP`
        Bootstrap draws of the validation's intervals.

    Returns
    -------
    FittedAdvisor

    Raises
    ------
    InputDataError
        No model family has data sets with meta-features.
    """
    outcomes = outcome_table(compact, metric)
    usable = features[features["note"].fillna("") == ""].dropna(subset=list(MODEL_FEATURES))
    families: dict[str, FamilyModels] = {}
    validation: dict[str, dict] = {}
    trained: dict[str, int] = {}
    for family in sorted(set(outcomes["model"])):
        rows = outcomes[(outcomes["model"] == family) & outcomes["dataset"].isin(usable.index)]
        n = rows["dataset"].nunique()
        if n < 10:
            continue
        families[family] = fit_family(rows, usable, family)
        predictions = lodo_predictions(rows, usable, family)
        validation[family] = family_validation(
            rows, predictions, family, seed=seed, bootstrap=bootstrap
        )
        trained[family] = n
    if not families:
        raise InputDataError(
            "no model family of the benchmark table has 10 data sets with meta-features: run "
            "more of the benchmark (harness run experiment=benchmark) before fitting the advisor"
        )
    in_table = features[features.index.isin(set(outcomes["dataset"]))]
    left_out = in_table[in_table["note"].fillna("") != ""]
    training = {
        "benchmark_table_sha256": table_sha256,
        "datasets_per_family": trained,
        "strategies": sorted(set(outcomes["strategy"])),
        "left_out_datasets": {str(k): str(v) for k, v in left_out["note"].items()},
        "seed": seed,
        "bootstrap": bootstrap,
    }
    document = model_document(
        families,
        metric=metric,
        label=LABEL.format(metric=metric),
        features=MODEL_FEATURES,
        log_features=LOG_FEATURES,
        training=training,
        validation={family: _plain(v) for family, v in validation.items()},
    )
    return FittedAdvisor(families, document, features, outcomes, validation)
