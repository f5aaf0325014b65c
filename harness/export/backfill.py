"""Evaluate generated alert rules over simulated series with a real Prometheus.

The series are written as OpenMetrics and turned into TSDB blocks by ``promtool tsdb
create-blocks-from openmetrics``; a Prometheus started on those blocks (with a retention longer
than the simulated span, or it drops them) answers queries over them. Recording rules are
backfilled by ``promtool tsdb create-blocks-from rules`` against that Prometheus (it evaluates
recording rules only), and their blocks are added before a restart. Alert expressions are then
evaluated with ``query_range``, in chunks of at most 11,000 points (the API's limit per series),
and ``for:`` is applied to the result as the rule manager applies it: an alert fires once its
condition has held at every evaluation for ``for:``.

Needs the Debian package ``prometheus`` (server and ``promtool``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.errors import ConfigError

#: Points per series ``query_range`` returns at most.
MAX_POINTS = 11_000
READY_TIMEOUT_S = 60.0
#: Simulated samples are old; a retention this long keeps Prometheus from deleting them.
RETENTION = "100y"


def tool(name: str) -> str:
    """The path of ``name`` (``prometheus`` or ``promtool``), or a ConfigError naming the fix."""
    path = shutil.which(name)
    if path is None:
        raise ConfigError(
            f"{name} is not installed; the simulation evaluates the rules with a real "
            "Prometheus: install it with `apt-get install prometheus`."
        )
    return path


@dataclass(frozen=True)
class CounterSeries:
    """One counter series: its labels, sample times (Unix seconds) and values."""

    labels: Mapping[str, str]
    times: np.ndarray
    values: np.ndarray


def write_openmetrics(path: Path, family: str, series: Iterable[CounterSeries]) -> Path:
    """Write counter series of metric ``family`` (samples ``<family>_total``) as OpenMetrics."""
    with Path(path).open("w") as out:
        out.write(f"# TYPE {family} counter\n")
        for one in series:
            labels = ",".join(f'{key}="{value}"' for key, value in one.labels.items())
            prefix = f"{family}_total{{{labels}}} "
            lines = [
                f"{prefix}{int(v)} {int(t)}\n"
                for t, v in zip(one.times.tolist(), one.values.tolist(), strict=True)
            ]
            out.writelines(lines)
        out.write("# EOF\n")
    return Path(path)


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(args[:4])} ...):\n{result.stderr[-3000:]}")


def blocks_from_openmetrics(source: Path, data_dir: Path) -> None:
    """Turn an OpenMetrics file into TSDB blocks under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    _run(
        [tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", "-q", str(source),
         str(data_dir)],
        "promtool tsdb create-blocks-from openmetrics",
    )  # fmt: skip


def blocks_from_rules(
    url: str, rule_file: Path, start: int, end: int, out_dir: Path, step: str = "60s"
) -> None:
    """Backfill the recording rules of ``rule_file`` over ``[start, end]`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _run(
        [tool("promtool"), "tsdb", "create-blocks-from", "rules", "-q", f"--url={url}",
         f"--start={start}", f"--end={end}", f"--output-dir={out_dir}",
         f"--eval-interval={step}", str(rule_file)],
        "promtool tsdb create-blocks-from rules",
    )  # fmt: skip


def add_blocks(blocks_dir: Path, data_dir: Path) -> int:
    """Move every block under ``blocks_dir`` into ``data_dir``; return how many."""
    moved = 0
    for block in sorted(p for p in blocks_dir.iterdir() if (p / "meta.json").is_file()):
        shutil.move(str(block), str(data_dir / block.name))
        moved += 1
    return moved


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str, timeout_s: float = 600.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def serving_blocks(data_dir: Path, log_path: Path) -> Iterator[str]:
    """A Prometheus on 127.0.0.1 over the blocks in ``data_dir``; yields its URL."""
    config = data_dir.parent / "prometheus-sim.yml"
    config.write_text("global:\n  scrape_interval: 1m\n")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                tool("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={data_dir}",
                f"--storage.tsdb.retention.time={RETENTION}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--query.max-samples=500000000",
                "--query.timeout=30m",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"prometheus exited:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/-/ready", timeout=2).read()
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"prometheus not ready:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def query_range(
    url: str, expr: str, start: int, end: int, step_s: int, key: str = "model"
) -> dict[str, np.ndarray]:
    """The times (Unix seconds) at which ``expr`` has a value, per value of label ``key``.

    Evaluated in chunks of at most :data:`MAX_POINTS` steps.
    """
    found: dict[str, list[np.ndarray]] = {}
    chunk = (MAX_POINTS - 1) * step_s
    low = start
    while low <= end:
        high = min(end, low + chunk)
        query = urllib.parse.urlencode(
            {"query": expr, "start": low, "end": high, "step": f"{step_s}s"}
        )
        answer = _get_json(f"{url}/api/v1/query_range?{query}")
        if answer.get("status") != "success":
            raise RuntimeError(f"query_range {expr!r} failed: {answer}")
        for result in answer["data"]["result"]:
            times = np.array([float(t) for t, _ in result["values"]], dtype=np.int64)
            found.setdefault(result["metric"].get(key, ""), []).append(times)
        low = high + step_s
    return {name: np.unique(np.concatenate(parts)) for name, parts in found.items()}


def firing_starts(condition: np.ndarray, step_s: int, for_s: int) -> np.ndarray:
    """When an alert starts firing, given the evaluation times its condition held.

    An alert turns pending at the first evaluation its condition holds and fires at the first
    evaluation at least ``for_s`` later, provided the condition held at every evaluation in
    between; a gap of one evaluation resets it.
    """
    if condition.size == 0:
        return np.array([], dtype=np.int64)
    breaks = np.nonzero(np.diff(condition) != step_s)[0]
    run_starts = condition[np.r_[0, breaks + 1]]
    run_ends = condition[np.r_[breaks, condition.size - 1]]
    fire = run_starts + int(np.ceil(for_s / step_s)) * step_s
    return fire[fire <= run_ends]
