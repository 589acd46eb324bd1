"""Fixtures of the verifier tests: the kernel oracle (skipped where bpf(2) is unavailable) and maps."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator

import pytest

from pybpf.kernel.native import kernel_bpf_available
from tests.verifier.kernel_load import kernel_load
from tests.verifier.stubs import BPF_FUNC_MAX_ID, SOCKET_FILTER, STATIC_ALLOWED, XDP, FakeMap

BPF_MAP_TYPE_HASH = 1
BPF_MAP_TYPE_ARRAY = 2
_CALL_EXIT = b"\x95" + bytes(7)

_allowed_cache: dict[int, frozenset[int]] = {}


def kernel_allowed_helpers(prog_type: int) -> frozenset[int]:
    """The helper ids the kernel lets ``prog_type`` call (its get_func_proto is not NULL)."""
    if not kernel_bpf_available():
        return STATIC_ALLOWED[prog_type]
    if prog_type not in _allowed_cache:
        allowed = set()
        for helper_id in range(BPF_FUNC_MAX_ID):
            raw = struct.pack("<BBhi", 0x85, 0, 0, helper_id) + _CALL_EXIT
            _, log = kernel_load(raw, prog_type)
            if "cannot use helper" not in log and "invalid func" not in log:
                allowed.add(helper_id)
        _allowed_cache[prog_type] = frozenset(allowed)
    return _allowed_cache[prog_type]


@pytest.fixture(scope="session")
def kernel() -> bool:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return True


@pytest.fixture(scope="session")
def allowed() -> dict[int, frozenset[int]]:
    return {pt: kernel_allowed_helpers(pt) for pt in (SOCKET_FILTER, XDP)}


@pytest.fixture(scope="module")
def kernel_maps() -> Iterator[dict[str, tuple[int, FakeMap]]]:
    """Real maps (so the kernel sees the same fds) and their pybpf stand-ins, by name."""
    if not kernel_bpf_available():
        yield {}
        return
    from tests.differential.kernel_harness import map_create

    specs = {
        "array": (BPF_MAP_TYPE_ARRAY, 4, 8, 1),
        "array4": (BPF_MAP_TYPE_ARRAY, 4, 8, 4),
        "hash": (BPF_MAP_TYPE_HASH, 4, 8, 4),
    }
    made: dict[str, tuple[int, FakeMap]] = {}
    for n, (name, (map_type, key, value, entries)) in enumerate(specs.items()):
        fd = map_create(map_type, key, value, entries)
        made[name] = (fd, FakeMap(0x7F0000000000 + n * 0x10000, map_type, value, entries))
    try:
        yield made
    finally:
        for fd, _ in made.values():
            os.close(fd)
