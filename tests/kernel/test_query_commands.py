"""BPF_TASK_FD_QUERY, BPF_TOKEN_CREATE and BPF_PROG_STREAM_READ_BY_FD on both backends.

Every expectation is Linux 6.18's answer.  pybpf has no raw tracepoint link, no perf event with a
program and no delegating bpffs in a user namespace, so what is compared is what the kernel answers
for the objects pybpf has: refusals, and the empty streams of a program that prints nothing (streams
a program writes: tests/kfuncs/test_streams.py).
"""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.map import Map
from pybpf.program import Program
from pybpf.uapi import ENOTSUPP

NOT_OPEN = 9999


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


@pytest.fixture
def prog(backend: Backend) -> Iterator[Program]:
    with Program.load("r0 = 0\nexit", "socket_filter", backend=backend) as loaded:
        yield loaded


def _task_fd_query(
    backend: Backend, pid: int, fd: int, flags: int = 0, dirty: int | None = None
) -> tuple[int, int]:
    """(errno or 0, prog_id after the call: 0x55 when not written)."""
    attr = uapi.bpf_attr()
    query = attr.task_fd_query
    query.pid, query.fd, query.flags, query.prog_id = pid, fd, flags, 0x55
    raw = bytearray(bytes(attr))
    if dirty is not None:
        raw[dirty] = 1
    code = _errno(lambda: backend.bpf(uapi.BPF_TASK_FD_QUERY, raw))
    return code, uapi.bpf_attr.from_buffer_copy(bytes(raw)).task_fd_query.prog_id


def test_task_fd_query(backend: Backend, prog: Program) -> None:
    me = os.getpid()
    array = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
    with open("/dev/null", "rb") as devnull:
        for fd in (prog.fd, array.fd, devnull.fileno()):
            assert _task_fd_query(backend, me, fd) == (ENOTSUPP, 0x55)
    assert _task_fd_query(backend, me, NOT_OPEN) == (errno.EBADF, 0x55)
    for pid in (0, 0xFFFFFFFF, 0x3FFFFFF0):
        assert _task_fd_query(backend, pid, prog.fd) == (errno.ENOENT, 0x55)
    assert _task_fd_query(backend, me, prog.fd, flags=1) == (errno.EINVAL, 0x55)
    assert _task_fd_query(backend, 0x3FFFFFF0, NOT_OPEN, flags=1) == (errno.EINVAL, 0x55)
    assert _task_fd_query(backend, me, prog.fd, dirty=48) == (errno.EINVAL, 0x55)  # past probe_addr
    assert _task_fd_query(backend, me, prog.fd, dirty=47) == (ENOTSUPP, 0x55)  # within it
    child = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)
    try:
        assert _task_fd_query(backend, child.pid, 0) == (ENOTSUPP, 0x55)
        assert _task_fd_query(backend, child.pid, NOT_OPEN) == (errno.EBADF, 0x55)
    finally:
        child.kill()
        child.wait()


def _token(backend: Backend, fd: int, flags: int = 0, dirty: int | None = None) -> int:
    attr = uapi.bpf_attr()
    attr.token_create.flags, attr.token_create.bpffs_fd = flags, fd
    raw = bytearray(bytes(attr))
    if dirty is not None:
        raw[dirty] = 1
    return _errno(lambda: backend.bpf(uapi.BPF_TOKEN_CREATE, raw))


def test_token_create(backend: Backend, prog: Program) -> None:
    with tempfile.TemporaryDirectory() as mount:
        if subprocess.run(["mount", "-t", "bpf", "bpf", mount], capture_output=True, check=False).returncode:
            pytest.skip("cannot mount a bpffs")
        try:
            os.mkdir(os.path.join(mount, "sub"))
            root_fd = os.open(mount, os.O_RDONLY | os.O_DIRECTORY)
            sub_fd = os.open(os.path.join(mount, "sub"), os.O_RDONLY | os.O_DIRECTORY)
            tmp_fd = os.open(tempfile.gettempdir(), os.O_RDONLY | os.O_DIRECTORY)
            try:
                assert _token(backend, root_fd) == errno.EOPNOTSUPP  # the initial user namespace
                assert _token(backend, sub_fd) == errno.EINVAL  # not the root of the bpffs
                assert _token(backend, tmp_fd) == errno.EINVAL
                assert _token(backend, prog.fd) == errno.EINVAL
                assert _token(backend, NOT_OPEN) == errno.EBADF
                assert _token(backend, root_fd, flags=1) == errno.EINVAL
                assert _token(backend, NOT_OPEN, flags=1) == errno.EINVAL
                assert _token(backend, root_fd, dirty=8) == errno.EINVAL
            finally:
                for fd in (root_fd, sub_fd, tmp_fd):
                    os.close(fd)
        finally:
            subprocess.run(["umount", mount], check=False)


def test_token_create_from_pybpf_root(_private_bpffs: object) -> None:
    """pybpf's own bpffs is a bpffs root to it: the initial user namespace's refusal."""
    from pybpf.kernel.backend import UserBackend
    from pybpf.objects.files import bpffs_root

    fd = os.open(bpffs_root(), os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert _token(UserBackend(), fd) == errno.EOPNOTSUPP
    finally:
        os.close(fd)


def _stream_read(backend: Backend, fd: int, stream_id: int, *, size: int = 64, buffer: bool = True,
                 dirty: int | None = None) -> tuple[int, bytes]:  # fmt: skip
    """(bytes read or -errno, the buffer after)."""
    out = ctypes.create_string_buffer(b"\x77" * 64, 64)
    attr = uapi.bpf_attr()
    stream = attr.prog_stream_read
    stream.stream_buf = ctypes.addressof(out) if buffer else 0
    stream.stream_buf_len, stream.stream_id, stream.prog_fd = size, stream_id, fd
    raw = bytearray(bytes(attr))
    if dirty is not None:
        raw[dirty] = 1
    try:
        done = backend.bpf(uapi.BPF_PROG_STREAM_READ_BY_FD, raw)
    except BPFError as exc:
        done = -int(exc.errno or 0)
    return done, out.raw


def test_prog_stream_read(backend: Backend, prog: Program) -> None:
    untouched = b"\x77" * 64
    assert _stream_read(backend, prog.fd, 1) == (0, untouched)  # BPF_STDOUT, empty
    assert _stream_read(backend, prog.fd, 2) == (0, untouched)  # BPF_STDERR, empty
    assert _stream_read(backend, prog.fd, 1, buffer=False) == (0, untouched)
    assert _stream_read(backend, prog.fd, 1, size=0) == (0, untouched)
    for stream_id in (0, 3, 0xFFFFFFFF):
        assert _stream_read(backend, prog.fd, stream_id)[0] == -errno.ENOENT
    array = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1, backend=backend)
    assert _stream_read(backend, array.fd, 1)[0] == -errno.EINVAL
    assert _stream_read(backend, NOT_OPEN, 1)[0] == -errno.EBADF
    assert _stream_read(backend, NOT_OPEN, 7)[0] == -errno.EBADF
    assert _stream_read(backend, prog.fd, 1, dirty=24)[0] == -errno.EINVAL
