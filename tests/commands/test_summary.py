"""What `harness run` prints: seeds are shown when the jobs differ in them."""

import pandas as pd

from harness.commands.summary import _print_table, _print_verdicts, mlflow_program


def _table(seeds):
    return pd.DataFrame(
        {
            "dataset": ["pima"] * len(seeds),
            "resampler": ["smote"] * len(seeds),
            "model": ["decision_tree"] * len(seeds),
            "seed": seeds,
            "status": ["success"] * len(seeds),
            "test/minority_recall": ["0.6 [0.5, 0.7]"] * len(seeds),
        }
    )


def test_seeds_are_printed_when_jobs_differ_in_them(capsys):
    _print_table(_table([0, 1]))
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:4] == ["dataset", "resampler", "model", "seed"]


def test_a_single_seed_is_not_printed(capsys):
    _print_table(_table([0, 0]))
    assert "seed" not in capsys.readouterr().out.splitlines()[0].split()


def test_verdicts_name_the_slo_set_once(capsys):
    _print_verdicts(["adasyn: PASS"], "relative")
    assert "Verdicts under the 'relative' SLO set" in capsys.readouterr().out


def test_verdicts_without_a_set_name_do_not_repeat_the_words(capsys):
    _print_verdicts(["adasyn: PASS"], None)
    out = capsys.readouterr().out
    assert "Verdicts under the run's SLO set" in out
    assert "the SLO set' SLO set" not in out


def _environment_bin(folder, with_mlflow=True):
    """A bin folder as a virtual environment has one: python, and mlflow when installed."""
    folder.mkdir(parents=True)
    (folder / "python").write_text("")
    if with_mlflow:
        (folder / "mlflow").write_text("#!/bin/sh\n")
        (folder / "mlflow").chmod(0o755)
    return folder


def test_the_ui_command_is_mlflow_when_the_environment_is_on_path(tmp_path):
    env_bin = _environment_bin(tmp_path / "env" / "bin")
    assert mlflow_program(str(env_bin / "python"), search_path=str(env_bin)) == "mlflow"


def test_the_ui_command_names_the_environment_s_mlflow_when_it_is_not_on_path(
    tmp_path, monkeypatch
):
    env_bin = _environment_bin(tmp_path / "project" / ".venv" / "bin")
    other = _environment_bin(tmp_path / "elsewhere")
    assert mlflow_program(str(env_bin / "python"), search_path=str(other)) == str(
        env_bin / "mlflow"
    )
    monkeypatch.chdir(tmp_path / "project")  # under the current folder: a relative path
    assert mlflow_program(str(env_bin / "python"), search_path=str(other)) == ".venv/bin/mlflow"


def test_the_ui_command_runs_the_module_when_no_mlflow_script_is_installed(tmp_path):
    env_bin = _environment_bin(tmp_path / "site python" / "bin", with_mlflow=False)
    command = mlflow_program(str(env_bin / "python"), search_path="")
    assert command == f"'{env_bin / 'python'}' -m mlflow"
