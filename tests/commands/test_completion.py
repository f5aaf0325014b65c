"""Completion as a user presses TAB: commands' flags, their values, and the configs' keys."""

import pytest

from harness.commands import COMMANDS
from harness.commands.completion import command_flags, completion_script, key_index
from harness.slo import available_slo_sets
from tests.test_cli import _complete


@pytest.fixture(scope="module")
def script():
    return completion_script()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("harness gate --sl", ["--slo"]),
        ("harness gate --run-d", ["--run-dir"]),
        ("harness compare --al", ["--allow-missing"]),
        ("harness promote --rollback --to", ["--to-version"]),
        ("harness gate --export t", ["textfile"]),
        ("harness run --mul", ["--multirun"]),
    ],
)
def test_a_command_s_flags_and_their_values_complete(script, line, expected):
    assert _complete(script, line) == expected


def test_the_slo_flag_completes_the_slo_sets(script):
    assert _complete(script, "harness gate --slo ") == available_slo_sets()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("harness run resampler.", ["resampler.name=", "resampler.sampler."]),
        ("harness run resampler.sam", ["resampler.sampler."]),
        ("harness run evaluation.n_s", ["evaluation.n_splits="]),
        ("harness run experiment.grid.se", ["experiment.grid.seed="]),
        ("harness plan dataset.loader.sens", [
            "dataset.loader.sensitive=", "dataset.loader.sensitive_as_feature=",
        ]),
    ],
)  # fmt: skip
def test_nested_keys_complete_one_level_at_a_time(script, line, expected):
    assert _complete(script, line) == expected


def test_a_sampler_s_parameters_complete(script):
    keys = _complete(script, "harness run resampler.sampler.")
    for parameter in ("beta=", "n_neighbors=", "k_neighbors=", "sampling_strategy="):
        assert f"resampler.sampler.{parameter}" in keys
    assert not any("_target_" in key for key in keys)


def test_every_command_has_its_flags_in_the_script():
    flags, _ = command_flags()
    assert set(flags) == set(COMMANDS)
    assert all("--help" in found for found in flags.values())
    assert "--run-dir" in flags["gate"] and "--rollback" in flags["promote"]


def test_the_key_index_reads_every_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "my_conf" / "dataset"
    folder.mkdir(parents=True)
    (folder / "churn.yaml").write_text("name: churn\nloader:\n  churn_only_key: 1\n")
    monkeypatch.setenv("HARNESS_CONFIG_PATH", str(tmp_path / "my_conf"))
    assert "churn_only_key=" in key_index()["dataset.loader"]
