"""The `harness` command end to end, in a subprocess, as a user runs it."""

import argparse
import importlib
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import COMMANDS, main
from tests.support.cli import run_harness as harness

FAST = ["evaluation=fast", "evaluation.progress=false"]
REPO_ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_the_commands(tmp_path):
    result = harness("--help", root=tmp_path)
    assert result.returncode == 0
    for command in ("run", "gate", "promote", "sync", "dashboards", "datasets"):
        assert command in result.stdout


def test_unknown_command_exits_2_with_usage(tmp_path):
    result = harness("frobnicate", root=tmp_path)
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr


def test_datasets_lists_the_builtin_sets(tmp_path):
    result = harness("datasets", root=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("pima", "vehicle0", "vowel0", "ionosphere", "abalone9_18", "arrests"):
        assert name in result.stdout


@pytest.mark.slow
def test_quick_experiment_runs_all_five_strategies_and_logs_to_sqlite(tmp_path):
    result = harness("run", "experiment=quick", *FAST, root=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for strategy in ("none", "class_weight", "ros", "smote", "adasyn"):
        assert strategy in result.stdout
    assert "mlflow ui --backend-store-uri" in result.stdout
    runs = list((tmp_path / "outputs" / "runs" / "quick").iterdir())
    assert len(runs) == 1
    assert (runs[0] / "comparison.csv").is_file()
    assert len(list((runs[0] / "jobs").iterdir())) == 5
    assert (tmp_path / "mlflow.db").is_file()


@pytest.mark.slow
def test_multirun_sweep_produces_a_sweep_table(tmp_path):
    result = harness(
        "run",
        "-m",
        "resampler=adasyn,smote",
        "dataset=pima,vowel0",
        "tracking=none",
        *FAST,
        root=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Sweep" in result.stdout
    sweeps = list((tmp_path / "outputs" / "sweeps").iterdir())
    assert len(sweeps) == 1
    table = (sweeps[0] / "comparison.csv").read_text()
    for name in ("adasyn", "smote", "pima", "vowel0"):
        assert name in table
    records = [json.loads(p.read_text()) for p in sweeps[0].rglob("result.json")]
    assert len(records) == 4
    assert {r["status"] for r in records} == {"success"}


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("evaluation.n_splits=1", "evaluation.n_splits must be an integer >= 2, got 1"),
        ("seed=-1", "seed must be an integer >= 0, got -1"),
        ("evaluation.lineage=some", "evaluation.lineage must be one of"),
        ("dataset.name=a/b", "dataset.name 'a/b' is not a safe name"),
        ("model.estimator._target_=os.system", "model.estimator._target_ 'os.system' is not"),
        ("+resampler.sampler.foo=1", "resampler.sampler: harness.resample.ADASYN cannot take"),
        ("resampler=adasin", "no resampler option 'adasin'; did you mean resampler=adasyn?"),
        ("evaluaton.n_splits=3", "no key 'evaluaton' in the top level of the config; did you "),
        ("evaluation.n_split=3", "did you mean evaluation.n_splits=3?"),
        ("hydra.job.chdir=true", "override 'hydra.job.chdir=true' is not accepted"),
    ],
)
def test_a_config_error_is_one_line_exit_2_and_creates_nothing(tmp_path, override, message):
    result = harness("run", override, "tracking=none", *FAST, root=tmp_path)
    assert result.returncode == 2, result.stderr[-3000:]
    assert message in _one_error_line(result)
    assert not (tmp_path / "outputs").exists()


def test_a_config_error_inside_the_run_is_one_line_and_exit_2(tmp_path):
    # A grid value reaches the jobs only inside the run; the run still ends with one line.
    result = harness(
        "run", "experiment=quick", "+experiment.grid.seed=[-1]", "tracking=none", *FAST,
        root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "seed must be an integer >= 0, got -1" in _one_error_line(result)


@pytest.mark.slow
def test_a_config_error_inside_a_sweep_job_exits_2_without_a_traceback(tmp_path):
    result = harness(
        "run", "-m", "experiment=quick", "resampler=none,ros", "+experiment.grid.seed=[-1]",
        "tracking=none", "export=none", *FAST,
        root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: seed must be an integer >= 0, got -1; e.g. seed=2."
    )


def test_a_sweep_is_checked_job_by_job_before_it_starts(tmp_path):
    result = harness(
        "run", "-m", "resampler=none,ros", "experiment.name=ok,../escape", "tracking=none",
        *FAST, root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "experiment.name '../escape' is not a safe name" in _one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_the_allowed_hydra_settings_still_work(tmp_path):
    result = harness(
        "run", "--cfg", "hydra", "hydra/launcher=ray", "hydra.launcher.ray.remote.num_cpus=2",
        f"hydra.run.dir={tmp_path / 'here'}", "hydra.verbose=true",
        root=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher" in result.stdout
    assert "num_cpus: 2" in result.stdout


def test_version_is_printed(tmp_path):
    from harness import __version__

    result = harness("--version", root=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"harness (adasyn-harness) {__version__}"


def test_run_help_is_the_harness_own_help_with_groups_defaults_and_examples(tmp_path):
    result = harness("run", "--help", root=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "powered by Hydra" not in result.stdout
    assert "resampler   [adasyn] adasyn," in result.stdout
    assert "tracking    [sqlite]" in result.stdout
    assert "harness run experiment=quick" in result.stdout
    assert f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}" in result.stdout
    assert "HARNESS_CONFIG_PATH" in result.stdout
    assert not (tmp_path / "outputs").exists()


#: Where the parser behind each command's --help is built (``run`` has its own help, above).
PARSER_FACTORIES = {
    "harness.commands.datasets": {"datasets": "datasets_parser"},
    "harness.commands.benchmark": {"benchmark-report": "benchmark_parser"},
    "harness.commands.advise": {"advise": "advise_parser", "advisor-fit": "advisor_fit_parser"},
    "harness.commands.compare": {"compare": "compare_parser"},
    "harness.commands.completion": {"completion": "completion_parser"},
    "harness.commands.gate": {
        "gate": "gate_parser",
        "promote": "promote_parser",
        "promote --rollback": "rollback_parser",
    },
    "harness.commands.sync": {"sync": "sync_parser"},
    "harness.commands.plan": {"plan": "plan_parser"},
    "harness.commands.monitoring": {
        "dashboards": "dashboards_parser",
        "serve-metrics": "serve_metrics_parser",
        "replay": "replay_parser",
        "simulate-alerts": "simulate_alerts_parser",
    },
    "harness.commands.bench": {"bench": "build_parser"},
    "harness.commands.resample": {"resample": "build_parser"},
}
HELP_PARSERS = {
    command: (module, factory)
    for module, factories in PARSER_FACTORIES.items()
    for command, factory in factories.items()
}


def test_every_command_but_run_has_its_help_checked():
    assert {command.split()[0] for command in HELP_PARSERS} == set(COMMANDS) - {"run"}


def _printed_help(capsys, command: str) -> str:
    try:
        code = main([*command.split(), "--help"])
    except SystemExit as exc:  # argparse ends --help with exit 0
        code = exc.code
    assert code == 0
    return capsys.readouterr().out


def _option_blocks(help_text: str) -> dict[str, str]:
    """Each option's (and positional's) help, joined onto one line, by its first name."""
    blocks: dict[str, str] = {}
    name = None
    for line in help_text.splitlines():
        if re.match(r"  [^ ]", line):
            name = line.split()[0].rstrip(",")
            blocks[name] = line
        elif name is not None and line.startswith("   "):
            blocks[name] += " " + line.strip()
        else:
            name = None
    return blocks


def _has_default(action: argparse.Action) -> bool:
    return not action.required and action.default not in (None, argparse.SUPPRESS)


@pytest.mark.parametrize("command", HELP_PARSERS)
def test_command_help_shows_every_default_and_examples(capsys, command):
    module, factory = HELP_PARSERS[command]
    parser = getattr(importlib.import_module(module), factory)()
    text = _printed_help(capsys, command)
    assert text.startswith(f"usage: harness {command}")  # the help alone, nothing run
    examples = text.split("\nexamples:\n", 1)[1].splitlines()
    assert len(examples) >= 2 and all("harness " in line for line in examples), examples
    blocks = _option_blocks(text)
    for action in filter(_has_default, parser._actions):
        name = (action.option_strings or [action.dest])[0]
        assert "(default:" in blocks[name], f"{command} --help: {name} hides its default"


def test_an_option_without_a_default_says_none_of_it(capsys):
    blocks = _option_blocks(_printed_help(capsys, "gate"))
    assert "(default: None)" not in " ".join(blocks.values())
    assert "(default: every one)" in blocks["--dataset"]


def test_hydra_shell_completion_points_to_the_harness_completion(tmp_path):
    result = harness("run", "-sc", "install=bash", root=tmp_path)
    assert result.returncode == 2
    assert "harness completion bash" in _one_error_line(result)


def _complete(script: str, line: str) -> list[str]:
    """Run the completion function as bash does when TAB is pressed at the end of ``line``."""
    program = f"""
{script}
complete -p harness
COMP_LINE={shlex.quote(line)}
COMP_POINT=${{#COMP_LINE}}
read -ra COMP_WORDS <<< "$COMP_LINE"
COMP_CWORD=${{#COMP_WORDS[@]}}
[[ "$COMP_LINE" == *" " ]] || COMP_CWORD=$((COMP_CWORD - 1))
_harness
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "complete -o default -F _harness harness"
    return lines[1:]


@pytest.fixture(scope="module")
def completion_script(tmp_path_factory):
    result = harness("completion", "bash", root=tmp_path_factory.mktemp("completion"))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bash_completion_completes_commands(completion_script):
    assert "run" in _complete(completion_script, "harness ")
    assert "datasets" in _complete(completion_script, "harness ")
    assert _complete(completion_script, "harness com") == ["compare", "completion"]


def test_bash_completion_completes_run_groups_and_options(completion_script):
    assert _complete(completion_script, "harness run resam") == ["resampler="]
    # bash splits the word at '=', so the reply is the option alone
    assert _complete(completion_script, "harness run resampler=ad") == ["adasyn", "adasyn_nc"]
    assert _complete(completion_script, "harness run -m dataset=pi") == ["pima"]
    assert "experiment=" in _complete(completion_script, "harness run ")


def test_a_user_config_folder_adds_an_experiment(tmp_path):
    folder = tmp_path / "my_conf" / "experiment"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /resampler: smote\n"
        "experiment:\n  name: mine\n  description: a user's own experiment\n"
    )
    env = {"HARNESS_CONFIG_PATH": str(tmp_path / "my_conf")}
    result = harness("run", "--cfg", "job", "experiment=mine", root=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "name: mine" in result.stdout
    result = harness("run", "--help", root=tmp_path, env=env)
    assert str(tmp_path / "my_conf") in result.stdout
    assert "mine" in result.stdout


def test_a_user_config_folder_that_does_not_exist_is_one_error_line(tmp_path):
    env = {"HARNESS_CONFIG_PATH": str(tmp_path / "missing")}
    result = harness("run", "experiment=quick", root=tmp_path, env=env)
    assert result.returncode == 2
    assert "HARNESS_CONFIG_PATH names" in _one_error_line(result)


@pytest.mark.slow
def test_a_single_job_run_ends_with_its_report(tmp_path):
    result = harness("run", "tracking=none", "export=none", *FAST, root=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("Report:") and "report.html" in last
    assert Path(last.split()[1]).is_file()


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes, as with `| head`
    env = {**os.environ, "HARNESS_ROOT": str(tmp_path)}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "harness.cli", "datasets"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode == 141


def test_importing_the_entry_point_has_no_side_effect():
    # No command module, no Hydra (which would register config folders), no heavy stack.
    code = (
        "import sys, harness.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('hydra', 'harness.commands.', "
        "'harness.pipeline', 'sklearn', 'mlflow', 'pandas'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['harness.commands.common']"


def test_a_misspelt_command_gets_a_did_you_mean(tmp_path):
    result = harness("rnu", root=tmp_path)
    assert result.returncode == 2
    assert _one_error_line(result) == "error: unknown command 'rnu'; did you mean `harness run`?"


def test_a_misspelt_flag_is_named_before_a_missing_argument(tmp_path):
    result = harness("gate", "--run-dri", "x", root=tmp_path)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last == "harness gate: error: unrecognized option --run-dri; did you mean --run-dir?"


#: Packages whose import makes a command take seconds: none is needed to print help or a
#: usage error, or to write the completion script.
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "imblearn", "matplotlib", "mlflow", "hydra")
LIGHT_COMMAND_LINES = [
    *([command, "--help"] for command in COMMANDS),
    ["--help"],
    ["rnu"],
    ["promote", "--rollback", "--help"],
    ["gate", "--run-dri", "x"],
    ["compare", "--zzz"],
    ["plan", "--pilto"],
    ["run", "--multrun"],
    ["completion", "bash"],
]


@pytest.mark.parametrize("words", LIGHT_COMMAND_LINES, ids=" ".join)
def test_help_completion_and_usage_errors_import_nothing_heavy(words):
    program = (
        "import sys\n"
        "from harness.cli import main\n"
        f"try:\n    main({words!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr[-2000:]


def test_the_run_flags_are_hydra_s():
    from hydra._internal.utils import get_args_parser

    from harness.commands.run import RUN_FLAGS

    hydra_flags = {o for o in get_args_parser()._option_string_actions if o.startswith("--")}
    assert set(RUN_FLAGS) == hydra_flags
