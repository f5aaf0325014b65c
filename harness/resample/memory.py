"""Refuse a request before allocating it: over ``max_synthetic``, or too big for memory.

Every in-memory sampler turns its ``sampling_strategy`` into rows to generate, then allocates
the whole output at once. A request that cannot fit (``sampling_strategy={1: 10**12}``) used to
reach numpy's raw ``MemoryError`` ("Unable to allocate 21.8 TiB"), or, just over the free
memory, an allocation the kernel grants lazily and the OOM killer ends. So the samplers check
the request first, with one rule (:func:`check_request`), called by the shared template
(:class:`harness.resample.base.HarnessOverSampler`) and by the wrapped imbalanced-learn
samplers (:mod:`harness.resample.wrapped`):

1. ``max_synthetic`` (when set): more new rows than the quota is refused, whatever the memory;
2. memory: the bytes the output must hold at the end (:class:`OutputSize`: every output row of
   ``X`` and ``y``, plus per new row its lineage and the draws it was made from) above the
   memory available now (:func:`available_memory`) is refused.

The estimate counts what the result needs, not the temporary copies on the way, so a refused
request can never fit; one just under the limit may still fail. Both refusals are
:class:`~harness.errors.MemoryQuotaError` and name the size, how many rows would fit and what to
use instead. ``harness resample --engine ray`` does not come here: its tasks keep their own bound
(:mod:`harness.distributed.memory`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from scipy import sparse

from harness.errors import MemoryQuotaError

#: Bytes kept per new row besides its features and label: the lineage (``row``, ``parent``,
#: ``neighbor`` as int64, ``lam``, ``difficulty`` as float64; its ``class`` is counted with the
#: labels) and the draws it was made from (parent position, neighbour column, λ, parent and
#: neighbour rows: five 8-byte values).
BOOKKEEPING_BYTES_PER_ROW = 5 * 8 + 5 * 8

#: cgroup files giving a container's memory limit and use (v2, then v1): the machine's free
#: memory is not what a process in a limited container can take.
CGROUP_FILES = (
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
        Path("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ),
)


def _cgroup_room() -> int | None:
    """Bytes left under this process's cgroup memory limit, or None without a limit."""
    for limit_file, usage_file in CGROUP_FILES:
        try:
            limit, usage = limit_file.read_text().strip(), usage_file.read_text().strip()
        except OSError:
            continue
        if limit.isdigit() and usage.isdigit() and int(limit) < 2**62:
            return max(0, int(limit) - int(usage))
    return None


def available_memory() -> int:
    """Bytes a new allocation can take now: psutil's available memory, or what is left under
    the container's memory limit when that is less."""
    room = _cgroup_room()
    available = int(psutil.virtual_memory().available)
    return available if room is None else min(available, room)


def row_bytes(X: object) -> float:
    """Bytes one row of ``X`` takes in its container.

    An array: ``n_features × itemsize`` (8 for object columns, their pointers); a DataFrame: the
    sum over its columns; a sparse matrix: its stored values and indices per row, on average.
    """
    if sparse.issparse(X):
        n_rows = max(X.shape[0], 1)
        index_bytes = np.dtype(getattr(X, "indices", np.empty(0, np.int32)).dtype).itemsize
        return X.nnz * (X.dtype.itemsize + index_bytes) / n_rows + index_bytes
    if isinstance(X, pd.DataFrame):
        return float(sum(getattr(dtype, "itemsize", 8) for dtype in X.dtypes))
    values = X if isinstance(X, np.ndarray) else np.asarray(X)
    n_features = values.shape[1] if values.ndim == 2 else 1
    return float(n_features * values.dtype.itemsize)


def dense_row_bytes(X: object) -> float:
    """Bytes of one row of ``X`` with every feature stored (new rows made dense, e.g. by the
    smoothed bootstrap's noise): for a sparse matrix each value also stores its index."""
    if sparse.issparse(X):
        index_bytes = np.dtype(getattr(X, "indices", np.empty(0, np.int32)).dtype).itemsize
        return X.shape[1] * (X.dtype.itemsize + index_bytes) + index_bytes
    return row_bytes(X)


@dataclass(frozen=True)
class OutputSize:
    """What a resampled output holds: the original rows, the new rows, their labels."""

    n_original: int
    n_new: int
    original_row_bytes: int
    new_row_bytes: int
    label_bytes: int

    @classmethod
    def of(cls, X: object, y: np.ndarray, n_new: int, dense_new_rows: bool = False) -> OutputSize:
        """The output of ``n_new`` rows appended to ``X, y`` (new rows as ``X``'s rows, or
        with every feature stored when ``dense_new_rows``)."""
        original = math.ceil(row_bytes(X))
        return cls(
            n_original=int(X.shape[0]),
            n_new=int(n_new),
            original_row_bytes=original,
            new_row_bytes=math.ceil(dense_row_bytes(X)) if dense_new_rows else original,
            label_bytes=int(np.asarray(y).dtype.itemsize),
        )

    @property
    def fixed_bytes(self) -> int:
        """Bytes of the original rows' copy in the output, with their labels."""
        return self.n_original * (self.original_row_bytes + self.label_bytes)

    @property
    def bytes_per_new_row(self) -> int:
        """Features, label, lineage and draws of one new row."""
        return self.new_row_bytes + 2 * self.label_bytes + BOOKKEEPING_BYTES_PER_ROW

    @property
    def total_bytes(self) -> int:
        """Every byte of the output (Python ints: no overflow however large the request)."""
        return self.fixed_bytes + self.n_new * self.bytes_per_new_row

    def rows_that_fit(self, budget: int) -> int:
        """The most new rows whose output fits in ``budget`` bytes."""
        return max(0, (budget - self.fixed_bytes) // self.bytes_per_new_row)


def format_bytes(n_bytes: int) -> str:
    """``23_968_567_328_768`` -> ``'21.8 TiB'`` (binary units, one decimal; any int)."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    power = 0
    while power < len(units) - 1 and n_bytes >= 1024 ** (power + 1):
        power += 1
    if power == 0:
        return f"{n_bytes:,} B"
    return f"{n_bytes / 1024**power:,.1f} {units[power]}"


def check_request(
    size: OutputSize, max_synthetic: int | None = None, *, harness_parameters: bool = True
) -> None:
    """Refuse the request ``size`` describes before anything is allocated.

    Parameters
    ----------
    size : OutputSize
        The output the request would make.
    max_synthetic : int or None
        The sampler's quota of new rows (None: no quota, memory only).
    harness_parameters : bool, default=True
        Whether the sampler takes the harness's ``max_synthetic`` and ``synthetic_percent``
        (the wrapped imbalanced-learn samplers do not), so the message suggests them only where
        they can be set.

    Raises
    ------
    MemoryQuotaError
        More new rows than ``max_synthetic``, or an output larger than :func:`available_memory`.
    """
    if max_synthetic is not None and size.n_new > max_synthetic:
        mib = Decimal(size.n_new * size.new_row_bytes) / 2**20  # exact for any request
        raise MemoryQuotaError(
            f"This request would create {size.n_new:,} synthetic rows (about {mib:,.1f} MiB of "
            f"features), more than max_synthetic={max_synthetic:,}: raise max_synthetic to at "
            f"least {size.n_new}, or ask for fewer rows with sampling_strategy."
        )
    available = available_memory()
    if size.total_bytes <= available:
        return
    fits = size.rows_that_fit(available)
    features = format_bytes(size.n_new * size.new_row_bytes)
    how, cap = "sampling_strategy", ""
    if harness_parameters:
        how = "sampling_strategy or synthetic_percent"
        cap = (
            f", and set max_synthetic (e.g. max_synthetic={fits:,}) to refuse larger requests "
            "by their count"
        )
    raise MemoryQuotaError(
        f"This request would create {size.n_new:,} synthetic rows: with the {size.n_original:,} "
        f"input rows the output would take about {format_bytes(size.total_bytes)} ({features} "
        "of new features, plus labels, lineage and the original rows), more than the "
        f"{format_bytes(available)} of memory available, so it was refused before allocating: "
        f"ask for at most {fits:,} new rows with {how}{cap}; ADASYN beyond one "
        "machine's memory runs with `harness resample --engine ray` (partitioned Parquet, each "
        "task's memory bounded)."
    )
