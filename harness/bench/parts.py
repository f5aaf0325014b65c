"""The benchmark in parts: each part runs alone (its own process) and writes its own JSON.

``harness bench --part NAME`` writes ``<out>/parts/NAME.json``; ``harness bench --merge`` reads
every part present and writes ``bench.json`` and ``bench.md`` with every target, met or not
(a part not run shows its targets as not measured). A part can be rerun alone and merged again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

#: Parts in the order ``make bench`` runs them.
TIMING_PARTS = ("samplers", "overhead", "sweep-overhead", "distributed")
#: The statistical studies (:mod:`harness.bench.studies`), run one by one: minutes each.
STUDY_PARTS = ("regression-gate", "label-issues", "interval-coverage")
PARTS = TIMING_PARTS + STUDY_PARTS


def part_path(out: Path, name: str) -> Path:
    """Where part ``name`` writes its JSON."""
    return out / "parts" / f"{name}.json"


def write_part(out: Path, name: str, meta: dict[str, Any], data: dict[str, Any]) -> Path:
    """Write one part's result (with when and how it was made) and return the file."""
    if name not in PARTS:
        raise ConfigError(f"Unknown benchmark part {name!r}: use one of {list(PARTS)}.")
    path = part_path(out, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamped = {"meta": {**meta, "finished": datetime.now(UTC).isoformat(timespec="seconds")}}
    path.write_text(json.dumps({**stamped, **data}, indent=2, default=float) + "\n")
    return path


def read_parts(out: Path) -> dict[str, dict[str, Any]]:
    """Every part written under ``out``, by name."""
    found = {}
    for name in PARTS:
        path = part_path(out, name)
        if path.is_file():
            found[name] = json.loads(path.read_text())
    return found
