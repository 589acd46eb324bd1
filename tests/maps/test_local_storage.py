"""BPF_MAP_TYPE_TASK_STORAGE, INODE_STORAGE and CGRP_STORAGE from user space, on both backends.

Values keyed by a pidfd, by any file's fd and by a cgroup directory's fd.  Every expectation below
is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import subprocess
from collections.abc import Callable, Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.objects.cgroups import cgroup2_mount
from pybpf.uapi import ENOTSUPP
from tests.maps.test_btf_maps import _create, _load_btf

TASK, INODE, CGRP = (
    uapi.BPF_MAP_TYPE_TASK_STORAGE,
    uapi.BPF_MAP_TYPE_INODE_STORAGE,
    uapi.BPF_MAP_TYPE_CGRP_STORAGE,
)
TYPES = (TASK, INODE, CGRP)
NP = uapi.BPF_F_NO_PREALLOC
INT, LOCKED, LONG, PLAIN = 1, 3, 4, 5
"""Type ids of test_btf_maps' BTF: int, {bpf_spin_lock; int} (16 bytes), long, {int; int} (8 bytes)."""


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _key(fd: int) -> bytes:
    return (fd & 0xFFFFFFFF).to_bytes(4, "little")


def _value(number: int, size: int = 8) -> bytes:
    return number.to_bytes(size, "little")


@pytest.fixture
def btf_fd(backend: Backend) -> Iterator[int]:
    fd = _load_btf(backend)
    yield fd
    os.close(fd)


def _storage(backend: Backend, btf_fd: int, map_type: int, value_size: int = 8, value_id: int = PLAIN) -> Map:
    fd = _create(backend, btf_fd, (map_type, 4, value_size, 0, NP, INT, value_id))
    try:
        return Map.from_fd(fd, backend=backend)
    finally:
        os.close(fd)


@pytest.fixture
def owners() -> Iterator[dict[str, int]]:
    """An fd of every kind the tests pass as keys: a pidfd of this process, a file, a directory, an
    O_PATH fd, a socket and the cgroup v2 root (when one is mounted)."""
    fds: dict[str, int] = {
        "pidfd": os.pidfd_open(os.getpid()),
        "file": os.open("/proc/self/exe", os.O_RDONLY),
        "dir": os.open("/", os.O_RDONLY | os.O_DIRECTORY),
        "opath": os.open("/proc/self/exe", os.O_PATH),
    }
    sock = socket.socket()
    fds["socket"] = sock.fileno()
    mount = cgroup2_mount()
    if mount is not None:
        fds["cgroup"] = os.open(mount, os.O_RDONLY | os.O_DIRECTORY)
        fds["cgroup_path"] = os.open(mount, os.O_PATH)
        fds["cgroup_file"] = os.open(os.path.join(mount, "cgroup.procs"), os.O_RDONLY)
    try:
        yield fds
    finally:
        for name, fd in fds.items():
            if name != "socket":
                os.close(fd)
        sock.close()


@pytest.mark.parametrize("map_type", TYPES, ids=("task", "inode", "cgrp"))
@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "key_id", "value_id", "expected"),
    [
        (4, 8, 0, NP, INT, PLAIN, 0),
        (4, 8, 0, NP | uapi.BPF_F_CLONE, INT, PLAIN, 0),
        (4, 16, 0, NP, INT, LOCKED, 0),
        (4, 8, 0, 0, INT, PLAIN, errno.EINVAL),
        (4, 8, 0, NP | uapi.BPF_F_RDONLY_PROG, INT, PLAIN, errno.EINVAL),
        (4, 8, 1, NP, INT, PLAIN, errno.EINVAL),
        (8, 8, 0, NP, LONG, PLAIN, errno.EINVAL),
        (4, 8, 0, NP, 0, 0, errno.EINVAL),
        (4, 0, 0, NP, INT, PLAIN, errno.EINVAL),
        (4, 65408, 0, NP, INT, PLAIN, errno.E2BIG),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend,
    btf_fd: int,
    map_type: int,
    key_size: int,
    value_size: int,
    max_entries: int,
    flags: int,
    key_id: int,
    value_id: int,
    expected: int,
) -> None:
    case = (map_type, key_size, value_size, max_entries, flags, key_id, value_id)
    assert _errno(lambda: os.close(_create(backend, btf_fd, case))) == expected


OWNER_KINDS = {
    TASK: {"pidfd"},
    INODE: {"pidfd", "file", "dir", "opath", "socket", "cgroup", "cgroup_path", "cgroup_file", "map"},
    CGRP: {"cgroup", "cgroup_path"},
}
"""The fds each type accepts as keys; every other open fd is EBADF."""


@pytest.mark.parametrize("map_type", TYPES, ids=("task", "inode", "cgrp"))
def test_keys_by_kind_of_fd(backend: Backend, btf_fd: int, owners: dict[str, int], map_type: int) -> None:
    with _storage(backend, btf_fd, map_type) as storage:
        for name, fd in [*owners.items(), ("map", storage.fd), ("negative", -1)]:
            key = _key(fd)
            if name in OWNER_KINDS[map_type]:
                assert _errno(functools.partial(storage.lookup, key)) == errno.ENOENT, name
                assert _errno(functools.partial(storage.delete, key)) == errno.ENOENT, name
                storage.update(key, _value(5))
                assert storage.lookup(key) == _value(5), name
                storage.delete(key)
            else:
                for call in (
                    functools.partial(storage.lookup, key),
                    functools.partial(storage.update, key, _value(1)),
                    functools.partial(storage.update, key, _value(1), 3),  # the fd before the flags
                    functools.partial(storage.delete, key),
                ):
                    assert _errno(call) == errno.EBADF, name


@pytest.mark.parametrize(("map_type", "owner"), [(TASK, "pidfd"), (INODE, "file"), (CGRP, "cgroup")])
def test_update_flags_and_walks(
    backend: Backend, btf_fd: int, owners: dict[str, int], map_type: int, owner: str
) -> None:
    if owner not in owners:
        pytest.skip("no cgroup v2 mounted")
    with _storage(backend, btf_fd, map_type) as storage:
        key = _key(owners[owner])
        assert _errno(lambda: storage.update(key, _value(1), uapi.BPF_EXIST)) == errno.ENOENT
        storage.update(key, _value(1), uapi.BPF_NOEXIST)
        assert _errno(lambda: storage.update(key, _value(2), uapi.BPF_NOEXIST)) == errno.EEXIST
        storage.update(key, _value(3), uapi.BPF_EXIST)
        assert _errno(lambda: storage.update(key, _value(3), 3)) == errno.EINVAL
        assert _errno(lambda: storage.update(key, _value(3), uapi.BPF_F_LOCK)) == errno.EINVAL
        assert storage.lookup(key) == _value(3)
        assert _errno(lambda: storage.get_next_key(None)) == ENOTSUPP
        assert _errno(lambda: storage.get_next_key(key)) == ENOTSUPP


def test_one_value_per_owner(backend: Backend, btf_fd: int) -> None:
    """Two fds of one task, of one inode, reach one value; another inode has its own."""
    with _storage(backend, btf_fd, TASK) as tasks, _storage(backend, btf_fd, INODE) as inodes:
        first, second = os.pidfd_open(os.getpid()), os.pidfd_open(os.getpid())
        one, two, other = os.open("/", os.O_RDONLY), os.open("/", os.O_PATH), os.open("/proc", os.O_RDONLY)
        try:
            tasks.update(_key(first), _value(7))
            assert tasks.lookup(_key(second)) == _value(7)
            inodes.update(_key(one), _value(8))
            assert inodes.lookup(_key(two)) == _value(8)
            assert _errno(lambda: inodes.lookup(_key(other))) == errno.ENOENT
        finally:
            for fd in (first, second, one, two, other):
                os.close(fd)


def test_reaped_task(backend: Backend, btf_fd: int) -> None:
    """A pidfd whose task has been reaped names no task: ENOENT for every command."""
    with _storage(backend, btf_fd, TASK) as storage:
        child = subprocess.Popen(["sleep", "0"])
        pidfd = os.pidfd_open(child.pid)
        try:
            child.wait()
            for call in (
                lambda: storage.lookup(_key(pidfd)),
                lambda: storage.update(_key(pidfd), _value(1)),
                lambda: storage.delete(_key(pidfd)),
            ):
                assert _errno(call) == errno.ENOENT
        finally:
            os.close(pidfd)


def test_spin_lock_values(backend: Backend, btf_fd: int) -> None:
    with _storage(backend, btf_fd, TASK, 16, LOCKED) as storage:
        pidfd = os.pidfd_open(os.getpid())
        try:
            value = _value(0xFF, 4) + _value(1, 4) + _value(2)
            storage.update(_key(pidfd), value, uapi.BPF_F_LOCK)
            assert storage.lookup(_key(pidfd)) == bytes(4) + value[4:]
        finally:
            os.close(pidfd)
