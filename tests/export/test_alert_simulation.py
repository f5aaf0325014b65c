"""The simulation behind docs/monitoring.md's table, small: one rate, one fall, one delay, on a
real Prometheus (the full design is `harness simulate-alerts`)."""

from __future__ import annotations

import math

import pytest

from harness.commands.monitoring import QUICK_DESIGN
from harness.export.alert_simulation import (
    SimulationDesign,
    as_json,
    markdown_tables,
    simulate,
)
from harness.export.rules import BURN_ALERT, EVIDENCE_ALERT
from harness.slo import SLOSet
from tests.support.prometheus import require_binary

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def quick(default_slo: SLOSet):
    require_binary("promtool", "prometheus")
    require_binary("prometheus", "prometheus")
    design = SimulationDesign(**QUICK_DESIGN)
    return design, simulate(default_slo, design)


def test_the_label_sized_page_detects_a_fall_near_the_bound_and_the_burn_rate_page_does_not(
    quick,
) -> None:
    design, (result,) = quick
    (cell,) = result.cells
    assert (cell.rate, cell.drop, cell.delay) == (200.0, 0.2, "1h")
    # A fall from 0.85 to 0.60 at 200 labels an hour, labels 1 h late: the CUSUM bound is
    # 1 h + ln(720 x 200) / KL(0.60 || 0.85) / 200 = 1.32 h.
    assert cell.bound_hours == pytest.approx(1.32, abs=0.01)
    assert cell.paged[EVIDENCE_ALERT] == design.replicates
    assert cell.bound_hours < cell.median_hours[EVIDENCE_ALERT] < 2 * cell.bound_hours
    # Recall 0.60 burns the 20 % budget at 2x, under both page factors: no page.
    assert cell.paged[BURN_ALERT] == 0 and math.isinf(cell.median_hours[BURN_ALERT])


def test_the_healthy_model_is_watched_long_enough_and_never_paged(quick) -> None:
    design, (result,) = quick
    assert result.healthy_days >= design.healthy_days
    assert result.false_pages == {EVIDENCE_ALERT: 0, BURN_ALERT: 0}


def test_the_tables_show_every_cell_and_rate(quick) -> None:
    design, results = quick
    text = markdown_tables(results, design)
    assert "| 200 | 0.2 | 1h | 1.32 |" in text
    assert "| no page (0/2) |" in text  # the burn-rate page's column
    figures = as_json(results, design)
    assert figures["rates"][0]["cells"][0]["median_hours"][BURN_ALERT] is None
