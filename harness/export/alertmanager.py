"""An Alertmanager configuration generated from the SLO set and the monitoring settings.

Routing follows the severity every generated alert carries: ``page`` goes to the model on-call
receiver, ``ticket`` to the product owner's. Notifications are grouped by SLO and model (and
experiment, for batch alerts), so every alert of one incident arrives in one message; a page
inhibits the ticket of the same SLO, SLI, model and data set. Receivers are placeholders
(webhooks on the reserved ``.invalid`` domain) until replaced with a pager or ticket system.
"""

from __future__ import annotations

from typing import Any

from harness.export.monitoring import MonitoringSettings
from harness.slo import SLOSet

#: Labels a notification groups alerts by: one message per SLO and model (serving) or
#: experiment (batch).
GROUP_BY = ("slo", "model", "dataset", "experiment")
#: A page silences the ticket only when these labels are equal on both.
INHIBIT_EQUAL = ("slo", "sli", "model", "dataset")

NOTES = """\
# Routes by severity: page -> the model on-call receiver, ticket -> the product-owner receiver.
# The receivers below are placeholders (webhooks on the reserved .invalid domain, which never
# resolves): replace each webhook_configs with your pager (pagerduty_configs, opsgenie_configs)
# or ticket system, or regenerate with receivers set in `harness dashboards --monitoring FILE`.
# Check it with `amtool check-config alertmanager.yml`; see where an alert goes with
# `amtool config routes test --config.file=alertmanager.yml severity=page`.
"""


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
