"""Simulated series through a real Prometheus: backfilled blocks, backfilled recording rules,
alert expressions evaluated with query_range in chunks, and `for:` applied as Prometheus does."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from harness.export import backfill
from harness.export.backfill import (
    CounterSeries,
    add_blocks,
    blocks_from_openmetrics,
    blocks_from_rules,
    firing_starts,
    query_range,
    serving_blocks,
    write_openmetrics,
)
from tests.support.prometheus import require_binary

START = 1_735_689_600


def test_for_fires_after_the_condition_held_that_long_and_a_gap_resets_it():
    step = 60
    held = START + step * np.array([0, 1, 2, 3, 10, 11, 20, 21, 22, 23, 24])
    # Runs 0-3 (3 min), 10-11 (1 min), 20-24 (4 min); for: 2m fires 2 steps after a run starts.
    assert list(firing_starts(held, step, 120) - START) == [120, 1320]
    assert list(firing_starts(held, step, 0) - START) == [0, 600, 1200]
    assert firing_starts(np.array([], dtype=np.int64), step, 60).size == 0


@pytest.fixture(scope="module")
def tools() -> None:
    require_binary("promtool", "prometheus")
    require_binary("prometheus", "prometheus")


@pytest.mark.integration
def test_backfilled_counters_and_rules_are_queried_in_chunks(tools, tmp_path, monkeypatch):
    times = START + np.arange(0, 6 * 3600 + 1, 60)
    steady = CounterSeries({"model": "a", "outcome": "fn"}, times, np.arange(times.size))
    jumps = CounterSeries({"model": "b", "outcome": "fn"}, times, (times - START) // 3600 * 10)
    source = write_openmetrics(tmp_path / "in.om", "sim_outcomes", [steady, jumps])
    assert source.read_text().splitlines()[0] == "# TYPE sim_outcomes counter"
    data = tmp_path / "data"
    blocks_from_openmetrics(source, data)
    rule_file = tmp_path / "rules.yml"
    record = {
        "record": "sim:fn:increase10m",
        "expr": "sum by (model) (increase(sim_outcomes_total[10m]))",
    }
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "sim", "rules": [record]}]}))
    end = int(times[-1])
    with serving_blocks(data, tmp_path / "prometheus.log") as url:
        blocks_from_rules(url, rule_file, START, end, tmp_path / "rule-blocks")
    assert add_blocks(tmp_path / "rule-blocks", data) >= 1
    monkeypatch.setattr(backfill, "MAX_POINTS", 50)  # 361 steps: eight chunks
    with serving_blocks(data, tmp_path / "prometheus.log") as url:
        above = query_range(url, "sim:fn:increase10m > 9.5", START + 900, end, 60)
        every = query_range(url, "sim:fn:increase10m >= 0", START + 900, end, 60)
    # a counts one a minute, 10 in any 10 minutes; b jumps by 10 once an hour.
    assert set(every) == {"a", "b"}
    assert every["a"].size == (end - START - 900) // 60 + 1  # every step, no chunk lost or doubled
    assert above["a"].size == every["a"].size
    assert 0 < above["b"].size < every["b"].size
