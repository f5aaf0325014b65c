"""Advice for one data set from its meta-features and the stored advisor, in words and tables.

Per model family: each treatment's P(beats ``none``), P(beats ``decision_threshold``) and the
expected Brier change against ``none``; the recommendation is the treatment with the highest
P(beats ``none``) when it exceeds 0.5, else ``none`` (the rule the validation scores). The three
benchmark data sets nearest in standardised meta-features come with their measured outcomes,
and a meta-feature outside the benchmark's range is named: the advice then extrapolates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.advisor.model import MODEL_FEATURES, design_matrix
from harness.advisor.store import StoredAdvisor

NEIGHBOURS = 3


@dataclass(frozen=True)
class Advice:
    """What ``harness advise`` says about one data set.

    Attributes
    ----------
    name : str
    features : dict of str to float
        The data set's meta-features.
    treatments : DataFrame
        Columns ``model``, ``treatment``, ``p_beats_none``, ``p_beats_decision_threshold``,
        ``brier_change``; sorted by model, then P(beats ``none``) from high to low.
    recommended : dict of str to str
        Model family -> the treatment to try first.
    similar : DataFrame
        The nearest benchmark data sets with measured outcomes: ``dataset``, ``distance``,
        then per family the strategy that measured best and its gain over ``none``.
    outside_range : list of str
        Meta-features outside the range of the benchmark's data sets.
    """

    name: str
    features: dict[str, float]
    treatments: pd.DataFrame
    recommended: dict[str, str]
    similar: pd.DataFrame
    outside_range: list[str]


def advise(name: str, features: dict[str, float], stored: StoredAdvisor) -> Advice:
    """The advice for a data set with these meta-features.

    Parameters
    ----------
    name : str
        The data set's name, for the text.
    features : dict
        :func:`harness.metrics.meta_features.meta_features` of the data set.
    stored : StoredAdvisor

    Returns
    -------
    Advice
    """
    x = design_matrix(pd.DataFrame([features]))
    rows = []
    for family, models in sorted(stored.families.items()):
        for treatment in sorted({t for t, _ in models.beats}):
            p = {
                r: float(models.beats[(treatment, r)].probability(x)[0])
                for r in ("none", "decision_threshold")
                if (treatment, r) in models.beats
            }
            change = models.calibration.get(treatment)
            rows.append(
                {
                    "model": family,
                    "treatment": treatment,
                    "p_beats_none": p.get("none", np.nan),
                    "p_beats_decision_threshold": p.get("decision_threshold", np.nan),
                    "brier_change": float(change.predict(x)[0]) if change else np.nan,
                }
            )
    table = pd.DataFrame(rows).sort_values(
        ["model", "p_beats_none", "treatment"], ascending=[True, False, True], kind="stable"
    )
    recommended = {}
    for family, group in table.groupby("model", sort=True):
        best = group.iloc[0]
        recommended[family] = best["treatment"] if best["p_beats_none"] > 0.5 else "none"
    measured = stored.features.index.isin(set(stored.outcomes["dataset"]))
    known = stored.features[measured].dropna(subset=list(MODEL_FEATURES))
    reference = design_matrix(known)
    low, high = reference.min(axis=0), reference.max(axis=0)
    outside = [f for j, f in enumerate(MODEL_FEATURES) if not low[j] <= x[0, j] <= high[j]]
    return Advice(
        name,
        dict(features),
        table.reset_index(drop=True),
        recommended,
        _similar(x, known.index, reference, stored.outcomes),
        outside,
    )


def _similar(x, names, reference: np.ndarray, outcomes: pd.DataFrame) -> pd.DataFrame:
    scale = reference.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    distance = np.sqrt((((reference - x) / scale) ** 2).sum(axis=1))
    order = np.lexsort((np.asarray(names), distance))[:NEIGHBOURS]
    rows = []
    for i in order:
        row = {"dataset": names[i], "distance": float(distance[i])}
        measured = outcomes[outcomes["dataset"] == names[i]].dropna(subset=["diff_none"])
        for family, group in measured.groupby("model", sort=True):
            best = group.sort_values(["diff_none", "strategy"], ascending=[False, True]).iloc[0]
            gain = float(best["diff_none"])
            row[family] = f"{best['strategy'] if gain > 0 else 'none'} ({gain:+.3f})"
        rows.append(row)
    return pd.DataFrame(rows)
