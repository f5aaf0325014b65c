"""`harness plan`: a previous run's spread when there is one, a pilot otherwise, one-line errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from harness.cli import main
from harness.evaluate.power import detectable_difference
from harness.runner.experiment import plan_run
from harness.runner.plan import PREVIOUS, make_plan
from harness.runs import RunFolder, find_run_dirs
from tests.support.cli import run_harness

#: Two strategies of the quick experiment, 3-fold x 1 (the experiment sets its own folds).
SMALL = (
    "experiment=quick",
    "experiment.grid.resampler=[none,smote]",
    "evaluation=fast",
    "evaluation.n_splits=3",
    "evaluation.n_repeats=1",
)
#: What the run needs and the plan does not: no store, no export, one worker, no label issues.
RUN_ONLY = (
    "tracking=none",
    "export=none",
    "evaluation.progress=false",
    "evaluation.label_issues=false",
    "evaluation.n_jobs=1",
)


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*"))


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory):
    """A real run of smote and none on pima, under its own root."""
    root = tmp_path_factory.mktemp("previous")
    result = run_harness("run", *SMALL, *RUN_ONLY, root=root)
    assert result.returncode == 0, result.stderr[-3000:]
    (experiment,) = (root / "outputs" / "runs" / "quick").iterdir()
    records = {}
    for run_dir in find_run_dirs(experiment):
        folder = RunFolder(run_dir)
        record = folder.load_record()
        records[record["strategy"]] = (record, folder.read_folds())
    return root, experiment, records


def test_plan_names_the_previous_run_it_reads_and_writes_nothing(previous_run):
    root, experiment, _ = previous_run
    before = _files(root)
    result = run_harness("plan", *SMALL, root=root)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "a previous run of the same data set (same digest) and model: outputs/runs/quick/" in out
    assert experiment.name in out
    assert "a pilot of" not in out
    assert "smote vs none: with 3 folds this design detects" in out
    assert re.search(r"^objective +metric +test +strategy +now \(80% power\)", out, re.M)
    assert _files(root) == before


def test_the_figures_are_the_power_formula_on_the_spread_of_the_run_folds(previous_run):
    root, experiment, records = previous_run
    cfg, jobs = plan_run(list(SMALL))
    plan = make_plan(cfg, jobs, outputs=root / "outputs", root=root)
    (group,) = plan.groups
    record, _ = records["none"]
    design = group.design
    assert (design.n_folds, design.n_train, design.n_test) == (
        3,
        record["n_train"],
        record["n_test"],
    )

    # relative: the spread of the paired differences smote - none of test/pr_auc
    (_, smote), (_, none) = records["smote"], records["none"]
    differences = (smote["test/pr_auc"] - none["test/pr_auc"]).to_numpy()
    std = float(np.std(differences, ddof=1))
    expected = detectable_difference(std, 3, record["n_train"], record["n_test"], 0.025, 1)
    (row,) = [r for r in group.rows if r.objective == "pr_auc_not_worse"]
    assert row.spread.kind == PREVIOUS
    assert row.spread.where == str(experiment.relative_to(root))
    assert row.std == pytest.approx(std, rel=1e-12)
    assert row.detectable.now == pytest.approx(expected.now, rel=1e-12)
    assert row.detectable.doubled_repeats == pytest.approx(expected.doubled_repeats, rel=1e-12)
    assert row.detectable.floor == pytest.approx(expected.floor, rel=1e-12)
    assert f"{expected.now:.3g}" in plan.render()

    # absolute: the largest spread of the fold values over the strategies it applies to
    spreads = {k: float(np.std(v[1]["gap/minority_recall"], ddof=1)) for k, v in records.items()}
    noisiest = max(spreads, key=spreads.get)
    (gap,) = [r for r in group.rows if r.objective == "train_test_gap"]
    assert gap.subject == f"every strategy (noisiest: {noisiest})"
    expected = detectable_difference(
        spreads[noisiest], 3, record["n_train"], record["n_test"], 0.025, 1
    )
    assert gap.detectable.now == pytest.approx(expected.now, rel=1e-12)


def test_without_a_previous_run_a_timed_pilot_gives_the_spread_and_nothing_is_written(tmp_path):
    result = run_harness(
        "plan", "experiment=quick", "experiment.grid.resampler=[none,ros]", root=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "no previous run of this data set" in out
    assert re.search(
        r"a pilot of 3 folds .* in \d+\.\d s\. A spread from 3 folds is itself uncertain", out
    )
    assert "from the pilot (3 folds), rescaled from test folds of 256 rows" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["resampler=adasin"], "did you mean resampler=adasyn?"),
        (["evaluation.n_repeats=0"], "evaluation.n_repeats must be an integer >= 1, got 0"),
        (["-m", "resampler=none,smote"], "harness plan plans one run, not a sweep (-m)"),
        (["--config-dir", "elsewhere"], "--config-dir is not accepted"),
        (["--pilot-splits", "1"], "--pilot-splits must be at least 2, got 1"),
        (["--pilot-splits", "many"], "argument --pilot-splits: invalid int value: 'many'"),
        (["--frobnicate"], "harness plan does not take --frobnicate"),
        (["--pilto"], "harness plan does not take --pilto: did you mean --pilot?"),
        (["resampler.sampler.beta=abc"], "resampler.sampler (resampler=adasyn): The 'beta'"),
        (["resampler=[none,adasin]"], "did you mean resampler=adasyn?"),
    ],
)
def test_a_bad_command_line_is_one_error_line_and_exit_2(
    tmp_path, monkeypatch, capsys, args, message
):
    monkeypatch.setenv("HARNESS_ROOT", str(tmp_path))
    assert main(["plan", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert message in lines[0]
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_plan_help_describes_it_with_examples(capsys):
    assert main(["plan", "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: harness plan")
    words = " ".join(text.split())
    assert "a previous run of the same data set" in words and "a short pilot" in words
    examples = text.split("\nexamples:\n", 1)[1]
    assert "harness plan experiment=quick evaluation.n_repeats=5" in examples
    assert "(default: 3)" in text


def test_run_help_points_at_plan(capsys):
    assert main(["run", "--help"]) == 0
    assert "`harness plan <same overrides>`" in capsys.readouterr().out


def test_the_parser_s_pilot_design_is_the_planner_s():
    from harness.commands import plan as command
    from harness.runner import plan as planner

    assert (command.PILOT_SPLITS, command.PILOT_REPEATS) == (
        planner.PILOT_SPLITS,
        planner.PILOT_REPEATS,
    )
