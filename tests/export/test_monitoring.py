"""Monitoring settings beyond the SLO set: defaults derived from it, a strict YAML reader."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.export.monitoring import (
    PLACEHOLDER_WEBHOOK,
    default_monitoring_settings,
    load_monitoring_settings,
    parse_monitoring_settings,
    scaled_burn_rate_alerts,
)
from harness.slo import BurnRateAlert, SLOSet, load_slo_set


def test_defaults_follow_the_slo_set(default_slo: SLOSet) -> None:
    settings = default_monitoring_settings(default_slo)
    assert settings.precision.objective == pytest.approx(0.7)
    windows = [
        (a.severity, a.long_window, a.short_window) for a in default_slo.serving.burn_rate_alerts
    ]
    assert [
        (a.severity, a.long_window, a.short_window) for a in settings.precision.burn_rate_alerts
    ] == windows
    assert settings.cohorts.recall_objective == pytest.approx(0.8)
    assert settings.alerting.runs_failing_window == "1d"
    assert settings.alerting.receivers["page"].name == "model-oncall"
    assert settings.alerting.receivers["ticket"].name == "product-owner"
    assert settings.alerting.receivers["page"].webhook_url == PLACEHOLDER_WEBHOOK.format(
        name="model-oncall"
    )


def test_no_precision_sli_without_a_precision_objective(default_slo: SLOSet) -> None:
    objectives = tuple(o for o in default_slo.objectives if o.name != "minority_precision")
    without = dataclasses.replace(default_slo, objectives=objectives)
    assert default_monitoring_settings(without).precision is None


def test_scaling_keeps_error_ratio_thresholds_and_never_goes_below_one() -> None:
    alerts = [BurnRateAlert("page", "1h", "5m", 4.5), BurnRateAlert("ticket", "3d", "6h", 1)]
    scaled = scaled_burn_rate_alerts(alerts, from_budget=0.2, to_budget=0.3)
    assert [a.factor for a in scaled] == [3.0, 1.0]
    assert [(a.long_window, a.short_window) for a in scaled] == [("1h", "5m"), ("3d", "6h")]


def test_the_shipped_drill_profile_carries_its_settings() -> None:
    slo_set = load_slo_set("drill")
    settings = default_monitoring_settings(slo_set)
    assert settings.precision.objective == pytest.approx(0.5)
    assert (settings.drift.window, settings.drift.drift_share) == ("3s", 0.75)
    assert settings.alerting.for_page == "1s"
    assert settings.alerting.evaluation_interval == "1s"
    # A settings file still overrides what the set carries.
    override = parse_monitoring_settings({"alerting": {"for": {"page": "5s"}}}, slo_set)
    assert (override.alerting.for_page, override.alerting.for_ticket) == ("5s", "1s")


def test_a_file_overrides_fields(default_slo: SLOSet) -> None:
    raw = {
        "serving": {
            "minority_precision_objective": 0.6,
            "drift": {"window": "1m", "drift_share": 0.25, "for": "2m"},
            "cohorts": {"column": "sex", "max_cohorts": 5},
        },
        "alerting": {
            "for": {"page": "1m"},
            "runbook_base_url": "https://git.example.com/harness/docs/runbooks/",
            "receivers": {"page": {"name": "sre", "webhook_url": "https://pager.example.com/"}},
            "routes": {"page": {"group_wait": "10s"}},
        },
    }
    settings = parse_monitoring_settings(raw, default_slo)
    assert settings.precision.objective == 0.6
    assert settings.precision.burn_rate_alerts[0].factor == pytest.approx(2.25)  # 0.9 / 0.4
    assert (settings.drift.window, settings.drift.drift_share, settings.drift.for_) == (
        "1m",
        0.25,
        "2m",
    )
    assert (settings.cohorts.column, settings.cohorts.max_cohorts) == ("sex", 5)
    assert settings.alerting.for_page == "1m" and settings.alerting.for_ticket == "15m"
    assert settings.alerting.receivers["page"].name == "sre"
    assert settings.alerting.receivers["ticket"].name == "product-owner"
    assert settings.alerting.routes["page"].group_wait == "10s"
    assert settings.alerting.routes["page"].repeat_interval == "1h"


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"servng": {}}, "did you mean 'serving'"),
        ({"serving": {"minority_precision_objective": 70}}, r"\(0, 1\)"),
        ({"serving": {"drift": {"window": "5 minutes"}}}, "Prometheus duration"),
        ({"serving": {"cohorts": {"max_cohorts": 0}}}, "at least 1"),
        ({"serving": {"precision_burn_rate_alerts": [{"severity": "page"}]}}, "missing"),
        (
            {
                "serving": {
                    "precision_burn_rate_alerts": [
                        {
                            "severity": "pager",
                            "long_window": "1h",
                            "short_window": "5m",
                            "factor": 2,
                        }
                    ]
                }
            },
            "severity 'pager' is not one of",
        ),
        ({"alerting": {"for": {"pager": "1m"}}}, "did you mean 'page'"),
        ({"alerting": {"receivers": {"page": {"name": "x", "webhook_url": "ftp://x"}}}}, "http"),
        ([], "must be a mapping"),
    ],
)
def test_bad_settings_name_the_field_and_the_fix(default_slo: SLOSet, raw, match) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_monitoring_settings(raw, default_slo)


def test_a_missing_file_names_the_fix(default_slo: SLOSet, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="leave --monitoring out"):
        load_monitoring_settings(tmp_path / "nope.yaml", default_slo)


def test_settings_carried_by_the_slo_set_are_applied(default_slo: SLOSet) -> None:
    # What an SLO file's monitoring section carries beside its label supply.
    carried = {"serving": {"cohorts": {"column": "race"}}, "alerting": {"for": {"batch": "1m"}}}
    slo_set = dataclasses.replace(default_slo, monitoring=carried)
    settings = default_monitoring_settings(slo_set)
    assert settings.cohorts.column == "race"
    assert settings.alerting.for_batch == "1m"
    # A file still overrides what the SLO set carries.
    overridden = parse_monitoring_settings({"alerting": {"for": {"batch": "2m"}}}, slo_set)
    assert overridden.alerting.for_batch == "2m"
    with pytest.raises(ConfigError, match="SLO file default.yaml, alerting"):
        default_monitoring_settings(
            dataclasses.replace(default_slo, monitoring={"alerting": {"x": 1}})
        )
