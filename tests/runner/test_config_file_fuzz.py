"""Config files obey the command line's rules: what the command line may not set, no file may.

A user's config folder (``HARNESS_CONFIG_PATH``) holds an experiment that sets one key of the
composed config, anywhere (the ``hydra`` node included), to a value that would run code, write a
file or move the run's outputs. Each must be refused before Hydra creates a folder, configures
logging or instantiates anything; end to end, nothing may be created or changed outside the
outputs root.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from harness.config_dir import config_dir, register_user_config_dirs
from harness.errors import ConfigError
from harness.runner.config_checks import check_run_arguments
from tests.support.cli import run_harness
from tests.support.fuzz import document_paths

register_user_config_dirs()  # as `harness run` does: HARNESS_CONFIG_PATH joins the search path

#: Hydra keys a config file may change within their rules (checked by their own cases below).
FREE_HYDRA = (("hydra", "verbose"), ("hydra", "sweeper", "params"))
FREE_PREFIXES = (
    ("hydra", "overrides"),
    ("hydra", "runtime"),
    ("hydra", "job", "override_dirname"),
)


def _key_paths() -> list[tuple]:
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose(
            config_name="config", overrides=["experiment=quick"], return_hydra_config=True
        )
    container = OmegaConf.to_container(cfg, resolve=False)
    found = []
    for path in document_paths(container):
        if path in FREE_HYDRA or any(path[: len(p)] == p for p in FREE_PREFIXES):
            continue
        if any(isinstance(part, int) for part in path):
            continue  # list items are set through their list
        found.append(path)
    return found


KEY_PATHS = _key_paths()
#: Values that run code or reach outside: one per kind of attack.
PAYLOADS = (
    {"_target_": "os.system", "command": "touch /tmp/harness-fuzz-pwned"},
    {"class": "logging.FileHandler", "filename": "/tmp/harness-fuzz-file"},
    "ext://os.system",
    "${oc.env:HOME}/../../..",
    "../../../../escape",
)


def _nested(path: tuple, value: Any) -> dict:
    node: Any = value
    for part in reversed(path):
        node = {part: node}
    return node


def _write_experiment(folder: Path, path: tuple, value: Any) -> None:
    experiments = folder / "experiment"
    experiments.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(_nested(path, value), sort_keys=False)
    (experiments / "fuzz.yaml").write_text("# @package _global_\n" + body)


def _is_refused(folder: Path, root: Path, *extra: str) -> bool:
    previous = os.environ.get("HARNESS_CONFIG_PATH")
    os.environ["HARNESS_CONFIG_PATH"] = str(folder)
    try:
        check_run_arguments(["experiment=fuzz", f"paths.root_dir={root}", *extra], config_dir())
    except ConfigError:
        return True
    except Exception as exc:  # a crash is no refusal: the run would go on
        raise AssertionError(f"not a ConfigError: {type(exc).__name__}: {exc}") from exc
    finally:
        if previous is None:
            os.environ.pop("HARNESS_CONFIG_PATH", None)
        else:
            os.environ["HARNESS_CONFIG_PATH"] = previous
    return False


def _harmless(path: tuple, value: Any) -> bool:
    """A payload at ``path`` that runs nothing and moves nothing (so may pass)."""
    if path == ("hydra", "sweep", "subdir"):
        # Relative to the sweep folder: a name without '..' or a variable stays inside it.
        return isinstance(value, str) and ".." not in value and "${" not in value
    if path[0] == "hydra":
        return False  # any other change to the hydra node outside the free keys is refused
    if isinstance(value, dict):
        return "_target_" not in value  # a plain mapping where a value was: a type error at most
    # A text is only text in the job config, unless it names a folder.
    return path not in (("paths", "root_dir"), ("paths", "output_dir"))


@settings(
    max_examples=70,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(KEY_PATHS), st.sampled_from(PAYLOADS))
def test_a_config_file_setting_any_key_to_code_or_an_escape_is_refused(tmp_path, path, payload):
    folder = tmp_path / f"conf-{abs(hash((path, str(payload))))}"
    _write_experiment(folder, path, payload)
    refused = _is_refused(folder, tmp_path / "root")
    assert refused or _harmless(path, payload), (path, payload)


def test_every_part_of_the_hydra_node_is_covered():
    tops = {path[1] for path in KEY_PATHS if path[0] == "hydra" and len(path) > 1}
    assert {"job_logging", "hydra_logging", "callbacks", "launcher", "sweeper", "job"} <= tops
    assert {"output_subdir", "searchpath", "run", "sweep", "env"} <= tops


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("hydra", "job", "env_set"), {"PYTHONPATH": "/tmp/evil"}, "hydra.job.env_set"),
        (("hydra", "output_subdir"), "../../..", "hydra.output_subdir"),
        (("hydra", "run", "dir"), "/tmp/elsewhere", "outside the outputs root"),
        (("hydra", "launcher", "n_jobs"), {"_target_": "os.system"}, "hydra.launcher.n_jobs"),
        (("hydra", "launcher", "_target_"), "os.system", "hydra.launcher._target_"),
        (
            ("hydra", "job_logging", "handlers", "console", "stream"),
            "${oc.decode:'ext://os.system'}",
            "hydra.job_logging.handlers.console.stream",
        ),
    ],
)
def test_the_reported_attacks_are_refused_by_name(tmp_path, path, value, message):
    _write_experiment(tmp_path / "conf", path, value)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        previous = os.environ.get("HARNESS_CONFIG_PATH")
        os.environ["HARNESS_CONFIG_PATH"] = str(tmp_path / "conf")
        try:
            check_run_arguments(["experiment=fuzz", f"paths.root_dir={tmp_path}"], config_dir())
        finally:
            if previous is None:
                os.environ.pop("HARNESS_CONFIG_PATH", None)
            else:
                os.environ["HARNESS_CONFIG_PATH"] = previous


def test_what_a_config_file_may_set_still_works(tmp_path):
    conf = tmp_path / "conf"
    body = {
        "hydra": {
            "verbose": True,
            "launcher": {"n_jobs": 1},
            "run": {"dir": "${paths.output_dir}/runs/mine"},
            "sweeper": {"params": {"seed": "0,1"}},
        },
        "evaluation": {"n_splits": 3},
    }
    (conf / "experiment").mkdir(parents=True)
    (conf / "experiment" / "fuzz.yaml").write_text("# @package _global_\n" + yaml.safe_dump(body))
    assert not _is_refused(conf, tmp_path / "root")


def test_sweeper_params_from_a_file_are_checked_job_by_job(tmp_path):
    conf = tmp_path / "conf"
    _write_experiment(conf, ("hydra", "sweeper", "params"), {"resampler": "adasyn,adasin"})
    assert _is_refused(conf, tmp_path / "root", "-m")
    _write_experiment(
        conf, ("hydra", "sweeper", "params"), {"resampler.sampler._target_": "os.system"}
    )
    assert _is_refused(conf, tmp_path / "root", "-m")


def test_a_user_folder_may_not_bring_hydra_options(tmp_path):
    conf = tmp_path / "conf"
    (conf / "hydra" / "job_logging").mkdir(parents=True)
    (conf / "hydra" / "job_logging" / "evil.yaml").write_text("version: 1\n")
    (conf / "experiment").mkdir()
    (conf / "experiment" / "fuzz.yaml").write_text("# @package _global_\n{}\n")
    assert _is_refused(conf, tmp_path / "root")


@pytest.mark.slow
def test_the_pth_attack_writes_nothing_anywhere(tmp_path):
    """The reported attack end to end: a logging handler that would write a ``.pth`` file into
    site-packages (run by every later Python start)."""
    target = Path(site.getsitepackages()[0]) / "zz_harness_fuzz.pth"
    marker = tmp_path / "PWNED"
    conf = tmp_path / "my_conf"
    logging = {
        "formatters": {"evil": {"format": f"import os;os.system('touch {marker}') # %(message)s"}},
        "handlers": {
            "evil": {
                "class": "logging.FileHandler",
                "formatter": "evil",
                "level": "DEBUG",
                "filename": str(target),
            }
        },
        "root": {"level": "DEBUG", "handlers": ["evil"]},
    }
    _write_experiment(conf, ("hydra", "job_logging"), logging)
    outside = sorted(p.name for p in target.parent.iterdir())
    result = run_harness(
        "run", "experiment=fuzz", "resampler=none", "tracking=none", "export=none",
        "evaluation=fast", root=tmp_path / "root", env={"HARNESS_CONFIG_PATH": str(conf)},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert "hydra.job_logging" in result.stderr
    assert not target.exists() and not marker.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == outside
    assert not (tmp_path / "root").exists()  # not even a run folder
    # And Python still starts cleanly in this environment.
    subprocess.run([sys.executable, "-c", "pass"], check=True)
