"""The README's drill as a test: real Prometheus, real Alertmanager and a webhook receiver, all
on 127.0.0.1, while `harness replay` streams pima through a model with injected drift and then
label shift.

The commands are read from the README's "A drill that pages" section and run as written: the
`harness dashboards` line generates the rules and routing from the shipped drill profile
(conf/slo/drill.yaml, windows of seconds) into the test's folder, and the `harness replay` line
runs with its port swapped for a free one. Prometheus and Alertmanager run on free ports with the
generated files (the receivers swapped for the test's webhook), at the 1 s interval the
generated prometheus.example.yml sets. The test follows the incident as an on-call engineer
would see it, and checks the README's list of expected alerts:

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
import shlex
import subprocess
import threading
import time
import warnings
from pathlib import Path

import pytest
import yaml

from harness.cli import main as harness_main
from harness.export.alertmanager import alertmanager_config
from harness.export.monitoring import Receiver, default_monitoring_settings
from harness.slo import load_slo_set
from tests.support.alertmanager import Notification, WebhookReceiver, running_alertmanager
from tests.support.cli import start_harness
from tests.support.prometheus import free_port, running_prometheus

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.serial]

README = Path(__file__).resolve().parents[2] / "README.md"
RECALL_PAGE = "HarnessMinorityRecallBudgetBurn"
PRECISION_PAGE = "HarnessMinorityPrecisionBudgetBurn"
DRIFT_TICKET = "HarnessMinorityFeatureDrift"
ONCALL, OWNER = "model-oncall", "product-owner"
BUDGET_S = 180


@dataclasses.dataclass(frozen=True)
class Drill:
    """The README's drill: its commands and the alerts it says to expect."""

    commands: list[list[str]]
    expected: dict[str, set[str]]  # phase kind -> alert names listed for it

    def command(self, *start: str) -> list[str]:
        (found,) = [c for c in self.commands if c[: len(start)] == list(start)]
        return found


def phases_of(args: list[str]) -> tuple[tuple[str, float], ...]:
    """The ``--phase SECONDS:KIND`` options of a replay command, as (kind, seconds)."""
    specs = [args[i + 1] for i, arg in enumerate(args) if arg == "--phase"]
    return tuple((kind, float(seconds)) for seconds, kind in (p.split(":") for p in specs))


def read_drill() -> Drill:
    """The commands and expected alerts of the README's section "A drill that pages"."""
    section = README.read_text().split("### A drill that pages\n", 1)[1].split("\n#", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.split("  #")[0].rstrip(" &")) for line in block.splitlines()]
    expected = {}
    items = re.findall(r"^- phase \d, ([a-z-]+): (.*?)(?=^- |\Z)", section, re.M | re.S)
    for kind, listed in items:
        expected.setdefault(kind, set()).update(re.findall(r"`(Harness\w+)`", listed))
    return Drill(commands, expected)


class ReplayProcess:
    """`harness replay` in a subprocess, with the time each of its phases started."""

    def __init__(self, command: list[str], port: int, log_path: Path):
        args = list(command[1:])  # as the README writes it, on a free port
        args[args.index("--port") + 1] = str(port)
        self.log_path = log_path
        self.phase_started: dict[int, float] = {}
        self.phases = phases_of(args)
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
        return self.phase_started[known] + sum(s for _, s in self.phases[known : index + 1])

    def phase_at(self, moment: float) -> int:
        """The phase running at ``moment`` (``time.monotonic()``)."""
        started = sorted((at, index) for index, at in self.phase_started.items())
        return max((index for at, index in started if at <= moment), default=0)

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
        (at - zero, f"phase {index + 1} {replay.phases[index][0]}")
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


def test_the_readme_drill_pages_as_written(tmp_path: Path, monkeypatch) -> None:
    started = time.monotonic()
    drill = read_drill()
    # 1. `harness dashboards --slo drill --out drill`, as written, in the test's folder.
    dashboards = drill.command("harness", "dashboards")
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every alert of the profile can fire
        assert harness_main(dashboards[1:]) == 0
    generated = tmp_path / dashboards[dashboards.index("--out") + 1]
    example = generated / "prometheus" / "prometheus.example.yml"
    assert str(example.relative_to(tmp_path)) in drill.command("prometheus")[1]
    interval = yaml.safe_load(example.read_text())["global"]["evaluation_interval"]
    assert interval == "1s"  # what running_prometheus scrapes and evaluates at
    am_file = generated / "alertmanager" / "alertmanager.yml"
    assert str(am_file.relative_to(tmp_path)) in drill.command("prometheus-alertmanager")[1]
    slo_name = dashboards[dashboards.index("--slo") + 1]
    slo_set = load_slo_set(slo_name)
    rules = [generated / "prometheus" / f for f in ("recording_rules.yml", "alert_rules.yml")]

    with WebhookReceiver() as receiver:
        # The same routing with the test's webhook in place of the placeholder receivers.
        settings = default_monitoring_settings(slo_set)
        receivers = {
            "page": Receiver(ONCALL, receiver.url(ONCALL)),
            "ticket": Receiver(OWNER, receiver.url(OWNER)),
        }
        settings = dataclasses.replace(
            settings, alerting=dataclasses.replace(settings.alerting, receivers=receivers)
        )
        am_config = alertmanager_config(slo_set, settings)
        written = yaml.safe_load(am_file.read_text())
        assert am_config["route"] == written["route"]
        assert am_config["inhibit_rules"] == written["inhibit_rules"]

        port = free_port()
        replay = ReplayProcess(drill.command("harness", "replay"), port, tmp_path / "replay.log")
        kinds = [kind for kind, _ in replay.phases]
        assert kinds == ["clean", "drift", "clean", "label-flip", "clean"]
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
                # Phase 2, drift: the recall page, its inhibited ticket and the drift ticket.
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
                assert ticket["labels"]["slo"] == slo_name
                drift_ticket = receiver.wait_for(
                    lambda n: _firing(n, OWNER, DRIFT_TICKET),
                    _until(drift_end + 10),
                    "opening the minority drift ticket",
                )
                assert drift_ticket.received_at > replay.phase_started[1]

                # Phase 3, clean: the page resolves.
                page_resolved = receiver.wait_for(
                    lambda n: _resolved(n, ONCALL, RECALL_PAGE),
                    _until(replay.phase_end(2)),
                    "resolving the recall page after the drift",
                )

                # Phase 4, label shift: the precision page.
                replay.wait_for_phase(3, timeout_s=_until(replay.phase_end(2) + 5))
                precision = receiver.wait_for(
                    lambda n: _firing(n, ONCALL, PRECISION_PAGE),
                    _until(replay.phase_end(3) + 5),
                    "paging the on-call for precision during the label shift",
                )
                assert precision.received_at > replay.phase_started[3]

                # Phase 5: everything resolves, in Prometheus and at the receivers.
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
    # What fired in each phase is what the README lists for it, and nothing fired in the first.
    fired_by_phase: dict[str, set[str]] = {kind: set() for kind in kinds}
    for notification in notifications:
        index = replay.phase_at(notification.received_at)
        fired_by_phase[kinds[index]] |= set(notification.alert_names("firing"))
    assert fired_by_phase["drift"] == drill.expected["drift"]
    assert fired_by_phase["label-flip"] == drill.expected["label-flip"]
    assert not replay_first_phase_alerts(notifications, replay)
    assert drill.expected["clean"] == set()
    recall_pages = [n for n in notifications if _firing(n, ONCALL, RECALL_PAGE)]
    assert len(recall_pages) == 1, [(n.status, n.alert_names()) for n in recall_pages]
    replay_args = drill.command("harness", "replay")
    model = replay_args[replay_args.index("--model-name") + 1]
    dataset = replay_args[replay_args.index("--dataset") + 1]
    assert page.payload["groupLabels"] == {"slo": slo_name, "model": model, "dataset": dataset}
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
    annotations = page.payload["alerts"][0]["annotations"]
    assert annotations["runbook_url"].endswith("HarnessMinorityRecallBudgetBurn.md")
    assert f"{model} on {dataset}" in annotations["summary"]
    assert annotations["mlflow_url"].endswith(f"/#/models/{model}")
    assert time.monotonic() - started < BUDGET_S, "the drill must take under 3 minutes"


def replay_first_phase_alerts(notifications: list[Notification], replay: ReplayProcess) -> list:
    """Notifications of alerts firing during the first (clean) phase."""
    return [
        n for n in notifications if replay.phase_at(n.received_at) == 0 and n.alert_names("firing")
    ]
