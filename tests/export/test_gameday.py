"""A game day as a test: real Prometheus, real Alertmanager and a webhook receiver, all on
127.0.0.1, while `harness replay` streams pima through a model with injected drift and then
label shift.

The rules, the Alertmanager routing and the thresholds are generated exactly as
`harness dashboards` generates them, from a test-only SLO set with windows of seconds
(tests/export/slo_gameday.yaml, tests/export/monitoring_gameday.yaml). The test follows the
incident as an on-call engineer would see it:

1. covariate drift: the recall page reaches the on-call receiver once (Prometheus resends the
   alert every second; Alertmanager deduplicates), the recall ticket of the same SLO is
   inhibited, and the minority drift ticket reaches the product owner;
2. recovery: the page resolves;
3. label shift (minority labels flipped to majority): the precision page fires;
4. recovery: everything resolves.

It runs serially (`-m serial`): beside other tests on a busy machine its second-scale windows
would be flaky.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import threading
import time
import warnings
from pathlib import Path

import pytest
import yaml

from harness.export.generate import generate_all
from harness.export.monitoring import Receiver, load_monitoring_settings
from harness.slo import load_slo_set
from tests.support.alertmanager import Notification, WebhookReceiver, running_alertmanager
from tests.support.cli import start_harness
from tests.support.prometheus import free_port, running_prometheus

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.serial]

HERE = Path(__file__).resolve().parent
RECALL_PAGE = "HarnessMinorityRecallBudgetBurn"
PRECISION_PAGE = "HarnessMinorityPrecisionBudgetBurn"
DRIFT_TICKET = "HarnessMinorityFeatureDrift"
ONCALL, OWNER = "model-oncall", "product-owner"
# Long enough for Evidently's per-window tests (1.5-5 s each on a busy 2-core machine) to open
# the drift ticket well inside the drift phase; short enough to stay under three minutes.
PHASES = (("clean", 10), ("drift", 40), ("clean", 25), ("label-flip", 30), ("clean", 25))
BUDGET_S = 180


class ReplayProcess:
    """`harness replay` in a subprocess, with the time each of its phases started."""

    def __init__(self, port: int, log_path: Path):
        args = [
            "replay",
            "--dataset=pima",
            "--model=logistic_regression",
            "--resampler=adasyn",
            "--rate=200",
            "--batch-size=20",
            f"--port={port}",
            "--drift=-3",  # every feature 3 std down: nothing is predicted minority
            "--label-flip=0.9",  # 90 % of minority labels become majority: false positives
            "--drift-window=3",
            "--linger=5",
            *(f"--phase={seconds}:{kind}" for kind, seconds in PHASES),
        ]
        self.log_path = log_path
        self.phase_started: dict[int, float] = {}
        self.process = start_harness(*args, root=log_path.parent)
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.append(line)
            match = re.match(r"phase (\d+)/\d+ ", line)
            if match:
                self.phase_started[int(match.group(1)) - 1] = time.monotonic()

    def wait_for_phase(self, index: int, timeout_s: float) -> float:
        """When phase ``index`` started; fail the test if it does not within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if index in self.phase_started:
                return self.phase_started[index]
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"replay phase {index + 1} did not start; output:\n{self.output()}")

    def phase_end(self, index: int) -> float:
        """When phase ``index`` is due to end, from the latest phase start seen so far."""
        known = max(i for i in self.phase_started if i <= index)
        return self.phase_started[known] + sum(s for _, s in PHASES[known : index + 1])

    def output(self) -> str:
        return "".join(self._lines)[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)


def _firing(notification: Notification, receiver: str, alertname: str) -> bool:
    return notification.path == receiver and alertname in notification.alert_names("firing")


def _resolved(notification: Notification, receiver: str, alertname: str) -> bool:
    return notification.path == receiver and alertname in notification.alert_names("resolved")


def _timeline(notifications: list[Notification], replay: ReplayProcess) -> str:
    """Phases and notifications, in seconds from the start of the stream."""
    zero = replay.phase_started.get(0, 0.0)
    events = [
        (at - zero, f"phase {index + 1} {PHASES[index][0]}")
        for index, at in replay.phase_started.items()
    ]
    events += [
        (n.received_at - zero, f"{n.path} {n.status} {sorted(set(n.alert_names()))}")
        for n in notifications
    ]
    return "\n".join(f"{at:7.1f} s  {what}" for at, what in sorted(events))


def _until(deadline: float) -> float:
    return max(1.0, deadline - time.monotonic())


def _wait_until_inhibited(alertmanager, page_is_firing, deadline: float) -> dict:
    """The recall ticket as Alertmanager holds it once inhibited by the recall page."""
    seen: list = []
    while time.monotonic() < deadline and page_is_firing():
        seen = alertmanager.alerts(alertname=RECALL_PAGE, severity="ticket")
        for alert in seen:
            if alert["status"]["state"] == "suppressed" and alert["status"]["inhibitedBy"]:
                return alert
        time.sleep(0.25)
    pytest.fail(f"the recall ticket was not inhibited while the page fired; last seen: {seen}")


def test_game_day_pages_once_inhibits_the_ticket_and_resolves(tmp_path: Path) -> None:
    started = time.monotonic()
    slo_set = load_slo_set(HERE / "slo_gameday.yaml")
    settings = load_monitoring_settings(HERE / "monitoring_gameday.yaml", slo_set)
    with WebhookReceiver() as receiver:
        receivers = {
            "page": Receiver(ONCALL, receiver.url(ONCALL)),
            "ticket": Receiver(OWNER, receiver.url(OWNER)),
        }
        settings = dataclasses.replace(
            settings, alerting=dataclasses.replace(settings.alerting, receivers=receivers)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # every alert of the set can fire
            generate_all(slo_set, tmp_path / "generated", monitoring=settings)
        generated = tmp_path / "generated"
        rules = [generated / "prometheus" / f for f in ("recording_rules.yml", "alert_rules.yml")]
        am_config = yaml.safe_load((generated / "alertmanager" / "alertmanager.yml").read_text())

        port = free_port()
        replay = ReplayProcess(port, tmp_path / "replay.log")
        try:
            with (
                running_alertmanager(tmp_path / "alertmanager", am_config) as alertmanager,
                running_prometheus(
                    tmp_path / "prometheus",
                    targets=[f"127.0.0.1:{port}"],
                    rule_files=rules,
                    alertmanager=alertmanager.url,
                    resend_delay="1s",  # resent every second: Alertmanager must deduplicate
                ) as prometheus,
            ):
                # 1. Drift: the recall page, its inhibited ticket and the drift ticket.
                replay.wait_for_phase(1, timeout_s=90)
                drift_end = replay.phase_end(1)
                page = receiver.wait_for(
                    lambda n: _firing(n, ONCALL, RECALL_PAGE),
                    _until(drift_end),
                    "paging the on-call for recall during the drift",
                )
                resolved = []

                def page_is_firing() -> bool:
                    resolved[:] = [
                        n for n in receiver.received() if _resolved(n, ONCALL, RECALL_PAGE)
                    ]
                    return not resolved

                ticket = _wait_until_inhibited(alertmanager, page_is_firing, drift_end + 3)
                assert ticket["labels"]["slo"] == "gameday"
                drift_ticket = receiver.wait_for(
                    lambda n: _firing(n, OWNER, DRIFT_TICKET),
                    _until(drift_end + 10),
                    "opening the minority drift ticket",
                )
                assert drift_ticket.received_at > replay.phase_started[1]

                # 2. Recovery: the page resolves.
                page_resolved = receiver.wait_for(
                    lambda n: _resolved(n, ONCALL, RECALL_PAGE),
                    _until(replay.phase_end(2)),
                    "resolving the recall page after the drift",
                )

                # 3. Label shift: the precision page.
                replay.wait_for_phase(3, timeout_s=_until(replay.phase_end(2) + 5))
                precision = receiver.wait_for(
                    lambda n: _firing(n, ONCALL, PRECISION_PAGE),
                    _until(replay.phase_end(3) + 5),
                    "paging the on-call for precision during the label shift",
                )
                assert precision.received_at > replay.phase_started[3]

                # 4. Recovery: everything resolves, in Prometheus and at the receivers.
                final = replay.phase_end(4)
                receiver.wait_for(
                    lambda n: _resolved(n, ONCALL, PRECISION_PAGE),
                    _until(final),
                    "resolving the precision page",
                )
                receiver.wait_for(
                    lambda n: _resolved(n, OWNER, DRIFT_TICKET),
                    _until(final),
                    "resolving the drift ticket",
                )
                prometheus.wait_for(
                    'ALERTS{alertstate="firing", alertname=~"Harness.*"}',
                    lambda result: not result,
                    timeout_s=_until(final + 5),
                )
        finally:
            replay.stop()

    notifications = receiver.received()
    print(_timeline(notifications, replay))  # shown by pytest when an assertion below fails
    recall_pages = [n for n in notifications if _firing(n, ONCALL, RECALL_PAGE)]
    assert len(recall_pages) == 1, [(n.status, n.alert_names()) for n in recall_pages]
    assert page.payload["groupLabels"] == {
        "slo": "gameday",
        "model": "logistic_regression-adasyn",
        "dataset": "pima",
    }
    precision_pages = [n for n in notifications if _firing(n, ONCALL, PRECISION_PAGE)]
    assert len(precision_pages) == 1, [(n.status, n.alert_names()) for n in precision_pages]
    # While the page fired, the product owner never heard of the recall ticket.
    during_page = [
        n
        for n in notifications
        if n.path == OWNER and page.received_at <= n.received_at <= page_resolved.received_at
    ]
    assert all(RECALL_PAGE not in n.alert_names("firing") for n in during_page)
    # Tickets never reach the on-call receiver, pages never the product owner.
    for notification in notifications:
        severities = {a["labels"]["severity"] for a in notification.payload["alerts"]}
        assert severities == ({"page"} if notification.path == ONCALL else {"ticket"})
    summary = page.payload["alerts"][0]["annotations"]
    assert summary["runbook_url"].endswith("HarnessMinorityRecallBudgetBurn.md")
    assert "logistic_regression-adasyn on pima" in summary["summary"]
    assert time.monotonic() - started < BUDGET_S, "the game day must take under 3 minutes"
