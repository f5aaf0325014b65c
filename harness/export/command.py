"""``harness dashboards``, ``harness serve-metrics`` and ``harness replay``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from harness.errors import ConfigError

DEFAULT_PORT = 9109


def _results_root() -> Path:
    return Path(os.environ.get("HARNESS_ROOT", ".")) / "outputs"


def dashboards_main(argv: list[str]) -> int:
    """Regenerate ``dashboards/`` (Grafana JSON, provisioning, Prometheus rules) from an SLO set."""
    from harness.export.generate import generate_all

    parser = argparse.ArgumentParser(
        prog="harness dashboards",
        description="Regenerate the Grafana dashboards and Prometheus rules from an SLO set.",
    )
    parser.add_argument("--slo", default="default", help="SLO set name or YAML path")
    parser.add_argument("--out", type=Path, default=Path("dashboards"), help="output folder")
    ns = parser.parse_args(argv)
    for path in generate_all(ns.slo, ns.out):
        print(path)
    return 0


def serve_metrics_main(argv: list[str]) -> int:
    """Serve the latest run results as Prometheus metrics until interrupted."""
    from harness.export.http_server import start_metrics_server, wait_until_interrupted
    from harness.slo import load_slo_set

    parser = argparse.ArgumentParser(
        prog="harness serve-metrics",
        description="Serve the latest results under a folder on http://ADDR:PORT/metrics.",
    )
    parser.add_argument("--root", type=Path, default=None, help="folder with run folders")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--addr", default="127.0.0.1")
    parser.add_argument("--slo", default="default", help="SLO set for harness_slo_met")
    ns = parser.parse_args(argv)
    root = ns.root or _results_root()
    # Start first, so a port in use is reported instead of a "serving" line.
    server, thread = start_metrics_server(root, ns.port, ns.addr, slo=load_slo_set(ns.slo))
    print(f"serving {root} on http://{ns.addr}:{ns.port}/metrics (Ctrl-C stops)", flush=True)
    wait_until_interrupted(server, thread)
    return 0


def _fit_replay_model(dataset_name: str, resampler: str, model_name: str, seed: int):
    """Fit preprocess → resample → model on 70 % of a data set; return it and the other 30 %."""
    from hydra import compose, initialize_config_dir
    from imblearn.pipeline import Pipeline
    from sklearn.model_selection import train_test_split

    from harness.evaluate.experiment import CONF_DIR
    from harness.evaluate.protocol import make_preprocessor
    from harness.instantiate import instantiate_component
    from harness.models import build_model

    overrides = [f"dataset={dataset_name}", f"resampler={resampler}", f"model={model_name}"]
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    dataset = instantiate_component(cfg.dataset.loader)
    sampler = instantiate_component(cfg.resampler.sampler)
    if "random_state" in sampler.get_params():
        sampler.set_params(random_state=seed)
    model = build_model(
        cfg.model,
        class_weight=getattr(sampler, "model_class_weight", None),
        random_state=seed,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        dataset.X, dataset.y, test_size=0.3, stratify=dataset.y, random_state=seed
    )
    pipeline = Pipeline(
        [("preprocess", make_preprocessor(dataset)), ("resample", sampler), ("model", model)]
    )
    pipeline.fit(X_train, y_train)
    return pipeline, X_test, y_test


def replay_main(argv: list[str]) -> int:
    """Stream a held-out set through a model at a chosen rate, exporting serving counters."""
    from harness.export.replay import CovariateDrift, LabelShift, PushTarget, replay
    from harness.export.serving import MinorityOutcomeCounter

    parser = argparse.ArgumentParser(
        prog="harness replay",
        description=(
            "Game day on one machine: fit a model on 70 %% of a data set, then stream the other "
            "30 %% through it at --rate rows/s, counting minority outcomes for Prometheus "
            "(served on --port and/or pushed to --pushgateway)."
        ),
    )
    parser.add_argument("--dataset", default="pima")
    parser.add_argument("--resampler", default="adasyn")
    parser.add_argument("--model", default="decision_tree")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=50.0, help="rows per second")
    parser.add_argument("--duration", type=float, default=None, help="seconds (default: one pass)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--drift", type=float, default=None, help="covariate shift, in std")
    parser.add_argument("--label-flip", type=float, default=None, help="share of minority flipped")
    parser.add_argument("--shift-after", type=float, default=0.5, help="stream share before shift")
    parser.add_argument("--port", type=int, default=None, help="serve counters on this port")
    parser.add_argument("--pushgateway", default=None, help="push counters to this URL")
    parser.add_argument("--linger", type=float, default=0.0, help="seconds to keep serving")
    ns = parser.parse_args(argv)
    if ns.port is None and ns.pushgateway is None:
        raise ConfigError(
            "replay needs somewhere to export: pass --port (e.g. 9110, scraped by Prometheus) "
            "or --pushgateway http://127.0.0.1:9091."
        )
    model, X, y = _fit_replay_model(ns.dataset, ns.resampler, ns.model, ns.seed)
    counter = MinorityOutcomeCounter(model=f"{ns.model}-{ns.resampler}", dataset=ns.dataset)
    drift = CovariateDrift(ns.drift, after_fraction=ns.shift_after) if ns.drift else None
    shift = (
        LabelShift(after_fraction=ns.shift_after, flip_minority=ns.label_flip)
        if ns.label_flip
        else None
    )
    print(f"replaying {len(y)} held-out rows of {ns.dataset} at {ns.rate:g} rows/s", flush=True)
    report = replay(
        model,
        X,
        y,
        rate_per_s=ns.rate,
        duration_s=ns.duration,
        batch_size=ns.batch_size,
        drift=drift,
        label_shift=shift,
        counter=counter,
        push=PushTarget(ns.pushgateway) if ns.pushgateway else None,
        port=ns.port,
        linger_s=ns.linger,
        random_state=ns.seed,
    )
    print(
        f"done: {report.rows} rows in {report.batches} batches, {report.elapsed_s:.1f} s; "
        f"minority recall {counter.minority_recall():.3f}; push failures {report.push_failures}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(replay_main(sys.argv[1:]))
