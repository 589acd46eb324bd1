"""Test helper: the running kernel's BTF, parsed once per test process (skips where it is missing)."""

from __future__ import annotations

import functools
import os

import pytest

from pybpf.btf import BTF, read_btf_file

VMLINUX = "/sys/kernel/btf/vmlinux"


@functools.lru_cache(maxsize=1)
def _load() -> BTF | None:
    if not os.path.exists(VMLINUX):
        return None
    return read_btf_file(VMLINUX)


def vmlinux_btf() -> BTF:
    """The parsed ``/sys/kernel/btf/vmlinux``; skips the calling test if the kernel has none."""
    btf = _load()
    if btf is None:
        pytest.skip(f"{VMLINUX} is not available")
    return btf
