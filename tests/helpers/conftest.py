"""Fixtures of the helper tests: a private pybpf bpffs root per test and a fixed number of CPUs."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf.kernel.native import kernel_bpf_available


@pytest.fixture(autouse=True)
def _private_bpffs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own pybpf bpffs root (PYBPF_BPFFS) on tmpfs, like the default root."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    root = Path(tempfile.mkdtemp(prefix="pybpffs-helpers-", dir=base))
    monkeypatch.setenv("PYBPF_BPFFS", str(root))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def kernel() -> None:
    """Skip (never fail) where this process cannot use the real bpf(2)."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
