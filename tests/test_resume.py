"""An interrupted sweep, killed for real, resumes where it stopped."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.support.cli import run_harness, start_harness

SWEEP = [
    "run",
    "-m",
    "resampler=none,class_weight,ros,smote,adasyn",
    "evaluation=fast",
    "evaluation.n_jobs=1",
    "evaluation.progress=false",
    "hydra.launcher.n_jobs=1",
    "tracking=none",
    "export=none",
]


def _finished(root: Path) -> dict[str, float]:
    done = {}
    for path in (root / "outputs" / "sweeps").rglob("result.json"):
        record = json.loads(path.read_text())
        if record["status"] == "success":
            done[str(path)] = path.stat().st_mtime
    return done


@pytest.mark.slow
def test_killed_sweep_resumes_and_skips_finished_jobs(tmp_path):
    process = start_harness(
        *SWEEP,
        root=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and len(_finished(tmp_path)) < 2:
            assert process.poll() is None, "the sweep ended before it could be interrupted"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    before = _finished(tmp_path)
    assert 2 <= len(before) < 5, "the sweep must be interrupted part-way"

    resumed = run_harness(*SWEEP, "resume=true", root=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    after = _finished(tmp_path)
    assert len(after) == 5
    # The jobs that had finished were skipped, not run again.
    for path, mtime in before.items():
        assert after[path] == mtime
    sweep_dirs = list((tmp_path / "outputs" / "sweeps").iterdir())
    assert len(sweep_dirs) == 1
    assert _compared_jobs(sweep_dirs[0], status="success") == 5


# -- resume reuses a result only for the same config, data and result schema ------------------

SINGLE = [
    "run",
    "evaluation=fast",
    "evaluation.progress=false",
    "evaluation.n_jobs=1",
    "tracking=none",
    "export=none",
    "resampler=none",
]


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_harness(*args, root=root)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _run_dirs(root: Path, experiment: str = "adhoc") -> list[Path]:
    return sorted((root / "outputs" / "runs" / experiment).iterdir())


def _records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.rglob("result.json"))]


def _write_table(path: Path, seed: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(240, 3))
    label = np.where(x[:, 0] + rng.normal(scale=1.0 + seed, size=240) > 1.0, "yes", "no")
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=label)
    frame.to_csv(path, index=False)


def _table_args(path: Path) -> list[str]:
    return [
        "dataset=table",
        f"dataset.loader.path={path}",
        "dataset.loader.target=label",
        "dataset.loader.positive_label=yes",
    ]


@pytest.mark.slow
def test_resume_reruns_a_job_whose_config_changed(tmp_path):
    _run(tmp_path, *SINGLE)
    time.sleep(1.1)  # run folders are named by the second
    _run(tmp_path, *SINGLE, "evaluation.n_splits=4", "resume=true")
    first, second = _run_dirs(tmp_path)
    assert [r["n_folds"] for r in _records(first)] == [3]
    assert [r["n_folds"] for r in _records(second)] == [4]


@pytest.mark.slow
def test_resume_reruns_a_job_pointed_at_another_file(tmp_path):
    _write_table(tmp_path / "a.csv", seed=0)
    _write_table(tmp_path / "b.csv", seed=1)
    _run(tmp_path, *SINGLE, *_table_args(tmp_path / "a.csv"))
    time.sleep(1.1)
    _run(tmp_path, *SINGLE, *_table_args(tmp_path / "b.csv"), "resume=true")
    digests = [r["dataset_digest"] for d in _run_dirs(tmp_path) for r in _records(d)]
    assert len(digests) == 2 and digests[0] != digests[1]


@pytest.mark.slow
def test_resume_recomputes_a_sweep_after_its_data_file_is_overwritten(tmp_path):
    from harness.data import load_table

    data = tmp_path / "data.csv"
    _write_table(data, seed=0)
    sweep = [
        "run",
        "-m",
        "resampler=none,ros",
        "evaluation=fast",
        "evaluation.progress=false",
        "hydra.launcher.n_jobs=1",
        "tracking=none",
        "export=none",
        *_table_args(data),
    ]
    _run(tmp_path, *sweep)
    (sweep_dir,) = (tmp_path / "outputs" / "sweeps").iterdir()
    before = {r["resampler"]: r for r in _records(sweep_dir)}

    _write_table(data, seed=3)  # same path, other content
    new_digest = load_table(data, target="label", positive_label="yes").digest
    resumed = _run(tmp_path, *sweep, "resume=true")
    after = {r["resampler"]: r for r in _records(sweep_dir)}
    assert set(after) == {"none", "ros"}
    for name, record in after.items():
        assert record["dataset_digest"] == new_digest != before[name]["dataset_digest"]
        assert record["started_at"] != before[name]["started_at"]
    recall = after["none"]["metrics"]["test/minority_recall"]
    compared = pd.read_csv(sweep_dir / "comparison.csv")
    shown = compared[
        (compared["resampler"] == "none") & (compared["metric"] == "test/minority_recall")
    ]["mean"]
    assert shown.tolist() == [pytest.approx(recall, abs=1e-12)]
    assert f"{recall:.3f}" in resumed.stdout


@pytest.mark.slow
def test_resume_never_appends_the_jobs_of_another_config_to_the_latest_folder(tmp_path):
    grid = [*SINGLE[:-1], "experiment.grid={resampler: [none, ros]}"]
    _run(tmp_path, *grid, "seed=0")
    time.sleep(1.1)
    _run(tmp_path, *grid, "seed=7", "resume=true")
    first, second = _run_dirs(tmp_path)
    assert {r["seed"] for r in _records(first)} == {0}
    assert {r["seed"] for r in _records(second)} == {7}
    assert "seed7" not in (first / "report.md").read_text()
    assert _compared_jobs(second) == 2  # the two seed-7 jobs, nothing of seed 0
    assert set(pd.read_csv(second / "comparison.csv")["seed"]) == {7}

    # The same config again does reuse the latest folder, and skips both jobs.
    time.sleep(1.1)
    again = _run(tmp_path, *grid, "seed=7", "resume=true")
    assert len(_run_dirs(tmp_path)) == 2
    assert "2 resumed from earlier results" in again.stdout


def _compared_jobs(folder: Path, status: str | None = None) -> int:
    """Jobs in a comparison.csv (one row per job and metric)."""
    table = pd.read_csv(folder / "comparison.csv")
    if status is not None:
        table = table[table["status"] == status]
    return len(table.drop_duplicates(["dataset", "resampler", "model", "seed"]))


def _jobs(tmp_path: Path):
    from hydra import compose, initialize_config_dir

    from harness.config_dir import config_dir
    from harness.runner.experiment import compose_jobs

    overrides = [f"paths.root_dir={tmp_path}", *SINGLE[1:]]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
        return compose_jobs(cfg, overrides, tmp_path / "exp")


def test_resume_recomputes_a_result_of_another_schema(tmp_path):
    from harness.runner.experiment import run_jobs
    from harness.runs import RESULT_SCHEMA_VERSION

    jobs = _jobs(tmp_path)
    run_jobs(jobs, n_jobs=1, resume=False, progress=False)
    result = jobs[0].run_dir / "result.json"
    record = json.loads(result.read_text())
    record["schema"] = 1  # as an older harness wrote it
    result.write_text(json.dumps(record))
    records, skipped = run_jobs(jobs, n_jobs=1, resume=True, progress=False)
    assert skipped == []
    assert json.loads(result.read_text())["schema"] == RESULT_SCHEMA_VERSION

    _, skipped = run_jobs(jobs, n_jobs=1, resume=True, progress=False)
    assert skipped == [jobs[0].name]


def test_resume_recomputes_an_unreadable_result_with_a_warning_naming_it(tmp_path, caplog):
    from harness.runner.experiment import run_jobs

    jobs = _jobs(tmp_path)
    run_jobs(jobs, n_jobs=1, resume=False, progress=False)
    result = jobs[0].run_dir / "result.json"
    result.write_text('{"status": "success", "metrics": {')  # cut short
    with caplog.at_level("WARNING"):
        records, skipped = run_jobs(jobs, n_jobs=1, resume=True, progress=False)
    assert skipped == []
    assert records[0]["status"] == "success"
    assert str(result) in caplog.text
    assert json.loads(result.read_text())["run_key"] == records[0]["run_key"]
