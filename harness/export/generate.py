"""Regenerate everything under ``dashboards/`` from one SLO set.

Prometheus rule files and an example server configuration go to ``dashboards/prometheus/``,
Grafana dashboards and file-provisioning YAML to ``dashboards/grafana/``. The output is
deterministic, so regenerating a checked-in tree yields no diff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.export.dashboards import write_dashboards
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
#   pushgateway:   batch runs push their metrics; honor_labels keeps the run's labels
#                  (experiment, dataset, resampler, model) instead of the gateway's;
#   harness:       `harness serve-metrics` (latest results over HTTP, port 9109);
#   harness_replay: the serving counters of a model service or `harness replay --port 9110`.
# Adjust the targets to your hosts and ports.
"""


def prometheus_config() -> dict[str, Any]:
    """Example ``prometheus.yml``: the three scrape jobs, the rule files and Alertmanager."""
    return {
        "global": {"scrape_interval": "30s", "evaluation_interval": "30s"},
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
    slo: str | Path | SLOSet = "default", out_dir: Path = Path("dashboards")
) -> list[Path]:
    """Write every generated monitoring file for an SLO set.

    Parameters
    ----------
    slo : str, Path or SLOSet
        An SLO set name under ``conf/slo/``, the path of an SLO YAML file, or a loaded set.
    out_dir : Path
        Root of the generated tree (``dashboards/`` of the repository by default).

    Returns
    -------
    list of Path
        The files written, in a stable order.

    Raises
    ------
    ConfigError
        The SLO set cannot be found or is invalid.
    """
    slo_set = slo if isinstance(slo, SLOSet) else load_slo_set(slo)
    source = slo_set.source or f"{slo_set.name}.yaml"
    out_dir = Path(out_dir)
    prometheus_dir = out_dir / "prometheus"
    grafana_dir = out_dir / "grafana"
    provisioning_dir = grafana_dir / "provisioning"

    written = write_rule_files(slo_set, prometheus_dir)
    example = prometheus_dir / "prometheus.example.yml"
    example.write_text(render_yaml(prometheus_config(), source, notes=PROMETHEUS_NOTES))
    written.append(example)

    written.extend(write_dashboards(slo_set, grafana_dir))
    provisioning_dir.mkdir(parents=True, exist_ok=True)
    for name, document in (
        ("dashboards.yml", grafana_dashboard_provider()),
        ("datasources.yml", grafana_datasource()),
    ):
        path = provisioning_dir / name
        path.write_text(render_yaml(document, source))
        written.append(path)
    return written
