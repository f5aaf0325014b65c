"""The built wheel works outside the checkout: configs inside, `harness run` in an empty folder.

The wheel is built once per test session from a copy of the sources (so the checkout gets no
``build/`` folder) and installed without dependencies into a fresh virtual environment. The
dependencies come from the project's environment through a ``.pth`` file, which keeps the test
offline and fast; the ``harness`` package itself comes only from the wheel.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "harness", "conf", "docs")
# conf/experiment is a link to experiments/; both are copied as they are.
LINKED = ("experiments",)

pytestmark = pytest.mark.slow


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its ``bin`` folder."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in (*SOURCES, *LINKED):
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=ignore)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(path, source / name)
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source])
    (wheel,) = dist.glob("adasyn_harness-*.whl")

    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel])
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    (Path(site.stdout.strip()) / "project_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    return env_dir / "bin"


def _clean_env() -> dict[str, str]:
    drop = ("HARNESS_ROOT", "HARNESS_CONFIG_PATH", "PYTHONPATH", "MLFLOW_TRACKING_URI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}


def test_the_package_and_its_configs_come_from_the_wheel(installed):
    result = _run(
        [
            installed / "python",
            "-c",
            "import harness; from harness.config_dir import config_dir; "
            "from harness.export.runbooks import runbook_dir; "
            "print(harness.__file__); print(config_dir()); print(runbook_dir())",
        ],
        cwd=installed,
        env=_clean_env(),
    )
    package_file, conf, runbooks = result.stdout.split()
    env_dir = installed.parent
    assert Path(package_file).is_relative_to(env_dir)
    assert Path(conf).is_relative_to(env_dir) and Path(conf).name == "_conf"
    # The alerts' runbook links have pages to point at outside a checkout.
    assert Path(runbooks).is_relative_to(env_dir) and Path(runbooks).name == "_runbooks"
    shipped = sorted(p.name for p in Path(runbooks).glob("*.md"))
    assert shipped == sorted(p.name for p in (REPO / "docs" / "runbooks").glob("*.md"))
    experiments = sorted(p.name for p in (Path(conf) / "experiment").glob("*.yaml"))
    assert experiments == sorted(p.name for p in (REPO / "experiments").glob("*.yaml"))


def test_the_published_tables_come_with_the_wheel(installed):
    code = (
        "from harness.report.published import load_published; "
        "print(len(load_published('he2008_table2').values))"
    )
    result = _run([installed / "python", "-c", code], cwd=installed, env=_clean_env())
    assert result.stdout.split() == ["75"]


def test_harness_runs_the_quick_experiment_in_an_empty_folder(installed, tmp_path):
    env = _clean_env()
    version = _run([installed / "harness", "--version"], cwd=tmp_path, env=env)
    assert version.stdout.startswith("harness (adasyn-harness) ")
    result = _run(
        [
            installed / "harness", "run", "experiment=quick", "evaluation=fast",
            "evaluation.progress=false", "tracking=none", "export=none",
        ],
        cwd=tmp_path,
        env=env,
    )  # fmt: skip
    runs = list((tmp_path / "outputs" / "runs" / "quick").iterdir())
    assert len(runs) == 1
    assert len(list((runs[0] / "jobs").iterdir())) == 5
    assert f"Run folder: {runs[0]}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]


def test_harness_advises_a_built_in_set_and_a_user_csv_from_the_wheel(installed, tmp_path):
    env = _clean_env()
    built_in = _run([installed / "harness", "advise", "dataset=iris0"], cwd=tmp_path, env=env)
    assert built_in.stdout.startswith("Should you resample iris0?")
    rows = ["x1,x2,label"] + [
        f"{i % 7},{(i * 3) % 11},{'rare' if i % 5 == 0 else 'common'}" for i in range(100)
    ]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    table = _run(
        [
            installed / "harness", "advise", "dataset=table", "dataset.loader.path=mine.csv",
            "dataset.loader.target=label", "dataset.loader.positive_label=rare",
            "dataset.name=mine",
        ],
        cwd=tmp_path,
        env=env,
    )  # fmt: skip
    assert table.stdout.startswith("Should you resample mine? (100 rows, 20 minority")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv"]
