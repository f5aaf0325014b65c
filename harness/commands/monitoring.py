"""``harness dashboards``, ``harness serve-metrics``, ``harness replay`` and
``harness simulate-alerts``."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.commands.common import add_slo_option, command_parser
from harness.errors import ConfigError

DEFAULT_PORT = 9109
DEFAULT_LINGER_S = 65.0
DEFAULT_DRIFT_WINDOW_S = 60.0


def _results_root() -> Path:
    return Path(os.environ.get("HARNESS_ROOT", ".")) / "outputs"


def dashboards_parser() -> argparse.ArgumentParser:
    """The parser of ``harness dashboards``."""
    parser = command_parser(
        "harness dashboards",
        "Regenerate the Grafana dashboards, the Prometheus rules and the Alertmanager "
        "configuration from an SLO set; prints every file written.",
        "harness dashboards",
        "harness dashboards --slo high_recall --out dashboards-high-recall",
        "harness dashboards --monitoring ops/monitoring.yaml",
    )
    add_slo_option(parser, "the alerts and dashboards follow")
    parser.add_argument("--out", type=Path, default=Path("dashboards"), help="output folder")
    parser.add_argument(
        "--monitoring",
        type=Path,
        default=None,
        help=(
            "YAML with monitoring settings beyond the SLO set (precision objective, drift, "
            "cohorts, alert routing, runbook and MLflow links); see docs/monitoring.md "
            "(default: the SLO set's own)"
        ),
    )
    return parser


def dashboards_main(argv: list[str]) -> int:
    """Regenerate ``dashboards/`` (Grafana JSON, provisioning, Prometheus rules, Alertmanager
    configuration) from an SLO set."""
    ns = dashboards_parser().parse_args(argv)
    from harness.export.generate import generate_all
    from harness.export.monitoring import load_monitoring_settings
    from harness.export.rules import alert_names
    from harness.export.runbooks import runbook_link_problems
    from harness.slo import load_slo_set

    slo_set = load_slo_set(ns.slo)
    settings = load_monitoring_settings(ns.monitoring, slo_set)
    for path in generate_all(slo_set, ns.out, monitoring=settings):
        print(path)
    base_url = settings.alerting.runbook_base_url
    for problem in runbook_link_problems(base_url, alert_names(slo_set, settings)):
        print(f"warning: {problem}", file=sys.stderr)
    if slo_set.labels is not None:
        from harness.export.label_rate import label_supply_notes

        objective = slo_set.serving.minority_recall_objective
        for note in label_supply_notes(objective, slo_set.labels):
            print(f"note: {note}", file=sys.stderr)
    return 0


def simulate_alerts_parser() -> argparse.ArgumentParser:
    """The parser of ``harness simulate-alerts``."""
    parser = command_parser(
        "harness simulate-alerts",
        "Measure the generated recall pages on simulated serving counters with a real "
        "Prometheus (backfilled blocks, recording rules backfilled, alert expressions "
        "evaluated with query_range and for: applied): the time from a fall of recall to the "
        "page at each label rate, drop and label delay, against the sequential (CUSUM) bound, "
        "and the false pages per 30 days of a healthy model. Prints the Markdown tables of "
        "docs/monitoring.md.",
        "harness simulate-alerts",
        "harness simulate-alerts --quick",
        "harness simulate-alerts --slo high_recall --rates 50 --drops 0.05 --delays 1h",
    )
    add_slo_option(parser, "whose serving recall alerts are measured")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small design (one rate, one drop, one delay, 2 series, 10 healthy days): "
        "minutes instead of the full design's tens of minutes",
    )
    parser.add_argument(
        "--rates",
        type=_numbers,
        default=None,
        help="minority labels per hour, comma-separated (default: 10,50,200)",
    )
    parser.add_argument(
        "--drops",
        type=_numbers,
        default=None,
        help="falls of recall below the objective, comma-separated (default: 0.05,0.1,0.2)",
    )
    parser.add_argument(
        "--delays", default=None, help="label delays, comma-separated (default: 0s,1h,6h)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return parser


def _numbers(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers, e.g. 10,50,200"
        ) from None


QUICK_DESIGN = {
    "rates": (200.0,),
    "drops": (0.2,),
    "delays": ("1h",),
    "replicates": 2,
    "healthy_days": 10.0,
    "warmup_hours": 6.0,
    "horizon_hours": 6.0,
}


def simulate_alerts_main(argv: list[str]) -> int:
    """Measure the generated recall pages against the sequential bound; print the tables."""
    ns = simulate_alerts_parser().parse_args(argv)  # before the heavy stack: --help stays quick
    import json

    from harness.export.alert_simulation import (
        SimulationDesign,
        as_json,
        markdown_tables,
        simulate,
    )
    from harness.slo import load_slo_set

    slo_set = load_slo_set(ns.slo)
    chosen = {
        "rates": ns.rates,
        "drops": ns.drops,
        "delays": tuple(ns.delays.split(",")) if ns.delays else None,
    }
    fields = {**(QUICK_DESIGN if ns.quick else {}), **{k: v for k, v in chosen.items() if v}}
    design = SimulationDesign(seed=ns.seed, **fields)
    results = simulate(slo_set, design, progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(markdown_tables(results, design), end="")
    if ns.json is not None:
        ns.json.write_text(json.dumps(as_json(results, design), indent=2) + "\n")
    return 0


def serve_metrics_parser() -> argparse.ArgumentParser:
    """The parser of ``harness serve-metrics``."""
    parser = command_parser(
        "harness serve-metrics",
        "Serve the latest results of the run folders under a folder on "
        "http://ADDR:PORT/metrics, read again on every scrape, until interrupted (Ctrl-C).",
        "harness serve-metrics",
        "harness serve-metrics --root outputs/runs/quick --port 9200",
        "harness serve-metrics --slo high_recall --port 9111",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="folder with run folders (default: outputs under $HARNESS_ROOT or .)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument("--addr", default="127.0.0.1", help="address to listen on")
    add_slo_option(parser, "of harness_slo_met and harness_slo_objective_threshold")
    return parser


def serve_metrics_main(argv: list[str]) -> int:
    """Serve the latest run results as Prometheus metrics until interrupted."""
    ns = serve_metrics_parser().parse_args(argv)
    from harness.export.http_server import start_metrics_server, wait_until_interrupted
    from harness.slo import load_slo_set

    root = ns.root or _results_root()
    # Start first, so a port in use is reported instead of a "serving" line.
    server, thread = start_metrics_server(root, ns.port, ns.addr, slo=load_slo_set(ns.slo))
    print(f"serving {root} on http://{ns.addr}:{ns.port}/metrics (Ctrl-C stops)", flush=True)
    wait_until_interrupted(server, thread)
    return 0


@dataclass(frozen=True)
class ReplayData:
    """A model fitted on 70 % of a data set, and the rows to replay through it."""

    model: Any
    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    sensitive_test: Any  # DataFrame of the held-out rows' sensitive columns (maybe no column)


def _fit_replay_model(dataset_name: str, resampler: str, model_name: str, seed: int) -> ReplayData:
    """Fit preprocess → resample → model on 70 % of a data set; keep the other 30 % to replay.

    The model is built as a job builds its saved model (:class:`JobComponents`), from the
    config ``harness run dataset=... resampler=... model=... seed=...`` composes.
    """
    from hydra import compose, initialize_config_dir
    from sklearn.model_selection import train_test_split

    from harness.components.job import JobComponents, load_dataset_from_config
    from harness.config_dir import config_dir

    overrides = [
        f"dataset={dataset_name}",
        f"resampler={resampler}",
        f"model={model_name}",
        f"seed={seed}",
    ]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    dataset = load_dataset_from_config(cfg)
    components = JobComponents.build(cfg)
    X_train, X_test, y_train, y_test, _, sensitive_test = train_test_split(
        dataset.X,
        dataset.y,
        dataset.sensitive,
        test_size=0.3,
        stratify=dataset.y,
        random_state=seed,
    )
    pipeline = components.pipeline(dataset, seed)
    pipeline.fit(X_train, y_train)
    return ReplayData(pipeline, X_train, y_train, X_test, y_test, sensitive_test)


PHASE_KINDS = ("clean", "drift", "label-flip", "majority-flip")


def parse_phase(text: str, ns: argparse.Namespace) -> Any:
    """Turn ``SECONDS:KIND[+KIND]`` into a :class:`~harness.export.replay.Phase`.

    ``drift`` uses ``--drift``, ``label-flip`` ``--label-flip`` and ``majority-flip``
    ``--majority-flip``; ``clean`` has no shift.

    Raises
    ------
    ConfigError
        A malformed phase, an unknown kind, or a kind whose magnitude option is not given.
    """
    from harness.export.replay import CovariateDrift, LabelShift, Phase

    seconds_text, _, kinds_text = text.partition(":")
    try:
        seconds = float(seconds_text)
    except ValueError:
        seconds = -1.0
    kinds = [k for k in kinds_text.split("+") if k]
    unknown = [k for k in kinds if k not in PHASE_KINDS]
    if not seconds > 0 or not kinds or unknown:
        raise ConfigError(
            f"--phase {text!r} is not SECONDS:KIND with KIND one of {', '.join(PHASE_KINDS)} "
            "(join several with +); write e.g. --phase 30:drift or --phase 20:clean."
        )
    needs = {"drift": ("drift", "--drift 3"), "label-flip": ("label_flip", "--label-flip 0.9")}
    needs["majority-flip"] = ("majority_flip", "--majority-flip 0.3")
    for kind in kinds:
        if kind in needs and getattr(ns, needs[kind][0]) is None:
            raise ConfigError(
                f"--phase {text!r} needs the size of its shift: add {needs[kind][1]}."
            )
    drift = CovariateDrift(ns.drift) if "drift" in kinds else None
    flip_minority = ns.label_flip if "label-flip" in kinds else 0.0
    flip_majority = ns.majority_flip if "majority-flip" in kinds else 0.0
    shift = None
    if flip_minority or flip_majority:
        shift = LabelShift(flip_minority=flip_minority, flip_majority=flip_majority)
    return Phase(seconds, drift=drift, label_shift=shift, name="+".join(kinds))


def replay_parser() -> argparse.ArgumentParser:
    """The parser of ``harness replay``."""
    parser = command_parser(
        "harness replay",
        "Game day on one machine: fit a model on 70 % of a data set, then stream the other "
        "30 % through it at --rate rows/s, counting minority outcomes (recall and precision "
        "SLIs), per-cohort outcomes and per-window drift of the minority class for "
        "Prometheus (served on --port and/or pushed to --pushgateway). Without --duration "
        "or --phase the stream is one pass over the held-out rows.",
        "harness replay --port 9110",
        "harness replay --port 9110 --drift 3 --phase 60:clean --phase 120:drift",
        "harness replay --pushgateway http://127.0.0.1:9091 --dataset arrests "
        "--cohort-column sex --rate 200",
    )
    parser.add_argument("--dataset", default="pima", help="built-in data set (harness datasets)")
    parser.add_argument("--resampler", default="adasyn", help="resampler option (conf/resampler/)")
    parser.add_argument("--model", default="decision_tree", help="model option (conf/model/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, sampler and model")
    parser.add_argument(
        "--model-name",
        default=None,
        help=(
            "the series' model label: name it after the registered model (harness promote "
            "--model-name) so the alerts' mlflow_url opens it (default: MODEL-RESAMPLER, "
            "which names no registered model)"
        ),
    )
    parser.add_argument("--rate", type=float, default=50.0, help="rows per second")
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds to stream (default: one pass)"
    )
    parser.add_argument("--batch-size", type=int, default=50, help="rows per prediction call")
    parser.add_argument(
        "--drift", type=float, default=None, help="covariate shift in std (negative: downwards)"
    )
    parser.add_argument(
        "--label-flip",
        type=float,
        default=None,
        help="share of minority labels flipped to majority (false positives: precision drops)",
    )
    parser.add_argument(
        "--majority-flip",
        type=float,
        default=None,
        help="share of majority labels flipped to minority (false negatives: recall drops)",
    )
    parser.add_argument(
        "--shift-after", type=float, default=0.5, help="stream share before the shift"
    )
    parser.add_argument(
        "--phase",
        action="append",
        default=None,
        metavar="SECONDS:KIND",
        help=(
            f"timed phase, repeatable, KIND one of {', '.join(PHASE_KINDS)} (join with +), "
            "e.g. --phase 60:clean --phase 120:drift --phase 60:clean; replaces --duration "
            "and --shift-after"
        ),
    )
    parser.add_argument(
        "--drift-window",
        type=float,
        default=DEFAULT_DRIFT_WINDOW_S,
        help="seconds per minority drift test against the training rows (0: off)",
    )
    parser.add_argument(
        "--cohort-column", default=None, help="sensitive column whose groups get their own recall"
    )
    parser.add_argument(
        "--max-cohorts", type=int, default=20, help="cohort values kept before __other__"
    )
    parser.add_argument("--port", type=int, default=None, help="serve counters on this port")
    parser.add_argument("--pushgateway", default=None, help="push counters to this URL")
    parser.add_argument(
        "--linger",
        type=float,
        default=None,
        help=(
            "seconds to keep serving on --port after the stream, so scrapes see the final "
            f"counts (default {DEFAULT_LINGER_S:g} with --port: two 30 s scrapes)"
        ),
    )
    return parser


def replay_main(argv: list[str]) -> int:
    """Stream a held-out set through a model at a chosen rate, exporting serving counters."""
    ns = replay_parser().parse_args(argv)  # before the serving stack: --help stays quick
    from harness.export.cohorts import CohortOutcomeCounter
    from harness.export.drift_monitor import MinorityDriftMonitor, require_evidently
    from harness.export.replay import (
        CovariateDrift,
        LabelShift,
        PushTarget,
        ReplayPlan,
        ReplaySinks,
        replay,
    )
    from harness.export.serving import MinorityOutcomeCounter

    if ns.port is None and ns.pushgateway is None:
        raise ConfigError(
            "replay needs somewhere to export: pass --port (e.g. 9110, scraped by Prometheus) "
            "or --pushgateway http://127.0.0.1:9091."
        )
    phases = [parse_phase(text, ns) for text in ns.phase] if ns.phase else None
    drift = shift = None
    if phases is None:
        drift = CovariateDrift(ns.drift, after_fraction=ns.shift_after) if ns.drift else None
        if ns.label_flip or ns.majority_flip:
            shift = LabelShift(
                after_fraction=ns.shift_after,
                flip_minority=ns.label_flip or 0.0,
                flip_majority=ns.majority_flip or 0.0,
            )
    elif ns.duration is not None:
        raise ConfigError("--phase sets the stream's length: drop --duration, or drop --phase.")
    # Checked when built: a bad plan is refused before the model is fitted.
    plan = ReplayPlan(
        rate_per_s=ns.rate,
        duration_s=ns.duration,
        batch_size=ns.batch_size,
        drift=drift,
        label_shift=shift,
        phases=phases,
    )
    if ns.drift_window and ns.drift_window > 0:
        require_evidently()  # before the model is fitted, not after
    if ns.model_name is not None and not ns.model_name.strip():
        raise ConfigError(
            "--model-name is empty: give the registered model's name, e.g. --model-name fraud-v3."
        )
    data = _fit_replay_model(ns.dataset, ns.resampler, ns.model, ns.seed)
    model_name = ns.model_name or f"{ns.model}-{ns.resampler}"
    counter = MinorityOutcomeCounter(model=model_name, dataset=ns.dataset)
    cohort_counter, cohorts = None, None
    if ns.cohort_column is not None:
        columns = list(data.sensitive_test.columns)
        if ns.cohort_column not in columns:
            raise ConfigError(
                f"--cohort-column {ns.cohort_column!r} is not a sensitive column of "
                f"{ns.dataset}; choose one of {columns or 'none (this data set has none)'}."
            )
        cohorts = data.sensitive_test[ns.cohort_column].to_numpy()
        cohort_counter = CohortOutcomeCounter(
            counter.registry,
            model=counter.model,
            dataset=counter.dataset,
            sensitive=ns.cohort_column,
            max_cohorts=ns.max_cohorts,
        )
    monitor = None
    if ns.drift_window and ns.drift_window > 0:
        minority = data.X_train[data.y_train == counter.positive_label]
        monitor = MinorityDriftMonitor(
            counter.registry,
            model=counter.model,
            dataset=counter.dataset,
            reference=minority,
            window_s=ns.drift_window,
        ).start()
    linger = ns.linger if ns.linger is not None else (DEFAULT_LINGER_S if ns.port else 0.0)
    rows = len(data.y_test)
    print(
        f"replaying {rows} held-out rows of {ns.dataset} at {ns.rate:g} rows/s as model "
        f"{counter.model!r}",
        flush=True,
    )
    if ns.model_name is None:
        print(
            f"note: {counter.model!r} names no registered model, so the alerts' mlflow_url "
            "finds nothing; pass --model-name with the registered model's name.",
            flush=True,
        )

    def announce(index: int, phase: Any) -> None:
        print(f"phase {index + 1}/{len(phases)} {phase.name}: {phase.seconds:g} s", flush=True)

    try:
        report = replay(
            data.model,
            data.X_test,
            data.y_test,
            plan,
            ReplaySinks(
                counter,
                cohort_counter=cohort_counter,
                drift_monitor=monitor,
                push=PushTarget(ns.pushgateway) if ns.pushgateway else None,
                port=ns.port,
                linger_s=linger,
            ),
            cohorts=cohorts,
            random_state=ns.seed,
            on_phase=announce,
        )
    finally:
        if monitor is not None:
            monitor.stop()
    print(
        f"done: {report.rows} rows in {report.batches} batches, {report.elapsed_s:.1f} s "
        f"(+{linger:g} s serving the final counts); minority recall "
        f"{counter.minority_recall():.3f}; push failures {report.push_failures}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(replay_main(sys.argv[1:]))
