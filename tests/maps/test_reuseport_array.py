"""BPF_MAP_TYPE_REUSEPORT_SOCKARRAY from user space, on both backends.

Every expectation below is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel.
Each test uses sockets of its own: the kernel lets a socket go from an array only once the array is
freed, which happens some time after its last fd is closed.
"""

from __future__ import annotations

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
from tests.maps.test_sockmap import _cookie

REUSEPORT = uapi.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _fd(sock: socket.socket | int, size: int = 8) -> bytes:
    fd = sock if isinstance(sock, int) else sock.fileno()
    return fd.to_bytes(size, "little")


class Sockets:
    def __init__(self) -> None:
        self.open: list[socket.socket] = []

    def make(
        self, kind: int = socket.SOCK_STREAM, *, reuse: bool = True, bind: bool = True, listen: bool = True
    ) -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind)
        self.open.append(sock)
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if bind:
            sock.bind(("127.0.0.1", 0))
        if listen and kind == socket.SOCK_STREAM:
            sock.listen()
        return sock


@pytest.fixture
def sockets() -> Iterator[Sockets]:
    made = Sockets()
    yield made
    for sock in made.open:
        sock.close()


@pytest.mark.parametrize(
    ("key_size", "value_size", "flags", "expected"),
    [
        (4, 4, 0, 0),
        (4, 8, 0, 0),
        (4, 2, 0, errno.EINVAL),
        (8, 4, 0, errno.EINVAL),
        (4, 4, uapi.BPF_F_NO_PREALLOC, errno.EINVAL),
        (4, 4, uapi.BPF_F_RDONLY, 0),
        (4, 4, uapi.BPF_F_RDONLY_PROG, 0),
        (4, 4, uapi.BPF_F_WRONLY_PROG, 0),
        (4, 4, uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG, errno.EINVAL),
        (4, 4, uapi.BPF_F_NUMA_NODE, 0),
        (4, 4, uapi.BPF_F_MMAPABLE, errno.EINVAL),
        (4, 4, uapi.BPF_F_INNER_MAP, errno.EINVAL),
        (4, 4, uapi.BPF_F_PRESERVE_ELEMS, errno.EINVAL),
    ],
)
def test_create(backend: Backend, key_size: int, value_size: int, flags: int, expected: int) -> None:
    def create() -> None:
        Map.create(REUSEPORT, key_size, value_size, 2, flags, backend=backend).close()

    assert _errno(create) == expected
    assert _errno(lambda: Map.create(REUSEPORT, 4, 4, 0, backend=backend).close()) == errno.EINVAL


def _unix(s: Sockets) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.open.append(sock)
    return sock


def _established(s: Sockets) -> socket.socket:
    server = s.make()
    client = socket.create_connection(server.getsockname())
    s.open += [client, server.accept()[0]]
    return client


SOCKET_KINDS: dict[str, tuple[Callable[[Sockets], socket.socket], int]] = {
    "tcp-listening": (Sockets.make, 0),
    "udp-bound": (functools.partial(Sockets.make, kind=socket.SOCK_DGRAM), 0),
    "tcp-bound": (functools.partial(Sockets.make, listen=False), errno.EINVAL),
    "tcp-without-reuseport": (functools.partial(Sockets.make, reuse=False), errno.EINVAL),
    "udp-without-reuseport": (
        functools.partial(Sockets.make, kind=socket.SOCK_DGRAM, reuse=False),
        errno.EINVAL,
    ),
    "udp-unbound": (functools.partial(Sockets.make, kind=socket.SOCK_DGRAM, bind=False), errno.EINVAL),
    "tcp-established": (_established, errno.EINVAL),
    "unix": (_unix, ENOTSUPP),
}


@pytest.mark.parametrize("kind", sorted(SOCKET_KINDS))
def test_socket_kinds(backend: Backend, sockets: Sockets, kind: str) -> None:
    make, expected = SOCKET_KINDS[kind]
    sock = make(sockets)
    with Map.create(REUSEPORT, 4, 8, 2, backend=backend) as array:
        assert _errno(lambda: array.update(0, _fd(sock))) == expected
        if expected:
            assert _errno(lambda: array.lookup(0)) == errno.ENOENT
        else:
            assert array.lookup(0) == _cookie(sock).to_bytes(8, "little")


def test_update_order_and_slots(backend: Backend, sockets: Sockets) -> None:
    tcp, udp = sockets.make(), sockets.make(socket.SOCK_DGRAM)
    with Map.create(REUSEPORT, 4, 8, 4, backend=backend, key_type=int) as array, open("/dev/null") as null:
        closed = os.dup(tcp.fileno())
        os.close(closed)
        assert _errno(lambda: array.update(9, _fd(closed), 3)) == errno.EINVAL  # flags first
        assert _errno(lambda: array.update(4, _fd(closed))) == errno.E2BIG  # then the index
        assert _errno(lambda: array.update(0, _fd(closed))) == errno.EBADF
        assert _errno(lambda: array.update(0, _fd(null.fileno()))) == errno.ENOTSOCK
        assert _errno(lambda: array.update(0, _fd(tcp.fileno() + (1 << 32)))) == errno.EINVAL
        assert _errno(lambda: array.update(0, _fd(_unix(sockets)), uapi.BPF_EXIST)) == errno.ENOENT
        assert _errno(lambda: array.update(0, _fd(tcp), uapi.BPF_EXIST)) == errno.ENOENT
        array.update(0, _fd(tcp), uapi.BPF_NOEXIST)
        assert _errno(lambda: array.update(0, _fd(udp), uapi.BPF_NOEXIST)) == errno.EEXIST
        assert _errno(lambda: array.update(1, _fd(tcp))) == errno.EBUSY  # a socket sits in one slot
        array.update(0, _fd(udp), uapi.BPF_EXIST)  # tcp leaves slot 0
        array.update(1, _fd(tcp))
        assert array.lookup(0) == _cookie(udp).to_bytes(8, "little")
        assert array.lookup(1) == _cookie(tcp).to_bytes(8, "little")
        assert _errno(lambda: array.lookup(2)) == errno.ENOENT
        assert _errno(lambda: array.lookup(9)) == errno.ENOENT
        assert _errno(lambda: array.delete(2)) == errno.ENOENT
        assert _errno(lambda: array.delete(4)) == errno.E2BIG
        array.delete(0)
        assert list(array.keys()) == [0, 1, 2, 3]
        assert _errno(lambda: array.get_next_key(3)) == errno.ENOENT


def test_four_byte_values(backend: Backend, sockets: Sockets) -> None:
    tcp = sockets.make()
    with Map.create(REUSEPORT, 4, 4, 2, backend=backend) as array:
        assert _errno(lambda: array.update(0, _fd(0xFFFFFFFF, 4))) == errno.EBADF  # the fd is an int: -1
        array.update(0, _fd(tcp, 4))
        for key in (0, 1, 7):
            assert _errno(functools.partial(array.lookup, key)) == errno.ENOSPC
