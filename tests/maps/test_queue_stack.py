"""BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK on both backends (the kernel's answers are the expectations).

Push is UPDATE_ELEM with a NULL key, peek is LOOKUP_ELEM and pop is LOOKUP_AND_DELETE_ELEM.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
from typing import Any

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.maps.object import MapObject
from pybpf.maps.queue_stack import QueueStackBase

from .helpers import create, create_outcome, elem

ENOENT, EINVAL, E2BIG, EPERM, EFAULT = ("errno", errno.ENOENT), ("errno", errno.EINVAL), \
    ("errno", errno.E2BIG), ("errno", errno.EPERM), ("errno", errno.EFAULT)  # fmt: skip
QUEUE, STACK = uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK
BOTH = pytest.mark.parametrize("map_type", [QUEUE, STACK], ids=["queue", "stack"])


def push(backend: Backend, fd: int, value: bytes, flags: int = 0, **kw: Any) -> Any:
    result = elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, None, value, flags, **kw)
    return result if isinstance(result, tuple) else "ok"


def peek(backend: Backend, fd: int, size: int = 4, flags: int = 0, **kw: Any) -> Any:
    return elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, fd, None, value_size=size, flags=flags, **kw)


def pop(backend: Backend, fd: int, size: int = 4, flags: int = 0, **kw: Any) -> Any:
    return elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, None, value_size=size, flags=flags, **kw)


def v(n: int) -> bytes:
    return n.to_bytes(4, "little")


@BOTH
def test_create_checks(backend: Backend, map_type: int) -> None:
    ok = create_outcome(backend, map_type, 0, 4, 4)
    assert ok == "ok"
    assert create_outcome(backend, map_type, 4, 4, 4) == EINVAL
    assert create_outcome(backend, map_type, 0, 0, 4) == EINVAL
    assert create_outcome(backend, map_type, 0, 4, 0) == EINVAL
    assert create_outcome(backend, map_type, 0, 4, 4, flags=uapi.BPF_F_NO_PREALLOC) == EINVAL
    assert create_outcome(backend, map_type, 0, 4, 4, flags=uapi.BPF_F_MMAPABLE) == EINVAL
    assert create_outcome(backend, map_type, 0, 4, 4, flags=uapi.BPF_F_ZERO_SEED) == EINVAL
    both = uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG
    assert create_outcome(backend, map_type, 0, 4, 4, flags=both) == EINVAL
    assert create_outcome(backend, map_type, 0, 4, 4, flags=uapi.BPF_F_RDONLY_PROG) == "ok"
    assert create_outcome(backend, map_type, 0, (1 << 22) + 1, 4) == E2BIG
    assert create_outcome(backend, map_type, 0, 4, 4, map_extra=1) == EINVAL


def test_queue_fifo(backend: Backend) -> None:
    fd = create(backend, QUEUE, 0, 4, 3)
    assert peek(backend, fd) == ENOENT
    assert pop(backend, fd) == ENOENT
    for n in (1, 2, 3):
        assert push(backend, fd, v(n)) == "ok"
    assert push(backend, fd, v(4)) == E2BIG
    assert peek(backend, fd) == v(1)
    assert pop(backend, fd) == v(1)
    assert push(backend, fd, v(4)) == "ok"
    assert push(backend, fd, v(5), uapi.BPF_EXIST) == "ok"  # full: the oldest (2) is dropped
    assert [pop(backend, fd) for _ in range(4)] == [v(3), v(4), v(5), ENOENT]
    for n in range(10, 20):  # wrap around the ring several times
        assert push(backend, fd, v(n), uapi.BPF_EXIST) == "ok"
    assert [pop(backend, fd) for _ in range(4)] == [v(17), v(18), v(19), ENOENT]
    os.close(fd)


def test_stack_lifo(backend: Backend) -> None:
    fd = create(backend, STACK, 0, 4, 3)
    assert peek(backend, fd) == ENOENT
    assert pop(backend, fd) == ENOENT
    for n in (1, 2, 3):
        assert push(backend, fd, v(n)) == "ok"
    assert push(backend, fd, v(4)) == E2BIG
    assert peek(backend, fd) == v(3)
    assert pop(backend, fd) == v(3)
    assert push(backend, fd, v(4)) == "ok"
    assert push(backend, fd, v(5), uapi.BPF_EXIST) == "ok"  # full: the oldest (1) is dropped
    assert [pop(backend, fd) for _ in range(4)] == [v(5), v(4), v(2), ENOENT]
    for n in range(10, 20):
        assert push(backend, fd, v(n), uapi.BPF_EXIST) == "ok"
    assert [pop(backend, fd) for _ in range(4)] == [v(19), v(18), v(17), ENOENT]
    os.close(fd)


@BOTH
def test_flags_keys_and_other_commands(backend: Backend, map_type: int) -> None:
    fd = create(backend, map_type, 0, 4, 2)
    assert push(backend, fd, v(1), uapi.BPF_NOEXIST) == EINVAL
    assert push(backend, fd, v(1), 3) == EINVAL
    assert push(backend, fd, v(1), 4) == EINVAL
    assert push(backend, fd, v(1), uapi.BPF_F_LOCK) == EINVAL
    buffer = bytearray(4)
    key = ctypes.addressof((ctypes.c_char * 4).from_buffer(buffer))
    assert push(backend, fd, v(1), key_address=key) == EINVAL  # key_size 0 takes a NULL key
    assert push(backend, fd, v(1)) == "ok"
    assert peek(backend, fd, key_address=key) == EINVAL
    assert pop(backend, fd, key_address=key) == EINVAL
    assert peek(backend, fd, flags=4) == EINVAL
    assert peek(backend, fd, flags=uapi.BPF_F_LOCK) == EINVAL
    assert pop(backend, fd, flags=uapi.BPF_F_LOCK) == EINVAL
    assert pop(backend, fd, flags=4) == EINVAL
    assert elem(backend, uapi.BPF_MAP_DELETE_ELEM, fd, None) == EINVAL
    assert elem(backend, uapi.BPF_MAP_GET_NEXT_KEY, fd, None, value_size=4) == EINVAL
    assert push(backend, fd, v(2), value_size=4, key_address=None) == "ok"
    assert elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, None, v(3)) == E2BIG
    assert peek(backend, fd) == (v(2) if map_type == STACK else v(1))
    os.close(fd)


@BOTH
def test_bad_value_pointer(backend: Backend, map_type: int) -> None:
    fd = create(backend, map_type, 0, 4, 2)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.value = fd, 8  # unmapped address
    cases = ((uapi.BPF_MAP_UPDATE_ELEM, errno.EFAULT), (uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, errno.ENOENT))
    for cmd, expected in cases:
        with pytest.raises(OSError) as info:  # an empty pop fails before anything is copied out
            backend.bpf(cmd, attr)
        assert info.value.errno == expected
    assert push(backend, fd, v(7)) == "ok"
    for cmd in (uapi.BPF_MAP_LOOKUP_ELEM, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM):
        with pytest.raises(OSError) as info:
            backend.bpf(cmd, attr)
        assert info.value.errno == errno.EFAULT
    os.close(fd)


@BOTH
def test_permissions(backend: Backend, map_type: int) -> None:
    fd = create(backend, map_type, 0, 4, 2, flags=uapi.BPF_F_RDONLY)
    assert push(backend, fd, v(1)) == EPERM
    assert peek(backend, fd) == ENOENT
    assert pop(backend, fd) == EPERM
    os.close(fd)
    fd = create(backend, map_type, 0, 4, 2, flags=uapi.BPF_F_WRONLY)
    assert push(backend, fd, v(1)) == "ok"
    assert peek(backend, fd) == EPERM
    assert pop(backend, fd) == EPERM
    os.close(fd)
    fd = create(backend, map_type, 0, 4, 2)
    assert push(backend, fd, v(1)) == "ok"
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    assert backend.bpf(uapi.BPF_MAP_FREEZE, attr) == 0
    assert push(backend, fd, v(2)) == EPERM
    assert pop(backend, fd) == EPERM
    assert peek(backend, fd) == v(1)
    os.close(fd)


@BOTH
def test_odd_value_size_shared_by_fork(backend: Backend, map_type: int) -> None:
    fd = create(backend, map_type, 0, 5, 4)
    pid = os.fork()
    if pid == 0:
        code = 0 if all(push(backend, fd, bytes([n]) * 5) == "ok" for n in range(1, 5)) else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    order = [1, 2, 3, 4] if map_type == QUEUE else [4, 3, 2, 1]
    assert [pop(backend, fd, 5) for _ in range(5)] == [bytes([n]) * 5 for n in order] + [ENOENT]
    os.close(fd)


def test_sigkill_while_locked_keeps_queue_usable() -> None:
    """pybpf only: a process killed holding the lock mid-push leaves the old state, still usable."""
    backend = UserBackend()
    fd = create(backend, QUEUE, 0, 4, 3)
    assert push(backend, fd, v(1)) == "ok"
    pid = os.fork()
    if pid == 0:  # take the lock, write the element but never publish the indices, die
        obj = MapObject.from_fd(fd)
        obj.lock.__enter__()
        assert isinstance(obj.impl, QueueStackBase)
        obj.impl._slot(1)[:] = v(99)
        os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    assert push(backend, fd, v(2)) == "ok"
    assert [pop(backend, fd) for _ in range(3)] == [v(1), v(2), ENOENT]
    os.close(fd)
