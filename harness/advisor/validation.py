"""Leave-one-data-set-out validation of the advisor, against baselines, with intervals.

For each model family and each benchmark data set, every model is refitted without that data
set and then predicts it, so an advised data set is never in the training data. Policies:

- ``advisor``: the logistic models on every meta-feature (:mod:`harness.advisor.model`);
- ``ir_only``: the same models on the imbalance ratio alone;
- ``prior``: each treatment's share of wins in the training data sets, the same for every data
  set (what a fixed habit knows);
- for regret only, ``always_none`` and ``always_adasyn``.

Figures per family, for the reference ``none``: AUC and Brier score of P(treatment beats
``none``), pooled over (data set, treatment) pairs; and regret, the metric lost against the best
strategy in hindsight when the policy picks the treatment with the highest P(beats ``none``), or
``none`` when no treatment's P exceeds 0.5. Regret is measured on the data sets where every
strategy of the family has a value. 95 % percentile intervals come from a bootstrap over data
sets (pairs of one data set are resampled together); the paired comparison with ``ir_only``
resamples both on the same data sets and adds a Wilcoxon signed-rank test of the per-data-set
regret differences. The data sets are the benchmark's, not a sample of the user's kind of data:
the intervals say how much the figures move with the data sets drawn, nothing about data unlike
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.advisor.model import (
    IR_FEATURES,
    MODEL_FEATURES,
    REFERENCES,
    design_matrix,
    fit_family,
)

POLICIES = ("advisor", "ir_only", "prior")
REGRET_POLICIES = (*POLICIES, "always_none", "always_adasyn")
BOOTSTRAP = 2000
#: Goals of the issue: LODO AUC at least this, and lower regret than every baseline.
AUC_GOAL = 0.75


def _predict(models, features: pd.DataFrame, name: str, columns) -> dict:
    x = design_matrix(features.loc[[name]])[:, [MODEL_FEATURES.index(c) for c in columns]]
    return {pair: float(m.probability(x)[0]) for pair, m in models.beats.items()} | {
        ("calibration", t): float(m.predict(x)[0]) for t, m in models.calibration.items()
    }


def lodo_predictions(outcomes: pd.DataFrame, features: pd.DataFrame, family: str) -> pd.DataFrame:
    """Every policy's prediction for every data set of one family, fitted without that set.

    Parameters
    ----------
    outcomes : DataFrame
        :func:`harness.advisor.model.outcome_table`.
    features : DataFrame
        Meta-features, index ``dataset``.
    family : str

    Returns
    -------
    DataFrame
        Columns ``dataset``, ``strategy``, ``reference``, ``diff`` (measured), ``label``
        (``diff > 0``), ``advisor``, ``ir_only``, ``prior`` (P(beats)); and rows with
        ``reference`` ``"calibration"`` whose ``diff`` is the measured Brier change and whose
        ``advisor`` is the predicted one, ``prior`` the training mean.
    """
    rows = outcomes[(outcomes["model"] == family) & outcomes["dataset"].isin(features.index)]
    names = sorted(set(rows["dataset"]))
    found = []
    for name in names:
        train = rows[rows["dataset"] != name]
        models = fit_family(train, features, family)
        ir = fit_family(train, features, family, IR_FEATURES)
        full = _predict(models, features, name, MODEL_FEATURES)
        only_ir = _predict(ir, features, name, IR_FEATURES)
        held = rows[rows["dataset"] == name].set_index("strategy")
        for (treatment, reference), p in full.items():
            if treatment == "calibration" or treatment not in held.index:
                continue
            diff = held.at[treatment, f"diff_{reference}"]
            if pd.isna(diff):
                continue
            prior = models.beats[(treatment, reference)]
            found.append(
                {
                    "dataset": name,
                    "strategy": treatment,
                    "reference": reference,
                    "diff": float(diff),
                    "label": int(diff > 0),
                    "advisor": p,
                    "ir_only": only_ir[(treatment, reference)],
                    "prior": prior.win_share,
                }
            )
        for (kind, treatment), change in full.items():
            if kind != "calibration" or treatment not in held.index:
                continue
            measured = held.at[treatment, "calibration_change"]
            if pd.isna(measured):
                continue
            mean = float(train.loc[train["strategy"] == treatment, "calibration_change"].mean())
            found.append(
                {
                    "dataset": name,
                    "strategy": treatment,
                    "reference": "calibration",
                    "diff": float(measured),
                    "label": -1,
                    "advisor": change,
                    "ir_only": float(only_ir[("calibration", treatment)]),
                    "prior": mean,
                }
            )
    return pd.DataFrame(
        found,
        columns=[
            "dataset",
            "strategy",
            "reference",
            "diff",
            "label",
            "advisor",
            "ir_only",
            "prior",
        ],
    )


def choices(predictions: pd.DataFrame, policy: str) -> pd.Series:
    """Per data set, the strategy a policy picks: the highest P(beats ``none``) above 0.5,
    else ``none``; ``always_none`` and ``always_adasyn`` pick their strategy."""
    against_none = predictions[predictions["reference"] == "none"]
    names = sorted(set(against_none["dataset"]))
    if policy.startswith("always_"):
        return pd.Series(policy.removeprefix("always_"), index=names)
    picked = {}
    for name, rows in against_none.groupby("dataset", sort=True):
        best = rows.sort_values([policy, "strategy"], ascending=[False, True]).iloc[0]
        picked[name] = best["strategy"] if best[policy] > 0.5 else "none"
    return pd.Series(picked).reindex(names)


def regrets(outcomes: pd.DataFrame, predictions: pd.DataFrame, family: str) -> pd.DataFrame:
    """Per data set with every strategy measured: each policy's regret (metric units).

    Returns
    -------
    DataFrame
        Index ``dataset``; one column per policy of :data:`REGRET_POLICIES`.
    """
    rows = outcomes[outcomes["model"] == family]
    values = rows.pivot_table(index="dataset", columns="strategy", values="value")
    values = values.dropna(axis=0, how="any")
    values = values[values.index.isin(set(predictions["dataset"]))]
    best = values.max(axis=1)
    table = {}
    for policy in REGRET_POLICIES:
        picked = choices(predictions, policy).reindex(values.index)
        chosen = np.array(
            [values.at[name, strategy] for name, strategy in picked.items()], dtype=float
        )
        table[policy] = best.to_numpy() - chosen
    return pd.DataFrame(table, index=values.index)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if len(set(labels.tolist())) < 2:
        return float("nan")
    return float(roc_auc_score(labels, scores))


@dataclass(frozen=True)
class Figure:
    """One figure with its 95 % bootstrap interval over data sets."""

    value: float
    low: float
    high: float


def _interval(value: float, draws: list[float]) -> Figure:
    finite = np.asarray([d for d in draws if np.isfinite(d)])
    if not len(finite) or not np.isfinite(value):
        return Figure(value, float("nan"), float("nan"))
    low, high = np.percentile(finite, [2.5, 97.5])
    return Figure(float(value), float(low), float(high))


def family_validation(
    outcomes: pd.DataFrame,
    predictions: pd.DataFrame,
    family: str,
    *,
    seed: int = 0,
    bootstrap: int = BOOTSTRAP,
) -> dict:
    """AUC, Brier and regret of every policy for one family, with bootstrap intervals.

    Parameters
    ----------
    outcomes : DataFrame
        :func:`harness.advisor.model.outcome_table`.
    predictions : DataFrame
        :func:`lodo_predictions` of the family.
    family : str
    seed : int, default 0
        Seed of the bootstrap.
    bootstrap : int, default :data:`BOOTSTRAP`
        Bootstrap draws.

    Returns
    -------
    dict
        ``n_datasets``, ``n_pairs``, ``win_share`` (labels that are 1), ``n_regret``;
        ``auc`` / ``brier`` / ``regret``: policy -> :class:`Figure`; ``paired``: measure ->
        :class:`Figure` of advisor − ``ir_only``; ``wilcoxon_p`` of the regret differences;
        ``calibration_mae``: policy -> :class:`Figure` of the expected Brier change's error.
    """
    from scipy.stats import wilcoxon

    pairs = predictions[predictions["reference"] == "none"]
    calibration = predictions[predictions["reference"] == "calibration"]
    regret = regrets(outcomes, predictions, family)
    names = np.array(sorted(set(pairs["dataset"])))
    labels = pairs["label"].to_numpy()
    scores = {policy: pairs[policy].to_numpy() for policy in POLICIES}
    rows_of = {name: np.flatnonzero(pairs["dataset"].to_numpy() == name) for name in names}
    calib_error = {
        policy: np.abs(calibration[policy] - calibration["diff"]).to_numpy()
        for policy in ("advisor", "prior")
    }
    calib_of = {name: np.flatnonzero(calibration["dataset"].to_numpy() == name) for name in names}
    regret_of = {name: regret.loc[name].to_numpy() for name in names if name in regret.index}

    def measures(sample: np.ndarray) -> dict[str, float]:
        picked = np.concatenate([rows_of[n] for n in sample])
        out = {}
        for policy in POLICIES:
            out[f"auc/{policy}"] = _auc(labels[picked], scores[policy][picked])
            out[f"brier/{policy}"] = float(np.mean((scores[policy][picked] - labels[picked]) ** 2))
        kept = [regret_of[n] for n in sample if n in regret_of]
        mean_regret = np.mean(kept, axis=0) if kept else np.full(len(REGRET_POLICIES), np.nan)
        for policy, value in zip(regret.columns, mean_regret, strict=True):
            out[f"regret/{policy}"] = float(value)
        calib = np.concatenate([calib_of[n] for n in sample])
        if len(calib):
            for policy, errors in calib_error.items():
                out[f"calibration/{policy}"] = float(errors[calib].mean())
        return out

    point = measures(names)
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {key: [] for key in point}
    differences: dict[str, list[float]] = {m: [] for m in ("auc", "brier", "regret")}
    for _ in range(bootstrap):
        sample = measures(rng.choice(names, size=len(names), replace=True))
        for key in point:
            draws[key].append(sample.get(key, float("nan")))
        for measure in differences:
            differences[measure].append(sample[f"{measure}/advisor"] - sample[f"{measure}/ir_only"])

    def figures(measure: str, policies) -> dict[str, Figure]:
        return {p: _interval(point[f"{measure}/{p}"], draws[f"{measure}/{p}"]) for p in policies}

    gaps = (regret["advisor"] - regret["ir_only"]).to_numpy()
    wilcoxon_p = float(wilcoxon(gaps).pvalue) if np.any(gaps != 0) else 1.0
    return {
        "n_datasets": len(names),
        "n_pairs": len(pairs),
        "win_share": float(pairs["label"].mean()) if len(pairs) else float("nan"),
        "n_regret": len(regret),
        "auc": figures("auc", POLICIES),
        "brier": figures("brier", POLICIES),
        "regret": figures("regret", REGRET_POLICIES),
        "paired": {
            m: _interval(point[f"{m}/advisor"] - point[f"{m}/ir_only"], differences[m])
            for m in differences
        },
        "wilcoxon_p": wilcoxon_p,
        "calibration_mae": figures("calibration", ("advisor", "prior"))
        if "calibration/advisor" in point
        else {},
    }


def lower_regret_baseline(regret: dict[str, float]) -> str | None:
    """The baseline that lost less than the advisor, the lowest (ties by name), or None.

    Parameters
    ----------
    regret : dict
        Every policy of :data:`REGRET_POLICIES` to its mean regret.
    """
    baselines = {policy: value for policy, value in regret.items() if policy != "advisor"}
    best = min(baselines, key=lambda policy: (baselines[policy], policy))
    return best if regret["advisor"] > baselines[best] else None


def goal_reached(figures: dict) -> dict[str, bool]:
    """Whether a family's validation reaches the issue's goals, on the point estimates.

    Returns
    -------
    dict
        ``auc``: LODO AUC >= :data:`AUC_GOAL`; ``regret``: the advisor's mean regret below
        every baseline's.
    """
    regret = figures["regret"]
    return {
        "auc": bool(figures["auc"]["advisor"].value >= AUC_GOAL),
        "regret": all(
            regret["advisor"].value < regret[p].value for p in REGRET_POLICIES if p != "advisor"
        ),
    }


__all__ = [
    "AUC_GOAL",
    "POLICIES",
    "REFERENCES",
    "REGRET_POLICIES",
    "family_validation",
    "goal_reached",
    "lodo_predictions",
    "lower_regret_baseline",
    "regrets",
]
