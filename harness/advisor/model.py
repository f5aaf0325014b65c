"""The model of the benchmark's outcomes: P(a treatment beats a reference) from meta-features.

**Outcome.** For each (data set, model family, treatment) of the benchmark's compact table
(``docs/data/benchmark.csv.gz``), the paired mean difference of the metric (G-mean by default)
between the treatment and each reference (``none``, ``decision_threshold``) over the same folds,
and the change of the Brier score against ``none``.

**Label.** A treatment *beats* a reference on a data set when the sign of that paired mean
difference is positive (a tie, exactly 0, does not beat). At the benchmark's 10 folds per data
set most single differences are not significant, so a significance label would be mostly "no
difference"; the sign is the quantity a user choosing a treatment bets on, and it is what the
probabilities below predict. It says nothing about the size of a win: the expected size is in
the similar data sets' measured outcomes.

**Model.** Per model family, treatment and reference, an L2-regularised logistic regression
(``C`` = :data:`C`, fixed, not tuned) on the standardised meta-features of
:data:`MODEL_FEATURES` (counts on a log10 scale); per model family and treatment, a ridge
regression (``alpha`` = :data:`RIDGE_ALPHA`) of the Brier change. A pair whose training labels
are all one class gets the smoothed share of wins, ``(wins + 1) / (n + 2)``, for every data set.
Coefficients are on standardised features, so their sizes compare: the features that drive the
advice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.errors import InputDataError
from harness.metrics.meta_features import META_FEATURES

MAIN_METRIC = "test/g_mean"
CALIBRATION_METRIC = "test/brier"
REFERENCES = ("none", "decision_threshold")
#: Meta-features the model reads, and the ones read on a log10 scale.
MODEL_FEATURES = META_FEATURES
LOG_FEATURES = ("rows", "features", "minority", "imbalance_ratio")
#: The imbalance-ratio-only baseline's one feature.
IR_FEATURES = ("imbalance_ratio",)
C = 1.0
RIDGE_ALPHA = 10.0


def outcome_table(
    compact: pd.DataFrame, metric: str = MAIN_METRIC, calibration: str = CALIBRATION_METRIC
) -> pd.DataFrame:
    """Per data set, model family and strategy: the metric, its paired differences and the Brier
    change, from the benchmark's compact table.

    Parameters
    ----------
    compact : DataFrame
        Columns ``dataset``, ``strategy``, ``model``, ``metric``, ``mean`` (one row per cell
        and metric; NaN ``mean`` for a metric that does not fit the cell).
    metric, calibration : str
        The metric the advice is about, and the calibration metric.

    Returns
    -------
    DataFrame
        Columns ``dataset``, ``model``, ``strategy``, ``value`` (the metric's mean),
        ``diff_none``, ``diff_decision_threshold`` (strategy − reference, NaN where either cell
        is missing) and ``calibration_change`` (Brier of the strategy − Brier of ``none``).

    Raises
    ------
    InputDataError
        The table lacks a column or has no row of ``metric``.
    """
    needed = {"dataset", "strategy", "model", "metric", "mean"}
    if missing := needed - set(compact.columns):
        raise InputDataError(
            f"the benchmark table lacks the columns {sorted(missing)}: pass the compact table "
            "`harness benchmark-report` writes (docs/data/benchmark.csv.gz)"
        )
    if not (compact["metric"] == metric).any():
        raise InputDataError(
            f"the benchmark table has no row of {metric}: pass a metric it holds "
            f"({', '.join(sorted(set(compact['metric'])))})"
        )
    wide = compact[compact["metric"].isin([metric, calibration])].pivot_table(
        index=["dataset", "model", "strategy"], columns="metric", values="mean", aggfunc="mean"
    )
    wide = wide.reindex(columns=[metric, calibration])
    table = wide.rename(columns={metric: "value", calibration: "brier"}).reset_index()
    keyed = table.set_index(["dataset", "model", "strategy"])
    for reference in REFERENCES:
        ref = keyed.xs(reference, level="strategy") if reference in set(table["strategy"]) else None
        joined = (
            table.join(ref, on=["dataset", "model"], rsuffix="_ref")
            if ref is not None
            else table.assign(value_ref=np.nan, brier_ref=np.nan)
        )
        table[f"diff_{reference}"] = (joined["value"] - joined["value_ref"]).to_numpy()
        if reference == "none":
            table["calibration_change"] = (joined["brier"] - joined["brier_ref"]).to_numpy()
    return table.drop(columns="brier").sort_values(["model", "dataset", "strategy"], kind="stable")


def design_matrix(features: pd.DataFrame, columns: tuple[str, ...] = MODEL_FEATURES) -> np.ndarray:
    """The meta-features as the model reads them: counts on a log10 scale.

    Parameters
    ----------
    features : DataFrame
        One row per data set, a column per meta-feature.
    columns : tuple of str
        The features to read, in order.

    Returns
    -------
    ndarray of shape (n_datasets, len(columns))

    Raises
    ------
    InputDataError
        A feature is missing, NaN or not positive where it is read on a log scale.
    """
    if missing := [c for c in columns if c not in features.columns]:
        raise InputDataError(f"meta-features {missing} are missing: compute every one of them")
    values = features[list(columns)].to_numpy(dtype=float)
    for j, name in enumerate(columns):
        if name in LOG_FEATURES:
            if (values[:, j] <= 0).any():
                raise InputDataError(f"meta-feature {name} must be positive to take its log")
            values[:, j] = np.log10(values[:, j])
    if not np.isfinite(values).all():
        raise InputDataError(
            "a meta-feature is NaN or infinite: recompute the meta-features (every one is needed)"
        )
    return values


@dataclass(frozen=True)
class Linear:
    """One fitted linear model on standardised features: the expected Brier change.

    Attributes
    ----------
    features : tuple of str
    mean, scale : tuple of float
        The standardisation the coefficients apply after.
    intercept : float
    coef : tuple of float
        Empty for a constant model.
    n : int
        Training data sets.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    intercept: float
    coef: tuple[float, ...]
    n: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The linear predictor for rows of :func:`design_matrix` (same ``features``)."""
        z = np.full(len(X), self.intercept, dtype=float)
        if self.coef:
            z = z + ((X - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.coef)
        return z


@dataclass(frozen=True)
class Logistic(Linear):
    """One fitted logistic model on standardised features: P(a treatment beats a reference).

    Attributes
    ----------
    wins : int
        Training data sets with label 1 (the others as :class:`Linear`).
    """

    wins: int = 0

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(label 1) for rows of :func:`design_matrix` (same ``features``)."""
        return 1.0 / (1.0 + np.exp(-self.predict(X)))

    @property
    def win_share(self) -> float:
        """The smoothed share of training data sets with label 1 (:func:`smoothed_win_share`)."""
        return smoothed_win_share(self.wins, self.n)


def smoothed_win_share(wins: int, n: int) -> float:
    """``(wins + 1) / (n + 2)``: the share of wins with one pseudo-win and one pseudo-loss."""
    return (wins + 1) / (n + 2)


def _standardisation(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def fit_logistic(X: np.ndarray, labels: np.ndarray, features: tuple[str, ...]) -> Logistic:
    """An L2 logistic regression (``C`` = :data:`C`) of ``labels`` on standardised ``X``.

    Parameters
    ----------
    X : ndarray of shape (n, len(features))
        Rows of :func:`design_matrix`.
    labels : ndarray of shape (n,)
        1 where the treatment beat the reference.
    features : tuple of str

    Returns
    -------
    Logistic
        A constant model with the smoothed share of wins when every label is the same.
    """
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(labels, dtype=int)
    n, wins = len(labels), int(labels.sum())
    mean, scale = _standardisation(X)
    if wins in (0, n):
        share = smoothed_win_share(wins, n)
        return Logistic(features, (), (), math.log(share / (1 - share)), (), n, wins)
    model = LogisticRegression(C=C, max_iter=1000).fit((X - mean) / scale, labels)
    return Logistic(
        features,
        tuple(map(float, mean)),
        tuple(map(float, scale)),
        float(model.intercept_[0]),
        tuple(map(float, model.coef_[0])),
        n,
        wins,
    )


def fit_linear(X: np.ndarray, target: np.ndarray, features: tuple[str, ...]) -> Linear:
    """A ridge regression (``alpha`` = :data:`RIDGE_ALPHA`) of ``target`` on standardised ``X``."""
    from sklearn.linear_model import Ridge

    mean, scale = _standardisation(X)
    model = Ridge(alpha=RIDGE_ALPHA).fit((X - mean) / scale, target)
    return Linear(
        features,
        tuple(map(float, mean)),
        tuple(map(float, scale)),
        float(model.intercept_),
        tuple(map(float, model.coef_)),
        len(target),
    )


@dataclass
class FamilyModels:
    """Every model of one model family.

    Attributes
    ----------
    family : str
    beats : dict of (treatment, reference) to Logistic
    calibration : dict of treatment to Linear
        The expected Brier change against ``none``.
    """

    family: str
    beats: dict[tuple[str, str], Logistic] = field(default_factory=dict)
    calibration: dict[str, Linear] = field(default_factory=dict)


def most_frequent_winner(models: FamilyModels, reference: str = "none") -> str:
    """The treatment with the highest smoothed share of wins against ``reference`` (ties by
    name): the choice of the validation's ``prior`` policy, the same for every data set."""
    shares = [
        (-model.win_share, treatment)
        for (treatment, against), model in models.beats.items()
        if against == reference
    ]
    return min(shares)[1]


def training_rows(
    outcomes: pd.DataFrame, features: pd.DataFrame, family: str, treatment: str, column: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The data sets with both an outcome and meta-features, their design rows and targets.

    Returns
    -------
    tuple
        Data set names, :func:`design_matrix` of all :data:`MODEL_FEATURES`, the target column.
    """
    rows = outcomes[(outcomes["model"] == family) & (outcomes["strategy"] == treatment)]
    rows = rows.dropna(subset=[column])
    rows = rows[rows["dataset"].isin(features.index)]
    names = list(rows["dataset"])
    return names, design_matrix(features.loc[names]), rows[column].to_numpy(dtype=float)


def fit_family(
    outcomes: pd.DataFrame,
    features: pd.DataFrame,
    family: str,
    columns: tuple[str, ...] = MODEL_FEATURES,
) -> FamilyModels:
    """Fit the models of one family on every data set of ``outcomes`` with meta-features.

    Parameters
    ----------
    outcomes : DataFrame
        :func:`outcome_table`.
    features : DataFrame
        Meta-features, index ``dataset``.
    family : str
        The model family (``logistic_regression``).
    columns : tuple of str
        The meta-features the models read (:data:`IR_FEATURES` for the baseline).

    Returns
    -------
    FamilyModels
    """
    found = FamilyModels(family)
    positions = [MODEL_FEATURES.index(c) for c in columns]
    strategies = sorted(set(outcomes.loc[outcomes["model"] == family, "strategy"]))
    for treatment in strategies:
        for reference in REFERENCES:
            if treatment == reference or treatment == "none":
                continue
            _, X, diff = training_rows(outcomes, features, family, treatment, f"diff_{reference}")
            if len(diff):
                found.beats[(treatment, reference)] = fit_logistic(
                    X[:, positions], (diff > 0).astype(int), columns
                )
        if treatment != "none":
            _, X, change = training_rows(
                outcomes, features, family, treatment, "calibration_change"
            )
            if len(change) >= 2:
                found.calibration[treatment] = fit_linear(X[:, positions], change, columns)
    return found
