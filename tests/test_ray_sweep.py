"""A sweep on a local Ray cluster started by the test, through Hydra's Ray launcher."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.mlflow_server import free_port

REPO = Path(__file__).resolve().parents[1]
INSTALL_HINT = (
    "install the ray extra: .venv/bin/pip install 'ray>=2.40' && "
    ".venv/bin/pip install --no-deps 'hydra-ray-launcher==1.2.2'"
)


def _ray_binary() -> str:
    ray = shutil.which("ray", path=str(Path(sys.executable).parent))
    try:
        import hydra_plugins.hydra_ray_launcher  # noqa: F401
    except ImportError:
        ray = None
    if ray is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Ray or hydra-ray-launcher is missing in CI; {INSTALL_HINT}")
        pytest.skip(f"Ray launcher not installed; {INSTALL_HINT}")
    return ray


@pytest.fixture()
def ray_cluster(tmp_path):
    ray = _ray_binary()
    port = free_port()
    temp_dir = Path(tempfile.gettempdir()) / f"ray-{port}"  # Ray's socket paths must stay short.
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    start = subprocess.run(
        [
            ray,
            "start",
            "--head",
            f"--port={port}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=2",
            "--include-dashboard=false",
            f"--temp-dir={temp_dir}",
            "--disable-usage-stats",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert start.returncode == 0, start.stderr[-2000:]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            [ray, "stop", "--force"], env=env, capture_output=True, timeout=120, check=False
        )
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.serial
@pytest.mark.integration
def test_sweep_runs_on_a_local_ray_cluster(tmp_path, ray_cluster):
    env = dict(
        os.environ,
        HARNESS_ROOT=str(tmp_path),
        RAY_ADDRESS=ray_cluster,
        RAY_USAGE_STATS_ENABLED="0",
        MLFLOW_DISABLE_TELEMETRY="true",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            "-m",
            "hydra/launcher=ray",
            "resampler=adasyn,smote",
            "evaluation=fast",
            "evaluation.progress=false",
            "tracking=none",
            "export=none",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    sweeps = list((tmp_path / "outputs" / "sweeps").iterdir())
    assert len(sweeps) == 1
    records = [json.loads(p.read_text()) for p in sweeps[0].rglob("result.json")]
    assert sorted(r["resampler"] for r in records) == ["adasyn", "smote"]
    assert all(r["status"] == "success" for r in records)
    assert "adasyn" in (sweeps[0] / "comparison.csv").read_text()
