"""Regenerate everything under ``dashboards/`` from one SLO set.

Prometheus rule files and an example server configuration go to ``dashboards/prometheus/``,
the Alertmanager configuration to ``dashboards/alertmanager/``, Grafana dashboards and
file-provisioning YAML to ``dashboards/grafana/``. The output is deterministic, so
regenerating a checked-in tree yields no diff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.export.alertmanager import alertmanager_config, alertmanager_notes
from harness.export.dashboards import write_dashboards
from harness.export.monitoring import MonitoringSettings, load_monitoring_settings
from harness.export.rules import render_yaml, write_rule_files
from harness.slo import SLOSet, load_slo_set

RULE_FILES = ("recording_rules.yml", "alert_rules.yml")
GRAFANA_DASHBOARD_DIR = "/var/lib/grafana/dashboards/harness"
PROMETHEUS_URL = "http://prometheus:9090"
DATASOURCE_UID = "prometheus"

PROMETHEUS_NOTES = """\
# Scrape jobs, one per way the harness exports metrics:
#   node_textfile: node_exporter started with --collector.textfile.directory pointing at the
#                  folder where the textfile exporter writes harness_*.prom files;
#   pushgateway:   batch runs and the gate's verdicts are pushed; honor_labels keeps their
#                  labels (experiment, dataset, resampler, model) instead of the gateway's;
#   harness:       `harness serve-metrics` (latest results over HTTP, port 9109);
#   harness_replay: the serving counters of a model service or `harness replay --port 9110`.
# Batch results reach Prometheus by one of textfile, Pushgateway or serve-metrics: scraping two
# of them gives each series twice (instance "" and host:port). The rules and dashboards
# aggregate over instance and job, so nothing fires or counts twice, but keep the jobs you use.
# Adjust the targets to your hosts and ports; Alertmanager runs with alertmanager.yml.
"""


def prometheus_config(interval: str = "30s") -> dict[str, Any]:
    """Example ``prometheus.yml``: the scrape jobs, the rule files and Alertmanager.

    ``interval`` is the scrape and evaluation interval (``alerting.evaluation_interval``).
    """
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": list(RULE_FILES),
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": ["localhost:9093"]}]}]},
        "scrape_configs": [
            {
                "job_name": "node_textfile",
                "static_configs": [{"targets": ["localhost:9100"]}],
            },
            {
                "job_name": "pushgateway",
                "honor_labels": True,
                "static_configs": [{"targets": ["localhost:9091"]}],
            },
            {
                "job_name": "harness",
                "static_configs": [{"targets": ["localhost:9109"]}],
            },
            {
                "job_name": "harness_replay",
                "static_configs": [{"targets": ["localhost:9110"]}],
            },
        ],
    }


def grafana_dashboard_provider() -> dict[str, Any]:
    """Grafana file provisioning of the generated dashboards."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "adasyn-harness",
                "orgId": 1,
                "folder": "adasyn-harness",
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": GRAFANA_DASHBOARD_DIR, "foldersFromFilesStructure": False},
            }
        ],
    }


def grafana_datasource() -> dict[str, Any]:
    """Grafana file provisioning of the Prometheus data source the dashboards default to."""
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "uid": DATASOURCE_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": PROMETHEUS_URL,
                "isDefault": True,
                "editable": False,
                "jsonData": {"timeInterval": "30s"},
            }
        ],
    }


def generate_all(
    slo: str | Path | SLOSet = "default",
    out_dir: Path = Path("dashboards"),
    *,
    monitoring: str | Path | MonitoringSettings | None = None,
) -> list[Path]:
    """Write every generated monitoring file for an SLO set.

    Parameters
    ----------
    slo : str, Path or SLOSet
        An SLO set name under ``conf/slo/``, the path of an SLO YAML file, or a loaded set.
    out_dir : Path
        Root of the generated tree (``dashboards/`` of the repository by default).
    monitoring : str, Path or MonitoringSettings, optional
        Monitoring settings beyond the SLO set, or a YAML file of them
        (:mod:`harness.export.monitoring`); the defaults for the SLO set when omitted.

    Returns
    -------
    list of Path
        The files written, in a stable order.

    Raises
    ------
    ConfigError
        The SLO set or the monitoring settings cannot be found or are invalid.
    """
    slo_set = slo if isinstance(slo, SLOSet) else load_slo_set(slo)
    settings = (
        monitoring
        if isinstance(monitoring, MonitoringSettings)
        else load_monitoring_settings(monitoring, slo_set)
    )
    source = slo_set.source or f"{slo_set.name}.yaml"
    out_dir = Path(out_dir)
    prometheus_dir = out_dir / "prometheus"
    alertmanager_dir = out_dir / "alertmanager"
    grafana_dir = out_dir / "grafana"
    provisioning_dir = grafana_dir / "provisioning"

    written = write_rule_files(slo_set, prometheus_dir, settings)
    example = prometheus_dir / "prometheus.example.yml"
    example.write_text(
        render_yaml(
            prometheus_config(settings.alerting.evaluation_interval),
            source,
            notes=PROMETHEUS_NOTES,
        )
    )
    written.append(example)

    alertmanager_dir.mkdir(parents=True, exist_ok=True)
    routing = alertmanager_dir / "alertmanager.yml"
    routing.write_text(
        render_yaml(
            alertmanager_config(slo_set, settings), source, notes=alertmanager_notes(settings)
        )
    )
    written.append(routing)

    written.extend(write_dashboards(slo_set, grafana_dir, settings))
    provisioning_dir.mkdir(parents=True, exist_ok=True)
    for name, document in (
        ("dashboards.yml", grafana_dashboard_provider()),
        ("datasources.yml", grafana_datasource()),
    ):
        path = provisioning_dir / name
        path.write_text(render_yaml(document, source))
        written.append(path)
    return written
