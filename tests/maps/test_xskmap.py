"""BPF_MAP_TYPE_XSKMAP from user space, on both backends: creation, and the errno of each command
for each kind of fd (the kernel's answers, Linux 6.18)."""

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

from .helpers import create

XSK = uapi.BPF_MAP_TYPE_XSKMAP
AF_XDP = 44


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _u32(number: int) -> bytes:
    return (number & 0xFFFFFFFF).to_bytes(4, "little")


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (4, 4, 4, 0, 0),
        (4, 4, 4, uapi.BPF_F_RDONLY, 0),
        (4, 4, 4, uapi.BPF_F_WRONLY, 0),
        (4, 4, 4, uapi.BPF_F_NUMA_NODE, 0),
        (4, 4, 4, uapi.BPF_F_NO_PREALLOC, errno.EINVAL),
        (4, 4, 4, uapi.BPF_F_RDONLY_PROG, errno.EINVAL),
        (4, 4, 0, 0, errno.EINVAL),
        (4, 8, 4, 0, errno.EINVAL),
        (8, 4, 4, 0, errno.EINVAL),
        (0, 0, 4096, 0, errno.EINVAL),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: int
) -> None:
    assert (
        _errno(lambda: os.close(create(backend, XSK, key_size, value_size, max_entries, flags))) == expected
    )


@pytest.fixture
def xsk(backend: Backend) -> Iterator[Map]:
    fd = create(backend, XSK, 4, 4, 4)
    try:
        with Map.from_fd(fd, backend=backend) as found:
            yield found
    finally:
        os.close(fd)


def _xdp_socket() -> socket.socket:
    try:
        return socket.socket(AF_XDP, socket.SOCK_RAW)
    except OSError as exc:
        pytest.skip(f"no AF_XDP sockets here: {exc}")


def test_update_errnos_by_fd(xsk: Map) -> None:
    with socket.socket() as tcp, _xdp_socket() as xdp:
        directory = os.open("/", os.O_RDONLY)
        try:
            for fd, expected in (
                (-1, errno.EBADF),
                (directory, errno.ENOTSOCK),
                (tcp.fileno(), errno.EOPNOTSUPP),
            ):
                assert _errno(functools.partial(xsk.update, _u32(0), _u32(fd))) == expected
                assert (
                    _errno(functools.partial(xsk.update, _u32(9), _u32(fd))) == errno.E2BIG
                )  # the index first
                assert (
                    _errno(functools.partial(xsk.update, _u32(9), _u32(fd), 3)) == errno.EINVAL
                )  # the flags first
            assert _errno(lambda: xsk.update(_u32(0), _u32(xdp.fileno()), uapi.BPF_EXIST)) == errno.ENOENT
            xsk.update(_u32(0), _u32(xdp.fileno()), uapi.BPF_NOEXIST)
            xsk.update(_u32(0), _u32(xdp.fileno()), uapi.BPF_NOEXIST)  # the same socket again
            with _xdp_socket() as other:
                assert (
                    _errno(lambda: xsk.update(_u32(0), _u32(other.fileno()), uapi.BPF_NOEXIST))
                    == errno.EEXIST
                )
                xsk.update(_u32(0), _u32(other.fileno()), uapi.BPF_EXIST)
                xsk.delete(_u32(0))
        finally:
            os.close(directory)


def test_lookup_delete_and_walk(xsk: Map) -> None:
    assert _errno(lambda: xsk.lookup(_u32(0))) == errno.EOPNOTSUPP
    assert _errno(lambda: xsk.lookup(_u32(9))) == errno.EOPNOTSUPP
    xsk.delete(_u32(1))  # an empty slot
    assert _errno(lambda: xsk.delete(_u32(4))) == errno.EINVAL
    assert xsk.get_next_key(None) == _u32(0)
    assert xsk.get_next_key(_u32(0)) == _u32(1)
    assert xsk.get_next_key(_u32(9)) == _u32(0)
    assert _errno(lambda: xsk.get_next_key(_u32(3))) == errno.ENOENT
