"""The memory rule of :mod:`harness.resample.memory`: what an output takes, what is free."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from harness.errors import MemoryQuotaError
from harness.resample import RandomOverSampler, memory
from harness.resample.memory import OutputSize, check_request, format_bytes, row_bytes
from tests.resample.conftest import make_data


@pytest.mark.parametrize(
    ("n_bytes", "shown"),
    [(512, "512 B"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB"), (10**12 * 24, "21.8 TiB")],
)
def test_sizes_are_shown_in_binary_units(n_bytes, shown):
    assert format_bytes(n_bytes) == shown


def test_a_row_takes_its_container_bytes():
    assert row_bytes(np.zeros((3, 5), dtype=np.float32)) == 20
    frame = pd.DataFrame({"x": [1.0, 2.0], "n": np.array([1, 2], dtype=np.int16), "s": ["a", "b"]})
    assert row_bytes(frame) == 8 + 2 + 8  # an object column holds pointers
    matrix = sparse.csr_matrix(np.array([[1.0, 0, 0, 2.0], [0, 0, 0, 0]]))
    assert row_bytes(matrix) == 2 * (8 + 4) / 2 + 4  # values and indices per row, indptr


def test_the_size_is_exact_integer_arithmetic_however_large_the_request():
    size = OutputSize.of(np.zeros((10, 4)), np.zeros(10, dtype=np.int64), 10**18)
    assert size.total_bytes == 10 * (32 + 8) + 10**18 * (32 + 16 + 80)
    assert size.rows_that_fit(size.fixed_bytes + 128 * 7 + 127) == 7


def test_the_quota_is_checked_before_memory(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 0)
    size = OutputSize.of(np.zeros((10, 4)), np.zeros(10), 50)
    with pytest.raises(MemoryQuotaError, match="more than max_synthetic=20"):
        check_request(size, max_synthetic=20)
    with pytest.raises(MemoryQuotaError, match="of memory available"):
        check_request(size, max_synthetic=100)


def test_a_container_limit_counts_when_it_leaves_less_than_the_machine(tmp_path, monkeypatch):
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    limit.write_text(f"{3 * 2**20}\n")
    usage.write_text(f"{2**20}\n")
    monkeypatch.setattr(memory, "CGROUP_FILES", ((limit, usage),))
    assert memory.available_memory() == 2 * 2**20
    limit.write_text("max\n")  # no limit: the machine's available memory
    assert memory.available_memory() > 2 * 2**20
    monkeypatch.setattr(memory, "CGROUP_FILES", ((tmp_path / "absent", usage),))
    assert memory.available_memory() > 2 * 2**20


def test_copies_of_a_frame_of_text_are_counted_by_its_columns(monkeypatch):
    X, y = make_data()
    frame = pd.DataFrame({"x": X[:, 0], "city": np.where(X[:, 1] > 0, "Lyon", "Graz")})
    n_new = int(np.bincount(y)[0] - np.bincount(y)[1])
    needed = len(y) * (16 + 8) + n_new * (16 + 16 + 80)
    monkeypatch.setattr(memory, "available_memory", lambda: needed - 1)
    with pytest.raises(MemoryQuotaError):
        RandomOverSampler(random_state=0).fit_resample(frame, y)
    monkeypatch.setattr(memory, "available_memory", lambda: needed)
    assert len(RandomOverSampler(random_state=0).fit_resample(frame, y)[1]) == len(y) + n_new


def test_a_sparse_smoothed_bootstrap_counts_its_new_rows_dense(monkeypatch):
    X, y = make_data()
    X[:, 1:] = 0.0  # one stored value a row
    matrix = sparse.csr_matrix(X)
    n_new = int(np.bincount(y)[0] - np.bincount(y)[1])
    original_row = 8 + 4 + 4  # a value, its index, the row pointer
    dense_row = 5 * (8 + 4) + 4
    copies = len(y) * (original_row + 8) + n_new * (original_row + 16 + 80)
    smoothed = len(y) * (original_row + 8) + n_new * (dense_row + 16 + 80)
    monkeypatch.setattr(memory, "available_memory", lambda: copies)
    RandomOverSampler(random_state=0).fit_resample(matrix, y)
    with pytest.raises(MemoryQuotaError):
        RandomOverSampler(shrinkage=1.0, random_state=0).fit_resample(matrix, y)
    monkeypatch.setattr(memory, "available_memory", lambda: smoothed)
    X_res, _ = RandomOverSampler(shrinkage=1.0, random_state=0).fit_resample(matrix, y)
    assert X_res.shape == (len(y) + n_new, 5)
