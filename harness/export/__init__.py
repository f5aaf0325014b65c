"""Prometheus export, serving instrumentation, alert rules and Grafana dashboards."""

from harness.export.names import prometheus_series
from harness.export.prometheus import (
    ExportReport,
    ExportWarning,
    ResultsCollector,
    export_results,
    results_registry,
    scan_records,
)

__all__ = [
    "ExportReport",
    "ExportWarning",
    "ResultsCollector",
    "export_results",
    "prometheus_series",
    "results_registry",
    "scan_records",
]
