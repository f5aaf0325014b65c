"""A synthetic benchmark whose outcomes follow a known rule of the meta-features.

Oversamplers win (G-mean up) on data sets with little minority overlap and lose where the
overlap is high, whatever the imbalance ratio; class weights win on every data set, threshold
tuning on none. A model on the meta-features can learn the rule; the imbalance ratio alone
cannot.
"""

import numpy as np
import pandas as pd
import pytest

from harness.metrics.meta_features import META_FEATURES

STRATEGIES = ("none", "class_weight", "decision_threshold", "ros", "smote", "adasyn")
FAMILIES = ("logistic_regression", "knn")


def synthetic_features(n: int = 24, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    minority = rng.integers(10, 200, n)
    rows = minority * rng.uniform(2, 40, n)
    table = pd.DataFrame(
        {
            "rows": rows.round(),
            "features": rng.integers(3, 40, n).astype(float),
            "minority": minority.astype(float),
            "imbalance_ratio": (rows.round() - minority) / minority,
            "minority_overlap": rng.uniform(0, 0.8, n),
            "f1v": rng.uniform(0.05, 0.9, n),
            "n3": rng.uniform(0, 0.3, n),
            "n3_minority": rng.uniform(0, 0.9, n),
            "label_issues": rng.uniform(0, 0.6, n),
        },
        index=pd.Index([f"set{i:02d}" for i in range(n)], name="dataset"),
    )
    table.insert(0, "digest", [f"d{i}" for i in range(n)])
    table["note"] = ""
    return table[["digest", *META_FEATURES, "note"]]


def synthetic_compact(features: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for family in FAMILIES:
        for name, meta in features.iterrows():
            base = rng.uniform(0.4, 0.8)
            oversampling = 0.05 if meta["minority_overlap"] < 0.4 else -0.05
            gains = {
                "none": 0.0,
                "class_weight": 0.02,
                "decision_threshold": -0.01,
                "ros": oversampling,
                "smote": oversampling + 0.01,
                "adasyn": oversampling + 0.005,
            }
            for strategy, gain in gains.items():
                g_mean = base + gain + rng.normal(0, 0.005)
                brier = 0.1 + (0.03 if strategy in ("ros", "smote", "adasyn") else 0.0)
                for metric, value in (("test/g_mean", g_mean), ("test/brier", brier)):
                    rows.append(
                        {
                            "dataset": name,
                            "strategy": strategy,
                            "model": family,
                            "metric": metric,
                            "mean": value,
                            "ci_low": value - 0.05,
                            "ci_high": value + 0.05,
                            "n_folds": 10,
                            "missing": "",
                        }
                    )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def benchmark():
    features = synthetic_features()
    return synthetic_compact(features), features


@pytest.fixture(scope="session")
def fitted(benchmark):
    from harness.advisor.fit import fit_advisor

    compact, features = benchmark
    return fit_advisor(compact, features, table_sha256="0" * 64, bootstrap=100)


@pytest.fixture(scope="session")
def stored(fitted, tmp_path_factory):
    from harness.advisor.store import StoredAdvisor, write_model

    folder = tmp_path_factory.mktemp("advisor")
    write_model(folder, fitted.document, fitted.features, fitted.outcomes)
    return StoredAdvisor(folder)
