"""`harness run` on a user's own data, walked as a user walks it: the README's example as
written, and every mistake it invites ending in one line before anything exists."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.support.cli import REPO
from tests.support.cli import run_harness as harness

FAST = ("evaluation=fast", "evaluation.n_jobs=1", "evaluation.progress=false")


def readme_own_data_command() -> list[str]:
    """The README's own-data example, as written (its `harness run ...` lines, joined)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("**Your own data**", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    words = shlex.split(block.replace("\\\n", " "))
    assert words[:2] == ["harness", "run"], words
    return words[1:]


def write_churn_csv(path: Path) -> None:
    """A churn table with text columns: plan, region and the sensitive gender."""
    rng = np.random.default_rng(7)
    n = 240
    gender = rng.choice(["female", "male"], n)
    tenure = rng.normal(size=n)
    churned = np.where(tenure + rng.normal(size=n) > 1.4, "yes", "no")
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "tenure": tenure,
            "spend": rng.gamma(2.0, 30.0, n),
            "plan": rng.choice(["basic", "pro"], n),
            "region": rng.choice(["north", "south", "east"], n),
            "gender": gender,
            "churned": churned,
        }
    ).to_csv(path, index=False)


def harness_in(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``harness ARGS`` run in ``folder`` (where the README's relative data path points)."""
    environment = dict(
        os.environ,
        HARNESS_ROOT=str(folder),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="1",
        **(env or {}),
    )
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    return lines[0]


def nothing_created(root: Path) -> bool:
    return not (root / "outputs").exists() and not (root / "mlflow.db").exists()


@pytest.mark.slow
def test_the_readme_own_data_example_runs_as_written_on_a_text_sensitive_column(tmp_path):
    args = readme_own_data_command()
    path = next(a.split("=", 1)[1] for a in args if a.startswith("dataset.loader.path="))
    write_churn_csv(tmp_path / path)
    result = harness_in(tmp_path, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = list((tmp_path / "outputs" / "runs").rglob("dataset.json"))
    assert summaries, result.stdout[-2000:]
    summary = json.loads(summaries[0].read_text())
    assert "gender" in summary["categorical"] and summary["sensitive"] == ["gender"]
    record = json.loads(summaries[0].with_name("result.json").read_text())
    assert record["status"] == "success"
    assert any(key.startswith("fairness/gender/") for key in record["metrics"])


def test_a_data_problem_is_one_error_before_any_job_with_no_folder_and_no_mlflow_run(tmp_path):
    args = readme_own_data_command()
    path = next(a.split("=", 1)[1] for a in args if a.startswith("dataset.loader.path="))
    write_churn_csv(tmp_path / path)
    # An experiment of five jobs, tracked in the default SQLite store, on a label that is absent.
    result = harness_in(tmp_path, *args, "experiment=quick", "dataset.loader.positive_label=maybe")
    line = one_error_line(result)
    assert line.startswith("error: no job started: data set 'churn': positive_label 'maybe'")
    assert nothing_created(tmp_path)


def test_a_yes_label_in_a_yaml_file_is_refused_with_the_quoted_form(tmp_path):
    write_churn_csv(tmp_path / "churn.csv")
    (tmp_path / "my_conf" / "dataset").mkdir(parents=True)
    (tmp_path / "my_conf" / "dataset" / "churn.yaml").write_text(
        "name: churn\n"
        "loader:\n"
        "  _target_: harness.data.load_table\n"
        f"  path: {tmp_path / 'churn.csv'}\n"
        "  target: churned\n"
        "  positive_label: yes\n"
        "  categorical: [plan, region]\n"
        "  sensitive: [gender]\n"
    )
    env = {"HARNESS_CONFIG_PATH": str(tmp_path / "my_conf")}
    result = harness("run", "dataset=churn", *FAST, root=tmp_path, env=env)
    assert "Quote it in the config file (positive_label: 'yes')" in one_error_line(result)
    assert nothing_created(tmp_path)


def test_a_value_its_sampler_refuses_exits_2_before_any_folder(tmp_path):
    result = harness("run", "resampler.sampler.beta=abc", *FAST, root=tmp_path)
    line = one_error_line(result)
    assert "resampler.sampler (resampler=adasyn): The 'beta' parameter of ADASYN" in line
    assert "pass e.g. beta=1.0" in line
    assert nothing_created(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("resamplers", ["resampler=[none,ros]", "resampler=none,ros"])
def test_a_list_of_resamplers_runs_one_job_each_in_one_run(tmp_path, resamplers):
    result = harness("run", resamplers, "tracking=none", "export=none", *FAST, root=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = (tmp_path / "outputs" / "runs" / "adhoc").iterdir()
    jobs = sorted(p.name for p in (run / "jobs").iterdir())
    assert jobs == ["pima__none__decision_tree__seed0", "pima__ros__decision_tree__seed0"]
    assert (run / "comparison.csv").is_file()


def test_a_misspelt_option_in_a_list_gets_a_did_you_mean(tmp_path):
    result = harness("run", "resampler=[none,adasin]", *FAST, root=tmp_path)
    assert "did you mean resampler=adasyn?" in one_error_line(result)
    assert nothing_created(tmp_path)


def test_run_help_shows_the_list_form(tmp_path):
    result = harness("run", "--help", root=tmp_path)
    assert result.returncode == 0
    assert re.search(r"harness run 'resampler=\[none,smote,adasyn\]'", result.stdout)
    assert "experiment.grid.resampler" in result.stdout


def test_a_misspelt_run_flag_gets_a_did_you_mean(tmp_path):
    result = harness("run", "--multrun", "resampler=smote", root=tmp_path)
    assert "unrecognized option --multrun; did you mean --multirun?" in one_error_line(result)
