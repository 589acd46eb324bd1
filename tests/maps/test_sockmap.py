"""BPF_MAP_TYPE_SOCKMAP and BPF_MAP_TYPE_SOCKHASH from user space, on both backends.

Every expectation below is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import socket
import struct
from collections.abc import Callable, Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.maps.sockmap import SO_COOKIE
from pybpf.uapi import ENOTSUPP

SOCKMAP, SOCKHASH = uapi.BPF_MAP_TYPE_SOCKMAP, uapi.BPF_MAP_TYPE_SOCKHASH
BOTH = pytest.mark.parametrize("map_type", [SOCKMAP, SOCKHASH], ids=["sockmap", "sockhash"])


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _cookie(sock: socket.socket) -> int:
    value: int = struct.unpack("<Q", sock.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
    return value


def _fd(sock: socket.socket | int, size: int = 8) -> bytes:
    fd = sock if isinstance(sock, int) else sock.fileno()
    return fd.to_bytes(size, "little")


class Sockets:
    """Sockets of every kind and state the tests put into maps; closed at the end."""

    def __init__(self) -> None:
        self.open: list[socket.socket] = []

    def keep(self, sock: socket.socket) -> socket.socket:
        self.open.append(sock)
        return sock

    def listening(self) -> socket.socket:
        server = self.keep(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        server.bind(("127.0.0.1", 0))
        server.listen()
        return server

    def established(self) -> socket.socket:
        server = self.listening()
        client = self.keep(socket.create_connection(server.getsockname()))
        self.keep(server.accept()[0])
        return client

    def close(self) -> None:
        for sock in self.open:
            sock.close()


@pytest.fixture
def sockets() -> Iterator[Sockets]:
    made = Sockets()
    yield made
    made.close()


def _tcp_bound(s: Sockets) -> socket.socket:
    sock = s.keep(socket.socket())
    sock.bind(("127.0.0.1", 0))
    return sock


def _udp(bound: bool, connected: bool = False) -> Callable[[Sockets], socket.socket]:
    def make(s: Sockets) -> socket.socket:
        sock = s.keep(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        if bound:
            sock.bind(("127.0.0.1", 0))
        if connected:
            sock.connect(("127.0.0.1", 9))
        return sock

    return make


def _pair(kind: int) -> Callable[[Sockets], socket.socket]:
    def make(s: Sockets) -> socket.socket:
        one, other = socket.socketpair(socket.AF_UNIX, kind)
        s.keep(other)
        return s.keep(one)

    return make


def _new(family: int, kind: int, proto: int = 0) -> Callable[[Sockets], socket.socket]:
    return lambda s: s.keep(socket.socket(family, kind, proto))


SOCKET_KINDS: dict[str, tuple[Callable[[Sockets], socket.socket], int]] = {
    "tcp-established": (Sockets.established, 0),
    "tcp-listening": (Sockets.listening, 0),
    "tcp-new": (_new(socket.AF_INET, socket.SOCK_STREAM), errno.EOPNOTSUPP),
    "tcp-bound": (_tcp_bound, errno.EOPNOTSUPP),
    "tcp6-new": (_new(socket.AF_INET6, socket.SOCK_STREAM), errno.EOPNOTSUPP),
    "udp-new": (_udp(False), errno.EOPNOTSUPP),
    "udp-bound": (_udp(True), 0),
    "udp-connected": (_udp(False, True), 0),
    "udp6-new": (_new(socket.AF_INET6, socket.SOCK_DGRAM), errno.EOPNOTSUPP),
    "unix-stream-pair": (_pair(socket.SOCK_STREAM), 0),
    "unix-stream-new": (_new(socket.AF_UNIX, socket.SOCK_STREAM), errno.EOPNOTSUPP),
    "unix-dgram-pair": (_pair(socket.SOCK_DGRAM), 0),
    "unix-dgram-new": (_new(socket.AF_UNIX, socket.SOCK_DGRAM), 0),
    "unix-seqpacket-pair": (_pair(socket.SOCK_SEQPACKET), errno.EOPNOTSUPP),
    "raw": (_new(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), errno.EOPNOTSUPP),
    "packet": (_new(socket.AF_PACKET, socket.SOCK_RAW), errno.EOPNOTSUPP),
    "netlink": (_new(socket.AF_NETLINK, socket.SOCK_RAW), errno.EOPNOTSUPP),
    "mptcp": (_new(socket.AF_INET, socket.SOCK_STREAM, 262), errno.EOPNOTSUPP),
}


@BOTH
@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "sockmap_errno", "sockhash_errno"),
    [
        (4, 4, 2, 0, 0, 0),
        (4, 8, 2, 0, 0, 0),
        (4, 2, 2, 0, errno.EINVAL, errno.EINVAL),
        (4, 16, 2, 0, errno.EINVAL, errno.EINVAL),
        (8, 4, 2, 0, errno.EINVAL, 0),
        (0, 4, 2, 0, errno.EINVAL, errno.EINVAL),
        (512, 4, 2, 0, errno.EINVAL, 0),
        (513, 4, 2, 0, errno.EINVAL, errno.E2BIG),
        (4, 4, 0, 0, errno.EINVAL, errno.EINVAL),
        (4, 4, 1 << 31, 0, errno.EINVAL, errno.EINVAL),
        (4, 4, 0xFFFFFFFF, 0, errno.EINVAL, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_NO_PREALLOC, errno.EINVAL, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_RDONLY, 0, 0),
        (4, 4, 2, uapi.BPF_F_WRONLY, 0, 0),
        (4, 4, 2, uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY, errno.EINVAL, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_NUMA_NODE, 0, 0),
        (4, 4, 2, uapi.BPF_F_RDONLY_PROG, errno.EINVAL, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_MMAPABLE, errno.EINVAL, errno.EINVAL),
        (4, 4, 2, uapi.BPF_F_INNER_MAP, errno.EINVAL, errno.EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend,
    map_type: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int,
    sockmap_errno: int,
    sockhash_errno: int,
) -> None:
    def create() -> None:
        Map.create(map_type, key_size, value_size, max_entries, flags, backend=backend).close()

    assert _errno(create) == (sockmap_errno if map_type == SOCKMAP else sockhash_errno)


def test_sockhash_bucket_cap(backend: Backend) -> None:
    """More than 2^27 entries need 2^28 buckets of 16 bytes: more than a u32 byte count (EINVAL)."""

    def create(max_entries: int) -> None:
        Map.create(SOCKHASH, 4, 4, max_entries, backend=backend).close()

    assert _errno(lambda: create((1 << 27) + 1)) == errno.EINVAL
    assert _errno(lambda: create(1 << 20)) == 0


@BOTH
@pytest.mark.parametrize("kind", sorted(SOCKET_KINDS))
def test_socket_kinds_and_states(backend: Backend, sockets: Sockets, map_type: int, kind: str) -> None:
    make, expected = SOCKET_KINDS[kind]
    sock = make(sockets)
    with Map.create(map_type, 4, 8, 4, backend=backend) as sockmap:
        assert _errno(lambda: sockmap.update(0, _fd(sock))) == expected
        if expected:
            assert _errno(lambda: sockmap.lookup(0)) == errno.ENOENT
        else:
            assert sockmap.lookup(0) == struct.pack("<Q", _cookie(sock))
            sockmap.delete(0)


@BOTH
def test_fd_values(backend: Backend, sockets: Sockets, map_type: int) -> None:
    conn = sockets.established()
    with Map.create(map_type, 4, 8, 4, backend=backend) as sockmap, open("/dev/null", "rb") as regular:
        assert _errno(lambda: sockmap.update(0, _fd(regular.fileno()))) == errno.ENOTSOCK
        assert _errno(lambda: sockmap.update(0, _fd(sockmap.fd))) == errno.ENOTSOCK  # a map is no socket
        closed = os.dup(conn.fileno())
        os.close(closed)
        assert _errno(lambda: sockmap.update(0, _fd(closed))) == errno.EBADF
        assert _errno(lambda: sockmap.update(0, _fd(conn.fileno() + (1 << 32)))) == errno.EINVAL  # a u64 fd
        assert _errno(lambda: sockmap.update(0, _fd(1 << 31))) == errno.EINVAL
    with Map.create(map_type, 4, 4, 4, backend=backend) as narrow:
        assert _errno(lambda: narrow.update(0, _fd(0xFFFFFFFF, 4))) == errno.EINVAL
        narrow.update(0, _fd(conn, 4))
        # a 4-byte value cannot carry the cookie back: ENOSPC for every key
        for key in (0, 1, 9):
            assert _errno(functools.partial(narrow.lookup, key)) == errno.ENOSPC


@BOTH
def test_update_flags_and_lookup(backend: Backend, sockets: Sockets, map_type: int) -> None:
    conn, listener = sockets.established(), sockets.listening()
    with Map.create(map_type, 4, 8, 4, backend=backend) as sockmap:
        for flags in (3, 4, uapi.BPF_F_LOCK):
            assert _errno(functools.partial(sockmap.update, 0, _fd(conn), flags)) == errno.EINVAL
        assert _errno(lambda: sockmap.update(0, _fd(conn), uapi.BPF_EXIST)) == errno.ENOENT
        sockmap.update(0, _fd(conn), uapi.BPF_NOEXIST)
        assert _errno(lambda: sockmap.update(0, _fd(listener), uapi.BPF_NOEXIST)) == errno.EEXIST
        sockmap.update(0, _fd(listener), uapi.BPF_EXIST)
        sockmap.update(1, _fd(conn))
        sockmap.update(2, _fd(conn))  # one socket under two keys
        assert sockmap.lookup(0) == struct.pack("<Q", _cookie(listener))
        assert sockmap.lookup(1) == sockmap.lookup(2) == struct.pack("<Q", _cookie(conn))
        assert _errno(lambda: sockmap.lookup(3)) == errno.ENOENT
        assert _errno(lambda: sockmap.lookup(7)) == errno.ENOENT


def test_sockmap_indices(backend: Backend, sockets: Sockets) -> None:
    conn = sockets.established()
    with Map.create(SOCKMAP, 4, 8, 3, backend=backend, key_type=int) as sockmap:
        assert _errno(lambda: sockmap.update(3, _fd(conn))) == errno.E2BIG
        closed = os.dup(conn.fileno())
        os.close(closed)
        assert _errno(lambda: sockmap.update(3, _fd(closed))) == errno.EBADF  # the socket is resolved first
        sockmap.update(1, _fd(conn))
        assert _errno(lambda: sockmap.delete(0)) == errno.EINVAL  # an empty slot
        assert _errno(lambda: sockmap.delete(3)) == errno.EINVAL
        sockmap.delete(1)
        assert _errno(lambda: sockmap.delete(1)) == errno.EINVAL
        assert list(sockmap.keys()) == [0, 1, 2]  # every index, occupied or not
        assert sockmap.get_next_key(None) == 0
        assert sockmap.get_next_key(7) == 0
        assert _errno(lambda: sockmap.get_next_key(2)) == errno.ENOENT


def test_sockhash_keys(backend: Backend, sockets: Sockets) -> None:
    conn = sockets.established()
    with Map.create(SOCKHASH, 8, 8, 3, backend=backend, key_type=int) as sockhash:
        assert _errno(lambda: sockhash.get_next_key(None)) == errno.ENOENT
        for key in (5, 1 << 40, 7):
            sockhash.update(key, _fd(conn))
        assert _errno(lambda: sockhash.update(8, _fd(conn))) == errno.E2BIG  # full
        sockhash.update(7, _fd(conn))  # replacing works in a full map
        assert sorted(sockhash.keys()) == [5, 7, 1 << 40]
        assert _errno(lambda: sockhash.delete(6)) == errno.ENOENT
        sockhash.delete(5)
        assert _errno(lambda: sockhash.delete(5)) == errno.ENOENT
        assert sockhash.get_next_key(5) in (7, 1 << 40)  # an absent key restarts the walk
        sockhash.update(8, _fd(conn))


@BOTH
def test_no_batch_operations(backend: Backend, sockets: Sockets, map_type: int) -> None:
    with Map.create(map_type, 4, 8, 4, backend=backend) as sockmap:
        sockmap.update(1, _fd(sockets.established()))
        keys, values, out = (ctypes.create_string_buffer(64) for _ in range(3))
        attr = uapi.bpf_attr()
        attr.batch.map_fd = sockmap.fd
        attr.batch.keys, attr.batch.values = ctypes.addressof(keys), ctypes.addressof(values)
        attr.batch.out_batch = ctypes.addressof(out)
        for cmd in (
            uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH,
            uapi.BPF_MAP_DELETE_BATCH, uapi.BPF_MAP_UPDATE_BATCH,
        ):  # fmt: skip
            attr.batch.count = 1
            with pytest.raises(OSError) as caught:
                backend.bpf(cmd, attr)
            assert caught.value.errno == ENOTSUPP
