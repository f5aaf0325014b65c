"""The generated Alertmanager configuration: amtool accepts it and routes every generated alert
by its severity."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
import yaml

from harness.export.alertmanager import (
    GROUP_BY,
    INHIBIT_EQUAL,
    alertmanager_config,
    alertmanager_notes,
)
from harness.export.generate import generate_all
from harness.export.monitoring import Receiver, default_monitoring_settings
from harness.export.rules import alert_rules, render_yaml
from harness.slo import SLOSet
from tests.export.promtool import run

REPO = Path(__file__).resolve().parents[2]
CHECKED_IN = REPO / "dashboards" / "alertmanager" / "alertmanager.yml"


@pytest.fixture()
def config_file(tmp_path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        generate_all("default", tmp_path)
    return tmp_path / "alertmanager" / "alertmanager.yml"


def _routes_test(amtool: str, config: Path, receiver: str, labels: dict[str, str]):
    pairs = [f"{key}={value}" for key, value in labels.items()]
    return run(
        amtool,
        "config",
        "routes",
        "test",
        f"--config.file={config}",
        f"--verify.receivers={receiver}",
        *pairs,
        cwd=config.parent,
    )


def test_amtool_accepts_the_generated_config(amtool: str, config_file: Path) -> None:
    result = run(amtool, "check-config", str(config_file), cwd=config_file.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    checked_in = run(amtool, "check-config", str(CHECKED_IN), cwd=CHECKED_IN.parent)
    assert checked_in.returncode == 0, checked_in.stdout + checked_in.stderr


def test_every_generated_alert_reaches_the_receiver_of_its_severity(
    amtool: str, config_file: Path, default_slo: SLOSet
) -> None:
    receivers = {"page": "model-oncall", "ticket": "product-owner"}
    for group in alert_rules(default_slo)["groups"]:
        for rule in group["rules"]:
            labels = {"alertname": rule["alert"], **rule["labels"], "model": "m", "dataset": "d"}
            expected = receivers[rule["labels"]["severity"]]
            result = _routes_test(amtool, config_file, expected, labels)
            assert result.returncode == 0, (labels, result.stdout + result.stderr)


def test_a_page_never_goes_to_the_product_owner_and_unknown_alerts_are_not_lost(
    amtool: str, config_file: Path
) -> None:
    page = {"alertname": "HarnessMinorityRecallBudgetBurn", "severity": "page"}
    assert _routes_test(amtool, config_file, "product-owner", page).returncode != 0
    # An alert without a severity still reaches someone.
    assert _routes_test(amtool, config_file, "product-owner", {"alertname": "X"}).returncode == 0


def test_grouping_and_inhibition(default_slo: SLOSet) -> None:
    config = alertmanager_config(default_slo, default_monitoring_settings(default_slo))
    assert (
        config["route"]["group_by"] == list(GROUP_BY) == ["slo", "model", "dataset", "experiment"]
    )
    (rule,) = config["inhibit_rules"]
    assert rule["source_matchers"] == ['severity="page"', 'sli=~".+"']
    assert rule["target_matchers"] == ['severity="ticket"']
    assert rule["equal"] == list(INHIBIT_EQUAL)
    # Receivers are placeholders that can never reach anything.
    urls = [c["url"] for r in config["receivers"] for c in r["webhook_configs"]]
    assert urls and all(".invalid/" in url for url in urls)
    assert all(c["send_resolved"] for r in config["receivers"] for c in r["webhook_configs"])


def test_receivers_and_timings_come_from_the_settings(
    amtool: str, default_slo: SLOSet, tmp_path: Path
) -> None:
    settings = default_monitoring_settings(default_slo)
    alerting = dataclasses.replace(
        settings.alerting,
        receivers={
            "page": Receiver("pager", "http://127.0.0.1:5001/page"),
            "ticket": Receiver("pager", "http://127.0.0.1:5001/page"),
        },
    )
    config = alertmanager_config(default_slo, dataclasses.replace(settings, alerting=alerting))
    assert [r["name"] for r in config["receivers"]] == ["pager"]  # one receiver, listed once
    path = tmp_path / "alertmanager.yml"
    path.write_text(render_yaml(config, "default.yaml"))
    result = run(amtool, "check-config", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert yaml.safe_load(path.read_text())["route"]["routes"][0]["group_wait"] == "30s"


def test_the_placeholder_note_names_placeholders_only_while_there_are_some(
    default_slo: SLOSet,
) -> None:
    settings = default_monitoring_settings(default_slo)
    notes = alertmanager_notes(settings)
    assert "Placeholder receivers (webhooks on the reserved .invalid" in notes
    assert ": model-oncall, product-owner." in notes
    half = dataclasses.replace(
        settings.alerting,
        receivers={**settings.alerting.receivers, "page": Receiver("pager", "https://p.example/")},
    )
    notes = alertmanager_notes(dataclasses.replace(settings, alerting=half))
    assert ": product-owner.\n" in notes
    real = dataclasses.replace(
        settings.alerting,
        receivers={
            "page": Receiver("pager", "https://p.example/"),
            "ticket": Receiver("tickets", "https://t.example/"),
        },
    )
    notes = alertmanager_notes(dataclasses.replace(settings, alerting=real))
    assert "Placeholder" not in notes and ".invalid" not in notes
    assert notes.startswith("# Routes by severity") and "amtool check-config" in notes
