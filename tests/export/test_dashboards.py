"""Grafana dashboards and provisioning generated from the SLO set."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from harness.errors import ConfigError
from harness.export.dashboards import (
    DASHBOARDS,
    all_panel_queries,
    dashboard_json,
    label_quality_keys,
    metric_series,
    panel_queries,
)
from harness.export.generate import generate_all
from harness.export.monitoring import parse_monitoring_settings
from harness.slo import SLOSet, load_slo_set
from tests.support.prometheus import free_port, require_binary

REPO = Path(__file__).resolve().parents[2]
CHECKED_IN = REPO / "dashboards"
FILTERS = ("$experiment", "$dataset", "$resampler")
SERVING_PREFIXES = ("harness:", "clamp(1 - harness:", "harness_serving_", "ALERTS")


@pytest.fixture(scope="module")
def dashboards(default_slo: SLOSet) -> dict[str, dict]:
    return {name: json.loads(dashboard_json(name, default_slo)) for name in DASHBOARDS}


def _generate(out_dir: Path) -> list[Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return generate_all("default", out_dir)


def _content_panels(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def _panel(dashboard: dict, title: str) -> dict:
    return next(p for p in _content_panels(dashboard) if p["title"] == title)


def test_metric_series_follows_the_naming_contract() -> None:
    assert metric_series("test/minority_recall") == "harness_test_minority_recall"
    assert metric_series("fairness/sex/group/F/recall") == "harness_fairness_group_recall"
    assert (
        metric_series("fairness/race/equalized_odds_difference")
        == "harness_fairness_equalized_odds_difference"
    )


def test_fixed_uids_and_titles(dashboards: dict[str, dict]) -> None:
    assert {name: d["uid"] for name, d in dashboards.items()} == {
        "executive": "harness-executive",
        "oncall": "harness-oncall",
        "debug": "harness-debug",
    }
    for dashboard in dashboards.values():
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_template_variables_exist(dashboards: dict[str, dict]) -> None:
    for dashboard in dashboards.values():
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert list(variables) == ["datasource", "experiment", "dataset", "resampler", "model"]
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        # Serving alerts are per model: the model variable lists the serving models.
        assert variables["model"]["query"].startswith("label_values(harness_serving_outcomes")
        for name in ("experiment", "dataset", "resampler", "model"):
            assert variables[name]["type"] == "query"
            assert variables[name]["query"].startswith("label_values(")
            assert variables[name]["query"].endswith(f", {name})")
            assert variables[name]["datasource"]["uid"] == "${datasource}"


def test_every_panel_queries_prometheus_through_the_variables(
    dashboards: dict[str, dict],
) -> None:
    for name, dashboard in dashboards.items():
        panels = _content_panels(dashboard)
        assert len(panels) >= 6, name
        for panel in panels:
            where = f"{name}: {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${datasource}", where
                assert target["refId"], where
                expr = target["expr"]
                if "harness_gate_" in expr:  # verdicts carry experiment and objective only
                    assert "$experiment" in expr, where
                    continue
                assert "$dataset" in expr, where
                if not expr.startswith(SERVING_PREFIXES):
                    assert all(f in expr for f in FILTERS), where
                else:
                    assert "$model" in expr, where


def test_dashboards_cover_the_requested_views(dashboards: dict[str, dict]) -> None:
    def exprs(name: str) -> str:
        return "\n".join(panel_queries(dashboards[name]))

    assert "harness_test_minority_f1" in exprs("executive")
    for sli in ("minority_recall", "minority_precision"):
        assert f"harness:{sli}_burn_rate:rate30d" in exprs("executive")
    assert 'harness_last_run_timestamp_seconds{experiment=~"$experiment"' in exprs("executive")
    assert 'harness_gate_verdict{experiment=~"$experiment", verdict="FAIL"}' in exprs("executive")
    for series in (
        "harness_gap_minority_recall",
        "harness_resample_synthetic_ratio",
        "ALERTS{",
        "harness_gate_verdict",
        "harness_gate_objective_worst_value",
        "harness_serving_minority_drift_share",
        "harness:cohort_minority_recall:rate1h",
        "harness:minority_precision:rate5m",
    ):
        assert series in exprs("oncall"), series
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"):
        assert f"harness:minority_recall_burn_rate:rate{window}" in exprs("oncall")
        assert f"harness:minority_precision_burn_rate:rate{window}" in exprs("oncall")
    for series in (
        "harness_neighbors_minority_knn_p95",
        "harness_fairness_group_recall",
        *(metric_series(key) for key in label_quality_keys()),
        "harness_resample_n_synthetic",
        "harness_time_fit_seconds",
        "harness_memory_peak_bytes",
    ):
        assert series in exprs("debug")


def test_the_budget_panels_clamp_what_remains_and_show_what_was_consumed(
    dashboards: dict[str, dict],
) -> None:
    # 1 - burn rate read -359 % once the budget was overspent.
    panels = {p["title"]: p for p in _content_panels(dashboards["executive"])}
    remaining = [t["expr"] for t in panels["Error budget remaining (30d)"]["targets"]]
    consumed = [t["expr"] for t in panels["Error budget consumed (30d)"]["targets"]]
    assert len(remaining) == len(consumed) == 2  # recall and precision
    assert all(e.startswith("clamp(1 - harness:") and e.endswith(", 0, 1)") for e in remaining)
    assert all(e.startswith("harness:") and "_burn_rate:rate30d" in e for e in consumed)


def test_counts_are_counts_of_series_not_extrapolated_increases(
    dashboards: dict[str, dict],
) -> None:
    # increase() over a counter extrapolates (9.29 runs) and misses a new series' first run.
    for name, dashboard in dashboards.items():
        for panel in _content_panels(dashboard):
            for target in panel["targets"]:
                assert "increase(harness_runs_total" not in target["expr"], (name, panel["title"])
    titles = {p["title"]: p for p in _content_panels(dashboards["oncall"])}
    jobs = titles["Jobs by latest status, last 24 h"]["targets"][0]["expr"]
    assert jobs.startswith("count by (status) (")


def test_thresholds_come_from_the_slo_set(default_slo: SLOSet) -> None:
    def recall_steps(slo_set: SLOSet) -> list:
        dashboard = json.loads(dashboard_json("executive", slo_set))
        panel = _panel(dashboard, "Minority recall")
        return panel["fieldConfig"]["defaults"]["thresholds"]["steps"]

    assert recall_steps(default_slo)[-1] == {"color": "green", "value": 0.8}
    stricter = tuple(
        dataclasses.replace(o, threshold=0.9) if o.name == "minority_recall" else o
        for o in default_slo.objectives
    )
    assert recall_steps(dataclasses.replace(default_slo, objectives=stricter))[-1]["value"] == 0.9


def test_all_panel_queries_are_ready_to_run(dashboards: dict[str, dict]) -> None:
    queries = all_panel_queries()
    expected = sum(len(panel_queries(d)) for d in dashboards.values())
    assert len(queries) == expected
    assert all("$" not in q for q in queries)
    assert 'dataset=~".*"' in queries[0]


def test_all_panel_queries_parse_as_promql(promtool: str, tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard_query_{i}", "expr": q} for i, q in enumerate(all_panel_queries())
    ]
    (tmp_path / "queries.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]})
    )
    result = subprocess.run(
        [promtool, "check", "rules", "queries.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_dashboard_is_a_config_error(default_slo: SLOSet) -> None:
    with pytest.raises(ConfigError, match="choose one of"):
        dashboard_json("ceo", default_slo)


def test_generate_all_writes_the_whole_tree(tmp_path: Path) -> None:
    written = _generate(tmp_path)
    relative = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert relative == [
        "alertmanager/alertmanager.yml",
        "grafana/debug.json",
        "grafana/executive.json",
        "grafana/oncall.json",
        "grafana/provisioning/dashboards.yml",
        "grafana/provisioning/datasources.yml",
        "prometheus/alert_rules.yml",
        "prometheus/prometheus.example.yml",
        "prometheus/recording_rules.yml",
    ]
    providers = yaml.safe_load((tmp_path / "grafana/provisioning/dashboards.yml").read_text())
    assert providers["providers"][0]["type"] == "file"
    sources = yaml.safe_load((tmp_path / "grafana/provisioning/datasources.yml").read_text())
    assert sources["datasources"][0]["type"] == "prometheus"
    config = yaml.safe_load((tmp_path / "prometheus/prometheus.example.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["pushgateway"]["honor_labels"] is True
    assert config["rule_files"] == ["recording_rules.yml", "alert_rules.yml"]


def test_checked_in_tree_matches_a_fresh_generation(tmp_path: Path) -> None:
    _generate(tmp_path)
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    checked_in = {
        p.relative_to(CHECKED_IN): p.read_bytes() for p in CHECKED_IN.rglob("*") if p.is_file()
    }
    assert sorted(checked_in) == sorted(fresh), "run `harness dashboards` and commit the result"
    stale = [str(path) for path, content in fresh.items() if checked_in[path] != content]
    assert not stale, f"{stale} differ from a fresh generation; run `harness dashboards`"


def _example_registry() -> tuple[CollectorRegistry, Callable[[], None]]:
    """One run's batch series and the serving counters, labelled as the exporter does."""
    registry = CollectorRegistry()
    run = {"experiment": "e", "dataset": "d", "resampler": "adasyn", "model": "m"}
    batch_keys = [
        "test/minority_recall",
        "test/minority_precision",
        "test/minority_f1",
        "gap/minority_recall",
        "resample/synthetic_ratio",
        "resample/n_synthetic",
        "resample/invalid_value_share",
        *label_quality_keys(),
        "time/resample_seconds",
        "time/fit_seconds",
        "time/predict_seconds",
        "memory/peak_bytes",
        *(
            f"neighbors/{k}_{s}"
            for k in ("minority_knn", "synthetic_nn")
            for s in ("mean", "median", "p95")
        ),
    ]
    for key in batch_keys:
        Gauge(metric_series(key), key, list(run), registry=registry).labels(**run).set(0.5)
    for name in ("equalized_odds_difference", "demographic_parity_difference", "min_group_recall"):
        gauge = Gauge(
            metric_series(f"fairness/sex/{name}"), name, [*run, "sensitive"], registry=registry
        )
        gauge.labels(**run, sensitive="sex").set(0.1)
    for name in ("recall", "selection_rate"):
        series = metric_series(f"fairness/sex/group/F/{name}")
        gauge = Gauge(series, name, [*run, "sensitive", "group"], registry=registry)
        gauge.labels(**run, sensitive="sex", group="F").set(0.7)
    met = Gauge("harness_slo_met", "met", ["slo", "objective", "metric", *run], registry=registry)
    met.labels(
        slo="default", objective="minority_recall", metric="test/minority_recall", **run
    ).set(0)
    Gauge("harness_last_success_timestamp_seconds", "t", list(run), registry=registry).labels(
        **run
    ).set(1.0)
    Gauge("harness_last_run_timestamp_seconds", "t", [*run, "status"], registry=registry).labels(
        **run, status="success"
    ).set(time.time())
    Counter("harness_runs", "runs", [*run, "status"], registry=registry).labels(
        **run, status="success"
    ).inc()
    verdict = Gauge(
        "harness_gate_verdict", "v", ["experiment", "objective", "verdict"], registry=registry
    )
    verdict.labels(experiment="e", objective="minority_recall", verdict="FAIL").set(1)
    worst = Gauge(
        "harness_gate_objective_worst_value",
        "w",
        ["experiment", "objective", "metric", "candidate", "required"],
        registry=registry,
    )
    worst.labels("e", "minority_recall", "test/minority_recall", "d__adasyn", ">= 0.8").set(0.6)
    for name, value in (("drift_share", 0.75), ("drift_detected", 1.0)):
        gauge = Gauge(
            f"harness_serving_minority_{name}", name, ["model", "dataset"], registry=registry
        )
        gauge.labels(model="m", dataset="d").set(value)
    outcomes = Counter(
        "harness_serving_outcomes", "o", ["outcome", "model", "dataset"], registry=registry
    )
    cohorts = Counter(
        "harness_serving_cohort_outcomes",
        "o",
        ["outcome", "model", "dataset", "sensitive", "cohort"],
        registry=registry,
    )

    def tick() -> None:
        """One second of serving: outcomes overall and per cohort."""
        for outcome, count in (("tp", 8), ("fn", 2), ("fp", 1), ("tn", 30)):
            outcomes.labels(outcome=outcome, model="m", dataset="d").inc(count)
            cohorts.labels(outcome, "m", "d", "sex", "F").inc(count)

    return registry, tick


@pytest.mark.integration
def test_every_panel_query_returns_data_from_prometheus(tmp_path: Path) -> None:
    binary = require_binary("prometheus", "prometheus")
    # Alerts wait for their `for:`; one second here, so the firing-alerts panel has data.
    slo_set = load_slo_set("default")
    quick = parse_monitoring_settings(
        {"alerting": {"for": {"page": "1s", "ticket": "1s", "batch": "1s"}}}, slo_set
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        generate_all(slo_set, tmp_path / "generated", monitoring=quick)
    registry, tick = _example_registry()
    exporter_port, prometheus_port = free_port(), free_port()
    server, thread = start_http_server(exporter_port, addr="127.0.0.1", registry=registry)
    rule_dir = tmp_path / "generated" / "prometheus"
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rule_dir / "recording_rules.yml"), str(rule_dir / "alert_rules.yml")],
        "scrape_configs": [
            {
                "job_name": "harness",
                "honor_labels": True,
                "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        empty = all_panel_queries()
        deadline = time.monotonic() + 40
        while empty and time.monotonic() < deadline:
            tick()
            time.sleep(1)
            empty = [q for q in empty if not _query(prometheus_port, q)]
        assert not empty, f"panel queries without data: {empty}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        server.shutdown()
        thread.join(timeout=5)


def _query(port: int, expr: str) -> list:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.load(response)
    except (urllib.error.URLError, ConnectionError):
        return []
    assert body["status"] == "success", body
    return body["data"]["result"]


def test_panel_units_come_from_the_metric_catalog():
    from harness.errors import ConfigError
    from harness.export.dashboards import GRAFANA_UNITS, catalog_unit
    from harness.metrics.catalog import CATALOG

    assert {spec.unit for spec in CATALOG.values()} <= GRAFANA_UNITS.keys()
    assert catalog_unit("memory/peak_bytes") == "bytes"
    assert catalog_unit("time/fit_seconds", "time/predict_seconds") == "s"
    with pytest.raises(ConfigError, match="one unit per panel"):
        catalog_unit("memory/peak_bytes", "time/fit_seconds")


def test_the_oncall_board_opens_with_the_firing_alerts(dashboards: dict[str, dict]) -> None:
    first = _content_panels(dashboards["oncall"])[0]
    assert first["title"] == "Firing alerts"
    others = _content_panels(dashboards["oncall"])[1:]
    assert first["gridPos"]["y"] < min(p["gridPos"]["y"] for p in others)
    assert 'model=~"$model"' in first["targets"][0]["expr"]


def test_burn_rate_panels_have_a_unit(dashboards: dict[str, dict]) -> None:
    burn_panels = [
        panel
        for dashboard in dashboards.values()
        for panel in _content_panels(dashboard)
        if "_burn_rate:" in "".join(t["expr"] for t in panel["targets"])
        and panel["type"] == "timeseries"
    ]
    assert len(burn_panels) == 3  # executive, and one per SLI on the on-call board
    assert all(p["fieldConfig"]["defaults"]["unit"] == "suffix:x" for p in burn_panels)
