"""Prometheus rules generated from the SLO set: promtool checks them and unit-tests the alerts."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.errors import ConfigError
from harness.export.generate import generate_all
from harness.export.rules import (
    BURN_ALERT,
    RUNS_FAILING_ALERT,
    SLO_BREACH_ALERT,
    STALE_ALERT,
    alert_rules,
    batch_alert_rules,
    burn_rate_alert_rules,
    duration_seconds,
    error_ratio_rule,
    recording_rules,
    sli_windows,
    unreachable_burn_rate_alerts,
    write_rule_files,
)
from harness.slo import SLOSet, load_slo_set

SERVING = {"model": "m", "dataset": "d"}
RUN = {"experiment": "e", "dataset": "d", "model": "m"}


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        message = "promtool not found; install it with `apt-get install prometheus`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def default_slo() -> SLOSet:
    return load_slo_set("default")


@pytest.fixture(scope="module")
def strict_slo() -> SLOSet:
    """The SRE workbook's burn-rate table on a 99 % objective (conf/slo/high_recall.yaml)."""
    return load_slo_set("high_recall")


def _run(promtool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _write_rules(slo_set: SLOSet, out_dir: Path) -> list[Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return write_rule_files(slo_set, out_dir)


def _render(template: str, labels: dict[str, str], value: str = "") -> str:
    text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], template)
    return re.sub(r"\{\{ \$value[^}]*\}\}", value, text)


def _expected(rule: dict[str, Any], series_labels: dict[str, str], value: str = "") -> dict:
    labels = {**series_labels, **rule["labels"]}
    annotations = {k: _render(v, labels, value) for k, v in rule["annotations"].items()}
    return {"exp_labels": labels, "exp_annotations": annotations}


def _burn(slo_set: SLOSet, fired: list[tuple[str, str]]) -> list[dict]:
    """Expected burn-rate alerts for the given (long, short) window pairs."""
    rules = {
        (r["labels"]["long_window"], r["labels"]["short_window"]): r
        for r in burn_rate_alert_rules(slo_set)
    }
    return [_expected(rules[pair], SERVING) for pair in fired]


def _outcome_series(fn: str, tp: str) -> list[dict[str, str]]:
    labels = 'model="m", dataset="d"'
    return [
        {"series": f'harness_serving_outcomes_total{{outcome="fn", {labels}}}', "values": fn},
        {"series": f'harness_serving_outcomes_total{{outcome="tp", {labels}}}', "values": tp},
    ]


def _promtool_test(
    promtool: str, tmp_path: Path, tests: list[dict], evaluation_interval: str = "1m"
) -> None:
    # Rules are evaluated at every step of the whole test range: a coarse step keeps the
    # multi-day tests fast (the alerts have no `for`, so only the eval_time step matters).
    document = {
        "rule_files": ["recording_rules.yml", "alert_rules.yml"],
        "evaluation_interval": evaluation_interval,
        # Record the SLI before the alerts read it at the same step (promtool otherwise
        # evaluates groups in random order).
        "group_eval_order": ["harness_serving_sli", "harness_serving_slo", "harness_batch_quality"],
        "tests": tests,
    }
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    result = _run(promtool, "test", "rules", "tests.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


ALL = [("1h", "5m"), ("6h", "30m"), ("1d", "2h"), ("3d", "6h")]
SLOW_PAGE_AND_TICKETS = [("6h", "30m"), ("1d", "2h"), ("3d", "6h")]
TICKETS = [("1d", "2h"), ("3d", "6h")]
SLOW_TICKET = [("3d", "6h")]

# Missed minority events per 1000, against the thresholds of a 1 % budget:
# 14.4x -> 0.144, 6x -> 0.06, 3x -> 0.03, 1x -> 0.01.
DEFAULT_BOUNDARY_CASES = [
    # 80 % objective, 20 % budget: 4.5x = 0.9, 3x = 0.6, 2x = 0.4, 1x = 0.2 of events missed.
    ("just above 4.5x fires the fast page", 901, ALL),
    ("just below 4.5x does not fire the fast page", 899, SLOW_PAGE_AND_TICKETS),
    ("just above 3x fires the slow page", 601, SLOW_PAGE_AND_TICKETS),
    ("just below 3x fires tickets, no page", 599, TICKETS),
    ("just below 2x fires only the 1x ticket", 399, SLOW_TICKET),
    ("within budget fires nothing", 199, []),
]

BOUNDARY_CASES = [
    ("just above 14.4x fires the fast page", 145, ALL),
    ("just below 14.4x does not fire the fast page", 143, SLOW_PAGE_AND_TICKETS),
    ("just above 6x fires the slow page", 61, SLOW_PAGE_AND_TICKETS),
    ("just below 6x (3x-ish) fires tickets, no page", 59, TICKETS),
    ("just below 3x fires only the 1x ticket", 29, SLOW_TICKET),
    ("within budget fires nothing", 9, []),
]


def test_duration_seconds_parses_prometheus_durations() -> None:
    assert duration_seconds("5m") == 300
    assert duration_seconds("3d") == 3 * 86400
    with pytest.raises(ConfigError, match="e.g. 5m"):
        duration_seconds("1.5h")


def test_windows_cover_alerts_and_budget_window(default_slo: SLOSet) -> None:
    windows = sli_windows(default_slo)
    assert windows == ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
    records = {r["record"] for r in recording_rules(default_slo)["groups"][0]["rules"]}
    for window in windows:
        assert error_ratio_rule(window) in records


def test_pages_that_can_never_fire_are_reported(default_slo: SLOSet, strict_slo: SLOSet) -> None:
    assert unreachable_burn_rate_alerts(default_slo) == []
    # The workbook's factors on an 80 % objective: a 20 % budget means 14.4x and 6x need an
    # error ratio above 1, which cannot happen.
    serving = dataclasses.replace(
        default_slo.serving, burn_rate_alerts=strict_slo.serving.burn_rate_alerts
    )
    workbook_on_80 = dataclasses.replace(default_slo, serving=serving)
    unreachable = unreachable_burn_rate_alerts(workbook_on_80)
    assert [(a.long_window, a.factor) for a in unreachable] == [("1h", 14.4), ("6h", 6.0)]
    with pytest.warns(UserWarning, match="can never fire"):
        alert_rules(workbook_on_80)


def test_strict_slo_has_reachable_thresholds(strict_slo: SLOSet) -> None:
    assert unreachable_burn_rate_alerts(strict_slo) == []
    exprs = [rule["expr"] for rule in burn_rate_alert_rules(strict_slo)]
    assert [e.split(" > ")[1].split("\n")[0] for e in exprs] == ["0.144", "0.06", "0.03", "0.01"]


def test_without_serving_section_only_batch_alerts(default_slo: SLOSet) -> None:
    batch_only = dataclasses.replace(default_slo, serving=None)
    assert recording_rules(batch_only) == {"groups": []}
    names = [g["name"] for g in alert_rules(batch_only)["groups"]]
    assert names == ["harness_batch_quality"]
    with pytest.raises(ConfigError, match="add one"):
        burn_rate_alert_rules(batch_only)


def test_promtool_accepts_generated_rules(promtool: str, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generate_all("default", tmp_path)
    rule_dir = tmp_path / "prometheus"
    result = _run(
        promtool, "check", "rules", "recording_rules.yml", "alert_rules.yml", cwd=rule_dir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config = _run(promtool, "check", "config", "prometheus.example.yml", cwd=rule_dir)
    assert config.returncode == 0, config.stdout + config.stderr


def test_promtool_rejects_a_broken_rule_file(promtool: str, tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - record: x\n    expr: (\n"
    )
    assert _run(promtool, "check", "rules", "broken.yml", cwd=tmp_path).returncode != 0


def test_burn_rate_alert_boundaries(promtool: str, strict_slo: SLOSet, tmp_path: Path) -> None:
    _write_rules(strict_slo, tmp_path)
    tests = [
        {
            "name": name,
            "interval": "1m",
            "input_series": _outcome_series(f"0+{fn}x10", f"0+{1000 - fn}x10"),
            "alert_rule_test": [
                {
                    "eval_time": "10m",
                    "alertname": BURN_ALERT,
                    "exp_alerts": _burn(strict_slo, fired),
                }
            ],
        }
        for name, fn, fired in BOUNDARY_CASES
    ]
    _promtool_test(promtool, tmp_path, tests)


def test_default_burn_rate_alert_boundaries(
    promtool: str, default_slo: SLOSet, tmp_path: Path
) -> None:
    _write_rules(default_slo, tmp_path)
    tests = [
        {
            "name": name,
            "interval": "1m",
            "input_series": _outcome_series(f"0+{fn}x10", f"0+{1000 - fn}x10"),
            "alert_rule_test": [
                {
                    "eval_time": "10m",
                    "alertname": BURN_ALERT,
                    "exp_alerts": _burn(default_slo, fired),
                }
            ],
        }
        for name, fn, fired in DEFAULT_BOUNDARY_CASES
    ]
    _promtool_test(promtool, tmp_path, tests)


def test_fast_page_stops_when_short_window_recovers(
    promtool: str, strict_slo: SLOSet, tmp_path: Path
) -> None:
    # 20 % missed for an hour, then none: at 70m the 1h window is still at 0.167 > 0.144,
    # but the 5m window is clean, so the fast page resolves; the 30m window (0.133) keeps
    # the slow page firing.
    _write_rules(strict_slo, tmp_path)
    tests = [
        {
            "name": "burst then recovery",
            "interval": "1m",
            "input_series": _outcome_series("0+200x60 12000+0x10", "0+800x60 49000+1000x10"),
            "alert_rule_test": [
                {"eval_time": "60m", "alertname": BURN_ALERT, "exp_alerts": _burn(strict_slo, ALL)},
                {
                    "eval_time": "70m",
                    "alertname": BURN_ALERT,
                    "exp_alerts": _burn(strict_slo, SLOW_PAGE_AND_TICKETS),
                },
            ],
        }
    ]
    _promtool_test(promtool, tmp_path, tests)


def test_slow_ticket_over_three_days(promtool: str, strict_slo: SLOSet, tmp_path: Path) -> None:
    # 1.2 % missed for three days at a 5m scrape: above 1x (0.01), below 3x (0.03).
    _write_rules(strict_slo, tmp_path)
    tests = [
        {
            "name": "slow burn over 3d",
            "interval": "5m",
            "input_series": _outcome_series("0+12x864", "0+988x864"),
            "alert_rule_test": [
                {
                    "eval_time": "3d",
                    "alertname": BURN_ALERT,
                    "exp_alerts": _burn(strict_slo, SLOW_TICKET),
                }
            ],
        }
    ]
    _promtool_test(promtool, tmp_path, tests, evaluation_interval="1h")


def test_batch_quality_alerts(promtool: str, default_slo: SLOSet, tmp_path: Path) -> None:
    _write_rules(default_slo, tmp_path)
    rules = {r["alert"]: r for r in batch_alert_rules(default_slo)}
    gap_alert = next(name for name in rules if "TrainTestGap" in name)
    bad = {**RUN, "resampler": "adasyn"}
    good = {**RUN, "resampler": "smote"}
    slo_labels = {
        "slo": "default",
        "objective": "minority_recall",
        "metric": "test/minority_recall",
    }

    def series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
        matchers = ", ".join(f'{k}="{v}"' for k, v in labels.items())
        return {"series": f"{name}{{{matchers}}}", "values": values}

    tests = [
        {
            "name": "batch quality",
            "interval": "1h",
            "input_series": [
                series("harness_slo_met", {**slo_labels, **bad}, "0x30"),
                series("harness_slo_met", {**slo_labels, **good}, "1x30"),
                series("harness_gap_minority_recall", bad, "0.15x30"),
                series("harness_gap_minority_recall", good, "0.05x30"),
                series("harness_last_success_timestamp_seconds", bad, "0x30"),
                series("harness_last_success_timestamp_seconds", good, "3600x30"),
                series("harness_runs_total", {**bad, "status": "failed"}, "0 1x30"),
                series("harness_runs_total", {**good, "status": "success"}, "0+1x30"),
            ],
            "alert_rule_test": [
                {
                    "eval_time": "1h",
                    "alertname": SLO_BREACH_ALERT,
                    "exp_alerts": [_expected(rules[SLO_BREACH_ALERT], {**slo_labels, **bad})],
                },
                {
                    "eval_time": "1h",
                    "alertname": gap_alert,
                    "exp_alerts": [_expected(rules[gap_alert], bad, "0.15")],
                },
                {
                    "eval_time": "1h",
                    "alertname": RUNS_FAILING_ALERT,
                    "exp_alerts": [_expected(rules[RUNS_FAILING_ALERT], bad)],
                },
                {"eval_time": "3h", "alertname": RUNS_FAILING_ALERT, "exp_alerts": []},
                {"eval_time": "24h", "alertname": STALE_ALERT, "exp_alerts": []},
                {
                    # 25 h since the adasyn success; exactly 24 h (not more) since smote's.
                    "eval_time": "25h",
                    "alertname": STALE_ALERT,
                    "exp_alerts": [_expected(rules[STALE_ALERT], bad, "1d 1h 0m 0s")],
                },
            ],
        }
    ]
    _promtool_test(promtool, tmp_path, tests, evaluation_interval="1h")
