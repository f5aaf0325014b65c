"""Prometheus export, serving instrumentation, alert rules, Alertmanager routing and Grafana
dashboards."""

from harness.export.cohorts import CohortOutcomeCounter
from harness.export.drift_monitor import MinorityDriftMonitor
from harness.export.http_server import serve_metrics, start_metrics_server
from harness.export.monitoring import MonitoringSettings, load_monitoring_settings
from harness.export.names import SLI_METRIC_NAMES, prometheus_series
from harness.export.prometheus import (
    ExportReport,
    ExportWarning,
    ResultsCollector,
    build_registry,
    export_results,
    results_registry,
)
from harness.export.replay import (
    CovariateDrift,
    LabelShift,
    Phase,
    PushTarget,
    ReplayPlan,
    ReplayReport,
    ReplaySinks,
    replay,
)
from harness.export.serving import MinorityOutcomeCounter
from harness.export.verdicts import export_gate_verdicts, objective_verdicts, verdict_registry

__all__ = [
    "SLI_METRIC_NAMES",
    "CohortOutcomeCounter",
    "CovariateDrift",
    "ExportReport",
    "ExportWarning",
    "LabelShift",
    "MinorityDriftMonitor",
    "MinorityOutcomeCounter",
    "MonitoringSettings",
    "Phase",
    "PushTarget",
    "ReplayPlan",
    "ReplayReport",
    "ReplaySinks",
    "ResultsCollector",
    "build_registry",
    "export_gate_verdicts",
    "export_results",
    "load_monitoring_settings",
    "objective_verdicts",
    "prometheus_series",
    "replay",
    "results_registry",
    "serve_metrics",
    "start_metrics_server",
    "verdict_registry",
]
