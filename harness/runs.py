"""Run folders on disk: where results live, found and read the same way everywhere.

``harness run`` writes one folder per job holding ``result.json`` (format in
docs/architecture.md); comparison, tracking, export and the gate all find and read them here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from harness.errors import InputDataError, RunNotFoundError

log = logging.getLogger(__name__)

RESULT_FILE = "result.json"


def find_run_dirs(root: Path) -> list[Path]:
    """Every folder under ``root`` (itself included) that holds a ``result.json``."""
    return sorted(p.parent for p in Path(root).rglob(RESULT_FILE) if p.is_file())


def read_record(run_dir: Path) -> dict[str, Any] | None:
    """A run folder's ``result.json``, or ``None`` when it is missing or unreadable."""
    path = Path(run_dir) / RESULT_FILE
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("skipping %s: unreadable %s (%s)", run_dir, RESULT_FILE, exc)
        return None
    return record if isinstance(record, dict) else None


def load_record(run_dir: Path) -> dict[str, Any]:
    """A run folder's ``result.json``, strictly: for commands pointed at one folder by the user.

    Raises
    ------
    RunNotFoundError
        When the folder has no ``result.json``.
    InputDataError
        When ``result.json`` is not valid JSON or not a JSON object.
    """
    path = Path(run_dir) / RESULT_FILE
    if not path.is_file():
        raise RunNotFoundError(
            f"{path} does not exist: pass a run (or sweep) folder written by `harness run` "
            "(see outputs/)."
        )
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputDataError(
            f"{path} is not valid JSON ({exc}): rerun the job with `harness run` to rewrite it."
        ) from exc
    if not isinstance(record, dict):
        raise InputDataError(f"{path} must hold a JSON object: rerun the job with `harness run`.")
    return record


def read_records(root: Path) -> list[dict[str, Any]]:
    """Every readable ``result.json`` under ``root``, each with its ``run_dir`` added."""
    records = []
    for run_dir in find_run_dirs(root):
        record = read_record(run_dir)
        if record is not None:
            record["run_dir"] = str(run_dir)
            records.append(record)
    return records
