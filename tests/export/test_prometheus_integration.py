"""The exported series as a real Prometheus sees them (through a Pushgateway or HTTP)."""

import json
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.export.http_server import start_metrics_server
from harness.export.prometheus import ExportWarning, export_results
from harness.slo import load_slo_set
from tests.export.records import make_record, pushgateway_export
from tests.support.prometheus import (
    fetch_metrics,
    free_port,
    running_prometheus,
    running_pushgateway,
)

pytestmark = pytest.mark.integration


def by_resampler(result):
    return {series["metric"]["resampler"]: series for series in result}


def test_pushgateway_export_is_scraped_with_run_labels(tmp_path):
    records = [make_record(), make_record(resampler="smote")]
    records[1]["metrics"]["test/minority_recall"] = 0.61
    with (
        running_pushgateway(tmp_path / "pgw") as gateway,
        running_prometheus(tmp_path / "prom", pushgateway=gateway) as prom,
    ):
        cfg = pushgateway_export(gateway, tmp_path / "harness.prom")
        report = export_results(records, cfg, load_slo_set("default"))
        assert report.pushed is True and report.warnings == []
        result = prom.wait_for("harness_test_minority_recall", lambda r: len(r) == 2)
        series = by_resampler(result)
        labels = series["adasyn"]["metric"]
        assert {k: labels[k] for k in ("experiment", "dataset", "model", "job")} == {
            "experiment": "quick",
            "dataset": "pima",
            "model": "decision_tree",
            "job": "harness",
        }
        assert float(series["adasyn"]["value"][1]) == pytest.approx(0.82)
        assert float(series["smote"]["value"][1]) == pytest.approx(0.61)
        group = prom.query('harness_fairness_group_recall{group="F", resampler="adasyn"}')
        assert group and group[0]["metric"]["sensitive"] == "sex"
        breached = prom.query(
            'harness_slo_met{objective="minority_recall", resampler="smote"} == 0'
        )
        assert len(breached) == 1
        runs = prom.query('sum(harness_runs_total{status="success"})')
        assert float(runs[0]["value"][1]) == 2.0


def test_serve_metrics_endpoint_is_scraped(tmp_path):
    results = tmp_path / "results"
    run = results / "quick" / "run-0"
    run.mkdir(parents=True)
    (run / "result.json").write_text(json.dumps(make_record(dataset="adult")))
    port = free_port()
    server, _ = start_metrics_server(results, port, slo=load_slo_set("default"))
    try:
        with running_prometheus(tmp_path / "prom", targets=[f"127.0.0.1:{port}"]) as prom:
            result = prom.wait_for('harness_test_minority_recall{dataset="adult"}')
            assert float(result[0]["value"][1]) == pytest.approx(0.82)
            assert result[0]["metric"]["job"] == "harness"
            threshold = prom.wait_for(
                'harness_slo_objective_threshold{objective="minority_recall"}'
            )
            assert float(threshold[0]["value"][1]) == pytest.approx(0.80)
            # A run finished after Prometheus started shows up on a later scrape.
            second = results / "quick" / "run-1"
            second.mkdir()
            record = make_record(dataset="adult", resampler="ros")
            (second / "result.json").write_text(json.dumps(record))
            prom.wait_for('harness_test_minority_recall{dataset="adult", resampler="ros"}')
    finally:
        server.shutdown()
        server.server_close()


def test_groups_with_slashes_and_case_are_accepted_by_a_real_pushgateway(tmp_path):
    record = make_record()
    record["metrics"].update(
        {
            "fairness/race/group/Black/African American/recall": 0.5,
            "fairness/race/group/A/B/recall": 0.6,
            "fairness/race/group/a/b/recall": 0.7,
        }
    )
    with running_pushgateway(tmp_path / "pgw") as gateway:
        cfg = {"mode": "pushgateway", "pushgateway_url": gateway, "job": "harness"}
        # A/B and a/b used to become one metric name twice: HTTP 400 for the whole push.
        report = export_results([record], {**cfg, "timeout_s": 5})
        assert report.pushed is True and report.warnings == []
        exposed = fetch_metrics(f"{gateway}/metrics")
    groups = {
        s.labels["group"]: s.value
        for family in text_string_to_metric_families(exposed)
        for s in family.samples
        if s.name == "harness_fairness_group_recall" and s.labels.get("sensitive") == "race"
    }
    assert groups == {"Black/African American": 0.5, "A/B": 0.6, "a/b": 0.7}


def test_a_real_pushgateway_refusal_is_reported_with_its_status(tmp_path):
    with running_pushgateway(tmp_path / "pgw") as gateway:
        # Another job already pushed the same name as a counter: the gateway refuses ours.
        conflicting = (
            b"# TYPE harness_test_minority_recall counter\nharness_test_minority_recall 1\n"
        )
        request = urllib.request.Request(
            f"{gateway}/metrics/job/other", data=conflicting, method="PUT"
        )
        urllib.request.urlopen(request, timeout=5).close()
        cfg = {"mode": "pushgateway", "pushgateway_url": gateway, "job": "harness"}
        with pytest.warns(ExportWarning) as caught:
            report = export_results([make_record()], {**cfg, "timeout_s": 5})
    assert report.pushed is False
    message = str(caught[0].message)
    assert "refused the push (HTTP 400" in message and "unreachable" not in message
