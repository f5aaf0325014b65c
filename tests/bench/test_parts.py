"""`harness bench` in parts: each part writes its JSON, the merge shows every target."""

import json
import os
import subprocess
import sys

import pytest

from harness.bench.parts import part_path
from harness.bench.report import scale_targets
from harness.bench.suite import merge_parts
from harness.commands.bench import bench_main
from harness.errors import ConfigError


def test_a_part_writes_its_json_and_the_merge_lists_every_target(tmp_path):
    assert bench_main(["--quick", "--part", "samplers", "--out", str(tmp_path)]) == 0
    part = json.loads(part_path(tmp_path, "samplers").read_text())
    assert {"meta", "runs", "agreement"} <= set(part)
    assert not (tmp_path / "bench.json").exists()  # a part alone publishes nothing

    assert bench_main(["--merge", "--out", str(tmp_path)]) == 0
    merged = json.loads((tmp_path / "bench.json").read_text())
    statuses = {t["target"]: t["met"] for t in merged["targets"]}
    # Parts not run are listed as not measured, never dropped.
    assert statuses["harness overhead, quick ablation ≤ 1.3× bare loop"] is None
    assert statuses["per-job overhead with evaluation=sweep ≤ 1.3× bare loop"] is None
    distributed = "distributed exact ADASYN: peak per task ≤ bound(partition + minority set)"
    assert statuses[distributed] is None
    assert statuses["auto-approx exact Δ_i ≥ 95% at every 1M shape"] is None
    assert "samplers" in merged["meta"]["parts"]
    assert "## Targets" in (tmp_path / "bench.md").read_text()


def test_merge_without_parts_says_how_to_make_them(tmp_path):
    with pytest.raises(ConfigError, match="--part NAME"):
        merge_parts(tmp_path)


def test_scale_targets_read_delta_agreement_at_every_1m_shape():
    agreement = [
        {"shape": "1Mx20x5%", "approx_share_delta_exact": 0.99, "approx_total_deviation": 0.001},
        {"shape": "1Mx50x1%", "approx_share_delta_exact": 0.90, "approx_total_deviation": 0.01},
        {"shape": "10kx20x5%", "approx_share_delta_exact": 0.10, "approx_total_deviation": 0.9},
    ]
    distributed = {
        "shape": {"rows": 2_000_000, "features": 20, "partition_rows": 250_000},
        "max_task_peak_bytes": 2**20,
        "max_task_bound_bytes": 2**21,
        "peaks_within_bound": True,
        "rows_per_second": 1000.0,
    }
    targets = {t["target"]: t for t in scale_targets(agreement, distributed, {"ratio": 1.2})}
    assert targets["auto-approx exact Δ_i ≥ 95% at every 1M shape"]["met"] is False
    assert "10kx" not in targets["auto-approx exact Δ_i ≥ 95% at every 1M shape"]["value"]
    assert targets["auto-approx Σ|g_i − g_i*|/G ≤ 0.02 at every 1M shape"]["met"] is True
    assert targets["per-job overhead with evaluation=sweep ≤ 1.3× bare loop"]["met"] is True
    bound = "distributed exact ADASYN: peak per task ≤ bound(partition + minority set)"
    assert targets[bound]["met"] is True
    # Run below the 10M rows the issue names: reported, not claimed.
    assert targets["distributed run at 10M rows × 20, 1 % minority"]["met"] is None


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.serial  # alone: another test's `ray stop --force` would end this cluster
def test_distributed_part_reports_rows_per_second_and_task_memory(tmp_path):
    try:
        import ray  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("Ray is missing in CI; install the ray extra: pip install -e '.[ray]'")
        pytest.skip("Ray not installed")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "bench",
            "--distributed",
            "--distributed-rows",
            "20k",
            "--distributed-partition-rows",
            "5k",
            "--out",
            str(tmp_path),
        ],
        env=dict(os.environ, RAY_USAGE_STATS_ENABLED="0"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    part = json.loads(part_path(tmp_path, "distributed").read_text())["distributed"]
    assert part["shape"]["partitions"] == 4
    assert part["rows_per_second"] > 0 and part["peaks_within_bound"] is True
    assert len(part["count_tasks"]) == 4
    assert "## Distributed exact ADASYN" in completed.stdout
