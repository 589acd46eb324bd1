"""BPF_PROG_TYPE_STRUCT_OPS: the registered type and BPF_PROG_TEST_RUN of bpf_dummy_ops programs, on
both engines and on the kernel.

Every test-run expectation is the kernel's answer (Linux 6.18), asserted on pybpf (each engine) and
on the kernel: the state read from and written back to the caller's memory, a NULL state where the
member's stub allows it, the retval of a void member, the ctx size rule, EFAULT for an unreadable
state, EOPNOTSUPP for any other struct_ops type.  (Load verdicts and helper sets are in the verifier
corpus theme tests/data/verifier_corpus/struct_ops.asm; maps in tests/maps/test_struct_ops.py.)
"""

from __future__ import annotations

import ctypes
import errno
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.struct_ops import StructOpsProgType
from tests.maps.test_struct_ops import Harness, _call, _type_id, pytestmark  # noqa: F401  (the BTF skip)

INCREMENT = """
    r2 = *(u64 *)(r1 + 0)
    r0 = 77
    if r2 == 0 goto out
    r3 = *(u32 *)(r2 + 0)
    r3 += 1
    *(u32 *)(r2 + 0) = r3
    r0 = r3
out:
    exit
"""
"""test_1: the state's value plus one, stored back and returned (77 without a state)."""
SUM = """
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = *(u64 *)(r1 + 16)
    r5 = *(u64 *)(r1 + 24)
    r6 = *(u64 *)(r1 + 32)
    r3 += r4
    r3 += r5
    r3 += r6
    r0 = *(u32 *)(r2 + 0)
    *(u32 *)(r2 + 0) = r3
    exit
"""
"""test_2 (void): the four scalar arguments' sum stored in the state, the old value returned."""


def test_registered() -> None:
    assert isinstance(get_prog_type(uapi.BPF_PROG_TYPE_STRUCT_OPS), StructOpsProgType)


@pytest.fixture
def harness(backend: Backend, engine: str) -> Iterator[Harness]:
    h = Harness(backend)
    yield h
    h.close()


def run(harness: Harness, prog_fd: int, args: list[int], *, size: int | None = None) -> tuple[int, int]:
    """(0 or minus the errno, retval) of one BPF_PROG_TEST_RUN with ``args`` as ctx_in."""
    raw = b"".join(struct.pack("<Q", a) for a in args)
    ctx = ctypes.create_string_buffer(raw, max(len(raw), 1))
    attr = uapi.bpf_attr()
    attr.test.prog_fd = prog_fd
    if args:
        attr.test.ctx_in = ctypes.addressof(ctx)
    attr.test.ctx_size_in = len(raw) if size is None else size
    attr.test.repeat = 5  # ignored: one run
    result = _call(harness.backend, uapi.BPF_PROG_TEST_RUN, attr)
    assert attr.test.duration == 0
    return (result if result < 0 else 0), int(attr.test.retval)


def test_dummy_state_round_trip(harness: Harness) -> None:
    prog = harness.prog("bpf_dummy_ops", 0, INCREMENT)
    state = ctypes.create_string_buffer(struct.pack("<I", 41), 4)
    assert run(harness, prog, [ctypes.addressof(state)]) == (0, 42)
    assert struct.unpack("<I", state.raw)[0] == 42
    assert run(harness, prog, [ctypes.addressof(state)]) == (0, 43)  # once per call, whatever repeat
    assert run(harness, prog, [0]) == (0, 77)  # test_1's state is __nullable
    assert run(harness, prog, [ctypes.addressof(state)], size=16)[0] == -errno.EINVAL
    assert run(harness, prog, [])[0] == -errno.EINVAL
    assert run(harness, prog, [8])[0] == -errno.EFAULT


def test_dummy_void_member(harness: Harness) -> None:
    prog = harness.prog("bpf_dummy_ops", 1, SUM)
    state = ctypes.create_string_buffer(struct.pack("<I", 46), 4)
    assert run(harness, prog, [ctypes.addressof(state), 1, 0x1FFFF, 0x1FF, 4]) == (0, 46)
    assert struct.unpack("<I", state.raw)[0] == 1 + 0x1FFFF + 0x1FF + 4  # the arguments as passed
    assert run(harness, prog, [0, 1, 2, 3, 4])[0] == -errno.EINVAL  # test_2's state is not nullable


def test_dummy_sleepable_member(harness: Harness) -> None:
    prog = harness.prog("bpf_dummy_ops", 2, "r0 = 5\nexit\n")
    state = ctypes.create_string_buffer(4)
    assert run(harness, prog, [ctypes.addressof(state)]) == (0, 5)
    assert run(harness, prog, [0])[0] == -errno.EINVAL


def test_tcp_congestion_ops_not_test_run(harness: Harness) -> None:
    prog = harness.prog("tcp_congestion_ops", 0)
    assert run(harness, prog, [0])[0] == -errno.EOPNOTSUPP


def test_prog_info_attach_btf_id(harness: Harness) -> None:
    """bpf_prog_info's attach_btf_id: the struct the program implements a member of."""
    prog = harness.prog("tcp_congestion_ops", 1, "exit\n")
    info = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = prog, ctypes.sizeof(info), ctypes.addressof(info)
    harness.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    assert info.attach_btf_id == _type_id("tcp_congestion_ops")
