import http.server
import json
import os
import subprocess
import threading
import warnings
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from harness.export.prometheus import ExportWarning, build_registry, export_results
from harness.slo import load_slo_set
from tests.export.records import make_record, pushgateway_export
from tests.support.prometheus import free_port

RUN = {"experiment": "quick", "dataset": "pima", "resampler": "adasyn", "model": "decision_tree"}


def samples(registry):
    """Every sample as (name, labels, value)."""
    text = generate_latest(registry).decode()
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def value(registry, name, **labels):
    return registry.get_sample_value(name, labels)


def test_metric_gauges_carry_the_run_labels():
    registry = build_registry([make_record()])
    assert value(registry, "harness_test_minority_recall", **RUN) == pytest.approx(0.82)
    assert value(
        registry, "harness_fairness_group_recall", **RUN, sensitive="sex", group="F"
    ) == pytest.approx(0.74)
    assert value(
        registry, "harness_fairness_equalized_odds_difference", **RUN, sensitive="sex"
    ) == pytest.approx(0.12)


def test_experiment_argument_labels_records_without_one():
    registry = build_registry([make_record(experiment=None)], "nightly")
    labels = {**RUN, "experiment": "nightly"}
    assert value(registry, "harness_test_minority_recall", **labels) == pytest.approx(0.82)


def test_latest_record_per_run_wins_and_every_run_is_counted():
    older = make_record(finished_at="2026-01-05T09:00:00+00:00")
    older["metrics"]["test/minority_recall"] = 0.5
    failed = make_record(status="failed", error="boom", finished_at="2026-01-05T11:00:00+00:00")
    registry = build_registry([older, make_record(), failed])
    # The failed run is the latest: no metric gauges from it, the last success stays visible.
    assert value(registry, "harness_test_minority_recall", **RUN) is None
    assert value(registry, "harness_runs_total", **RUN, status="success") == 2
    assert value(registry, "harness_runs_total", **RUN, status="failed") == 1
    finished = value(registry, "harness_last_success_timestamp_seconds", **RUN)
    assert finished == pytest.approx(1767607260.0)  # 2026-01-05T10:01:00Z


def test_last_success_is_absent_without_a_success():
    registry = build_registry([make_record(status="failed")])
    names = {name for name, _, _ in samples(registry)}
    assert "harness_last_success_timestamp_seconds" not in names
    assert value(registry, "harness_runs_total", **RUN, status="failed") == 1


def test_every_status_series_starts_at_zero_so_a_first_failure_is_an_increase():
    registry = build_registry([make_record()])
    assert value(registry, "harness_runs_total", **RUN, status="success") == 1
    assert value(registry, "harness_runs_total", **RUN, status="failed") == 0


def test_the_last_failure_and_the_last_run_with_its_status_are_exported():
    success = make_record(finished_at="2026-01-05T10:00:00+00:00")
    failed = make_record(status="failed", error="boom", finished_at="2026-01-05T11:00:00+00:00")
    registry = build_registry([success, failed])
    assert value(registry, "harness_last_failure_timestamp_seconds", **RUN) == pytest.approx(
        1767610800.0  # 2026-01-05T11:00:00Z
    )
    assert value(registry, "harness_last_run_timestamp_seconds", **RUN, status="failed") == (
        pytest.approx(1767610800.0)
    )
    # One last-run series per job: the status of its latest run.
    assert value(registry, "harness_last_run_timestamp_seconds", **RUN, status="success") is None
    only_success = build_registry([success])
    names = {name for name, _, _ in samples(only_success)}
    assert "harness_last_failure_timestamp_seconds" not in names


def test_slo_series_show_thresholds_and_breaches():
    slo = load_slo_set("default")
    registry = build_registry([make_record(), make_record(resampler="none")], slo=slo)
    assert value(
        registry,
        "harness_slo_objective_threshold",
        slo="default",
        objective="minority_recall",
        metric="test/minority_recall",
    ) == pytest.approx(0.80)
    slo_labels = {"slo": "default"}
    recall = {"objective": "minority_recall", "metric": "test/minority_recall"}
    gap = {"objective": "train_test_gap", "metric": "gap/minority_recall"}
    ratio = {"objective": "synthetic_ratio_min", "metric": "resample/synthetic_ratio"}
    assert value(registry, "harness_slo_met", **slo_labels, **recall, **RUN) == 1.0
    assert value(registry, "harness_slo_met", **slo_labels, **gap, **RUN) == 0.0  # 0.13 >= 0.10
    # synthetic_ratio objectives do not apply to resampler "none".
    assert value(registry, "harness_slo_met", **slo_labels, **ratio, **RUN) == 1.0
    assert (
        value(registry, "harness_slo_met", **slo_labels, **ratio, **{**RUN, "resampler": "none"})
        is None
    )


def test_missing_and_non_finite_metrics_are_skipped():
    record = make_record(metrics={"test/minority_recall": float("nan"), "test/g_mean": None})
    names = {name for name, _, _ in samples(build_registry([record]))}
    assert not names & {"harness_test_minority_recall", "harness_test_g_mean"}


HOSTILE = {
    "dataset": '<script>alert("x")</script>',
    "model": 'tree\\"\nnewline',
}


def test_textfile_with_hostile_labels_passes_promtool(promtool, tmp_path):
    record = make_record(**HOSTILE)
    record["metrics"]['fairness/se"x\n/group/<b>\\/recall'] = 0.5
    path = tmp_path / "metrics" / "harness.prom"
    report = export_results(
        [record], {"mode": "textfile", "textfile_path": str(path)}, load_slo_set("default")
    )
    assert report.textfile == path and report.warnings == []
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=path.read_bytes(), capture_output=True, timeout=30
    )
    # Exit 1: the exposition does not parse; exit 3: naming lint (e.g. abbreviated units).
    problems = [line for line in checked.stderr.decode().splitlines() if line]
    assert checked.returncode == 0, problems
    # And the values survive the round trip through the text format.
    parsed = {
        (s.name, s.labels.get("dataset"), s.labels.get("group"))
        for family in text_string_to_metric_families(path.read_text())
        for s in family.samples
    }
    assert ("harness_fairness_group_recall", HOSTILE["dataset"], "<b>\\") in parsed


def test_textfile_is_replaced_atomically(tmp_path):
    path = tmp_path / "harness.prom"
    cfg = {"mode": "textfile", "textfile_path": str(path)}
    records = [make_record(seed=s, dataset=f"d{s}") for s in range(30)]
    export_results(records, cfg)
    complete = path.read_text()
    torn = []
    stop = threading.Event()

    def read_continuously():
        while not stop.is_set():
            text = path.read_text()
            if text != complete:
                torn.append(text)

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        for _ in range(40):
            export_results(records, cfg)
    finally:
        stop.set()
        reader.join()
    assert torn == []
    assert os.listdir(tmp_path) == ["harness.prom"]  # no temporary file left behind


def test_unreachable_pushgateway_warns_and_keeps_the_textfile(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    path = tmp_path / "harness.prom"
    cfg = pushgateway_export(url, path, timeout_s=1)
    with pytest.warns(ExportWarning, match="127.0.0.1") as caught:
        report = export_results([make_record()], cfg)
    assert report.pushed is False
    assert report.textfile == path and "harness_test_minority_recall" in path.read_text()
    message = str(caught[0].message)
    assert "intact" in message and str(path) in message
    assert report.warnings == [message]


def test_mode_none_writes_nothing(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = export_results([make_record()], {"mode": "none", "textfile_path": None})
    assert report.textfile is None and report.pushed is None and report.warnings == []


def test_unknown_mode_warns_with_the_choices(tmp_path):
    with pytest.warns(ExportWarning, match="none, textfile, pushgateway or http"):
        report = export_results([make_record()], {"mode": "kafka"})
    assert report.textfile is None


def test_unwritable_textfile_warns_instead_of_raising(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cfg = {"mode": "textfile", "textfile_path": str(blocker / "sub" / "harness.prom")}
    with pytest.warns(ExportWarning, match="could not write"):
        report = export_results([make_record()], cfg)
    assert report.textfile is None


CONF_EXPORT = Path(__file__).resolve().parents[2] / "conf" / "export"


@pytest.mark.parametrize("mode", ["none", "textfile", "pushgateway", "http"])
def test_shipped_export_configs_have_the_documented_shape(mode):
    cfg = OmegaConf.load(CONF_EXPORT / f"{mode}.yaml")
    assert cfg.mode == mode
    assert set(cfg) == {"mode", "textfile_path", "pushgateway_url", "job", "timeout_s", "port"}


def test_default_textfile_config_writes_under_the_output_dir(tmp_path):
    export = OmegaConf.load(CONF_EXPORT / "textfile.yaml")
    root = OmegaConf.create({"paths": {"output_dir": str(tmp_path)}, "export": export})
    report = export_results([make_record()], root.export)
    assert report.textfile == tmp_path / "metrics" / "harness.prom"
    assert "harness_runs_total" in report.textfile.read_text()


def test_pushgateway_mode_without_url_warns_with_the_setting(tmp_path):
    cfg = {"mode": "pushgateway", "pushgateway_url": None, "textfile_path": None}
    with pytest.warns(ExportWarning, match="export.pushgateway_url"):
        report = export_results([make_record()], cfg)
    assert report.pushed is False


def test_results_root_exposes_every_run_found_there(tmp_path):
    for index, resampler in enumerate(["adasyn", "smote"]):
        run = tmp_path / "runs" / str(index)
        run.mkdir(parents=True)
        (run / "result.json").write_text(json.dumps(make_record(resampler=resampler)))
    path = tmp_path / "harness.prom"
    cfg = {"mode": "textfile", "textfile_path": str(path)}
    export_results([make_record()], cfg, results_root=tmp_path / "runs")
    assert 'resampler="smote"' in path.read_text()


# -- data values stay in labels; push failures say what happened ------------------------------

GROUPS_WITH_SLASHES = {
    "fairness/race/group/Black/African American/recall": 0.5,
    "fairness/race/group/A/B/recall": 0.6,
    "fairness/race/group/a/b/recall": 0.7,
    "fairness/race%2Fethnicity/group/x%2Fy/recall": 0.8,
}


def record_with_slashed_groups():
    record = make_record()
    record["metrics"].update(GROUPS_WITH_SLASHES)
    return record


def test_group_values_are_label_values_of_one_family_never_metric_names():
    parsed = samples(build_registry([record_with_slashed_groups()]))
    names = {name for name, _, _ in parsed}
    assert not any("african" in n or "a_b" in n or "ethnicity" in n for n in names), names
    recall = {
        (labels["sensitive"], labels["group"]): value
        for name, labels, value in parsed
        if name == "harness_fairness_group_recall"
    }
    assert recall == {
        ("sex", "F"): 0.74,
        ("sex", "M"): 0.86,
        ("race", "Black/African American"): 0.5,
        ("race", "A/B"): 0.6,
        ("race", "a/b"): 0.7,
        ("race/ethnicity", "x/y"): 0.8,
    }


def test_keys_that_map_to_one_series_export_it_once(caplog):
    record = make_record()
    record["metrics"]["test/minority recall"] = 0.1  # sanitises to harness_test_minority_recall
    parsed = samples(build_registry([record]))
    recall = [v for name, _, v in parsed if name == "harness_test_minority_recall"]
    assert len(recall) == 1
    assert "give the same series harness_test_minority_recall" in caplog.text


def test_textfile_with_slashed_groups_passes_promtool(promtool, tmp_path):
    path = tmp_path / "harness.prom"
    export_results([record_with_slashed_groups()], {"mode": "textfile", "textfile_path": path})
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=path.read_bytes(), capture_output=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr.decode()


class _RefusingGateway(http.server.BaseHTTPRequestHandler):
    """Answers every push as a Pushgateway does when it refuses the pushed metrics."""

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"pushed metrics are invalid or inconsistent with existing metrics: collected twice"
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.do_PUT()

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_gateway():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RefusingGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_push_reports_the_status_and_body_not_unreachable(tmp_path, refusing_gateway):
    cfg = pushgateway_export(refusing_gateway, tmp_path / "harness.prom")
    with pytest.warns(ExportWarning) as caught:
        report = export_results([make_record()], cfg)
    assert report.pushed is False
    message = str(caught[0].message)
    assert f"Pushgateway at {refusing_gateway} refused the push (HTTP 400" in message
    assert "inconsistent with existing metrics: collected twice" in message
    assert "unreachable" not in message and "intact" in message


def test_an_unreachable_pushgateway_is_not_called_a_refusal(tmp_path):
    cfg = {"mode": "pushgateway", "pushgateway_url": f"http://127.0.0.1:{free_port()}"}
    with pytest.warns(ExportWarning, match="is unreachable") as caught:
        export_results([make_record()], {**cfg, "timeout_s": 1})
    assert "refused the push" not in str(caught[0].message)
