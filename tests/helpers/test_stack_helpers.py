"""``bpf_get_stack`` and ``bpf_get_stackid`` against the kernel, in a raw tracepoint's test run.

The same program runs on pybpf (each engine) and on the kernel through ``bpf()``: every refusal
(bad flags, a size that is not a multiple of the entry) is the kernel's, with the buffer zeroed the
same way.  A valid call is where they differ, and the test says how: the kernel walks its own stack
and the calling task's (a trace of 8-byte entries, a stack id below the map's buckets), pybpf has no
stack to walk and answers as the kernel does without a trace, -EFAULT (``pybpf.helpers.stack_trace``).
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.progtypes.net_diff import OUT_SLOTS, _out_map, _read_out, load_fd, recording

pytestmark = [
    pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here"),
    pytest.mark.usefixtures("engine"),
]

RAW_TP = uapi.BPF_PROG_TYPE_RAW_TRACEPOINT
USER, BUILD_ID = uapi.BPF_F_USER_STACK, uapi.BPF_F_USER_BUILD_ID
BUCKETS = 16
U64 = 1 << 64


def signed(value: int) -> int:
    return value - U64 if value >> 63 else value


def _stack_map(backend: Backend) -> int:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size = uapi.BPF_MAP_TYPE_STACK_TRACE, 4, 8 * 32
    attr.max_entries = BUCKETS
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def run(backend: Backend, text: str) -> tuple[int, ...]:
    """Load ``text`` (maps ``out`` and ``st``), test-run it with a 16-byte ctx; what it recorded."""
    out, stack = _out_map(backend), _stack_map(backend)
    fds = [out, stack]
    try:
        fds.append(load_fd(backend, RAW_TP, text, maps={"out": out, "st": stack}))
        ctx = ctypes.create_string_buffer(16)
        attr = uapi.bpf_attr()
        attr.test.prog_fd, attr.test.ctx_in, attr.test.ctx_size_in = fds[-1], ctypes.addressof(ctx), 16
        backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
        return tuple(signed(value) for value in _read_out(backend, out))
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture
def both() -> Iterator[tuple[Backend, Backend]]:
    yield UserBackend(), NativeBackend()


def get_stack(size: int, flags: int) -> str:
    fill = "\n".join(f"*(u64 *)(r10 - {256 - 8 * i}) = 0x5A5A5A5A" for i in range(32))
    return fill + f"\nr1 = r6\nr2 = r10\nr2 += -256\nr3 = {size}\nr4 = {flags} ll\ncall bpf_get_stack"


def get_stackid(flags: int) -> str:
    return f"r1 = r6\nr2 = map_fd(st) ll\nr3 = {flags} ll\ncall bpf_get_stackid"


BUFFER = [f"r0 = *(u64 *)(r10 - {256 - 8 * i})" for i in (0, 1, 7, 8)]
"""Words of the buffer: its first two, the last of 64 bytes and the one after it."""

REFUSED = [
    (64, 0x1000), (64, 1 << 40), (64, BUILD_ID), (60, 0), (60, USER), (48, USER | BUILD_ID), (4, 0),
    (64, BUILD_ID | 3),
]  # fmt: skip


@pytest.mark.parametrize(("size", "flags"), REFUSED)
def test_get_stack_refusals_and_the_zeroed_buffer(
    both: tuple[Backend, Backend], size: int, flags: int
) -> None:
    text = recording(get_stack(size, flags), *BUFFER)
    mine, theirs = (run(backend, text) for backend in both)
    assert mine == theirs
    assert mine[0] == -errno.EINVAL


@pytest.mark.parametrize("flags", [0x1000, 1 << 32, uapi.BPF_F_USER_BUILD_ID])
def test_get_stackid_refusals(both: tuple[Backend, Backend], flags: int) -> None:
    mine, theirs = (run(backend, recording(get_stackid(flags))) for backend in both)
    assert mine == theirs
    assert mine[0] == -errno.EINVAL


@pytest.mark.parametrize(("size", "flags"), [(64, 0), (64, USER), (64, 2), (64, USER | BUILD_ID), (0, 0)])
def test_get_stack_walk_is_the_known_difference(both: tuple[Backend, Backend], size: int, flags: int) -> None:
    """The kernel copies the trace it walked (a multiple of the entry, the rest zeroed); pybpf has no
    stack: -EFAULT with the whole buffer zeroed."""
    text = recording(get_stack(size, flags), *BUFFER)
    mine, theirs = (run(backend, text) for backend in both)
    entry = 32 if flags & BUILD_ID else 8
    assert 0 <= theirs[0] <= size and theirs[0] % entry == 0
    expected_zeroed = [0 if 8 * i < size else 0x5A5A5A5A for i in (0, 1, 7, 8)]
    assert list(mine[:5]) == [-errno.EFAULT, *expected_zeroed]


@pytest.mark.parametrize("flags", [0, USER, uapi.BPF_F_FAST_STACK_CMP, 3])
def test_get_stackid_walk_is_the_known_difference(both: tuple[Backend, Backend], flags: int) -> None:
    """The kernel stores the trace in a bucket and returns its id (two call sites: two traces, which
    may hash to one bucket: -EEXIST without BPF_F_REUSE_STACKID); pybpf, with no trace, -EFAULT."""
    mine, theirs = (run(backend, recording(get_stackid(flags), get_stackid(flags))) for backend in both)
    assert 0 <= theirs[0] < BUCKETS
    assert 0 <= theirs[1] < BUCKETS or theirs[1] == -errno.EEXIST  # its bucket may hold the first trace
    assert mine[:2] == (-errno.EFAULT, -errno.EFAULT)
    assert len(mine) == OUT_SLOTS
