"""The ``harness`` commands: one module per command, sharing :mod:`harness.commands.common`.

:data:`COMMANDS` is the table the entry point (:mod:`harness.cli`) dispatches on and the
completion script lists: each command's module, its function (``main(argv) -> exit code``)
and its one-line help. A command module is imported only when its command runs, so help and
completion stay quick.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One ``harness`` command: where its code is and what it does."""

    module: str
    """The module under :mod:`harness.commands` (``"gate"``)."""
    function: str
    """Its entry point, ``function(argv: list[str]) -> int``."""
    help: str
    """The line ``harness --help`` shows."""


COMMANDS: dict[str, Command] = {
    "run": Command(
        "run", "run_main", "run an experiment or a sweep (Hydra overrides; -m for a sweep)"
    ),
    "plan": Command(
        "plan",
        "plan_main",
        "before running: the smallest effect each objective can detect with a run's design",
    ),
    "datasets": Command("datasets", "datasets_main", "list the built-in data sets"),
    "compare": Command("compare", "compare_main", "compare the jobs of a run or sweep folder"),
    "gate": Command("gate", "gate_main", "CI model-quality gate"),
    "promote": Command(
        "gate", "promote_main", "register a model and move the champion alias when the gate passes"
    ),
    "sync": Command("sync", "sync_main", "upload stored runs to MLflow"),
    "dashboards": Command(
        "monitoring",
        "dashboards_main",
        "regenerate dashboards/ (Grafana, Prometheus rules) from an SLO set",
    ),
    "serve-metrics": Command(
        "monitoring",
        "serve_metrics_main",
        "serve the latest results as Prometheus metrics over HTTP",
    ),
    "replay": Command(
        "monitoring",
        "replay_main",
        "stream a held-out set through a model, exporting serving counters",
    ),
    "simulate-alerts": Command(
        "monitoring",
        "simulate_alerts_main",
        "measure the recall pages at label rates against the sequential bound (real Prometheus)",
    ),
    "bench": Command("bench", "bench_main", "benchmark the samplers"),
    "benchmark-report": Command(
        "benchmark",
        "benchmark_main",
        "docs/benchmark.md and its compact table from the runs of experiment=benchmark",
    ),
    "advise": Command(
        "advise",
        "advise_main",
        "should I resample this data? advice from a model of the benchmark (dataset overrides)",
    ),
    "advisor-fit": Command(
        "advise",
        "advisor_fit_main",
        "refit the advisor and docs/advisor.md from the benchmark's compact table",
    ),
    "resample": Command(
        "resample",
        "resample_main",
        "exact ADASYN on partitioned Parquet, distributed with Ray (--engine ray)",
    ),
    "completion": Command(
        "completion",
        "completion_main",
        "print a bash completion script (source <(harness completion bash))",
    ),
}
