"""bpf() entry and BPF_MAP_CREATE: attr size handling, CHECK_ATTR, create checks — both backends."""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.syscall import NOT_IMPLEMENTED

from .helpers import create, create_outcome, outcome

H, A = uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_ARRAY
CREATE_CASES = [
    (A, 4, 8, 4, 0, b"ok"),
    (A, 8, 8, 4, 0, b""),
    (A, 4, 0, 4, 0, b""),
    (A, 4, 8, 0, 0, b""),
    (A, 4, 8, 4, uapi.BPF_F_NO_PREALLOC, b""),
    (A, 4, 8, 4, uapi.BPF_F_MMAPABLE, b""),
    (A, 4, 8, 4, uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY, b""),
    (A, 4, 8, 4, uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG, b""),
    (A, 4, 8, 4, uapi.BPF_F_PRESERVE_ELEMS, b""),
    (A, 4, 1 << 23, 1, 0, b""),
    (A, 4, 1 << 31, 1, 0, b""),
    (H, 8, 4194204, 1, 0, b""),
    (H, 8, 4194264, 1, 0, b""),
    (A, 4, 8, 4, 1 << 30, b""),
    (H, 4, 8, 4, 0, b"h.1_x"),
    (H, 0, 8, 4, 0, b""),
    (H, 4, 0, 4, 0, b""),
    (H, 4, 8, 0, 0, b""),
    (H, 4, 8, 4, uapi.BPF_F_NO_PREALLOC, b""),
    (H, 4, 8, 4, uapi.BPF_F_MMAPABLE, b""),
    (H, 4, 8, 4, uapi.BPF_F_RDONLY, b""),
    (H, 600, 8, 4, 0, b""),
    (H, 4, 8, 4, 0, b"bad-name"),
    (H, 4, 8, 4, 0, b"x" * 16),
    (9999, 4, 8, 4, 0, b""),
]


@pytest.mark.parametrize("case", CREATE_CASES, ids=[str(i) for i in range(len(CREATE_CASES))])
def test_map_create_checks(backend: Backend, case: tuple[int, int, int, int, int, bytes]) -> None:
    map_type, key_size, value_size, max_entries, flags, name = case
    got = create_outcome(backend, map_type, key_size, value_size, max_entries, flags, name)
    if kernel_bpf_available():
        expected = create_outcome(NativeBackend(), map_type, key_size, value_size, max_entries, flags, name)
        assert got == expected
    else:
        assert got == "ok" or got[0] == "errno"


def test_create_fd_is_cloexec(backend: Backend) -> None:
    fd = create(backend, A, 4, 8, 1)
    try:
        assert os.get_inheritable(fd) is False
    finally:
        os.close(fd)


def test_attr_tail_and_check_attr(backend: Backend) -> None:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = A, 4, 4, 1
    raw = bytes(attr)
    # a larger attr whose extra bytes are zero is fine, non-zero extra bytes are E2BIG
    fd = backend.bpf(uapi.BPF_MAP_CREATE, bytearray(raw + bytes(32)))
    os.close(fd)
    assert outcome(lambda: backend.bpf(uapi.BPF_MAP_CREATE, raw + bytes(8) + b"\1")) == ("errno", errno.E2BIG)
    # a shorter attr is zero-extended
    fd = backend.bpf(uapi.BPF_MAP_CREATE, raw[:16])
    os.close(fd)
    # a non-zero byte after the command's last field is EINVAL
    bad = bytearray(raw)
    bad[120] = 1
    assert outcome(lambda: backend.bpf(uapi.BPF_MAP_CREATE, bad)) == ("errno", errno.EINVAL)
    lookup = bytearray(uapi.ATTR_SIZE)
    lookup[40] = 1
    assert outcome(lambda: backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, lookup)) == ("errno", errno.EINVAL)


def test_unknown_command(backend: Backend) -> None:
    attr = bytes(uapi.ATTR_SIZE)
    assert outcome(lambda: backend.bpf(9999, attr)) == ("errno", errno.EINVAL)


def test_not_implemented_commands_say_so() -> None:
    if not NOT_IMPLEMENTED:
        pytest.skip("every command is implemented")
    name = NOT_IMPLEMENTED[-1]
    with pytest.raises(OSError, match="not yet implemented") as info:
        UserBackend().bpf(getattr(uapi, name), bytes(uapi.ATTR_SIZE))
    assert info.value.errno == errno.EINVAL


def test_bad_fds(backend: Backend) -> None:
    key = ctypes.create_string_buffer(4)
    value = ctypes.create_string_buffer(8)
    attr = uapi.bpf_attr()
    attr.key, attr.value = ctypes.addressof(key), ctypes.addressof(value)
    read, write = os.pipe()
    try:
        attr.map_fd = read
        assert outcome(lambda: backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, attr)) == ("errno", errno.EINVAL)
    finally:
        os.close(read)
        os.close(write)
    attr.map_fd = read  # now closed
    assert outcome(lambda: backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, attr)) == ("errno", errno.EBADF)
    attr.map_fd = 0xFFFFFFF0
    assert outcome(lambda: backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, attr)) == ("errno", errno.EBADF)


def test_delete_takes_no_value(backend: Backend) -> None:
    fd = create(backend, H, 4, 4, 1)
    try:
        attr = uapi.bpf_attr()
        key = ctypes.create_string_buffer(4)
        attr.map_fd, attr.key, attr.value = fd, ctypes.addressof(key), ctypes.addressof(key)
        assert outcome(lambda: backend.bpf(uapi.BPF_MAP_DELETE_ELEM, attr)) == ("errno", errno.EINVAL)
        attr.value = 0
        assert outcome(lambda: backend.bpf(uapi.BPF_MAP_DELETE_ELEM, attr)) == ("errno", errno.ENOENT)
    finally:
        os.close(fd)


def test_attr_larger_than_a_page(backend: Backend) -> None:
    attr = bytes(uapi.bpf_attr()) + bytes(8192)
    assert outcome(lambda: backend.bpf(uapi.BPF_MAP_CREATE, attr)) == ("errno", errno.E2BIG)
