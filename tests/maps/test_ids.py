"""BPF_MAP_GET_NEXT_ID and BPF_MAP_GET_FD_BY_ID on both backends (pybpf's scope: see map_ids)."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path
from typing import Any

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend

from .helpers import create, lookup, outcome, u32, update

EINVAL, ENOENT, EPERM = ("errno", errno.EINVAL), ("errno", errno.ENOENT), ("errno", errno.EPERM)


def next_id(backend: Backend, start: int, **extra: int) -> Any:
    attr = uapi.bpf_attr()
    attr.start_id = start
    for field, value in extra.items():
        setattr(attr, field, value)

    def run() -> int:
        backend.bpf(uapi.BPF_MAP_GET_NEXT_ID, attr)
        return int(attr.next_id)

    return outcome(run)


def fd_by_id(backend: Backend, map_id: int, open_flags: int = 0, **extra: int) -> Any:
    attr = uapi.bpf_attr()
    attr.map_id, attr.open_flags = map_id, open_flags
    for field, value in extra.items():
        setattr(attr, field, value)
    return outcome(lambda: backend.bpf(uapi.BPF_MAP_GET_FD_BY_ID, attr))


def map_id(backend: Backend, fd: int) -> int:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, 80

    attr.info.info = ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return int(info.id)


def ids_from(backend: Backend, start: int) -> list[int]:
    found, current = [], start
    while True:
        result = next_id(backend, current)
        if isinstance(result, tuple):
            assert result == ENOENT
            return found
        found.append(result)
        current = result


def test_next_id_walks_held_maps(backend: Backend) -> None:
    fds = [create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1) for _ in range(3)]
    ids = [map_id(backend, fd) for fd in fds]
    assert ids == sorted(ids)
    walked = ids_from(backend, ids[0] - 1)
    assert [i for i in walked if i in ids] == ids
    assert walked == sorted(walked)
    assert next_id(backend, ids[0]) != ids[0]
    for fd in fds:
        os.close(fd)


def test_next_id_errors(backend: Backend) -> None:
    assert next_id(backend, 0x7FFFFFFF) == EINVAL
    assert next_id(backend, 0xFFFFFFFF) == EINVAL
    assert next_id(backend, 0x7FFFFFFE) == ENOENT
    assert next_id(backend, 0, open_flags=1) == EINVAL  # past the command's last field


def test_fd_by_id(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
    ident = map_id(backend, fd)
    assert update(backend, fd, u32(1), b"x" * 8) == "ok"
    other = fd_by_id(backend, ident)
    assert isinstance(other, int) and other != fd
    assert map_id(backend, other) == ident
    assert lookup(backend, other, u32(1), 8) == b"x" * 8
    ro = fd_by_id(backend, ident, uapi.BPF_F_RDONLY)
    assert lookup(backend, ro, u32(1), 8) == b"x" * 8
    assert update(backend, ro, u32(2), bytes(8)) == EPERM
    wo = fd_by_id(backend, ident, uapi.BPF_F_WRONLY)
    assert lookup(backend, wo, u32(1), 8) == EPERM
    assert update(backend, wo, u32(2), b"y" * 8) == "ok"
    assert lookup(backend, fd, u32(2), 8) == b"y" * 8
    for extra in (other, ro, wo):
        os.close(extra)
    os.close(fd)


@pytest.mark.parametrize("flags", [uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY, 1, uapi.BPF_F_TOKEN_FD])
def test_fd_by_id_bad_flags(backend: Backend, flags: int) -> None:
    assert fd_by_id(backend, 0x7FFFFFFE, flags) == EINVAL


def test_fd_by_id_unknown(backend: Backend) -> None:
    assert fd_by_id(backend, 0x7FFFFFFE) == ENOENT
    assert fd_by_id(backend, 0x7FFFFFFE, uapi.BPF_F_RDONLY) == ENOENT


def test_closed_map_disappears(backend: Backend) -> None:
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    ident = map_id(backend, fd)
    os.close(fd)
    # pybpf: the next collection (GET_NEXT_ID runs one) finds no fd, pin or holder and forgets it
    assert ident not in ids_from(backend, ident - 1)
    assert fd_by_id(backend, ident) == ENOENT


def test_user_scope_includes_pins(_private_bpffs: Path) -> None:
    """pybpf's scope: a pinned map stays visible after this process closed every fd to it."""
    backend = UserBackend()
    fd = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 2)
    assert update(backend, fd, u32(1), b"p" * 8) == "ok"
    ident = map_id(backend, fd)

    path = ctypes.create_string_buffer(os.fsencode(_private_bpffs / "sub_pin"))
    attr = uapi.bpf_attr()
    attr.pathname, attr.bpf_fd = ctypes.addressof(path), fd
    backend.bpf(uapi.BPF_OBJ_PIN, attr)
    os.close(fd)
    assert ident in ids_from(backend, 0)
    again = fd_by_id(backend, ident)
    assert isinstance(again, int)
    assert lookup(backend, again, u32(1), 8) == b"p" * 8
    os.close(again)
    os.unlink(_private_bpffs / "sub_pin")
