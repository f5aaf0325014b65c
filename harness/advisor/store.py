"""The advisor's files shipped inside the package, and their strict reader.

``harness/advisor/advisor.json`` (schema :data:`SCHEMA`) holds the fitted models, what they were
trained on (the benchmark table's sha256, the data sets and families) and the validation's
figures; ``benchmark_meta_features.csv`` the meta-features of the benchmark's data sets,
computed once; ``benchmark_outcomes.csv`` their measured outcomes. ``harness advisor-fit``
writes all three from the committed benchmark table.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from harness.advisor.model import FamilyModels, Linear, Logistic
from harness.errors import InputDataError
from harness.strict import read_json_object

SCHEMA = 1
FOLDER = Path(__file__).resolve().parent
MODEL_FILE = "advisor.json"
FEATURES_FILE = "benchmark_meta_features.csv"
OUTCOMES_FILE = "benchmark_outcomes.csv"
REGENERATE = "regenerate it with `harness advisor-fit docs/data/benchmark.csv.gz`"
TOP_KEYS = {
    "schema",
    "metric",
    "label",
    "features",
    "log_features",
    "training",
    "families",
    "validation",
}


def _logistic_entry(treatment: str, reference: str, model: Logistic) -> dict[str, Any]:
    return {"treatment": treatment, "reference": reference} | asdict(model)


def _linear_entry(treatment: str, model: Linear) -> dict[str, Any]:
    return {"treatment": treatment} | asdict(model)


def model_document(
    families: dict[str, FamilyModels],
    *,
    metric: str,
    label: str,
    features: tuple[str, ...],
    log_features: tuple[str, ...],
    training: dict[str, Any],
    validation: dict[str, Any],
) -> dict[str, Any]:
    """The JSON document of ``advisor.json`` (plain, JSON-ready values)."""
    return {
        "schema": SCHEMA,
        "metric": metric,
        "label": label,
        "features": list(features),
        "log_features": list(log_features),
        "training": training,
        "families": {
            family: {
                "beats": [_logistic_entry(t, r, m) for (t, r), m in sorted(models.beats.items())],
                "calibration": [_linear_entry(t, m) for t, m in sorted(models.calibration.items())],
            }
            for family, models in sorted(families.items())
        },
        "validation": validation,
    }


def write_model(folder: Path, document: dict[str, Any], features: pd.DataFrame, outcomes) -> None:
    """Write the three files into ``folder`` (the package's advisor folder by default)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_text(json.dumps(document, indent=1, allow_nan=False) + "\n")
    features.to_csv(folder / FEATURES_FILE, float_format="%.6g")
    outcomes.to_csv(folder / OUTCOMES_FILE, index=False, float_format="%.6g")


def _tuple_fields(entry: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: tuple(entry[k]) if k in names else entry[k] for k in entry}


def _families(document: dict[str, Any], path: Path) -> dict[str, FamilyModels]:
    found = {}
    try:
        for family, entries in document["families"].items():
            models = FamilyModels(family)
            for entry in entries["beats"]:
                fields = {k: v for k, v in entry.items() if k not in ("treatment", "reference")}
                models.beats[(entry["treatment"], entry["reference"])] = Logistic(
                    **_tuple_fields(fields, ("features", "mean", "scale", "coef"))
                )
            for entry in entries["calibration"]:
                fields = {k: v for k, v in entry.items() if k != "treatment"}
                models.calibration[entry["treatment"]] = Linear(
                    **_tuple_fields(fields, ("features", "mean", "scale", "coef"))
                )
            found[family] = models
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputDataError(
            f"{path} holds a model entry of another shape ({exc}): {REGENERATE}"
        ) from exc
    return found


class StoredAdvisor:
    """The advisor as shipped: its models, the benchmark's meta-features and outcomes.

    Parameters
    ----------
    folder : Path
        Where the three files are (the package's advisor folder by default).

    Raises
    ------
    InputDataError
        A file is missing or unreadable, of another schema, or holds unknown keys.
    """

    def __init__(self, folder: Path = FOLDER) -> None:
        self.folder = Path(folder)
        path = self.folder / MODEL_FILE
        if not path.is_file():
            raise InputDataError(f"the advisor's model file {path} is missing: {REGENERATE}")
        document = read_json_object(path, fix=REGENERATE)
        if document.get("schema") != SCHEMA:
            raise InputDataError(
                f"{path} has schema {document.get('schema')!r}, this harness reads {SCHEMA}: "
                f"{REGENERATE}"
            )
        if unknown := set(document) ^ TOP_KEYS:
            raise InputDataError(f"{path} has or lacks the keys {sorted(unknown)}: {REGENERATE}")
        self.document = document
        self.families = _families(document, path)
        try:
            self.features = pd.read_csv(Path(folder) / FEATURES_FILE, index_col="dataset")
            self.outcomes = pd.read_csv(Path(folder) / OUTCOMES_FILE)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise InputDataError(
                f"cannot read the advisor's benchmark tables ({exc}): {REGENERATE}"
            ) from exc

    @property
    def metric(self) -> str:
        """The metric the advice is about."""
        return str(self.document["metric"])
