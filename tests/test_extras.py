"""The lean default install: each optional feature names the extra that installs it.

A missing package is simulated the way Python reports one (``None`` in ``sys.modules`` for
this process, an import hook refusing it for a subprocess: tests/support/lean.py); everything
else is real. tests/test_ci_examples.py runs the CI examples' jobs on the default install.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest

from harness.errors import HarnessError, MissingExtraError
from harness.extras import (
    DISTRIBUTION,
    OPTIONAL_MODULES,
    RAY_LAUNCHER,
    extra_of,
    require,
    require_target,
)
from tests.support.cli import REPO
from tests.support.lean import lean_command

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
RAY_LAUNCHER_TARGET = "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_ray_and_evidently_are_extras_not_default_dependencies():
    default = _requirement_names(PYPROJECT["project"]["dependencies"])
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert not default & {"ray", "evidently", "hydra-ray-launcher"}
    assert "ray" in _requirement_names(extras["ray"])
    assert "evidently" in _requirement_names(extras["drift"])


def test_every_extra_a_message_names_is_declared_in_pyproject():
    declared = set(PYPROJECT["project"]["optional-dependencies"])
    assert {extra.name for extra in OPTIONAL_MODULES.values()} <= declared
    assert PYPROJECT["project"]["name"] == DISTRIBUTION


def test_make_setup_installs_the_default_set_and_make_test_every_extra():
    def dry_run(target: str) -> str:
        result = subprocess.run(
            ["make", "-n", "-B", target], cwd=REPO, capture_output=True, text=True, check=True
        )
        return result.stdout

    setup, run, test = dry_run("setup"), dry_run("run"), dry_run("test")
    for lean in (setup, run):
        installs = [line for line in lean.splitlines() if "pip install" in line]
        assert any(line.rstrip().endswith("install --quiet -e .") for line in installs)
        assert not any("[" in line or "hydra-ray-launcher" in line for line in installs)
    declared = PYPROJECT["project"]["optional-dependencies"]
    extras = re.search(r"-e '\.\[([\w,]+)\]'", test).group(1).split(",")
    assert set(extras) == set(declared)
    assert RAY_LAUNCHER.removeprefix("pip install ") in test.replace("'", "")
    assert "pytest" in test
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci and "make lint" in ci


def test_require_names_the_extra_and_both_install_commands(monkeypatch):
    monkeypatch.setitem(sys.modules, "evidently", None)
    with pytest.raises(MissingExtraError) as caught:
        require("evidently", "the data-drift checks")
    message = str(caught.value)
    assert message.startswith("the data-drift checks needs evidently, which is not installed")
    assert "pip install 'adasyn-harness[drift]'" in message
    assert "pip install -e '.[drift]'" in message
    assert isinstance(caught.value, HarnessError) and isinstance(caught.value, ImportError)


def test_a_missing_launcher_also_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "hydra_plugins.hydra_ray_launcher.ray_launcher", None)
    with pytest.raises(MissingExtraError, match=re.escape(f"then {RAY_LAUNCHER}")):
        require_target(RAY_LAUNCHER_TARGET, "the Hydra launcher")


def test_a_launcher_without_ray_names_the_ray_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingExtraError, match=r"needs ray, .*adasyn-harness\[ray\]"):
        require_target(RAY_LAUNCHER_TARGET, "the Hydra launcher")


def test_a_missing_default_module_is_not_blamed_on_an_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    assert extra_of("sklearn") is None
    with pytest.raises(ImportError) as caught:
        require("sklearn", "a model")
    assert not isinstance(caught.value, MissingExtraError)
    require_target("sklearn.linear_model.LogisticRegression", "a model")  # not an extra's


def _run_without(blocked: tuple[str, ...], *args: str, root) -> subprocess.CompletedProcess:
    """``harness ARGS`` in a subprocess, as a user runs it, without the ``blocked`` modules."""
    return subprocess.run(
        lean_command(*args, blocked=blocked),
        cwd=REPO,
        env={**os.environ, "HARNESS_ROOT": str(root), "MLFLOW_DISABLE_TELEMETRY": "true"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_harness_resample_without_ray_exits_2_naming_the_extra(tmp_path):
    args = ["resample", "--input", str(tmp_path), "--output", str(tmp_path / "out")]
    result = _run_without(("ray",), *args, "--target", "y", "--minority-label", "1", root=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "harness resample --engine ray needs ray" in result.stderr
    assert "pip install 'adasyn-harness[ray]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_ray_sweep_without_ray_exits_2_before_anything_is_written(tmp_path):
    args = ["run", "-m", "hydra/launcher=ray", "experiment=quick", "tracking=none"]
    result = _run_without(("ray",), *args, root=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "needs ray, which is not installed" in result.stderr
    assert "adasyn-harness[ray]" in result.stderr
    assert not any(tmp_path.iterdir())


def test_harness_replay_without_evidently_exits_2_before_fitting(tmp_path):
    result = _run_without(("evidently",), "replay", "--port", "0", root=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "the minority drift monitor (--drift-window; 0 turns it off) needs evidently" in (
        result.stderr
    )
    assert "pip install 'adasyn-harness[drift]'" in result.stderr
    assert "Traceback" not in result.stderr
