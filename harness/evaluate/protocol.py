"""The leakage-free evaluation protocol: folds, fit, resample, predict, measure.

For every (repeat, fold) of a repeated stratified k-fold:

1. the preprocessor (scaling, one-hot) is fitted on the training fold only;
2. the sampler resamples the transformed training fold only;
3. the model is fitted on the resampled training fold;
4. the model predicts the *original* training rows (for the train–test gap) and the test fold.

Test rows are never seen by the preprocessor, the sampler or the model before prediction, and no
synthetic row is ever predicted or scored.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from harness.data import Dataset
from harness.evaluate.fold_cache import FOLD_STATISTICS, FoldStatisticsCache
from harness.evaluate.pooled import FoldPredictions
from harness.evaluate.settings import EvaluationSettings
from harness.evaluate.splits import Split, fold_splits
from harness.metrics import (
    group_fairness,
    minority_slis,
    synthetic_distance_stats,
    synthetic_ratio,
    train_test_gap,
)
from harness.metrics.calibration import (
    brier_score,
    expected_calibration_error,
    threshold_for_precision,
)
from harness.metrics.catalog import fairness_keys
from harness.metrics.validity import invalid_value_share


class FoldObserver(Protocol):
    """Receives what one fold fitted and predicted on (used by the leakage tests)."""

    def __call__(self, event: FoldEvent) -> None: ...


@dataclass
class FoldEvent:
    """Everything one fold fed to its steps, by row position in the data set."""

    repeat: int
    fold: int
    train_index: np.ndarray
    test_index: np.ndarray
    X_fit: np.ndarray
    y_fit: np.ndarray
    n_original_fit: int
    X_predict_test: np.ndarray
    X_predict_train: np.ndarray


@dataclass
class FoldArtifacts:
    """Data kept from the first fold for lineage, realism and privacy checks."""

    lineage: pd.DataFrame | None = None
    train_minority: np.ndarray | None = None
    synthetic: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    all_lineage: list[pd.DataFrame] = field(default_factory=list)
    oof_true: list[np.ndarray] = field(default_factory=list)
    oof_score: list[np.ndarray] = field(default_factory=list)
    oof_pred: list[np.ndarray] = field(default_factory=list)
    oof_groups: list[pd.DataFrame] = field(default_factory=list)
    fold_predictions: list[FoldPredictions] = field(default_factory=list)


@dataclass
class ProtocolResult:
    """Per-fold metrics and the artifacts of the evaluation of one configuration."""

    folds: pd.DataFrame
    artifacts: FoldArtifacts
    n_train: int
    n_test: int


def make_preprocessor(dataset: Dataset) -> ColumnTransformer:
    """Scale numeric columns and one-hot encode categorical ones.

    Parameters
    ----------
    dataset : Dataset
        Provides the column names and which of them are categorical.

    Returns
    -------
    ColumnTransformer
        Unfitted; the protocol fits a clone on each training fold.
    """
    categorical = [c for c in dataset.categorical if c in dataset.X.columns]
    numeric = [c for c in dataset.X.columns if c not in categorical]
    transformers: list[tuple[str, Any, list[str]]] = []
    if numeric:
        transformers.append(("numeric", StandardScaler(), numeric))
    if categorical:
        transformers.append(
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                categorical,
            )
        )
    return ColumnTransformer(transformers, sparse_threshold=0.0, verbose_feature_names_out=True)


@contextmanager
def _peak_memory(enabled: bool) -> Iterator[dict[str, float]]:
    """Peak bytes traced by tracemalloc inside the block (NaN when disabled).

    Only the resampling step is traced: tracemalloc slows every allocation while it runs, and
    the sampler is the step whose memory differs between strategies.
    """
    box = {"peak_bytes": float("nan")}
    if not enabled:
        yield box
        return
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield box
    finally:
        _, peak = tracemalloc.get_traced_memory()
        box["peak_bytes"] = float(peak)
        if not already:
            tracemalloc.stop()


def _scores(model: Any, X: np.ndarray) -> np.ndarray | None:
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        classes = list(model.classes_)
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(X))
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return None


def one_hot_groups(pre: ColumnTransformer) -> list[list[int]]:
    """Output positions of each one-hot encoded column of a fitted preprocessor."""
    if "categorical" not in pre.named_transformers_:
        return []
    encoder = pre.named_transformers_["categorical"]
    start = pre.output_indices_["categorical"].start
    groups = []
    for categories in encoder.categories_:
        groups.append(list(range(start, start + len(categories))))
        start += len(categories)
    return groups


def with_nominal_groups(sampler: Any, groups: list[list[int]]) -> Any:
    """Tell a categorical-aware sampler (ADASYN-NC, SMOTE-NC) which output columns are the
    one-hot groups of the preprocessor, so it resamples categories, never fractions of them."""
    params = sampler.get_params() if hasattr(sampler, "get_params") else {}
    if params.get("categorical_features", None) == "auto" and groups:
        sampler.set_params(categorical_features=groups)
    return sampler


def thresholded(sampler: Any, model: Any, seed: int) -> Any:
    """The decision-threshold baseline tunes the model's threshold on its training rows."""
    if getattr(sampler, "tune_threshold", False):
        return sampler.wrap_model(model, random_state=seed)
    return model


def _synthetic_rows(sampler: Any, X_fit: np.ndarray, n_train: int) -> tuple[int, np.ndarray]:
    """The number and the rows of synthetic samples in a resampled training fold.

    Read from the sampler's lineage (``row`` positions) when it has one: combined over- and
    under-samplers (SMOTE-ENN, SMOTE-Tomek) remove rows and regroup them, so "the rows after
    the original ones" would be wrong for them.
    """
    lineage = getattr(sampler, "lineage_", None)
    n_synthetic = getattr(sampler, "n_synthetic_", None)
    if lineage is not None and n_synthetic is not None and "row" in lineage:
        rows = lineage["row"].to_numpy()
        if len(rows) == n_synthetic and (rows >= 0).all():
            return int(n_synthetic), np.asarray(X_fit)[rows]
    n_synthetic = max(0, len(X_fit) - n_train)
    return n_synthetic, np.asarray(X_fit)[n_train:]


def _calibration(y_test: np.ndarray, y_score: np.ndarray | None, model: Any) -> dict:
    """Brier score and ECE of the minority probability (NaN without probabilities)."""
    if y_score is None or not hasattr(model, "predict_proba"):
        return {"test/brier": float("nan"), "test/ece": float("nan")}
    return {
        "test/brier": brier_score(y_test, y_score),
        "test/ece": expected_calibration_error(y_test, y_score),
    }


INNER_FOLDS = 3
#: What the operating point of a fold reports (:func:`_operating_point`).
OPERATING_POINT_KEYS = (
    "test/recall_at_precision",
    "test/threshold_at_precision",
    "test/precision_at_threshold",
    "test/precision_below_target",
    "test/operating_point_reached",
)


def _in_unit(values: np.ndarray) -> bool:
    return bool(values.min() >= 0.0 and values.max() <= 1.0)


def _operating_point(
    X_train: np.ndarray,
    y_train: np.ndarray,
    y_test: np.ndarray,
    y_score: np.ndarray | None,
    make_sampler: Callable[[int], Any],
    make_model: Callable[[int], Any],
    fold_seed: int,
    target: float,
    nominal_groups: list[list[int]],
) -> dict[str, float]:
    """Minority recall on the test fold at a threshold tuned on the training fold only.

    The threshold is the lowest that reaches ``target`` precision on out-of-fold scores of the
    training rows (inner stratified 3-fold; each inner training part is resampled like the
    outer one). Comparing strategies at this operating point removes the prior shift that
    oversampling causes at the default 0.5 threshold.

    When no threshold reaches the target on the training rows, there is no operating point:
    the recall, the threshold and the precision reached are NaN (never 0.0, which would enter a
    mean as a measurement) and ``test/operating_point_reached`` is 0 for the fold. The
    precision the tuned threshold reaches on the test fold is reported, with whether it falls
    below the target there.
    """
    from sklearn.model_selection import StratifiedKFold

    nan = {key: float("nan") for key in OPERATING_POINT_KEYS}
    if y_score is None or int(np.sum(y_train == 1)) < INNER_FOLDS:
        return nan
    inner_scores = np.full(len(y_train), np.nan)
    inner = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=fold_seed)
    for part, (fit_rows, score_rows) in enumerate(inner.split(X_train, y_train)):
        inner_seed = fold_seed * INNER_FOLDS + part
        sampler = with_nominal_groups(make_sampler(inner_seed), nominal_groups)
        X_fit, y_fit = sampler.fit_resample(X_train[fit_rows], y_train[fit_rows])
        # Not thresholded: a tuned threshold changes the labels, never the scores (the tuned
        # model's scores are those of the same model refitted on the same rows).
        model = make_model(inner_seed).fit(X_fit, y_fit)
        scores = _scores(model, X_train[score_rows])
        if scores is None:
            return nan
        inner_scores[score_rows] = scores
    if np.isnan(inner_scores).any():
        return nan
    if not (_in_unit(inner_scores) and _in_unit(y_score)):
        # Decision-function scores: map both through the training rows' empirical CDF, which
        # keeps their order (and so every threshold's predictions).
        reference = np.sort(inner_scores)
        inner_scores = np.searchsorted(reference, inner_scores, side="right") / reference.size
        y_score = np.searchsorted(reference, y_score, side="right") / reference.size
    threshold = threshold_for_precision(y_train, inner_scores, target)
    if np.isnan(threshold):
        return {**nan, "test/operating_point_reached": 0.0}
    positives = y_test == 1
    predicted = y_score >= threshold
    recall = float(np.mean(predicted[positives])) if positives.any() else float("nan")
    precision = float(np.mean(positives[predicted])) if predicted.any() else float("nan")
    below = float("nan") if np.isnan(precision) else float(precision < target)
    return {
        "test/recall_at_precision": recall,
        "test/threshold_at_precision": float(threshold),
        "test/precision_at_threshold": precision,
        "test/precision_below_target": below,
        "test/operating_point_reached": 1.0,
    }


def dataset_splits(dataset: Dataset, settings: EvaluationSettings, seed: int) -> list[Split]:
    """The ``(repeat, fold, train, test)`` splits ``settings`` make on ``dataset`` for ``seed``:
    the folds :func:`evaluate_folds` evaluates, and the ones a plan sizes."""
    return fold_splits(
        np.asarray(dataset.y),
        n_splits=settings.n_splits,
        n_repeats=settings.n_repeats,
        seed=seed,
        scheme=settings.folds,
        groups=getattr(dataset, "groups", None),
        order=getattr(dataset, "order", None),
        test_size=settings.test_size,
    )


def evaluate_folds(
    dataset: Dataset,
    make_sampler: Callable[[int], Any],
    make_model: Callable[[int], Any],
    settings: EvaluationSettings,
    *,
    seed: int = 0,
    observer: FoldObserver | None = None,
    progress: Callable[[], None] | None = None,
    statistics_cache: FoldStatisticsCache = FOLD_STATISTICS,
) -> ProtocolResult:
    """Evaluate one (sampler, model) pair on every fold of ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        Features, binary target (1 = minority) and sensitive columns.
    make_sampler, make_model : callable
        Called with a per-fold seed; return a fresh sampler / unfitted estimator.
    settings : EvaluationSettings
        The fold scheme (``folds``: :func:`harness.evaluate.splits.fold_splits`; ``group``
        reads ``dataset.groups``, ``time`` reads ``dataset.order``), ``n_splits``,
        ``n_repeats`` and ``test_size``; ``n_neighbors`` (K of the neighbour-distance
        statistics and the minority-overlap rate); ``track_memory`` (the peak memory traced
        while the sampler resamples each fold); ``lineage`` (``all_folds`` keeps every fold's);
        ``precision_target`` (the minority precision the operating point must reach: each fold
        tunes the decision threshold on out-of-fold scores of its training rows, an inner 3-fold
        cross-validation that resamples inside each inner training part, and reports
        ``test/recall_at_precision`` and ``test/threshold_at_precision``; ``None`` skips the
        inner fits).
    seed : int
        Seed of the folds, and the base of every per-fold seed.
    observer : callable, optional
        Receives a :class:`FoldEvent` per fold (what was fitted and predicted on).
    progress : callable, optional
        Called once per finished fold.
    statistics_cache : FoldStatisticsCache, optional
        Where the strategy-independent statistics of each fold (minority neighbour distances,
        minority overlap) are kept, so that the strategies of an ablation compute them once per
        fold; the process-wide cache by default.

    Returns
    -------
    ProtocolResult
    """
    n_neighbors = settings.n_neighbors
    track_memory = settings.track_memory
    precision_target = settings.precision_target
    X_all = dataset.X
    y_all = np.asarray(dataset.y)
    rows: list[dict[str, Any]] = []
    artifacts = FoldArtifacts()
    preprocessor = make_preprocessor(dataset)
    splits = dataset_splits(dataset, settings, seed)
    for index, (repeat, fold, train, test) in enumerate(splits):
        fold_seed = seed * 100_003 + index
        pre = clone(preprocessor)
        X_train = pre.fit_transform(X_all.iloc[train])
        X_test = pre.transform(X_all.iloc[test])
        y_train, y_test = y_all[train], y_all[test]

        nominal_groups = one_hot_groups(pre)
        sampler = with_nominal_groups(make_sampler(fold_seed), nominal_groups)
        with _peak_memory(track_memory) as memory:
            started = time.perf_counter()
            X_fit, y_fit = sampler.fit_resample(X_train, y_train)
            resample_s = time.perf_counter() - started

        model = thresholded(sampler, make_model(fold_seed), fold_seed)
        started = time.perf_counter()
        model.fit(X_fit, y_fit)
        fit_s = time.perf_counter() - started

        started = time.perf_counter()
        y_pred = model.predict(X_test)
        y_score = _scores(model, X_test)
        predict_s = time.perf_counter() - started
        y_pred_train = model.predict(X_train)
        y_score_train = _scores(model, X_train)

        if observer is not None:
            observer(
                FoldEvent(
                    repeat=repeat,
                    fold=fold,
                    train_index=train,
                    test_index=test,
                    X_fit=X_fit,
                    y_fit=y_fit,
                    n_original_fit=len(y_train),
                    X_predict_test=X_test,
                    X_predict_train=X_train,
                )
            )

        n_synthetic, synthetic_rows = _synthetic_rows(sampler, X_fit, len(y_train))
        row: dict[str, Any] = {"repeat": repeat, "fold": fold}
        test_slis = minority_slis(y_test, y_pred, y_score, pos_label=1)
        train_slis = minority_slis(y_train, y_pred_train, y_score_train, pos_label=1)
        row.update({f"test/{k}": v for k, v in test_slis.items()})
        row.update({f"train/{k}": v for k, v in train_slis.items()})
        row.update({f"gap/{k}": v for k, v in train_test_gap(train_slis, test_slis).items()})
        row["test/accuracy"] = float(np.mean(np.asarray(y_pred) == y_test))
        # Hard scores (a tree's 0/1, a k-NN's k+1 values) rank nothing: counted per fold.
        row["test/score_levels"] = float(np.unique(y_score).size) if y_score is not None else 0.0
        row.update(_calibration(y_test, y_score, model))
        if precision_target is not None:
            row.update(
                _operating_point(
                    X_train,
                    y_train,
                    y_test,
                    y_score,
                    make_sampler,
                    make_model,
                    fold_seed,
                    precision_target,
                    nominal_groups,
                )
            )
        row["resample/n_synthetic"] = float(n_synthetic)
        row["resample/synthetic_ratio"] = synthetic_ratio(n_synthetic, len(y_fit))
        row["resample/invalid_value_share"] = invalid_value_share(
            X_train, synthetic_rows, one_hot_groups=nominal_groups
        )
        minority_train = X_train[y_train == 1]
        fold_stats = statistics_cache.get(X_train, y_train, k=n_neighbors, random_state=fold_seed)
        # Same keys in the same order as always: folds.csv columns keep their order.
        row.update({k: v for k, v in fold_stats.items() if k.startswith("neighbors/")})
        row.update(
            {
                f"neighbors/{k}": v
                for k, v in synthetic_distance_stats(X_train, synthetic_rows).items()
            }
        )
        row["data/minority_overlap"] = fold_stats["data/minority_overlap"]
        row["time/resample_seconds"] = resample_s
        row["time/fit_seconds"] = fit_s
        row["time/predict_seconds"] = predict_s
        row["memory/peak_bytes"] = memory["peak_bytes"]
        for column in dataset.sensitive.columns:
            groups = dataset.sensitive[column].iloc[test].astype(str).to_numpy()
            row.update(fairness_keys(str(column), group_fairness(y_test, y_pred, groups)))
        rows.append(row)

        lineage = getattr(sampler, "lineage_", None)
        if lineage is not None and (index == 0 or settings.keep_all_lineage):
            tagged = lineage.assign(repeat=repeat, fold=fold)
            artifacts.all_lineage.append(tagged)
        artifacts.fold_predictions.append(
            FoldPredictions(
                repeat,
                y_test,
                np.asarray(y_pred),
                None if y_score is None else np.asarray(y_score),
                rows=np.asarray(test),
            )
        )
        if repeat == 0:
            artifacts.oof_true.append(y_test)
            artifacts.oof_pred.append(np.asarray(y_pred))
            if y_score is not None:
                artifacts.oof_score.append(np.asarray(y_score))
            artifacts.oof_groups.append(dataset.sensitive.iloc[test].astype(str))
        if index == 0:
            artifacts.lineage = lineage
            artifacts.train_minority = minority_train
            artifacts.synthetic = np.asarray(synthetic_rows)
            artifacts.feature_names = [str(n) for n in pre.get_feature_names_out()]
        if progress is not None:
            progress()

    folds = pd.DataFrame(rows)
    n_train = int(np.mean([len(s[2]) for s in splits]))
    n_test = int(np.mean([len(s[3]) for s in splits]))
    return ProtocolResult(folds=folds, artifacts=artifacts, n_train=n_train, n_test=n_test)
