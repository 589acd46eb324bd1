"""BPF_MAP_TYPE_STACK_TRACE from user space and ``bpf_get_stackid``, on both backends.

The creation and element-command expectations are the kernel's answers (Linux 6.18), asserted on
pybpf and on the kernel.  The kernel fills buckets with the stacks it walks; pybpf has no stack to
walk (``bpf_get_stackid`` is -EFAULT, see ``pybpf.helpers.stack_trace``), so what a filled bucket
answers is checked on pybpf's map directly, against the kernel's ``bpf_stackmap_copy`` /
``stack_map_get_next_key`` rules, and with a trace the kernel stored.
"""

from __future__ import annotations

import errno
import os
import struct

import pytest

from pybpf import Program, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.object import MapObject
from pybpf.maps.stack_trace import StackTraceMap, bucket_count, perf_event_max_stack
from pybpf.uapi import ENOTSUPP

from .helpers import create, create_outcome, delete, elem, lookup, next_key, u32, update

STACK_TRACE = uapi.BPF_MAP_TYPE_STACK_TRACE
BUILD_ID = uapi.BPF_F_STACK_BUILD_ID
EINVAL = ("errno", errno.EINVAL)


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (4, 8, 2, 0, "ok"),
        (4, 16, 1, 0, "ok"),
        (4, 12, 2, 0, EINVAL),
        (4, 4, 2, 0, EINVAL),
        (4, 0, 2, 0, EINVAL),
        (8, 8, 2, 0, EINVAL),
        (0, 8, 2, 0, EINVAL),
        (4, 8, 0, 0, EINVAL),
        (4, 127 * 8, 2, 0, "ok"),
        (4, 128 * 8, 2, 0, EINVAL),
        (4, 32, 2, BUILD_ID, "ok"),
        (4, 127 * 32, 2, BUILD_ID, "ok"),
        (4, 128 * 32, 2, BUILD_ID, EINVAL),
        (4, 40, 2, BUILD_ID, EINVAL),
        (4, 16, 2, BUILD_ID, EINVAL),
        (4, 8, 2, uapi.BPF_F_RDONLY, "ok"),
        (4, 8, 2, uapi.BPF_F_WRONLY, "ok"),
        (4, 8, 2, uapi.BPF_F_NUMA_NODE, "ok"),
        (4, 8, 2, uapi.BPF_F_RDONLY_PROG, EINVAL),
        (4, 8, 2, uapi.BPF_F_WRONLY_PROG, EINVAL),
        (4, 8, 2, uapi.BPF_F_NO_PREALLOC, EINVAL),
        (4, 8, 2, uapi.BPF_F_MMAPABLE, EINVAL),
        (4, 8, 2, uapi.BPF_F_INNER_MAP, EINVAL),
        (4, 8, (1 << 31) + 1, 0, ("errno", errno.E2BIG)),
        (4, 12, (1 << 31) + 1, 0, EINVAL),  # the value is checked first
        (4, 8, 0, uapi.BPF_F_NUMA_NODE | 1, EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: object
) -> None:
    assert perf_event_max_stack() == 127, "the table assumes kernel.perf_event_max_stack = 127"
    assert create_outcome(backend, STACK_TRACE, key_size, value_size, max_entries, flags) == expected


def test_element_commands_of_an_empty_map(backend: Backend) -> None:
    """Stack ids are the 8 buckets of a 5-entry map: delete is E2BIG past them, every other answer
    ENOENT while they are empty; update is EINVAL; there are no batch commands."""
    fd = create(backend, STACK_TRACE, 4, 16, 5)
    try:
        for key in (0, 5, 7, 8, 100):
            assert lookup(backend, fd, u32(key), 16) == ("errno", errno.ENOENT)
            assert elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, u32(key), value_size=16) == (
                "errno",
                errno.ENOENT,
            )
        for key in (0, 7):
            assert delete(backend, fd, u32(key)) == ("errno", errno.ENOENT)
        for key in (8, 100):
            assert delete(backend, fd, u32(key)) == ("errno", errno.E2BIG)
        for key, flags in ((0, 0), (9, 0), (0, uapi.BPF_NOEXIST), (0, 7)):
            assert update(backend, fd, u32(key), bytes(16), flags) == EINVAL
        for flags in (uapi.BPF_F_LOCK, 1):
            assert elem(
                backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, u32(0), value_size=16, flags=flags
            ) == (EINVAL)
        for start in (None, u32(3), u32(99)):
            assert next_key(backend, fd, start, 4) == ("errno", errno.ENOENT)
        for cmd in (uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH):
            attr = uapi.bpf_attr()
            attr.batch.map_fd = fd
            with pytest.raises(OSError) as refused:
                backend.bpf(cmd, attr)
            assert refused.value.errno == ENOTSUPP
    finally:
        os.close(fd)


def _fill(impl: StackTraceMap, stack_id: int, ips: list[int]) -> None:
    """Store a trace in bucket ``stack_id`` as ``__bpf_get_stackid`` leaves it (count, hash, entries)."""
    at = stack_id * (8 + impl.value_size)
    struct.pack_into(f"<II{len(ips)}Q", impl.mem, at, len(ips), 0x1234, *ips)


def test_filled_buckets() -> None:
    """A trace shorter than the value reads back zero-padded; get_next_key visits the filled buckets
    only (an empty or out-of-range key starts over); lookup-and-delete and delete empty a bucket."""
    backend = UserBackend()
    fd = create(backend, STACK_TRACE, 4, 32, 6)
    try:
        impl = MapObject.from_fd(fd).impl
        assert isinstance(impl, StackTraceMap)
        assert impl.n_buckets == bucket_count(6) == 8
        _fill(impl, 2, [0xFFFFFFFF81000000, 0xFFFFFFFF81000010])
        _fill(impl, 5, [1, 2, 3, 4])
        _fill(impl, 7, [9])
        assert lookup(backend, fd, u32(2), 32) == struct.pack(
            "<4Q", 0xFFFFFFFF81000000, 0xFFFFFFFF81000010, 0, 0
        )
        assert lookup(backend, fd, u32(5), 32) == struct.pack("<4Q", 1, 2, 3, 4)
        assert [next_key(backend, fd, k, 4) for k in (None, u32(2), u32(5), u32(3), u32(50))] == [
            u32(2), u32(5), u32(7), u32(2), u32(2),
        ]  # fmt: skip
        assert next_key(backend, fd, u32(7), 4) == ("errno", errno.ENOENT)
        assert elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, u32(7), value_size=32) == struct.pack(
            "<4Q", 9, 0, 0, 0
        )
        assert lookup(backend, fd, u32(7), 32) == ("errno", errno.ENOENT)
        assert delete(backend, fd, u32(5)) == "ok"
        assert delete(backend, fd, u32(5)) == ("errno", errno.ENOENT)
        struct.pack_into("<I", impl.mem, 2 * 40, 0xFFFFFFFF)  # a corrupted count: clamped to the value
        assert len(lookup(backend, fd, u32(2), 32)) == 32
    finally:
        os.close(fd)


GET_STACKID = """
    r2 = map_fd(stacks) ll
    r3 = {flags}
    call bpf_get_stackid
    exit
"""


def _signed(retval: int) -> int:
    return retval - (1 << 32) if retval >= 1 << 31 else retval


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize(
    "flags", [0, uapi.BPF_F_USER_STACK, 5, uapi.BPF_F_FAST_STACK_CMP | uapi.BPF_F_REUSE_STACKID]
)
def test_get_stackid_has_no_stack_to_walk(flags: int) -> None:
    """pybpf has no kernel or user stack: -EFAULT, and the map stays empty (the kernel gives an id)."""
    backend = UserBackend()
    fd = create(backend, STACK_TRACE, 4, 127 * 8, 16)
    try:
        with Program.load(GET_STACKID.format(flags=flags), "raw_tracepoint", maps={"stacks": fd}) as p:
            assert _signed(p.run(ctx=bytes(8)).retval) == -errno.EFAULT
        assert next_key(backend, fd, None, 4) == ("errno", errno.ENOENT)
    finally:
        os.close(fd)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("flags", [0x800, 1 << 32, 0xFFFF])
def test_get_stackid_unknown_flags(backend: Backend, flags: int) -> None:
    """Flags outside the skip mask, USER_STACK, FAST_STACK_CMP and REUSE_STACKID are -EINVAL."""
    source = GET_STACKID.format(flags=flags) if flags < 1 << 31 else GET_STACKID.replace(
        "r3 = {flags}", f"r3 = {flags} ll"
    )  # fmt: skip
    fd = create(backend, STACK_TRACE, 4, 8, 4)
    try:
        with Program.load(source, "raw_tracepoint", maps={"stacks": fd}, backend=backend) as p:
            assert _signed(p.run(ctx=bytes(8)).retval) == -errno.EINVAL
    finally:
        os.close(fd)


@pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
def test_a_kernel_trace_reads_back_alike() -> None:
    """A trace the kernel stored (a raw tracepoint's test run) copied into pybpf's map at the same
    stack id reads back the same bytes, and iteration finds it alike."""
    native, user = NativeBackend(), UserBackend()
    kfd = create(native, STACK_TRACE, 4, 127 * 8, 16)
    ufd = create(user, STACK_TRACE, 4, 127 * 8, 16)
    try:
        with Program.load(
            GET_STACKID.format(flags=0), "raw_tracepoint", maps={"stacks": kfd}, backend=native
        ) as p:
            stack_id = _signed(p.run(ctx=bytes(8)).retval)
        assert 0 <= stack_id < 16
        trace = lookup(native, kfd, u32(stack_id), 127 * 8)
        assert isinstance(trace, bytes)
        ips = list(struct.unpack("<127Q", trace))
        depth = ips.index(0) if 0 in ips else 127
        impl = MapObject.from_fd(ufd).impl
        assert isinstance(impl, StackTraceMap)
        _fill(impl, stack_id, ips[:depth])
        assert lookup(user, ufd, u32(stack_id), 127 * 8) == trace
        assert next_key(user, ufd, None, 4) == next_key(native, kfd, None, 4) == u32(stack_id)
        assert delete(user, ufd, u32(stack_id)) == delete(native, kfd, u32(stack_id)) == "ok"
        assert lookup(user, ufd, u32(stack_id), 8) == lookup(native, kfd, u32(stack_id), 8)
    finally:
        os.close(kfd)
        os.close(ufd)
