"""A local Ray cluster started by the tests of this folder.

The cluster is started by ``ray.init`` in the test process (a head node with two CPUs) and
stopped by ``ray.shutdown``, which ends only the processes it started; subprocesses join it
through its address.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

INSTALL_HINT = "install the ray extra: .venv/bin/pip install -e '.[ray]'"


def import_ray():
    """The ``ray`` module; fail under CI=true, skip elsewhere, when it is missing."""
    try:
        import ray
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Ray is missing in CI; {INSTALL_HINT}")
        pytest.skip(f"Ray not installed; {INSTALL_HINT}")
    return ray


@pytest.fixture(scope="module")
def ray_address():
    """Address of a two-CPU local Ray cluster this process is connected to."""
    ray = import_ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Ray's socket paths must stay short: a short temporary folder, not pytest's.
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp" if Path("/tmp").is_dir() else None))
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _temp_dir=str(temp_dir),
    )
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


def run_resample(
    source: Path, output: Path, target: str, *options: str, env=None, timeout: int = 120
):
    """``harness resample --input SOURCE --output OUTPUT --target TARGET --minority-label 1``."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "harness.cli", "resample", "--input", str(source)]
    command += ["--output", str(output), "--target", target, "--minority-label", "1", *options]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
