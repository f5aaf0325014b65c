"""An Alertmanager configuration generated from the SLO set and the monitoring settings.

Routing follows the severity every generated alert carries: ``page`` goes to the model on-call
receiver, ``ticket`` to the product owner's. Notifications are grouped by SLO and model (and
experiment, for batch alerts), so every alert of one incident arrives in one message; a page
inhibits the ticket of the same SLO, SLI, model and data set. Receivers are placeholders
(webhooks on the reserved ``.invalid`` domain) until replaced with a pager or ticket system;
the file says so only while one of them is.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from harness.export.monitoring import MonitoringSettings
from harness.slo import SLOSet

#: Labels a notification groups alerts by: one message per SLO and model (serving) or
#: experiment (batch).
GROUP_BY = ("slo", "model", "dataset", "experiment")
#: A page silences the ticket only when these labels are equal on both.
INHIBIT_EQUAL = ("slo", "sli", "model", "dataset")

_ROUTING_NOTE = """\
# Routes by severity: page -> the model on-call receiver, ticket -> the product-owner receiver.
"""
_PLACEHOLDER_NOTE = """\
# Placeholder receivers (webhooks on the reserved .invalid domain, which never resolves): {names}.
# Replace their webhook_configs with your pager (pagerduty_configs, opsgenie_configs) or ticket
# system, or regenerate with receivers set in `harness dashboards --monitoring FILE`.
"""
_CHECK_NOTE = """\
# Check it with `amtool check-config alertmanager.yml`; see where an alert goes with
# `amtool config routes test --config.file=alertmanager.yml severity=page`.
"""


def placeholder_receivers(settings: MonitoringSettings) -> list[str]:
    """Names of the receivers whose webhook is still a ``.invalid`` placeholder, sorted."""
    return sorted(
        {
            receiver.name
            for receiver in settings.alerting.receivers.values()
            if (urllib.parse.urlparse(receiver.webhook_url).hostname or "").endswith(".invalid")
        }
    )


def alertmanager_notes(settings: MonitoringSettings) -> str:
    """The comment lines heading ``alertmanager.yml``: the placeholder warning only when a
    receiver is still a placeholder."""
    placeholders = placeholder_receivers(settings)
    middle = _PLACEHOLDER_NOTE.format(names=", ".join(placeholders)) if placeholders else ""
    return _ROUTING_NOTE + middle + _CHECK_NOTE


def alertmanager_config(slo_set: SLOSet, settings: MonitoringSettings) -> dict[str, Any]:
    """Build ``alertmanager.yml`` as a mapping.

    Parameters
    ----------
    slo_set : SLOSet
        The SLO set whose alerts are routed (named in the generated file's header).
    settings : MonitoringSettings
        Receivers and notification timing per severity.

    Returns
    -------
    dict
        Ready for :func:`harness.export.rules.render_yaml`.
    """
    alerting = settings.alerting
    page, ticket = alerting.receivers["page"], alerting.receivers["ticket"]
    default = alerting.routes["ticket"]
    routes = []
    for severity, receiver in (("page", page), ("ticket", ticket)):
        timing = alerting.routes[severity]
        routes.append(
            {
                "receiver": receiver.name,
                "matchers": [f'severity="{severity}"'],
                "group_wait": timing.group_wait,
                "group_interval": timing.group_interval,
                "repeat_interval": timing.repeat_interval,
            }
        )
    receivers: dict[str, dict[str, Any]] = {}
    for receiver in (page, ticket):
        receivers.setdefault(
            receiver.name,
            {
                "name": receiver.name,
                "webhook_configs": [{"url": receiver.webhook_url, "send_resolved": True}],
            },
        )
    return {
        "route": {
            # An alert without a known severity still reaches someone: the product owner.
            "receiver": ticket.name,
            "group_by": list(GROUP_BY),
            "group_wait": default.group_wait,
            "group_interval": default.group_interval,
            "repeat_interval": default.repeat_interval,
            "routes": routes,
        },
        "inhibit_rules": [
            {
                # Only serving pages (they carry an SLI) silence tickets, and only their own.
                "source_matchers": ['severity="page"', 'sli=~".+"'],
                "target_matchers": ['severity="ticket"'],
                "equal": list(INHIBIT_EQUAL),
            }
        ],
        "receivers": list(receivers.values()),
    }
