"""The harness's own cost on an ablation, against the same work in a bare loop.

Each variant runs in a fresh Python process (``harness.bench.worker``); the clock starts after
the worker's own imports (numpy) and covers every other import the variant needs. Both evaluate
the same :class:`AblationPlan`: built-in data sets × strategies × seeds, each job a decision
tree (entropy) under repeated stratified k-fold with the harness's folds and per-fold seeds.
:data:`FULL_PLAN` is the quick ablation (the five strategies on Pima, 5 jobs);
:func:`sweep_plan` the sweep at scale (8 data sets × 5 strategies × 5 seeds, 200 jobs).

``run_through_harness``
    :func:`harness.pipeline.experiment.run_experiment` as ``harness run experiment=quick`` runs
    it, but sequential (``evaluation.n_jobs=1``), with MLflow tracking into a SQLite store and
    the Prometheus textfile export. Inside the clock: composing the configs with Hydra; per
    job, the harness's samplers (:mod:`harness.resample`), the fold protocol with every metric
    (strategy-independent neighbour and label-noise statistics once per fold, through
    :mod:`harness.evaluate.fold_cache`; tracemalloc around each resampling step), the run folder
    (:class:`harness.runs.RunFolder`: every file written atomically, ``result.json`` last; the
    experiment's ``manifest.json`` before the first job) and the pipeline refitted on all rows
    and saved with MLflow; then the comparison with its paired tests and report, the MLflow
    upload of every run folder under a parent run, and the textfile export.
    The SQLite store: creating it (tables and MLflow's migrations) is a one-time cost per store.
    With ``store="fresh"`` (the worker's default) the timed run creates it, as a first run does;
    with ``store="prepared"`` :func:`create_tracking_store` creates it in its own process before
    the clock, and the worker returns that cost (MLflow's import and the store creation, timed
    apart) next to the run's time.

``run_bare_loop``
    The same per-fold work with scikit-learn, imbalanced-learn and the harness's metric
    functions (:mod:`harness.metrics`: the computation, not the orchestration). Per strategy and
    fold: a ``StandardScaler`` fitted on the training rows; imbalanced-learn's sampler
    (``RandomOverSampler``, ``SMOTE``, ``ADASYN``; none for ``none``, and
    ``class_weight="balanced"`` on the tree for ``class_weight``), timed, with tracemalloc
    around it as the harness measures ``memory/peak_bytes``; the tree fitted (timed);
    predictions and probabilities on the test rows (timed) and on the training rows; then every
    per-fold quantity the harness reports for these data sets (none has a sensitive column):
    the minority SLIs on test and training rows, the train–test gap, accuracy, Brier score and
    calibration error, the recall at the precision target (three inner resample-and-fit steps
    on the training rows, as the harness's operating point), the synthetic ratio and count, the
    invalid-value share and the synthetic rows' distance to their nearest real row, and the
    minority neighbour distances and label-noise estimate once per fold (they do not depend on
    the strategy); the data set's label-issue estimate (cleanlab-style out-of-fold forest)
    once per data set and seed, as the harness caches it. Nothing else: no config, no run
    folder, no aggregation or report, no model refit, no comparison, no tracking, no export.

The ratio of the two times is the cost of orchestration (config composition, run folders,
reports, the refitted and saved model, the comparison), tracking and export, plus the
difference in speed between the harness's samplers and imbalanced-learn's.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QUICK_STRATEGIES = ("none", "class_weight", "ros", "smote", "adasyn")
SEED = 0
N_NEIGHBORS = 5
# The harness's per-fold seed (harness.evaluate.protocol.evaluate_folds).
_FOLD_SEED_STRIDE = 100_003
# The harness's default operating point (conf/evaluation/default.yaml) and its inner folds.
PRECISION_TARGET = 0.7
#: The built-in data sets of the 200-job sweep (8 data sets × 5 strategies × 5 seeds).
SWEEP_DATASETS = (
    "abalone19",
    "abalone9_18",
    "ionosphere",
    "page_blocks0",
    "pima",
    "vehicle0",
    "vowel0",
    "yeast4",
)


@dataclass(frozen=True)
class AblationPlan:
    """What both variants run: data sets × strategies × seeds, each a repeated stratified
    k-fold (one job per data set, strategy and seed)."""

    strategies: tuple[str, ...] = QUICK_STRATEGIES
    n_splits: int = 5
    n_repeats: int = 2
    datasets: tuple[str, ...] = ("pima",)
    seeds: tuple[int, ...] = (SEED,)

    @property
    def n_jobs(self) -> int:
        """How many jobs the plan runs."""
        return len(self.datasets) * len(self.strategies) * len(self.seeds)

    def describe(self) -> str:
        """The job size in words, for the benchmark table."""
        return (
            f"{self.n_jobs} jobs ({len(self.datasets)} data sets × {len(self.strategies)} "
            f"strategies × {len(self.seeds)} seeds), {self.n_splits}-fold × {self.n_repeats}, "
            "decision tree"
        )


FULL_PLAN = AblationPlan()
# The smoke version: two strategies, three folds, still with tracking and export on.
SMOKE_PLAN = AblationPlan(strategies=("none", "smote"), n_splits=2, n_repeats=1)


def sweep_plan(n_seeds: int = 5) -> AblationPlan:
    """The sweep at scale: :data:`SWEEP_DATASETS` × the five strategies × ``n_seeds`` seeds
    (200 jobs with the default 5)."""
    return AblationPlan(datasets=SWEEP_DATASETS, seeds=tuple(range(n_seeds)))


def harness_overrides(root: Path, plan: AblationPlan, profile: str | None = None) -> list[str]:
    """Overrides of the harness run: the plan as the quick experiment's grid, sequential, all
    outputs on.

    With ``profile="sweep"`` the evaluation profile of a large sweep (``conf/evaluation/
    sweep.yaml``: no per-job plots, HTML or saved model, no model or per-fold metric logging).
    """
    profile_overrides = [f"evaluation={profile}"] if profile else []
    grid = {"dataset": plan.datasets, "resampler": plan.strategies, "seed": plan.seeds}
    axes = ", ".join(f"{key}: [{', '.join(map(str, values))}]" for key, values in grid.items())
    return profile_overrides + [
        "experiment=quick",
        # The bare loop fits the entropy tree of conf/model/decision_tree.yaml; the quick
        # experiment's own model (logistic regression) would time a different fit.
        "model=decision_tree",
        "~experiment.grid",
        f"+experiment.grid={{{axes}}}",
        f"evaluation.n_splits={plan.n_splits}",
        f"evaluation.n_repeats={plan.n_repeats}",
        f"paths.root_dir={root}",
        "evaluation.n_jobs=1",
        "evaluation.progress=false",
        "tracking=sqlite",
        "export=textfile",
    ]


def tracking_uri(root: Path) -> str:
    """The SQLite tracking URI the harness variant uses under ``root`` (``conf/tracking``)."""
    return f"sqlite:///{root}/mlflow.db"


def create_tracking_store(root: Path) -> dict[str, float]:
    """Create and migrate the SQLite store of a harness run under ``root``, timed.

    Parameters
    ----------
    root : Path
        The run's ``paths.root_dir``.

    Returns
    -------
    dict
        ``import_seconds`` (importing MLflow and its SQL store) and ``store_seconds``
        (creating the tables and running MLflow's migrations), measured separately.
    """
    started = time.perf_counter()
    # The harness run imports these too: timed apart from creating the store.
    import mlflow.store.tracking.sqlalchemy_store  # noqa: F401

    from harness.tracking.store import ensure_sqlite_db

    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ensure_sqlite_db(tracking_uri(root))
    return {"import_seconds": import_seconds, "store_seconds": time.perf_counter() - started}


def run_through_harness(
    root: Path, plan: AblationPlan = FULL_PLAN, profile: str | None = None
) -> dict[str, Any]:
    """Run the quick ablation with :func:`harness.pipeline.experiment.run_experiment`
    (with the evaluation ``profile`` when given, see :func:`harness_overrides`)."""
    from hydra import compose, initialize_config_dir

    from harness.config_dir import config_dir
    from harness.pipeline.experiment import run_experiment

    root.mkdir(parents=True, exist_ok=True)
    overrides = harness_overrides(root, plan, profile)
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        outcome = run_experiment(cfg, output_dir=root / "quick", overrides=overrides)
    return {"jobs": len(outcome.records), "failed": len(outcome.failed)}


def _bare_sampler(strategy: str, seed: int) -> Any:
    from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler

    samplers = {"ros": RandomOverSampler, "smote": SMOTE, "adasyn": ADASYN}
    return samplers[strategy](random_state=seed) if strategy in samplers else None


def _traced_resample(sampler: Any, X: np.ndarray, y: np.ndarray) -> tuple[Any, Any, float, int]:
    """Resample (or not), timed, with tracemalloc around it as the harness measures it."""
    tracemalloc.start()
    started = time.perf_counter()
    X_fit, y_fit = (X, y) if sampler is None else sampler.fit_resample(X, y)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return X_fit, y_fit, seconds, peak


def _fold_statistics(X_train: np.ndarray, y_train: np.ndarray, seed: int) -> dict[str, float]:
    from harness.metrics import minority_label_noise, neighbor_distance_stats

    stats = neighbor_distance_stats(X_train[y_train == 1], k=N_NEIGHBORS)
    stats["minority_label_noise"] = minority_label_noise(
        X_train, y_train, pos_label=1, k=N_NEIGHBORS, random_state=seed
    )
    return stats


def _operating_point(
    strategy: str,
    X_train: np.ndarray,
    y_train: np.ndarray,
    y_test: np.ndarray,
    score: np.ndarray,
    fold_seed: int,
) -> float:
    """Test recall at the threshold that reaches :data:`PRECISION_TARGET` precision on
    out-of-fold training scores (inner stratified 3-fold, each inner part resampled), as the
    harness's operating point; NaN when the fold has too few minority rows."""
    from sklearn.model_selection import StratifiedKFold

    from harness.evaluate.protocol import INNER_FOLDS
    from harness.metrics.calibration import threshold_for_precision

    if int(np.sum(y_train == 1)) < INNER_FOLDS:
        return float("nan")
    inner_scores = np.empty(len(y_train))
    inner = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=fold_seed)
    for part, (fit_rows, score_rows) in enumerate(inner.split(X_train, y_train)):
        inner_seed = fold_seed * INNER_FOLDS + part
        sampler = _bare_sampler(strategy, inner_seed)
        X_part, y_part = X_train[fit_rows], y_train[fit_rows]
        X_fit, y_fit = (X_part, y_part) if sampler is None else sampler.fit_resample(X_part, y_part)
        model = _bare_tree(strategy, inner_seed).fit(X_fit, y_fit)
        inner_scores[score_rows] = model.predict_proba(X_train[score_rows])[:, 1]
    threshold = threshold_for_precision(y_train, inner_scores, PRECISION_TARGET)
    if np.isnan(threshold):
        return 0.0
    return float(np.mean(score[y_test == 1] >= threshold))


def _bare_tree(strategy: str, seed: int) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(
        criterion="entropy",
        class_weight="balanced" if strategy == "class_weight" else None,
        random_state=seed,
    )


def _fold_row(
    strategy: str,
    X: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    fold_seed: int,
    statistics: dict[int, dict[str, float]],
) -> dict[str, float]:
    """Every per-fold quantity the harness reports for a data set without sensitive columns.

    ``statistics`` holds the strategy-independent ones by fold seed (computed once per fold).
    """
    from sklearn.preprocessing import StandardScaler

    from harness.metrics import (
        minority_slis,
        synthetic_distance_stats,
        synthetic_ratio,
        train_test_gap,
    )
    from harness.metrics.calibration import brier_score, expected_calibration_error
    from harness.metrics.validity import invalid_value_share

    scaler = StandardScaler().fit(X[train])
    X_train, y_train = scaler.transform(X[train]), y[train]
    X_test, y_test = scaler.transform(X[test]), y[test]
    X_fit, y_fit, resample_s, peak = _traced_resample(
        _bare_sampler(strategy, fold_seed), X_train, y_train
    )
    model = _bare_tree(strategy, fold_seed)
    started = time.perf_counter()
    model.fit(X_fit, y_fit)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    predicted, score = model.predict(X_test), model.predict_proba(X_test)[:, 1]
    predict_s = time.perf_counter() - started
    train_predicted = model.predict(X_train)
    train_score = model.predict_proba(X_train)[:, 1]

    test_slis = minority_slis(y_test, predicted, score)
    train_slis = minority_slis(y_train, train_predicted, train_score)
    synthetic = X_fit[len(y_train) :]
    if fold_seed not in statistics:
        statistics[fold_seed] = _fold_statistics(X_train, y_train, fold_seed)
    return {
        **test_slis,
        **{f"train_{k}": v for k, v in train_slis.items()},
        **train_test_gap(train_slis, test_slis),
        "accuracy": float(np.mean(predicted == y_test)),
        "brier": brier_score(y_test, score),
        "ece": expected_calibration_error(y_test, score),
        "recall_at_precision": _operating_point(
            strategy, X_train, y_train, y_test, score, fold_seed
        ),
        "synthetic_ratio": synthetic_ratio(len(synthetic), len(y_fit)),
        "invalid_value_share": invalid_value_share(X_train, synthetic),
        **synthetic_distance_stats(X_train, synthetic),
        **statistics[fold_seed],
        "resample_seconds": resample_s,
        "fit_seconds": fit_s,
        "predict_seconds": predict_s,
        "peak_bytes": peak,
    }


def run_bare_loop(plan: AblationPlan = FULL_PLAN) -> dict[str, Any]:
    """The same folds, preprocessing, samplers, models and per-fold metrics in a plain loop:
    no run folder, no tracking, no export (see the module docstring for the exact work)."""
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.preprocessing import StandardScaler

    from harness.data import load_builtin
    from harness.metrics.label_quality import label_issue_shares

    rows = []
    for name in plan.datasets:
        dataset = load_builtin(name)
        X, y = dataset.X.to_numpy(dtype=float), np.asarray(dataset.y)
        # Strategy-independent, as the harness caches them: the data set's label issues once
        # per seed, the neighbour and label-noise statistics once per fold.
        fold_statistics: dict[int, dict[str, float]] = {}
        for seed in plan.seeds:
            label_issue_shares(StandardScaler().fit_transform(X), y, random_state=seed)
        for strategy in plan.strategies:
            for seed in plan.seeds:
                splitter = RepeatedStratifiedKFold(
                    n_splits=plan.n_splits, n_repeats=plan.n_repeats, random_state=seed
                )
                for index, (train, test) in enumerate(splitter.split(X, y)):
                    fold_seed = seed * _FOLD_SEED_STRIDE + index
                    rows.append(_fold_row(strategy, X, y, train, test, fold_seed, fold_statistics))
    return {"jobs": plan.n_jobs, "failed": 0, "folds": len(rows)}
