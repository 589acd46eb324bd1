"""BPF_MAP_TYPE_CPUMAP from user space and through ``bpf_redirect_map``, on both backends.

Every expectation below is the kernel's answer (Linux 6.18, NR_CPUS 256), asserted on pybpf and on
the kernel; the possible CPUs are the machine's (``/sys/devices/system/cpu/possible``), as both
backends read them.
"""

from __future__ import annotations

import errno
import os
import struct

import pytest

from pybpf import Map, Program, uapi
from pybpf.kernel.backend import Backend
from pybpf.maps.percpu import possible_cpus
from pybpf.uapi import ENOTSUPP

from .helpers import create, create_outcome, delete, elem, lookup, next_key, u32, update

CPUMAP = uapi.BPF_MAP_TYPE_CPUMAP
EINVAL = ("errno", errno.EINVAL)
XDP_REDIRECT, XDP_PASS, XDP_ABORTED = 4, 2, 0


def _value(qsize: int, prog_fd: int = -1) -> bytes:
    return struct.pack("<Ii", qsize, prog_fd)


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (4, 4, 2, 0, "ok"),
        (4, 8, 2, 0, "ok"),
        (4, 12, 2, 0, EINVAL),
        (4, 0, 2, 0, EINVAL),
        (8, 4, 2, 0, EINVAL),
        (4, 4, 0, 0, EINVAL),
        (4, 4, 256, 0, "ok"),
        (4, 4, 257, 0, ("errno", errno.E2BIG)),
        (4, 4, 257, uapi.BPF_F_RDONLY, EINVAL),
        (4, 4, 2, uapi.BPF_F_NUMA_NODE, "ok"),
        (4, 4, 2, uapi.BPF_F_RDONLY, EINVAL),
        (4, 4, 2, uapi.BPF_F_WRONLY, EINVAL),
        (4, 4, 2, uapi.BPF_F_RDONLY_PROG, EINVAL),
        (4, 4, 2, uapi.BPF_F_NO_PREALLOC, EINVAL),
        (4, 4, 2, uapi.BPF_F_MMAPABLE, EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: object
) -> None:
    assert create_outcome(backend, CPUMAP, key_size, value_size, max_entries, flags) == expected


def test_info_flags(backend: Backend) -> None:
    with Map.create(CPUMAP, 4, 4, 2, backend=backend) as cpumap:
        assert cpumap.info().map_flags == 0


@pytest.mark.parametrize("value_size", [8, 4])
def test_elements(backend: Backend, value_size: int) -> None:
    """Keys 0 and 1 are possible CPUs (the test needs two), keys past them up to max_entries are
    ENODEV; a program that cannot be taken is ENOMEM (``__cpu_map_entry_alloc`` failed)."""
    if possible_cpus() != 2:
        pytest.skip("the expectations are for a machine with two possible CPUs")
    plain = Program.load("r0 = 2\nexit", "xdp", backend=backend)
    for_cpumap = Program.load(
        "r0 = 2\nexit", "xdp", expected_attach_type=uapi.BPF_XDP_CPUMAP, backend=backend
    )
    fd = create(backend, CPUMAP, 4, value_size, 4)
    try:
        enomem = ("errno", errno.ENOMEM) if value_size == 8 else "ok"
        calls = [
            (0, _value(64), 0, "ok"), (1, _value(16384), 0, "ok"),
            (1, _value(16385), 0, ("errno", errno.EOVERFLOW)),
            (1, _value(0), 0, "ok"), (1, _value(0, 5), 0, "ok"), (4, _value(64), 0, ("errno", errno.E2BIG)),
            (0, _value(64), uapi.BPF_NOEXIST, ("errno", errno.EEXIST)), (1, _value(64), uapi.BPF_EXIST, "ok"),
            (1, _value(64), 3, EINVAL), (1, _value(64, 0), 0, "ok"), (1, _value(64, 1000), 0, enomem),
            (1, _value(64, plain.fd), 0, enomem), (1, _value(64, fd), 0, enomem),
            (1, _value(64, for_cpumap.fd), 0, "ok"), (2, _value(64), 0, ("errno", errno.ENODEV)),
            (2, _value(0), 0, ("errno", errno.ENODEV)), (0, _value(64), uapi.BPF_F_LOCK, EINVAL),
        ]  # fmt: skip
        for key, value, flags, expected in calls:
            assert update(backend, fd, u32(key), value[:value_size], flags) == expected, (key, value, flags)
        prog_id = for_cpumap.info().id if value_size == 8 else 0
        assert lookup(backend, fd, u32(1), value_size) == _value(64, prog_id)[:value_size]
        assert lookup(backend, fd, u32(0), value_size) == _value(64, 0)[:value_size]
        for key in (2, 4, 9):
            assert lookup(backend, fd, u32(key), value_size) == ("errno", errno.ENOENT)
        assert [next_key(backend, fd, k, 4) for k in (None, u32(2), u32(3), u32(9))] == [
            u32(0), u32(3), ("errno", errno.ENOENT), u32(0),
        ]  # fmt: skip
        for_cpumap.close()  # the entry holds the program
        assert lookup(backend, fd, u32(1), value_size) == _value(64, prog_id)[:value_size]
        assert [delete(backend, fd, u32(k)) for k in (0, 0, 1, 3, 4, 9)] == ["ok"] * 4 + [EINVAL] * 2
        assert lookup(backend, fd, u32(1), value_size) == ("errno", errno.ENOENT)
        assert elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, u32(0), value_size=8) == (
            "errno",
            ENOTSUPP,
        )
    finally:
        os.close(fd)
        plain.close()
        for_cpumap.close()


@pytest.mark.usefixtures("engine")
def test_redirect_map_in_a_test_run(backend: Backend) -> None:
    """A set-up CPU redirects; an empty one falls back to the flags' action; a cpumap takes no
    BPF_F_BROADCAST (XDP_ABORTED)."""
    fd = create(backend, CPUMAP, 4, 4, 2)
    try:
        assert update(backend, fd, u32(0), _value(64)[:4]) == "ok"
        found = []
        for key, flags in ((0, 0), (1, XDP_PASS), (5, 3), (0, uapi.BPF_F_BROADCAST), (1, 0x10)):
            source = f"r1 = map_fd(c) ll\nr2 = {key}\nr3 = {flags}\ncall bpf_redirect_map\nexit"
            with Program.load(source, "xdp", maps={"c": fd}, backend=backend) as program:
                found.append(program.run(bytes(64)).retval)
        assert found == [XDP_REDIRECT, XDP_PASS, 3, XDP_ABORTED, XDP_ABORTED]
    finally:
        os.close(fd)
