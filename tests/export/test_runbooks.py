"""Every alert has a runbook under docs/runbooks/, every runbook follows the incident checklist,
and no runbook names a metric that does not exist (in the catalog, the exporters or the
recording rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.export.names import EXPORTED_SERIES, SLI_METRIC_NAMES, prometheus_series
from harness.export.rules import alert_names, alert_rules, recorded_names
from harness.export.runbooks import runbook_dir, runbook_link_problems
from harness.metrics import catalog
from harness.slo import load_slo_set

REPO = Path(__file__).resolve().parents[2]
RUNBOOKS = REPO / "docs" / "runbooks"
SLO_SETS = ("default", "high_recall")
SECTIONS = (
    "## 1. Which model and which run",
    "## 2. What to check",
    "## 3. Roll back",
    "## 4. Confirm the cause offline",
)
SERIES = re.compile(r"\bharness_[a-z0-9_]+")
RECORDED = re.compile(r"\bharness:[a-z0-9_]+:[a-z0-9_]+")
SCOPES = "test|train|gap|resample|neighbors|data|noise|time|memory|fairness"
METRIC_KEY = re.compile(rf"`((?:{SCOPES})/[^`\s]+)`")
PLACEHOLDER = re.compile(r"<[^>]+>")


def known_series() -> set[str]:
    """Every series name an exporter writes or a recording rule records."""
    names = set(EXPORTED_SERIES) | set(SLI_METRIC_NAMES)
    for key in catalog.CATALOG:
        names.add(prometheus_series(key.replace("{column}", "c").replace("{group}", "g"))[0])
    for slo_name in SLO_SETS:
        names |= set(recorded_names(load_slo_set(slo_name)))
    return names


def unknown_metric_names(text: str, series: set[str]) -> list[str]:
    """Series names and metric keys in ``text`` that do not exist."""
    unknown = [name for name in SERIES.findall(text) if name not in series]
    unknown += [name for name in RECORDED.findall(text) if name not in series]
    for key in METRIC_KEY.findall(text):
        if not catalog.is_known(PLACEHOLDER.sub("x", key)):
            unknown.append(key)
    return unknown


@pytest.fixture(scope="module")
def series() -> set[str]:
    return known_series()


def _every_alert() -> list[str]:
    return sorted({name for slo_name in SLO_SETS for name in alert_names(load_slo_set(slo_name))})


def _pages() -> list[Path]:
    return sorted(p for p in RUNBOOKS.glob("*.md") if p.name != "README.md")


@pytest.mark.parametrize("alert", _every_alert())
def test_every_alert_has_a_runbook_that_its_url_points_to(alert: str) -> None:
    page = RUNBOOKS / f"{alert}.md"
    assert page.is_file(), f"alert {alert} has no runbook: write docs/runbooks/{alert}.md"
    rules = [
        rule
        for group in alert_rules(load_slo_set("default"))["groups"]
        for rule in group["rules"]
        if rule["alert"] == alert
    ]
    for rule in rules:
        assert (REPO / rule["annotations"]["runbook_url"]).resolve() == page.resolve()
    assert page.read_text().startswith(f"# {alert}\n")


def test_no_runbook_without_an_alert() -> None:
    assert sorted(p.stem for p in _pages()) == _every_alert()
    index = (RUNBOOKS / "README.md").read_text()
    for page in _pages():
        assert f"]({page.name})" in index, f"docs/runbooks/README.md does not link {page.name}"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.stem)
def test_runbooks_follow_the_incident_checklist(page: Path) -> None:
    text = page.read_text()
    positions = [text.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{page.name} lacks one of {SECTIONS}"
    assert positions == sorted(positions), f"{page.name}: sections out of order"
    assert "harness promote --rollback" in text or "Nothing to roll back" in text
    assert "harness run" in text and ("harness gate" in text or "harness compare" in text)


@pytest.mark.parametrize("page", [*_pages(), RUNBOOKS / "README.md"], ids=lambda p: p.stem)
def test_runbooks_name_only_metrics_that_exist(page: Path, series: set[str]) -> None:
    unknown = unknown_metric_names(page.read_text(), series)
    assert not unknown, f"{page.name} names metrics that do not exist: {unknown}"


def test_the_check_catches_a_metric_that_does_not_exist(series: set[str]) -> None:
    text = (
        "Check `harness_made_up_ratio`, harness:made_up:rate5m and `test/made_up`; "
        "`harness_serving_outcomes_total`, harness:minority_recall:rate5m and "
        "`fairness/<column>/min_group_recall` exist."
    )
    assert unknown_metric_names(text, series) == [
        "harness_made_up_ratio",
        "harness:made_up:rate5m",
        "test/made_up",
    ]


# -- the links the alerts carry ---------------------------------------------------------------


def test_the_runbooks_are_found_where_the_package_runs() -> None:
    assert runbook_dir() == RUNBOOKS


def test_relative_runbook_links_are_reported_with_the_fix() -> None:
    (problem,) = runbook_link_problems("docs/runbooks/", _every_alert())
    assert "relative" in problem and "runbook_base_url" in problem
    assert str(RUNBOOKS) in problem  # where the shipped pages are


def test_web_links_pass_and_file_links_must_name_pages_that_exist(tmp_path: Path) -> None:
    alerts = _every_alert()
    assert runbook_link_problems("https://git.example.com/runbooks/", alerts) == []
    assert runbook_link_problems(f"{RUNBOOKS.as_uri()}/", alerts) == []
    (problem,) = runbook_link_problems(f"{tmp_path.as_uri()}/", alerts)
    assert "would not resolve" in problem and alerts[0] in problem


def test_an_alert_without_a_shipped_runbook_is_reported() -> None:
    (problem,) = runbook_link_problems("https://x.example/", ["HarnessMadeUpAlert"])
    assert "no runbook ships for alerts ['HarnessMadeUpAlert']" in problem


def test_harness_dashboards_warns_only_when_links_would_not_resolve(tmp_path: Path) -> None:
    from tests.support.cli import run_harness

    relative = run_harness("dashboards", "--out", str(tmp_path / "a"), root=tmp_path)
    assert relative.returncode == 0, relative.stderr
    assert "warning: runbook links are relative" in relative.stderr
    # The default set states its label supply: what the labels allow is printed too.
    assert "note: detection target reachable: a fall to 0.70 within 6h" in relative.stderr
    settings = tmp_path / "monitoring.yaml"
    settings.write_text("alerting: {runbook_base_url: 'https://git.example.com/runbooks/'}\n")
    web = run_harness(
        "dashboards", "--out", str(tmp_path / "b"), "--monitoring", str(settings), root=tmp_path
    )
    assert web.returncode == 0, web.stderr
    assert "runbook" not in web.stderr
