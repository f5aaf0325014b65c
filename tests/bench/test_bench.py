"""The benchmark: a smoke run of `harness bench --quick` and the pieces it is made of."""

import json

import pytest

from harness.bench.report import evaluate_targets, render_markdown, summarize
from harness.bench.shapes import Shape, parse_shape, parse_shapes
from harness.commands.bench import bench_main
from harness.errors import ConfigError


def test_quick_bench_writes_json_and_markdown_with_every_section(tmp_path):
    assert bench_main(["--quick", "--no-overhead", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "bench.json").read_text())
    assert set(result) == {
        "meta",
        "runs",
        "summary",
        "agreement",
        "overhead",
        "sweep_overhead",
        "distributed",
        "targets",
    }
    assert result["meta"]["repeats"] == 1 and result["meta"]["quick"] is True
    implementations = {row["implementation"] for row in result["summary"]}
    assert {"imblearn-adasyn", "harness-adasyn-exact", "harness-adasyn-approx"} <= implementations
    for run in result["runs"]:
        assert run["seconds"] > 0 and run["peak_rss_mib"] > 0
    ours = [r for r in result["summary"] if r["library"] == "harness"]
    assert all(r["speedup_vs_imblearn"] > 0 for r in ours)
    # The exact ADASYN reproduces imbalanced-learn's r_i; on a tiny shape "auto-approx" is exact.
    assert result["agreement"][0]["exact_identical_r"] is True
    assert result["agreement"][0]["approx_mean_abs_dr"] == 0.0
    assert result["agreement"][0]["approx_share_delta_exact"] == 1.0
    assert result["agreement"][0]["approx_total_deviation"] == 0.0
    statuses = {t["target"]: t["met"] for t in result["targets"]}
    assert statuses["ADASYN exact: r_i identical to imblearn's"] is True
    assert statuses["ADASYN approx ≥ 10× imblearn at 1Mx20x5%"] is None  # shape not run
    markdown = (tmp_path / "bench.md").read_text()
    for heading in ("## Wall time", "## ADASYN agreement", "## Harness overhead", "## Targets"):
        assert heading in markdown


def test_overhead_ablation_runs_both_variants_or_says_why_not(tmp_path):
    from harness.bench.overhead import AblationPlan
    from harness.bench.suite import run_overhead

    tiny = AblationPlan(strategies=("none",), n_splits=2, n_repeats=1)
    overhead = run_overhead(tiny, 1, tmp_path, lambda message: None)
    if "error" in overhead:  # e.g. a config group of the harness run is not available
        assert "rerun it by hand" in overhead["error"]
    else:
        assert overhead["ratio"] == overhead["harness_seconds"] / overhead["bare_seconds"]
        assert overhead["ratio_existing_store"] == (
            overhead["harness_existing_store_seconds"] / overhead["bare_seconds"]
        )
        assert overhead["store_setup_seconds"] > 0


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("100kx20x5%", Shape(100_000, 20, 0.05)),
        ("1Mx50x1%", Shape(1_000_000, 50, 0.01)),
        ("2500x8x2.5%", Shape(2_500, 8, 0.025)),
    ],
)
def test_shapes_read_back_their_own_label(text, shape):
    assert parse_shape(text) == shape
    assert parse_shape(shape.label) == shape


def test_bad_shapes_and_empty_selections_are_refused_with_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="ROWSxFEATURESxPERCENT"):
        parse_shapes("100k rows")
    with pytest.raises(ConfigError, match="--max-rows"):
        bench_main(["--quick", "--max-rows", "10", "--out", str(tmp_path)])


def _runs(shape, seconds):
    return [
        {
            "shape": shape,
            "implementation": name,
            "seconds": s,
            "peak_rss_mib": 100.0 * s,
            "rss_increase_mib": 10.0,
        }
        for name, s in seconds.items()
    ]


def test_targets_compare_against_imblearn_in_the_same_run():
    runs = _runs(
        "1Mx20x5%",
        {
            "imblearn-adasyn": 80.0,
            "harness-adasyn-exact": 40.0,
            "harness-adasyn-approx": 5.0,
            "imblearn-smote": 5.0,
            "harness-smote": 6.0,
        },
    )
    summary = summarize(runs)
    agreement = [
        {
            "shape": "1Mx20x5%",
            "exact_identical_r": True,
            "approx_mean_abs_dr": 0.01,
            "approx_share_g_within_1": 0.9,
        }
    ]
    targets = {t["target"]: t for t in evaluate_targets(summary, agreement, {"ratio": 1.2})}
    assert targets["ADASYN approx ≥ 10× imblearn at 1Mx20x5%"]["met"] is True
    assert targets["ADASYN approx mean abs Δr ≤ 0.02 at 1Mx20x5%"]["met"] is True
    assert targets["ADASYN approx g_i within ±1 ≥ 95% at 1Mx20x5%"]["met"] is False
    assert targets["ADASYN exact never slower"]["met"] is True
    assert targets["SMOTE never slower"]["met"] is False
    assert targets["ROS never slower"]["met"] is None
    assert targets["harness overhead, quick ablation ≤ 1.3× bare loop"]["met"] is True
    markdown = render_markdown(
        {
            "meta": {"command": "harness bench", "repeats": 1, "cpu_count": 2, "versions": "x"},
            "summary": summary,
            "agreement": agreement,
            "overhead": {
                "ratio": 1.2,
                "ratio_existing_store": 1.1,
                "harness_seconds": 12.0,
                "harness_existing_store_seconds": 11.0,
                "store_setup_seconds": 1.5,
                "bare_seconds": 10.0,
            },
            "targets": list(targets.values()),
        }
    )
    assert "**NOT met**" in markdown and "| 1Mx20x5% | harness-adasyn-approx |" in markdown
    assert "1.10× with an existing store" in markdown and "creating it: 1.5 s" in markdown
