"""BPF_MAP_TYPE_SK_STORAGE from user space (values keyed by socket fds), on both backends.

Every expectation below is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import socket
from collections.abc import Callable, Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.uapi import ENOTSUPP
from tests.maps.test_btf_maps import _create, _load_btf

SK = uapi.BPF_MAP_TYPE_SK_STORAGE
NP = uapi.BPF_F_NO_PREALLOC
INT, LOCKED, LONG, PLAIN = 1, 3, 4, 5
"""Type ids of test_btf_maps' BTF: int, {bpf_spin_lock; int} (16 bytes), long, {int; int} (8 bytes)."""


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


@pytest.fixture
def btf_fd(backend: Backend) -> Iterator[int]:
    fd = _load_btf(backend)
    yield fd
    os.close(fd)


def _storage(backend: Backend, btf_fd: int, value_size: int = 8, value_id: int = PLAIN) -> Map:
    fd = _create(backend, btf_fd, (SK, 4, value_size, 0, NP, INT, value_id))
    try:
        return Map.from_fd(fd, backend=backend)
    finally:
        os.close(fd)


def _key(sock: socket.socket | int) -> bytes:
    return (sock if isinstance(sock, int) else sock.fileno()).to_bytes(4, "little")


def _value(number: int, size: int = 8) -> bytes:
    return number.to_bytes(size, "little")


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "key_id", "value_id", "expected"),
    [
        (4, 8, 0, NP, INT, PLAIN, 0),
        (4, 8, 0, NP | uapi.BPF_F_CLONE, INT, PLAIN, 0),
        (4, 16, 0, NP, INT, LOCKED, 0),  # a spin lock in the value
        (4, 8, 0, 0, INT, PLAIN, errno.EINVAL),  # BPF_F_NO_PREALLOC is required
        (4, 8, 0, uapi.BPF_F_CLONE, INT, PLAIN, errno.EINVAL),
        (4, 8, 0, NP | uapi.BPF_F_RDONLY, INT, PLAIN, errno.EINVAL),
        (4, 8, 0, NP | uapi.BPF_F_RDONLY_PROG, INT, PLAIN, errno.EINVAL),
        (4, 8, 0, NP | uapi.BPF_F_NUMA_NODE, INT, PLAIN, errno.EINVAL),
        (4, 8, 1, NP, INT, PLAIN, errno.EINVAL),  # max_entries must be 0
        (8, 8, 0, NP, LONG, PLAIN, errno.EINVAL),
        (8, 8, 0, NP, PLAIN, PLAIN, errno.EINVAL),
        (4, 8, 0, NP, 0, 0, errno.EINVAL),  # BTF is required
        (4, 8, 0, NP, 0, PLAIN, errno.EINVAL),
        (4, 0, 0, NP, INT, PLAIN, errno.EINVAL),
        (4, 12, 0, NP, INT, PLAIN, errno.EINVAL),  # the value type is 8 bytes
        (4, 65407, 0, NP, INT, PLAIN, errno.EINVAL),  # the largest value: only its BTF is wrong
        (4, 65408, 0, NP, INT, PLAIN, errno.E2BIG),
        (4, 1 << 20, 0, NP, 0, 0, errno.EINVAL),  # missing BTF is refused before the value size
        (4, 1 << 20, 0, 0, INT, PLAIN, errno.EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend,
    btf_fd: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int,
    key_id: int,
    value_id: int,
    expected: int,
) -> None:
    case = (SK, key_size, value_size, max_entries, flags, key_id, value_id)
    assert _errno(lambda: os.close(_create(backend, btf_fd, case))) == expected


def test_values_by_socket(backend: Backend, btf_fd: int) -> None:
    with (
        _storage(backend, btf_fd) as storage,
        socket.socket() as tcp,
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as unix,
    ):
        assert _errno(lambda: storage.lookup(_key(tcp))) == errno.ENOENT
        storage.update(_key(tcp), _value(5))  # any socket, in any state
        assert storage.lookup(_key(tcp)) == _value(5)
        assert _errno(lambda: storage.update(_key(tcp), _value(6), uapi.BPF_NOEXIST)) == errno.EEXIST
        assert _errno(lambda: storage.update(_key(unix), _value(6), uapi.BPF_EXIST)) == errno.ENOENT
        storage.update(_key(tcp), _value(7), uapi.BPF_EXIST)
        storage.update(_key(unix), _value(9))
        other = os.dup(tcp.fileno())  # another fd of the same socket reaches its value
        try:
            assert storage.lookup(_key(other)) == _value(7)
        finally:
            os.close(other)
        assert storage.lookup(_key(unix)) == _value(9)
        storage.delete(_key(tcp))
        assert _errno(lambda: storage.delete(_key(tcp))) == errno.ENOENT
        assert _errno(lambda: storage.lookup(_key(tcp))) == errno.ENOENT
        assert storage.lookup(_key(unix)) == _value(9)


def test_bad_keys_and_flags(backend: Backend, btf_fd: int) -> None:
    with _storage(backend, btf_fd) as storage, socket.socket() as tcp:
        closed = os.dup(tcp.fileno())
        os.close(closed)
        for key, expected in ((closed, errno.EBADF), (storage.fd, errno.ENOTSOCK), (-1, errno.EBADF)):
            raw = (key & 0xFFFFFFFF).to_bytes(4, "little")
            assert _errno(functools.partial(storage.lookup, raw)) == expected
            assert _errno(functools.partial(storage.update, raw, _value(1))) == expected
            assert _errno(functools.partial(storage.delete, raw)) == expected
        assert _errno(lambda: storage.update(_key(closed), _value(1), 3)) == errno.EBADF  # the fd first
        assert _errno(lambda: storage.update(_key(tcp), _value(1), 3)) == errno.EINVAL
        assert _errno(lambda: storage.update(_key(tcp), _value(1), uapi.BPF_F_LOCK)) == errno.EINVAL


def test_spin_lock_values(backend: Backend, btf_fd: int) -> None:
    with _storage(backend, btf_fd, 16, LOCKED) as storage, socket.socket() as tcp:
        value = _value(0xFF, 4) + _value(1, 4) + _value(2)
        storage.update(_key(tcp), value, uapi.BPF_F_LOCK)
        assert storage.lookup(_key(tcp)) == bytes(4) + value[4:]  # the lock word reads as zero
        storage.update(_key(tcp), value[:8] + _value(3), uapi.BPF_F_LOCK | uapi.BPF_EXIST)
        assert storage.lookup(_key(tcp))[8:] == _value(3)


def test_no_walks_and_no_batches(backend: Backend, btf_fd: int) -> None:
    with _storage(backend, btf_fd) as storage, socket.socket() as tcp:
        storage.update(_key(tcp), _value(1))
        assert _errno(lambda: storage.get_next_key(None)) == ENOTSUPP
        assert _errno(lambda: storage.get_next_key(_key(tcp))) == ENOTSUPP
        buffer = ctypes.create_string_buffer(64)
        for cmd in (
            uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH,
            uapi.BPF_MAP_DELETE_BATCH, uapi.BPF_MAP_UPDATE_BATCH,
        ):  # fmt: skip
            attr = uapi.bpf_attr()
            attr.batch.map_fd, attr.batch.count = storage.fd, 1
            attr.batch.keys = attr.batch.values = ctypes.addressof(buffer)
            with pytest.raises(OSError) as caught:
                backend.bpf(cmd, attr)
            assert caught.value.errno == ENOTSUPP
        storage.freeze()
        assert _errno(lambda: storage.update(_key(tcp), _value(2))) == errno.EPERM
        assert storage.lookup(_key(tcp)) == _value(1)
