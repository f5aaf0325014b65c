"""The harness's own cost: the ``quick`` ablation through :func:`run_experiment` with tracking
(MLflow, SQLite) and export (Prometheus textfile) on, against the same work in a bare loop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QUICK_STRATEGIES = ("none", "class_weight", "ros", "smote", "adasyn")
SEED = 0


@dataclass(frozen=True)
class AblationPlan:
    """What both variants run: strategies × repeated stratified k-fold on Pima."""

    strategies: tuple[str, ...] = QUICK_STRATEGIES
    n_splits: int = 5
    n_repeats: int = 2


FULL_PLAN = AblationPlan()
# The smoke version: two strategies, three folds, still with tracking and export on.
SMOKE_PLAN = AblationPlan(strategies=("none", "smote"), n_splits=2, n_repeats=1)


def harness_overrides(root: Path, plan: AblationPlan) -> list[str]:
    """Overrides of the harness run: the quick ablation, sequential, all outputs on."""
    return [
        "experiment=quick",
        f"experiment.grid={{resampler: [{', '.join(plan.strategies)}]}}",
        f"evaluation.n_splits={plan.n_splits}",
        f"evaluation.n_repeats={plan.n_repeats}",
        f"paths.root_dir={root}",
        "evaluation.n_jobs=1",
        "evaluation.progress=false",
        "tracking=sqlite",
        "export=textfile",
    ]


def run_through_harness(root: Path, plan: AblationPlan = FULL_PLAN) -> dict[str, Any]:
    """Run the quick ablation with :func:`harness.evaluate.experiment.run_experiment`."""
    from hydra import compose, initialize_config_dir

    from harness.evaluate.experiment import CONF_DIR, run_experiment

    root.mkdir(parents=True, exist_ok=True)
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=harness_overrides(root, plan))
    outcome = run_experiment(cfg, output_dir=root / "quick", overrides=[])
    return {"jobs": len(outcome.records), "failed": len(outcome.failed)}


def _bare_sampler(strategy: str, seed: int) -> Any:
    from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler

    samplers = {"ros": RandomOverSampler, "smote": SMOTE, "adasyn": ADASYN}
    return samplers[strategy](random_state=seed) if strategy in samplers else None


def run_bare_loop(plan: AblationPlan = FULL_PLAN) -> dict[str, Any]:
    """The same folds, preprocessing, models and metrics with scikit-learn and imbalanced-learn
    only: no run folder, no tracking, no export."""
    from sklearn.metrics import (
        average_precision_score,
        balanced_accuracy_score,
        f1_score,
        roc_auc_score,
    )
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from harness.data import load_builtin

    dataset = load_builtin("pima")
    X, y = dataset.X.to_numpy(dtype=float), np.asarray(dataset.y)
    splitter = RepeatedStratifiedKFold(
        n_splits=plan.n_splits, n_repeats=plan.n_repeats, random_state=SEED
    )
    scores = []
    for strategy in plan.strategies:
        for fold, (train, test) in enumerate(splitter.split(X, y)):
            scaler = StandardScaler().fit(X[train])
            X_train, y_train = scaler.transform(X[train]), y[train]
            sampler = _bare_sampler(strategy, SEED + fold)
            if sampler is not None:
                X_train, y_train = sampler.fit_resample(X_train, y_train)
            model = DecisionTreeClassifier(
                criterion="entropy",
                class_weight="balanced" if strategy == "class_weight" else None,
                random_state=SEED + fold,
            ).fit(X_train, y_train)
            X_test = scaler.transform(X[test])
            predicted, proba = model.predict(X_test), model.predict_proba(X_test)[:, 1]
            scores.append(
                (
                    roc_auc_score(y[test], proba),
                    average_precision_score(y[test], proba),
                    f1_score(y[test], predicted),
                    balanced_accuracy_score(y[test], predicted),
                )
            )
    return {"jobs": len(plan.strategies), "failed": 0, "folds": len(scores)}
