"""BPF_OBJ_PIN / BPF_OBJ_GET relative to a directory fd (BPF_F_PATH_FD), on both backends.

Mirrors ``bpf_obj_pin`` / ``bpf_obj_get`` (kernel/bpf/syscall.c) and ``bpf_obj_pin_user`` /
``bpf_obj_get_user`` (kernel/bpf/inode.c) of Linux 6.18: with BPF_F_PATH_FD a relative
``pathname`` is looked up from ``path_fd`` (an O_PATH fd too; EBADF for one not open, ENOTDIR for a
file; AT_FDCWD is the working directory), an absolute one ignores it; a ``path_fd`` without the flag
is EINVAL; ".." steps up from the directory, not lexically.  The pins are made in ``pin_dir``: the
pybpf root, or a bpffs mounted for the kernel.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend

PATH_FD = uapi.BPF_F_PATH_FD
AT_FDCWD = -100


def _call(backend: Backend, cmd: int, attr: uapi.bpf_attr) -> int:
    try:
        return int(backend.bpf(cmd, attr))
    except BPFError as exc:
        return -int(exc.errno or 0)


def _pin(backend: Backend, fd: int, path: str, flags: int = PATH_FD, path_fd: int = 0) -> int:
    name = ctypes.create_string_buffer(os.fsencode(path))
    attr = uapi.bpf_attr()
    attr.bpf_fd, attr.pathname, attr.file_flags, attr.path_fd = fd, ctypes.addressof(name), flags, path_fd
    return _call(backend, uapi.BPF_OBJ_PIN, attr)


def _get(backend: Backend, path: str, flags: int = PATH_FD, path_fd: int = 0) -> int:
    """BPF_OBJ_GET: 0 when it gave an fd (closed here), else -errno."""
    name = ctypes.create_string_buffer(os.fsencode(path))
    attr = uapi.bpf_attr()
    attr.pathname, attr.file_flags, attr.path_fd = ctypes.addressof(name), flags, path_fd
    got = _call(backend, uapi.BPF_OBJ_GET, attr)
    if got < 0:
        return got
    os.close(got)
    return 0


@pytest.fixture
def objects(backend: Backend, pin_dir: Path) -> Iterator[tuple[int, int, int, Path]]:
    """A map, an fd of ``pin_dir/base`` (which has a ``sub`` directory), an O_PATH fd of it, and the
    directory."""
    base = pin_dir / "base"
    (base / "sub").mkdir(parents=True)
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1
    fds = [
        int(backend.bpf(uapi.BPF_MAP_CREATE, attr)),
        os.open(base, os.O_RDONLY | os.O_DIRECTORY),
        os.open(base, os.O_PATH),
    ]
    try:
        yield fds[0], fds[1], fds[2], base
    finally:
        for fd in fds:
            os.close(fd)


def test_pin_and_get_from_a_directory_fd(backend: Backend, objects: tuple[int, int, int, Path]) -> None:
    map_fd, directory, opath, base = objects
    assert _pin(backend, map_fd, "a", path_fd=directory) == 0
    assert (base / "a").exists()
    assert _get(backend, "a", path_fd=directory) == 0
    assert _get(backend, "a", PATH_FD | uapi.BPF_F_RDONLY, path_fd=opath) == 0
    assert _pin(backend, map_fd, "sub/b", path_fd=opath) == 0
    assert _get(backend, "sub/b", path_fd=directory) == 0
    assert _pin(backend, map_fd, "a", path_fd=directory) == -errno.EEXIST
    assert _get(backend, "none", path_fd=directory) == -errno.ENOENT
    assert _get(backend, "sub", path_fd=directory) == -errno.EACCES  # a directory
    assert _pin(backend, map_fd, "sub/../c", path_fd=directory) == 0  # through the directory
    assert _pin(backend, map_fd, "nodir/../d", path_fd=directory) == -errno.ENOENT  # not lexical
    assert _pin(backend, map_fd, "../up", path_fd=directory) == 0  # the bpffs's root
    assert (base.parent / "up").exists()
    os.unlink(base.parent / "up")


def test_path_fd_errors(backend: Backend, objects: tuple[int, int, int, Path]) -> None:
    map_fd, directory, _, base = objects
    with open("/proc/self/stat", "rb") as plain:
        assert _pin(backend, map_fd, "c", path_fd=plain.fileno()) == -errno.ENOTDIR
        assert _get(backend, "c", path_fd=plain.fileno()) == -errno.ENOTDIR
    assert _pin(backend, map_fd, "c", path_fd=9999) == -errno.EBADF
    assert _get(backend, "c", path_fd=-5) == -errno.EBADF
    assert _pin(backend, map_fd, "", path_fd=9999) == -errno.ENOENT  # the empty name first
    assert _pin(backend, map_fd, str(base / "c"), path_fd=9999) == 0  # an absolute path ignores it
    assert _get(backend, str(base / "c"), path_fd=9999) == 0
    assert _pin(backend, map_fd, "e", flags=0, path_fd=directory) == -errno.EINVAL  # no flag
    assert _get(backend, "c", flags=0, path_fd=directory) == -errno.EINVAL
    assert _get(backend, "c", PATH_FD | uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY, directory) == -errno.EINVAL
    tmp = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)  # a directory outside any bpffs
    try:
        assert _pin(backend, map_fd, "f", path_fd=tmp) == -errno.EPERM
    finally:
        os.close(tmp)


def test_at_fdcwd_is_the_working_directory(
    backend: Backend, objects: tuple[int, int, int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    map_fd, _, _, base = objects
    monkeypatch.chdir(base)
    assert _pin(backend, map_fd, "cwd", path_fd=AT_FDCWD) == 0
    assert _get(backend, "cwd", path_fd=AT_FDCWD) == 0
    assert _get(backend, "cwd", flags=0) == 0
