"""Prometheus export, serving instrumentation, alert rules and Grafana dashboards."""

from harness.export.http_server import serve_metrics, start_metrics_server
from harness.export.names import SLI_METRIC_NAMES, prometheus_series
from harness.export.prometheus import (
    ExportReport,
    ExportWarning,
    ResultsCollector,
    build_registry,
    export_results,
    results_registry,
)
from harness.export.replay import CovariateDrift, LabelShift, PushTarget, ReplayReport, replay
from harness.export.serving import MinorityOutcomeCounter

__all__ = [
    "SLI_METRIC_NAMES",
    "CovariateDrift",
    "ExportReport",
    "ExportWarning",
    "LabelShift",
    "MinorityOutcomeCounter",
    "PushTarget",
    "ReplayReport",
    "ResultsCollector",
    "build_registry",
    "export_results",
    "prometheus_series",
    "replay",
    "results_registry",
    "serve_metrics",
    "start_metrics_server",
]
