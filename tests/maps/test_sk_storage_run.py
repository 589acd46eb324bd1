"""bpf_sk_storage_get / bpf_sk_storage_delete at run time: tc programs test-run on the test socket.

Each program runs through BPF_PROG_TEST_RUN on both backends and both engines; every expected value
is the kernel's answer (Linux 6.18).  ``bpf_prog_test_run_skb`` gives each test run a new socket
(``skb->sk``) and frees it with its storage after the repeats, so values live across the repeats of
one test run and never into the next.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.program import Program
from tests.maps.test_btf_maps import _create, _load_btf

pytestmark = pytest.mark.usefixtures("engine")

INT, PLAIN = 1, 5
"""Type ids of test_btf_maps' BTF: int, {int; int} (8 bytes)."""
NOT_FOUND = 99
"""What the programs below return when bpf_sk_storage_get gave NULL."""
PACKET = bytes(64)
ENOENT_U32 = -errno.ENOENT & 0xFFFFFFFF

GET_INCREMENT = """
    r6 = r1
    r2 = *(u64 *)(r6 + 168)
    if r2 == 0 goto null
    r1 = map_fd(m) ll
    r3 = 0
    r4 = {flags}
    call bpf_sk_storage_get
    if r0 == 0 goto null
    r1 = *(u32 *)(r0 + {offset})
    r1 += 1
    *(u32 *)(r0 + {offset}) = r1
    r0 = r1
    exit
null:
    r0 = 99
    exit
"""
"""``++value.field`` of the test socket's value (``offset``), created with ``flags`` F_CREATE."""

GET_WITH_INITIAL = """
    r6 = r1
    *(u32 *)(r10 - 8) = 41
    *(u32 *)(r10 - 4) = 7
    r2 = *(u64 *)(r6 + 168)
    if r2 == 0 goto null
    r1 = map_fd(m) ll
    r3 = r10
    r3 += -8
    r4 = 1
    call bpf_sk_storage_get
    if r0 == 0 goto null
    r1 = *(u32 *)(r0 + 0)
    r2 = *(u32 *)(r0 + 4)
    r1 *= 100
    r1 += r2
    r2 = 1000
    *(u32 *)(r0 + 0) = r2
    r0 = r1
    exit
null:
    r0 = 99
    exit
"""
"""Creates the value from {41, 7} (a second get in the same test run sees the value the first left)."""

DELETE_CREATE_DELETE = """
    r6 = r1
    r7 = *(u64 *)(r6 + 168)
    if r7 == 0 goto null
    r1 = map_fd(m) ll
    r2 = r7
    call bpf_sk_storage_delete
    r8 = r0
    r8 &= 0xff
    r1 = map_fd(m) ll
    r2 = r7
    r3 = 0
    r4 = 1
    call bpf_sk_storage_get
    if r0 == 0 goto null
    r1 = map_fd(m) ll
    r2 = r7
    call bpf_sk_storage_delete
    r0 &= 0xff
    r0 <<= 8
    r8 |= r0
    r1 = map_fd(m) ll
    r2 = r7
    r3 = 0
    r4 = 0
    call bpf_sk_storage_get
    if r0 != 0 goto null
    r0 = r8
    exit
null:
    r0 = 99
    exit
"""
"""(low byte of delete before any value) | (low byte of delete after a create) << 8; the final lookup
without F_CREATE must find nothing."""


@pytest.fixture
def storage(backend: Backend) -> Iterator[int]:
    btf_fd = _load_btf(backend)
    try:
        fd = _create(
            backend, btf_fd, (uapi.BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, uapi.BPF_F_NO_PREALLOC, INT, PLAIN)
        )
    finally:
        os.close(btf_fd)
    yield fd
    os.close(fd)


def _program(backend: Backend, source: str, fd: int) -> Program:
    return Program.load(source, "sched_cls", maps={"m": fd}, backend=backend)


def test_created_value_lives_for_the_test_run(backend: Backend, storage: int) -> None:
    """F_CREATE makes a zeroed value; its repeats share it; the next test run's socket starts afresh."""
    with _program(
        backend, GET_INCREMENT.format(flags=uapi.BPF_SK_STORAGE_GET_F_CREATE, offset=0), storage
    ) as p:
        assert p.run(PACKET).retval == 1
        assert p.run(PACKET, repeat=5).retval == 5
        assert p.run(PACKET).retval == 1
        assert p.run(PACKET, repeat=3).retval == 3


@pytest.mark.parametrize("flags", [0, 2, 3, 1 << 32 | 1])
def test_lookup_without_create_is_null(backend: Backend, storage: int, flags: int) -> None:
    """No value and no F_CREATE, or flags beyond F_CREATE (even with it): NULL."""
    source = GET_INCREMENT.format(flags=flags, offset=4)
    if flags > 0xFFFFFFFF:
        source = source.replace(f"r4 = {flags}", f"r4 = {flags} ll")
    with _program(backend, source, storage) as p:
        assert p.run(PACKET, repeat=4).retval == NOT_FOUND


def test_created_value_copies_the_initial_value(backend: Backend, storage: int) -> None:
    with _program(backend, GET_WITH_INITIAL, storage) as p:
        assert p.run(PACKET).retval == 4107
        assert p.run(PACKET, repeat=2).retval == 100007  # the second repeat finds the first's value
        assert p.run(PACKET).retval == 4107


def test_delete(backend: Backend, storage: int) -> None:
    """-ENOENT without a value, 0 with one, and nothing left afterwards."""
    with _program(backend, DELETE_CREATE_DELETE, storage) as p:
        assert p.run(PACKET, repeat=3).retval == ENOENT_U32 & 0xFF


def test_test_runs_leave_real_sockets_alone(backend: Backend, storage: int) -> None:
    """A socket's value (set from user space) is not the test socket's, and survives test runs."""
    storage_map = Map.from_fd(storage, backend=backend)
    with socket.socket() as sock, storage_map:
        key = struct.pack("<i", sock.fileno())
        storage_map.update(key, struct.pack("<II", 5, 6))
        with _program(backend, GET_INCREMENT.format(flags=1, offset=0), storage) as p:
            assert p.run(PACKET, repeat=2).retval == 2
        assert storage_map.lookup(key) == struct.pack("<II", 5, 6)
        with socket.socket() as other, pytest.raises(BPFError) as info:
            storage_map.lookup(struct.pack("<i", other.fileno()))
        assert info.value.errno == errno.ENOENT


def test_test_socket_values_leave_the_map(backend: Backend, storage: int) -> None:
    """pybpf: what test runs created (deleted or not) is gone from the map's table after each run."""
    if backend.name != "user":
        pytest.skip("pybpf's storage table")
    from pybpf.maps.object import MapObject
    from pybpf.maps.sk_storage import SkStorageMap

    with _program(backend, GET_INCREMENT.format(flags=1, offset=0), storage) as p:
        for repeat in (1, 3):
            assert p.run(PACKET, repeat=repeat).retval == repeat
            impl = MapObject.from_fd(storage).impl
            assert isinstance(impl, SkStorageMap)
            with pytest.raises(BPFError) as info:
                impl.table.get_next_key(None)
            assert info.value.errno == errno.ENOENT


def test_access_past_the_value_is_refused(backend: Backend, storage: int) -> None:
    """The value is a map value of value_size bytes: a load past it is refused at load (EACCES)."""
    source = GET_INCREMENT.format(flags=1, offset=8)
    with pytest.raises(BPFError) as info:
        _program(backend, source, storage)
    assert info.value.errno == errno.EACCES


CREATE_THEN_TAIL_CALL = """
    r6 = r1
    r2 = *(u64 *)(r6 + 168)
    if r2 == 0 goto null
    r1 = map_fd(m) ll
    r3 = 0
    r4 = 1
    call bpf_sk_storage_get
    if r0 == 0 goto null
    r1 = 10
    *(u32 *)(r0 + 0) = r1
    r1 = r6
    r2 = map_fd(jmp) ll
    r3 = 0
    call bpf_tail_call
null:
    r0 = 99
    exit
"""
"""Sets the test socket's value to 10, then tail-calls slot 0 of ``jmp`` (GET_INCREMENT there)."""


def test_values_live_across_tail_calls(backend: Backend, storage: int) -> None:
    """The socket is the test run's, not the program's: the tail-called program finds its value."""
    jmp = Map.create(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, backend=backend)
    with jmp, _program(backend, GET_INCREMENT.format(flags=0, offset=0), storage) as target:
        jmp[0] = target.fd
        source = CREATE_THEN_TAIL_CALL
        with Program.load(source, "sched_cls", maps={"m": storage, "jmp": jmp}, backend=backend) as caller:
            assert caller.run(PACKET).retval == 11
            assert caller.run(PACKET, repeat=3).retval == 11
            assert target.run(PACKET).retval == NOT_FOUND
