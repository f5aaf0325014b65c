"""One measurement in a fresh process: ``python -m harness.bench.worker '<json request>'``.

The request names a sampler implementation and a data file (or an overhead variant); the last
line printed is a JSON object with the wall time and the peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from harness.bench.implementations import IMPLEMENTATIONS


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference_difficulty(X: np.ndarray, y: np.ndarray, n_neighbors: int = 5) -> np.ndarray:
    """r_i exactly as imbalanced-learn's ADASYN computes it, for minority class 1."""
    from sklearn.neighbors import NearestNeighbors

    minority = X[y == 1]
    index = NearestNeighbors(n_neighbors=n_neighbors + 1).fit(X)
    neighbours = index.kneighbors(minority, return_distance=False)[:, 1:]
    return (y[neighbours] != 1).sum(axis=1) / n_neighbors


def _backend_used(sampler: Any, X: np.ndarray, y: np.ndarray) -> str | None:
    """The backend the minority→all search of ADASYN (or SMOTE's minority search) ran on."""
    from harness.resample.neighbors import resolve_backend_name

    name = getattr(sampler, "backend", None)
    if not isinstance(name, str):
        return None
    n_minority = int((y == 1).sum())
    n_reference = X.shape[0] if hasattr(sampler, "n_neighbors") else n_minority
    return resolve_backend_name(name, n_reference, n_minority, X.shape[1])


WARM_UP_ROWS = 3000


def warm_up(impl: Any, X: np.ndarray, y: np.ndarray) -> None:
    """One untimed call on the first rows, so lazy imports and first-call set-up are not timed.

    Without it a 10k-row measurement (tens of milliseconds) is mostly module loading.
    """
    rows = slice(0, min(WARM_UP_ROWS, X.shape[0]))
    if np.unique(y[rows], return_counts=True)[1].min() > 6:
        impl.build(0).fit_resample(X[rows], y[rows])


MIN_TIMED_SECONDS = 1.0
MAX_CALLS = 25


def time_calls(
    impl: Any, seed: int, X: np.ndarray, y: np.ndarray
) -> tuple[list[float], Any, tuple[int, ...], np.dtype]:
    """Wall times of ``fit_resample`` calls, repeated while they total under a second.

    A call of a few milliseconds is timed several times (at most :data:`MAX_CALLS`) and the
    median kept, as ``timeit`` does, so one scheduler hiccup does not decide a 10k-row result;
    a call of a second or more is timed once. Each call gets a fresh sampler with the same
    seed. Returns the times, the first call's sampler (for r_i and g_i) and its output's shape
    and dtype.
    """
    times, first = [], None
    while not times or (sum(times) < MIN_TIMED_SECONDS and len(times) < MAX_CALLS):
        sampler = impl.build(seed)
        start = time.perf_counter()
        X_out, _ = sampler.fit_resample(X, y)
        times.append(time.perf_counter() - start)
        if first is None:
            first, shape, dtype = sampler, X_out.shape, X_out.dtype
        del X_out  # freed before the next call: the peak is one call's
    return times, first, shape, dtype


def run_sampler(request: dict[str, Any]) -> dict[str, Any]:
    """Time ``fit_resample`` (see :func:`time_calls`); optionally save r_i and g_i."""
    impl = IMPLEMENTATIONS[request["implementation"]]
    with np.load(request["data"]) as data:
        X, y = data["X"], data["y"]
    warm_up(impl, X, y)
    baseline = peak_rss_mib()
    times, sampler, output_shape, output_dtype = time_calls(impl, int(request["seed"]), X, y)
    result = {
        "seconds": float(np.median(times)),
        "calls": len(times),
        "backend": _backend_used(sampler, X, y),
        "peak_rss_mib": peak_rss_mib(),
        "rss_increase_mib": peak_rss_mib() - baseline,
        "n_output_rows": int(output_shape[0]),
        "output_dtype": str(output_dtype),
    }
    save_dir = request.get("save_difficulty")
    if save_dir:
        folder = Path(save_dir)
        if impl.library == "harness":
            np.save(folder / "difficulty.npy", sampler.difficulty_[1])
            np.save(folder / "allocation.npy", sampler.allocation_[1])
        else:
            np.save(folder / "difficulty.npy", reference_difficulty(X, y))
    return result


def run_overhead(request: dict[str, Any]) -> dict[str, Any]:
    """Time the quick ablation through the harness or through a bare loop.

    ``variant`` is ``harness``, ``bare`` or ``store`` (only create the harness run's MLflow
    store under ``root``, timed). For ``harness``, ``store`` says where the one-time store
    creation goes: ``fresh`` (default) inside the clock, as on a first run; ``prepared`` before
    it, in a separate fresh process, with its cost returned as ``store_setup`` so that nothing
    is hidden.
    """
    from harness.bench import overhead

    root = Path(request["root"])
    if request["variant"] == "store":
        return overhead.create_tracking_store(root)
    plan = overhead.AblationPlan(
        strategies=tuple(request["strategies"]),
        n_splits=int(request["n_splits"]),
        n_repeats=int(request["n_repeats"]),
        datasets=tuple(request.get("datasets", ("pima",))),
        seeds=tuple(int(seed) for seed in request.get("seeds", (0,))),
    )
    extra: dict[str, Any] = {}
    if request["variant"] == "harness":
        store = request.get("store", "fresh")
        if store not in ("fresh", "prepared"):
            raise ValueError(f"store={store!r}: use fresh or prepared")
        if store == "prepared":
            from harness.bench.suite import run_worker

            extra["store_setup"] = run_worker(
                {"kind": "overhead", "variant": "store", "root": str(root)}
            )
        extra["store"] = store
    start = time.perf_counter()
    if request["variant"] == "harness":
        details = overhead.run_through_harness(root, plan, request.get("profile"))
    else:
        details = overhead.run_bare_loop(plan)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mib": peak_rss_mib(), **details, **extra}


def main(argv: list[str] | None = None) -> int:
    request = json.loads((argv or sys.argv[1:])[0])
    handler = run_overhead if request.get("kind") == "overhead" else run_sampler
    print(json.dumps(handler(request)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
