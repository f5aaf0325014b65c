"""End to end on one machine: a real experiment, its gate verdict, a real Pushgateway,
`harness serve-metrics`, `harness replay`, and a real Prometheus that scrapes them and evaluates
the generated rules; then every dashboard panel query returns data, and no more than one alert
fires per experiment and objective although the results reach Prometheus twice."""

import json
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

from harness.export.dashboards import all_panel_queries
from harness.export.generate import generate_all
from harness.export.monitoring import parse_monitoring_settings
from harness.export.verdicts import export_gate_verdicts
from harness.slo import load_slo_set
from tests.support.cli import start_harness
from tests.support.prometheus import free_port, running_prometheus, running_pushgateway

#: The default SLO set's rules with every `for:` at one second, so alerts fire within the test.
QUICK_ALERTS = {"alerting": {"for": {"page": "1s", "ticket": "1s", "batch": "1s"}}}


def _rules(out_dir: Path) -> list[Path]:
    slo_set = load_slo_set("default")
    settings = parse_monitoring_settings(QUICK_ALERTS, slo_set)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        generate_all(slo_set, out_dir, monitoring=settings)
    return [out_dir / "prometheus" / f for f in ("recording_rules.yml", "alert_rules.yml")]


def _export_gate_verdict(root: Path, pushgateway: str) -> dict:
    """Gate the experiment's run folder and push its verdicts, as `harness gate` will."""
    run_dir = next((root / "outputs" / "runs" / "quick").iterdir())
    gate = start_harness("gate", "--run-dir", str(run_dir), "--out", str(root / "gate"), root=root)
    output, _ = gate.communicate(timeout=600)
    assert gate.returncode in (0, 1), output[-3000:]
    result = json.loads((root / "gate" / "gate.json").read_text())
    cfg = {"mode": "pushgateway", "pushgateway_url": pushgateway}
    assert export_gate_verdicts(result["checks"], "quick", cfg).pushed
    return result


def _wait_http(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {timeout_s} s")


@pytest.mark.slow
@pytest.mark.integration
def test_experiment_replay_and_dashboards_through_a_real_prometheus(tmp_path):
    started = []
    with running_pushgateway(tmp_path / "pushgateway") as pushgateway:
        run = start_harness(
            "run",
            "experiment=quick",
            "evaluation=fast",
            "evaluation.progress=false",
            "evaluation.track_memory=true",
            "dataset=arrests",
            "tracking=none",
            "export=pushgateway",
            f"export.pushgateway_url={pushgateway}",
            root=tmp_path,
        )
        output, _ = run.communicate(timeout=600)
        assert run.returncode == 0, output[-3000:]
        gate = _export_gate_verdict(tmp_path, pushgateway)

        serve_port, replay_port = free_port(), free_port()
        try:
            serve = start_harness(
                "serve-metrics",
                "--root",
                str(tmp_path / "outputs"),
                "--port",
                str(serve_port),
                root=tmp_path,
            )
            started.append(serve)
            replay = start_harness(
                "replay",
                "--dataset=arrests",
                "--cohort-column=sex",
                "--rate=400",
                "--duration=40",
                f"--port={replay_port}",
                "--linger=90",
                "--drift=3",
                "--drift-window=5",
                root=tmp_path,
            )
            started.append(replay)
            _wait_http(f"http://127.0.0.1:{serve_port}/metrics")
            _wait_http(f"http://127.0.0.1:{replay_port}/metrics")
            targets = [f"127.0.0.1:{serve_port}", f"127.0.0.1:{replay_port}"]
            rules = _rules(tmp_path / "generated")
            with running_prometheus(
                tmp_path / "prometheus", targets=targets, pushgateway=pushgateway, rule_files=rules
            ) as prometheus:
                prometheus.wait_for_targets(3)
                # The experiment's series arrived through the Pushgateway, with their labels.
                # Pushed series carry no instance (the Pushgateway's own series do).
                pushed = prometheus.wait_for(
                    'harness_test_minority_recall{experiment="quick", instance=""}',
                    lambda r: len(r) >= 5,
                    timeout_s=60,
                )
                labels = {(s["metric"]["dataset"], s["metric"]["resampler"]) for s in pushed}
                assert ("arrests", "adasyn") in labels and ("arrests", "none") in labels
                assert all(s["metric"]["model"] == "logistic_regression" for s in pushed)
                prometheus.wait_for('harness_runs_total{status="success"}')
                prometheus.wait_for("harness_last_success_timestamp_seconds")
                prometheus.wait_for('harness_slo_met{objective="minority_recall"}')
                # The same results through `harness serve-metrics`.
                prometheus.wait_for(
                    f'harness_test_minority_f1{{instance="127.0.0.1:{serve_port}"}}',
                    lambda r: len(r) >= 5,
                    timeout_s=60,
                )
                # The replay's serving counters, and recall as an event-based SLI.
                prometheus.wait_for('harness_serving_outcomes_total{outcome="tp"}', timeout_s=60)
                recall = prometheus.wait_for(
                    "harness:minority_recall:rate5m >= 0",  # NaN until a minority label arrives
                    timeout_s=90,
                )
                assert 0.0 <= float(recall[0]["value"][1]) <= 1.0
                # The generated rules load and evaluate without error.
                rules = json.loads(
                    urllib.request.urlopen(f"{prometheus.url}/api/v1/rules", timeout=5).read()
                )["data"]["groups"]
                assert rules
                for group in rules:
                    for rule in group["rules"]:
                        assert rule["health"] in ("ok", "unknown"), rule
                        assert not rule.get("lastError"), rule
                # Every dashboard panel's query returns data.
                deadline = time.monotonic() + 120
                missing = all_panel_queries()
                while missing and time.monotonic() < deadline:
                    missing = [q for q in missing if not prometheus.query(q)]
                    if missing:
                        time.sleep(2)
                assert not missing, f"panel queries without data: {missing}"
                # The gate's failing objectives alert once per experiment and objective, though
                # the results reach Prometheus twice (Pushgateway and serve-metrics) and every
                # strategy of the experiment has its own series.
                failing = {c["name"] for c in gate["checks"] if c["verdict"] == "FAIL"}
                if failing:
                    alerts = prometheus.wait_for(
                        'ALERTS{alertname="HarnessGateObjectiveFailed", alertstate="firing"}',
                        lambda r: {a["metric"]["objective"] for a in r} == failing,
                        timeout_s=60,
                    )
                    assert len(alerts) == len(failing)
                duplicated = prometheus.query(
                    'count by (alertname, experiment, objective) (ALERTS{experiment!=""}) > 1'
                )
                assert not duplicated, duplicated
        finally:
            for process in started:
                process.terminate()
                process.wait(timeout=30)
