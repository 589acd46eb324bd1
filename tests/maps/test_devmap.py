"""BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH from user space and through ``bpf_redirect_map``, on both backends.

Every expectation below is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel:
creation (and the BPF_F_RDONLY_PROG the kernel adds), updates with present and missing ifindexes
(``lo`` is 1) and with program fds of the right and wrong kinds, lookups (the program's id read
back), deletes, the hash's iteration order, and the XDP_REDIRECT a test run reports.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterator

import pytest

from pybpf import Map, Program, uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.maps.devmap import DevMapHash
from pybpf.maps.object import MapObject
from pybpf.uapi import ENOTSUPP

from .helpers import create, create_outcome, delete, elem, lookup, next_key, u32, update

DEVMAP, DEVMAP_HASH = uapi.BPF_MAP_TYPE_DEVMAP, uapi.BPF_MAP_TYPE_DEVMAP_HASH
EINVAL = ("errno", errno.EINVAL)
LO = 1
MISSING_IFINDEX = 999_999
XDP_REDIRECT, XDP_PASS, XDP_ABORTED = 4, 2, 0


def _value(ifindex: int, prog_fd: int = -1) -> bytes:
    return struct.pack("<Ii", ifindex, prog_fd)


@pytest.fixture
def programs(backend: Backend) -> Iterator[tuple[Program, Program]]:
    """A plain XDP program and one loaded for BPF_XDP_DEVMAP (the only kind a devmap takes)."""
    plain = Program.load("r0 = 2\nexit", "xdp", backend=backend)
    for_devmap = Program.load(
        "r0 = 2\nexit", "xdp", expected_attach_type=uapi.BPF_XDP_DEVMAP, backend=backend
    )
    yield plain, for_devmap
    plain.close()
    for_devmap.close()


@pytest.mark.parametrize("map_type", [DEVMAP, DEVMAP_HASH], ids=["devmap", "devmap_hash"])
@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (4, 4, 2, 0, "ok"),
        (4, 8, 2, 0, "ok"),
        (4, 12, 2, 0, EINVAL),
        (4, 0, 2, 0, EINVAL),
        (8, 4, 2, 0, EINVAL),
        (4, 4, 0, 0, EINVAL),
        (4, 4, 2, uapi.BPF_F_RDONLY, "ok"),
        (4, 4, 2, uapi.BPF_F_NUMA_NODE, "ok"),
        (4, 4, 2, uapi.BPF_F_RDONLY_PROG, EINVAL),
        (4, 4, 2, uapi.BPF_F_WRONLY_PROG, EINVAL),
        (4, 4, 2, uapi.BPF_F_NO_PREALLOC, EINVAL),
        (4, 4, 2, uapi.BPF_F_MMAPABLE, EINVAL),
        (4, 4, 2, uapi.BPF_F_INNER_MAP, EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend,
    map_type: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int,
    expected: object,
) -> None:
    assert create_outcome(backend, map_type, key_size, value_size, max_entries, flags) == expected


def test_hash_entries_limit(backend: Backend) -> None:
    assert create_outcome(backend, DEVMAP_HASH, 4, 4, (1 << 31) + 1) == EINVAL


@pytest.mark.parametrize("map_type", [DEVMAP, DEVMAP_HASH], ids=["devmap", "devmap_hash"])
def test_programs_may_only_read(backend: Backend, map_type: int) -> None:
    """``dev_map_init_map`` adds BPF_F_RDONLY_PROG (bpf_map_info shows it)."""
    with Map.create(map_type, 4, 8, 2, backend=backend) as devmap:
        assert devmap.info().map_flags == uapi.BPF_F_RDONLY_PROG


def _updates(backend: Backend, fd: int, programs: tuple[Program, Program], value_size: int) -> list[object]:
    plain, for_devmap = programs
    calls = [
        (0, _value(LO), 0), (1, _value(MISSING_IFINDEX), 0), (1, _value(0), 0), (1, _value(0, 5), 0),
        (1, _value(0, 0), 0), (4, _value(LO), 0), (0, _value(LO), uapi.BPF_NOEXIST),
        (2, _value(LO), uapi.BPF_EXIST), (2, _value(LO), 3), (3, _value(LO, 0), 0), (3, _value(LO, 1000), 0),
        (3, _value(LO, plain.fd), 0), (3, _value(LO, fd), 0), (3, _value(LO, for_devmap.fd), 0),
        (9, _value(LO, for_devmap.fd), 0), (7, _value(LO), 0), (0, _value(LO), uapi.BPF_F_LOCK),
    ]  # fmt: skip
    return [update(backend, fd, u32(key), value[:value_size], flags) for key, value, flags in calls]


@pytest.mark.parametrize("value_size", [8, 4])
def test_devmap_elements(backend: Backend, programs: tuple[Program, Program], value_size: int) -> None:
    fd = create(backend, DEVMAP, 4, value_size, 4)
    try:
        E2BIG, EEXIST = ("errno", errno.E2BIG), ("errno", errno.EEXIST)
        no_device_with_fd = EINVAL if value_size == 8 else "ok"  # 4-byte values carry no program fd
        expected = ["ok", EINVAL, "ok", no_device_with_fd, "ok", E2BIG, EEXIST, "ok", EINVAL, "ok"]
        if value_size == 8:  # a program fd: not a program, a plain XDP program, a map: EINVAL
            expected += [EINVAL, EINVAL, EINVAL, "ok"]
        else:
            expected += ["ok", "ok", "ok", "ok"]
        assert _updates(backend, fd, programs, value_size) == [*expected, E2BIG, E2BIG, EINVAL]
        prog_id = programs[1].info().id if value_size == 8 else 0
        assert lookup(backend, fd, u32(3), value_size) == _value(LO, prog_id)[:value_size]
        assert lookup(backend, fd, u32(0), value_size) == _value(LO, 0)[:value_size]
        for key in (1, 4, 9):
            assert lookup(backend, fd, u32(key), value_size) == ("errno", errno.ENOENT)
        assert [next_key(backend, fd, k, 4) for k in (None, u32(0), u32(2), u32(3), u32(9))] == [
            u32(0), u32(1), u32(3), ("errno", errno.ENOENT), u32(0),
        ]  # fmt: skip
        assert [delete(backend, fd, u32(k)) for k in (0, 0, 1, 4, 9)] == ["ok", "ok", "ok", EINVAL, EINVAL]
        assert elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, u32(2), value_size=8) == (
            "errno",
            ENOTSUPP,
        )
    finally:
        os.close(fd)


@pytest.mark.parametrize("value_size", [8, 4])
def test_devmap_hash_elements(backend: Backend, programs: tuple[Program, Program], value_size: int) -> None:
    fd = create(backend, DEVMAP_HASH, 4, value_size, 4)
    try:
        E2BIG, EEXIST = ("errno", errno.E2BIG), ("errno", errno.EEXIST)
        expected = ["ok", EINVAL, EINVAL, EINVAL, EINVAL, "ok", EEXIST, "ok", EINVAL, "ok"]
        if value_size == 8:
            expected += [EINVAL, EINVAL, EINVAL, "ok", E2BIG]  # full: a new key is E2BIG
        else:
            expected += ["ok", "ok", "ok", "ok", E2BIG]
        assert _updates(backend, fd, programs, value_size) == [*expected, E2BIG, EINVAL]
        prog_id = programs[1].info().id if value_size == 8 else 0
        assert lookup(backend, fd, u32(3), value_size) == _value(LO, prog_id)[:value_size]
        for key in (1, 9):
            assert lookup(backend, fd, u32(key), value_size) == ("errno", errno.ENOENT)
        # buckets: key & 3, newest first -- [4, 0], [], [2], [3]; an absent key restarts
        assert [next_key(backend, fd, k, 4) for k in (None, u32(4), u32(0), u32(1), u32(2), u32(3))] == [
            u32(4), u32(0), u32(2), u32(4), u32(3), ("errno", errno.ENOENT),
        ]  # fmt: skip
        assert update(backend, fd, u32(0), _value(LO)[:value_size]) == "ok"  # replaced: now first
        assert next_key(backend, fd, None, 4) == u32(0)
        enoent = ("errno", errno.ENOENT)
        assert [delete(backend, fd, u32(k)) for k in (0, 0, 1, 4, 9)] == ["ok", enoent, enoent, "ok", enoent]
        assert next_key(backend, fd, None, 4) == u32(2)
        assert update(backend, fd, u32(8), _value(LO)[:value_size]) == "ok"  # room again
        assert elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, u32(2), value_size=8) == (
            "errno",
            ENOTSUPP,
        )
    finally:
        os.close(fd)


REDIRECT = """
    r1 = map_fd(d) ll
    r2 = {key}
    r3 = {flags}
    call bpf_redirect_map
    exit
"""
PACKET = bytes(64)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("map_type", [DEVMAP, DEVMAP_HASH], ids=["devmap", "devmap_hash"])
def test_redirect_map_in_a_test_run(backend: Backend, map_type: int) -> None:
    """A present key redirects (XDP_REDIRECT), an absent one falls back to the flags' action, a
    broadcast needs no key; unknown flags abort."""
    fd = create(backend, map_type, 4, 4, 8)
    try:
        assert update(backend, fd, u32(5), _value(LO)[:4]) == "ok"
        found = []
        for key, flags in ((5, 0), (6, XDP_PASS), (6, 0), (0x1_0000_0005, 0), (6, uapi.BPF_F_BROADCAST),
                           (5, uapi.BPF_F_EXCLUDE_INGRESS), (5, 0x40), (99, 3)):  # fmt: skip
            source = REDIRECT.format(key=key if key < 1 << 31 else f"{key} ll", flags=flags)
            with Program.load(source, "xdp", maps={"d": fd}, backend=backend) as program:
                found.append(program.run(PACKET).retval)
        assert found == [XDP_REDIRECT, XDP_PASS, XDP_ABORTED, XDP_REDIRECT, XDP_REDIRECT, XDP_REDIRECT,
                         XDP_ABORTED, 3]  # fmt: skip
    finally:
        os.close(fd)


@pytest.mark.parametrize("map_type", [DEVMAP, DEVMAP_HASH], ids=["devmap", "devmap_hash"])
def test_programs_read_entries_but_cannot_write_them(backend: Backend, map_type: int) -> None:
    """A lookup from an XDP program points at (ifindex, program id); a store into it is refused."""
    fd = create(backend, map_type, 4, 8, 4)
    read = """
        *(u32 *)(r10 - 4) = 2
        r2 = r10
        r2 += -4
        r1 = map_fd(d) ll
        call bpf_map_lookup_elem
        if r0 == 0 goto out
        r0 = *(u32 *)(r0 + 0)
        exit
    out:
        r0 = 77
        exit
    """
    try:
        with Program.load(read, "xdp", maps={"d": fd}, backend=backend) as program:
            assert program.run(PACKET).retval == 77
            assert update(backend, fd, u32(2), _value(LO)) == "ok"
            assert program.run(PACKET).retval == LO
        write = read.replace("r0 = *(u32 *)(r0 + 0)", "*(u32 *)(r0 + 0) = 5\n        r0 = 0")
        with pytest.raises(OSError) as refused:
            Program.load(write, "xdp", maps={"d": fd}, backend=backend, log_level=1)
        assert refused.value.errno == errno.EACCES
    finally:
        os.close(fd)


@pytest.mark.parametrize("map_type", [DEVMAP, DEVMAP_HASH], ids=["devmap", "devmap_hash"])
def test_the_map_holds_its_programs(backend: Backend, map_type: int) -> None:
    """A program in an entry outlives its last fd (the map's reference) until the entry goes."""
    program = Program.load("r0 = 2\nexit", "xdp", expected_attach_type=uapi.BPF_XDP_DEVMAP, backend=backend)
    prog_id = program.info().id
    fd = create(backend, map_type, 4, 8, 4)
    try:
        assert update(backend, fd, u32(1), _value(LO, program.fd)) == "ok"
        assert update(backend, fd, u32(2), _value(LO, program.fd)) == "ok"
        program.close()
        assert delete(backend, fd, u32(1)) == "ok"  # the other entry still holds it
        with Program.from_id(prog_id, backend=backend) as again:
            assert again.info().id == prog_id
        assert lookup(backend, fd, u32(2), 8) == _value(LO, prog_id)
    finally:
        os.close(fd)


def test_hash_recovers_from_a_half_done_update() -> None:
    """A slot filled but never linked (the holder died before publishing it) is freed by ``recover``,
    and a chain that loops is EUCLEAN, never a hang."""
    backend = UserBackend()
    fd = create(backend, DEVMAP_HASH, 4, 4, 4)
    try:
        impl = MapObject.from_fd(fd).impl
        assert isinstance(impl, DevMapHash)
        assert update(backend, fd, u32(1), _value(LO)[:4]) == "ok"
        slots_at = 8 + 4 * impl.n_buckets
        struct.pack_into("<IIII", impl.mem, slots_at + 16 * 3, 0, 7, LO, 0)  # slot 3: filled, unlinked
        struct.pack_into("<I", impl.mem, 0, 2)  # counted
        impl.recover()
        assert struct.unpack_from("<I", impl.mem, 0)[0] == 1
        assert [update(backend, fd, u32(k), _value(LO)[:4]) for k in (2, 3, 4)] == ["ok"] * 3  # room for 3
        struct.pack_into("<I", impl.mem, slots_at, 1)  # slot 0 links to itself
        assert lookup(backend, fd, u32(5), 4) == ("errno", errno.EUCLEAN)
    finally:
        os.close(fd)
