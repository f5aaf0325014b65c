"""Evidently data checks of the gate: drift between data files, realism and privacy of the
synthetic rows of a run."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from harness.commands.gate import gate_main
from harness.errors import InputDataError
from harness.gate.data_checks import drift_checks, read_table, synthetic_checks
from harness.gate.sources import load_run_dir


def _table(seed: int, shift: float = 0.0, rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 3)) + shift, columns=["a", "b", "c"])
    frame["label"] = (rng.random(rows) < 0.2).astype(int)
    return frame


@pytest.fixture
def files(tmp_path):
    paths = {
        "reference": tmp_path / "reference.csv",
        "same": tmp_path / "same.parquet",
        "drifted": tmp_path / "drifted.csv",
    }
    _table(0).to_csv(paths["reference"], index=False)
    _table(1).to_parquet(paths["same"])
    _table(2, shift=2.0).to_csv(paths["drifted"], index=False)
    return paths


def test_drifted_current_data_is_flagged_and_undrifted_is_not(files, tmp_path):
    same = drift_checks(files["reference"], files["same"], tmp_path / "out", target="label")
    assert [c.name for c in same] == ["data_drift", "minority_drift"]
    assert all(c.verdict == "PASS" for c in same)
    drifted = drift_checks(files["reference"], files["drifted"], tmp_path / "out", target="label")
    assert all(c.verdict == "FAIL" for c in drifted)
    assert drifted[0].value == pytest.approx(1.0)
    assert "data drift" in drifted[0].detail
    assert (tmp_path / "out" / "checks" / "minority_drift.html").stat().st_size > 1000


def test_gate_command_fails_on_drift(files, run_dir, tmp_path):
    args = ["--run-dir", str(run_dir()), "--reference", str(files["reference"])]
    assert gate_main([*args, "--current", str(files["same"]), "--target", "label"]) == 0
    out = tmp_path / "gate"
    assert gate_main([*args, "--current", str(files["drifted"]), "--out", str(out)]) == 1
    checks = json.loads((out / "gate.json").read_text())["checks"]
    failed = [c for c in checks if c["verdict"] == "FAIL"]
    assert [c["name"] for c in failed] == ["data_drift"]


def test_unreadable_data_files(tmp_path, files):
    with pytest.raises(InputDataError, match="does not exist"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(InputDataError, match="no column"):
        drift_checks(files["reference"], files["same"], target="nope")
    assert gate_main(["--run-dir", str(tmp_path), "--reference", "x.csv", "--current", "y"]) == 2


def _fold0(run_folder, synthetic: np.ndarray, real: np.ndarray) -> None:
    columns = ["a", "b", "c"]
    pd.DataFrame(real, columns=columns).to_csv(
        run_folder / "fold0_train_minority.csv.gz", index=False
    )
    pd.DataFrame(synthetic, columns=columns).to_csv(
        run_folder / "fold0_synthetic.csv.gz", index=False
    )


def test_synthetic_rows_realism_and_privacy(run_dir, tmp_path):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(60, 3))
    parents = rng.integers(0, 60, 200)
    neighbours = (parents + rng.integers(1, 60, 200)) % 60  # never the parent itself
    interpolated = real[parents] + rng.random((200, 1)) * (real[neighbours] - real[parents])
    folder = run_dir("adasyn")
    _fold0(folder, interpolated, real)
    realism, privacy = synthetic_checks(load_run_dir(folder), tmp_path / "out")
    assert realism.verdict == privacy.verdict == "PASS"
    assert realism.kind == "realism" and privacy.kind == "privacy"

    copies = run_dir("ros", resampler="ros")
    _fold0(copies, real[parents], real)
    privacy = synthetic_checks(load_run_dir(copies))[1]
    assert privacy.verdict == "FAIL" and privacy.value == pytest.approx(1.0)

    shifted = run_dir("shifted")
    _fold0(shifted, interpolated + 3.0, real)
    assert synthetic_checks(load_run_dir(shifted))[0].verdict == "FAIL"


def test_synthetic_checks_fail_without_the_fold0_files(run_dir):
    checks = synthetic_checks(load_run_dir(run_dir()))
    assert [c.verdict for c in checks] == ["FAIL", "FAIL"]
    assert all("fold0_train_minority.csv.gz" in c.detail for c in checks)


def test_synthetic_checks_without_synthetic_rows_or_of_a_failed_run_do_not_apply(run_dir):
    folder = run_dir("none", resampler="none")
    _fold0(folder, np.empty((0, 3)), np.ones((5, 3)))
    checks = synthetic_checks(load_run_dir(folder))
    assert [c.verdict for c in checks] == ["NOT APPLICABLE"] * 2
    assert all("no synthetic rows" in c.detail for c in checks)
    failed = synthetic_checks(load_run_dir(run_dir("failed", status="failed")))
    assert [c.verdict for c in failed] == ["NOT APPLICABLE"] * 2
    assert all("the run failed" in c.detail for c in failed)


def test_gate_command_runs_synthetic_checks_on_request(run_dir, tmp_path):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(50, 3))
    folder = run_dir("ros", resampler="ros")
    _fold0(folder, real[rng.integers(0, 50, 100)], real)  # duplicated rows: copies
    assert gate_main(["--run-dir", str(folder)]) == 0
    out = tmp_path / "gate"
    assert gate_main(["--run-dir", str(folder), "--synthetic-checks", "--out", str(out)]) == 1
    checks = {c["name"]: c for c in json.loads((out / "gate.json").read_text())["checks"]}
    assert checks["synthetic_privacy"]["verdict"] == "FAIL"
    assert list((out / "checks").glob("synthetic_realism_*.html"))


def test_gate_data_checks_without_evidently_exit_2_naming_the_drift_extra(
    files, run_dir, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "evidently", None)  # as on the default install
    args = ["--run-dir", str(run_dir()), "--reference", str(files["reference"])]
    assert gate_main([*args, "--current", str(files["same"]), "--target", "label"]) == 2
    error = capsys.readouterr().err
    assert "the data-drift checks (Evidently) needs evidently, which is not installed" in error
    assert "pip install 'adasyn-harness[drift]'" in error
