"""Tracking URIs, HTTP limits and the reachability check."""

import os
import time

import pytest

from harness.errors import ConfigError, RunNotFoundError
from harness.tracking.store import (
    TrackingUnavailable,
    check_reachable,
    http_limits,
    normalize_uri,
    sqlite_artifact_location,
)
from tests.support.mlflow_server import closed_port_uri


def test_http_limits_apply_inside_the_block_only(monkeypatch):
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "4")  # the user's choice wins
    with http_limits(timeout_s=3, retries=1):
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "3"
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "4"
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "4"


def test_uris_are_normalized(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalize_uri("sqlite:///./mlflow.db") == f"sqlite:///{tmp_path}/mlflow.db"
    assert normalize_uri("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
    with pytest.raises(ConfigError, match="tracking=none"):
        normalize_uri("  ")


def test_sqlite_artifacts_live_next_to_the_database(tmp_path):
    location = sqlite_artifact_location(f"sqlite:///{tmp_path}/mlflow.db", "quick/1")
    assert location == (tmp_path / "mlartifacts" / "quick_1").as_uri()
    assert sqlite_artifact_location("http://127.0.0.1:5000", "quick") is None


def test_a_closed_port_is_reported_at_once():
    started = time.monotonic()
    with pytest.raises(TrackingUnavailable, match="harness sync"):
        check_reachable(closed_port_uri(), timeout_s=2)
    assert time.monotonic() - started < 2


def test_store_lock_serialises_processes_and_is_reentrant(tmp_path):
    import subprocess
    import sys

    from harness.tracking.store import lock_path, store_lock

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert lock_path(uri) == tmp_path / "mlflow.db.lock"
    script = (
        "import sys, time\n"
        "from harness.tracking.store import store_lock\n"
        "with store_lock(sys.argv[1]):\n"
        "    print(time.time())\n"
    )
    with store_lock(uri), store_lock(uri):  # re-entrant within a process
        other = subprocess.Popen(
            [sys.executable, "-c", script, uri], stdout=subprocess.PIPE, text=True
        )
        time.sleep(2)
        assert other.poll() is None  # still waiting for the lock
        released = time.time()
    acquired = float(other.communicate(timeout=60)[0])
    assert acquired >= released
    with store_lock("http://127.0.0.1:5000"):  # nothing to lock for a server
        pass


def test_a_busy_store_is_retried_with_backoff_then_given_up(monkeypatch):
    from harness.tracking import store

    monkeypatch.setattr(store.time, "sleep", lambda s: pauses.append(s))
    pauses: list[float] = []
    calls = iter([RuntimeError("database is locked"), RuntimeError("database is locked"), "ok"])

    def flaky():
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert store.retry_when_busy(flaky) == "ok"
    assert len(pauses) == 2 and pauses[1] > pauses[0] * 0.3

    def always_busy():
        raise RuntimeError("(sqlite3.OperationalError) database is locked")

    pauses.clear()
    with pytest.raises(RuntimeError, match="locked"):
        store.retry_when_busy(always_busy, attempts=4)
    assert len(pauses) == 3

    def broken():
        raise ValueError("another problem")

    pauses.clear()
    with pytest.raises(ValueError):
        store.retry_when_busy(broken)
    assert pauses == []


def test_a_reader_never_creates_a_sqlite_store(tmp_path):
    store = tmp_path / "mlflow.db"
    with pytest.raises(RunNotFoundError, match=str(store)):
        check_reachable(f"sqlite:///{store}", timeout_s=2)
    assert not store.exists()
    check_reachable(f"sqlite:///{store}", timeout_s=2, creating=True)  # a writer may create it


def test_the_gate_in_an_empty_folder_names_the_missing_store_and_creates_nothing(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("HARNESS_ROOT", "MLFLOW_TRACKING_URI")}
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "gate", "--experiment", "quick"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert f"{tmp_path / 'mlflow.db'} does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_dataset_race_is_run_again_and_other_errors_are_not():
    from harness.tracking.store import retry_when_racing

    # The text MLflow's SQL store raises when another process stored the same dataset between
    # its lookup and its insert (seen with four runs at once on a new store).
    race = RuntimeError(
        "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, "
        "datasets.name, datasets.digest"
    )
    calls = []

    def log_inputs():
        calls.append(1)
        if len(calls) == 1:
            raise race
        return "linked"

    assert retry_when_racing(log_inputs) == "linked" and len(calls) == 2

    def other():
        raise RuntimeError("UNIQUE constraint failed: runs.run_uuid")

    with pytest.raises(RuntimeError, match="runs.run_uuid"):
        retry_when_racing(other)
