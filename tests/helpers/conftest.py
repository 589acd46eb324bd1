"""Fixtures of the helper tests: a private pybpf bpffs root per test and a fixed number of CPUs."""

from __future__ import annotations

import pytest

from pybpf.kernel.native import kernel_bpf_available


@pytest.fixture
def kernel() -> None:
    """Skip (never fail) where this process cannot use the real bpf(2)."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
