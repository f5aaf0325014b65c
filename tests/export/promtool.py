"""Run `promtool test rules` on generated rule files, and build its expected alerts."""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path
from typing import Any

import yaml

from harness.export.monitoring import MonitoringSettings
from harness.export.rules import GROUP_ORDER, alert_rules, write_rule_files
from harness.slo import SLOSet


def run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``tool`` with ``args`` in ``cwd``; never raises on a non-zero exit."""
    return subprocess.run(
        [tool, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def write_rules(slo_set: SLOSet, out_dir: Path, settings: MonitoringSettings) -> list[Path]:
    """Write the rule files, ignoring the warning about alerts that can never fire."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return write_rule_files(slo_set, out_dir, settings)


def alert_rule(
    slo_set: SLOSet, settings: MonitoringSettings, name: str, severity: str = "ticket"
) -> dict[str, Any]:
    """The generated rule of alert ``name`` with ``severity``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        groups = alert_rules(slo_set, settings)["groups"]
    for group in groups:
        for rule in group["rules"]:
            if rule["alert"] == name and rule["labels"]["severity"] == severity:
                return rule
    raise KeyError((name, severity))


def _go_value(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _humanize_duration(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m {secs}s"
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{seconds:.4g}s"


def render(template: str, labels: dict[str, str], value: float | None) -> str:
    """Render the Go-template subset the generated annotations use."""
    text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), template)
    if value is None:
        return text
    text = re.sub(r'\{\{ printf "(%[^"]+)" \$value \}\}', lambda m: m.group(1) % value, text)
    text = text.replace("{{ $value | humanizePercentage }}", "%.4g%%" % (value * 100))
    text = text.replace("{{ $value | humanizeDuration }}", _humanize_duration(value))
    return text.replace("{{ $value }}", _go_value(value))


def expected(rule: dict[str, Any], series_labels: dict[str, str], value: float) -> dict:
    """One entry of ``exp_alerts``: the series' labels plus the rule's, rendered annotations."""
    labels = {**series_labels, **rule["labels"]}
    annotations = {k: render(v, labels, value) for k, v in rule["annotations"].items()}
    return {"exp_labels": labels, "exp_annotations": annotations}


def series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
    """One ``input_series`` entry."""
    matchers = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{matchers}}}", "values": values}


def alert_test(name: str, interval: str, input_series: list[dict], checks: list[dict]) -> dict:
    """One promtool test case: ``input_series`` sampled every ``interval``, then ``checks``."""
    return {
        "name": name,
        "interval": interval,
        "input_series": input_series,
        "alert_rule_test": checks,
    }


def alerts_at(eval_time: str, alertname: str, *alerts: dict) -> dict:
    """One ``alert_rule_test`` entry: at ``eval_time``, ``alertname`` fires exactly ``alerts``
    (built with :func:`expected`); none means it does not fire."""
    return {"eval_time": eval_time, "alertname": alertname, "exp_alerts": list(alerts)}


def promtool_test(
    promtool: str, rule_dir: Path, tests: list[dict], evaluation_interval: str = "1m"
) -> None:
    """Run ``tests`` against the rule files in ``rule_dir``; fail with promtool's output."""
    present = {
        group["name"]
        for name in ("recording_rules.yml", "alert_rules.yml")
        for group in yaml.safe_load((rule_dir / name).read_text())["groups"]
    }
    document = {
        "rule_files": ["recording_rules.yml", "alert_rules.yml"],
        "evaluation_interval": evaluation_interval,
        # Record the SLIs before the alerts read them at the same step (promtool otherwise
        # evaluates groups in random order).
        "group_eval_order": [name for name in GROUP_ORDER if name in present],
        "tests": tests,
    }
    (rule_dir / "tests.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    result = run(promtool, "test", "rules", "tests.yml", cwd=rule_dir)
    assert result.returncode == 0, result.stdout + result.stderr
