import json
import urllib.request

import pytest

from harness.errors import RunNotFoundError
from harness.export.http_server import start_metrics_server
from harness.slo import load_slo_set
from tests.export.records import make_record
from tests.support.prometheus import free_port


def write_run(root, name, record):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps(record))


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_every_scrape_rereads_the_results_folder(tmp_path):
    write_run(tmp_path, "run-a", make_record())
    port = free_port()
    server, _ = start_metrics_server(tmp_path, port, slo=load_slo_set("default"))
    try:
        first = scrape(port)
        assert 'harness_test_minority_recall{dataset="pima"' in first
        assert "harness_slo_met{" in first
        assert 'resampler="smote"' not in first
        write_run(tmp_path, "run-b", make_record(resampler="smote"))
        (tmp_path / "broken").mkdir()
        (tmp_path / "broken" / "result.json").write_text("{not json")
        second = scrape(port)
        assert 'resampler="smote"' in second
    finally:
        server.shutdown()
        server.server_close()


def test_missing_results_folder_names_the_fix(tmp_path):
    with pytest.raises(RunNotFoundError, match="run an experiment first"):
        start_metrics_server(tmp_path / "nowhere", free_port())
