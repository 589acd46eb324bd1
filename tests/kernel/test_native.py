"""Tests of the native backend (pybpf.kernel.native): the real bpf(2) through ctypes.

Maps are created, updated, looked up and deleted with raw ``union bpf_attr`` bytes, and the errno
of every failure is the kernel's own.  Everything that needs the syscall is skipped where this
process cannot use it.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import struct
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from pybpf.errors import BPFError
from pybpf.kernel.native import NativeBackend, kernel_bpf_available, native_bpf, syscall_number
from tests.differential.kernel_harness import (
    BPF_MAP_CREATE,
    BPF_MAP_LOOKUP_ELEM,
    BPF_MAP_TYPE_ARRAY,
    BPF_MAP_TYPE_HASH,
    BPF_PROG_TEST_RUN,
    map_create,
    map_delete,
    map_get_next_key,
    map_lookup,
    map_update,
    prog_load,
)
from tests.differential.program_gen import EXIT, alu

BPF_NOEXIST, BPF_EXIST = 1, 2
F = TypeVar("F", bound=Callable[..., Any])

_skip_without_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="no usable bpf(2) here")


def needs_kernel(test: F) -> F:
    """Mark a test as needing the real syscall, and skip it where this process cannot use it."""
    marked: F = pytest.mark.kernel(_skip_without_kernel(test))
    return marked


@pytest.mark.parametrize(
    ("machine", "bits", "number"),
    [
        ("x86_64", 64, 321),
        ("x86_64", 32, 357),
        ("i686", 32, 357),
        ("aarch64", 64, 280),
        ("armv7l", 32, 386),
        ("riscv64", 64, 280),
        ("ppc64le", 64, 361),
        ("ppc64", 64, 361),
        ("s390x", 64, 351),
        ("loongarch64", 64, 280),
    ],
)
def test_syscall_numbers(machine: str, bits: int, number: int) -> None:
    assert syscall_number(machine, bits) == number


def test_unknown_architecture_is_enosys() -> None:
    with pytest.raises(BPFError) as info:
        syscall_number("pdp11", 16)
    assert info.value.errno == errno.ENOSYS


def test_availability_is_a_cached_bool() -> None:
    assert isinstance(kernel_bpf_available(), bool)
    assert kernel_bpf_available() is kernel_bpf_available()


def test_attr_of_wrong_type_is_rejected() -> None:
    with pytest.raises(TypeError):
        native_bpf(BPF_MAP_CREATE, "not bytes")  # type: ignore[arg-type]


def test_size_larger_than_the_buffer_is_refused_before_the_syscall() -> None:
    with pytest.raises(ValueError):
        native_bpf(BPF_MAP_CREATE, bytes(8), 16)


def _array_attr(key_size: int = 4, value_size: int = 8, entries: int = 4) -> bytes:
    return struct.pack("<4I", BPF_MAP_TYPE_ARRAY, key_size, value_size, entries) + bytes(56)


@pytest.fixture
def array_fd() -> Iterator[int]:
    fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    yield fd
    os.close(fd)


@pytest.fixture
def hash_fd() -> Iterator[int]:
    fd = map_create(BPF_MAP_TYPE_HASH, 4, 8, 8)
    yield fd
    os.close(fd)


def key(n: int) -> bytes:
    return struct.pack("<I", n)


def value(n: int) -> bytes:
    return struct.pack("<Q", n)


@needs_kernel
def test_map_create_returns_a_cloexec_fd() -> None:
    fd = native_bpf(BPF_MAP_CREATE, _array_attr())
    try:
        assert fd >= 0
        assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    finally:
        os.close(fd)


@needs_kernel
def test_array_map_round_trip(array_fd: int) -> None:
    assert map_lookup(array_fd, key(3), 8) == bytes(8)  # arrays start zeroed
    map_update(array_fd, key(3), value(0xDEADBEEF_CAFEBABE))
    assert map_lookup(array_fd, key(3), 8) == value(0xDEADBEEF_CAFEBABE)
    assert map_get_next_key(array_fd, None, 4) == key(0)
    assert map_get_next_key(array_fd, key(2), 4) == key(3)


@needs_kernel
def test_array_map_errors(array_fd: int) -> None:
    with pytest.raises(BPFError) as info:
        map_lookup(array_fd, key(4), 8)  # past max_entries
    assert info.value.errno == errno.ENOENT
    with pytest.raises(BPFError) as info:
        map_delete(array_fd, key(0))  # array elements cannot be deleted
    assert info.value.errno == errno.EINVAL
    with pytest.raises(BPFError) as info:
        map_update(array_fd, key(0), value(1), BPF_NOEXIST)  # array elements always exist
    assert info.value.errno == errno.EEXIST
    with pytest.raises(BPFError) as info:
        map_get_next_key(array_fd, key(3), 4)  # the last key has no successor
    assert info.value.errno == errno.ENOENT


@needs_kernel
def test_hash_map_round_trip_and_errors(hash_fd: int) -> None:
    with pytest.raises(BPFError) as info:
        map_lookup(hash_fd, key(7), 8)
    assert info.value.errno == errno.ENOENT
    with pytest.raises(BPFError) as info:
        map_update(hash_fd, key(7), value(1), BPF_EXIST)
    assert info.value.errno == errno.ENOENT
    map_update(hash_fd, key(7), value(1), BPF_NOEXIST)
    with pytest.raises(BPFError) as info:
        map_update(hash_fd, key(7), value(2), BPF_NOEXIST)
    assert info.value.errno == errno.EEXIST
    map_update(hash_fd, key(7), value(2), BPF_EXIST)
    assert map_lookup(hash_fd, key(7), 8) == value(2)
    assert map_get_next_key(hash_fd, None, 4) == key(7)
    map_delete(hash_fd, key(7))
    with pytest.raises(BPFError) as info:
        map_delete(hash_fd, key(7))
    assert info.value.errno == errno.ENOENT
    with pytest.raises(BPFError) as info:
        map_get_next_key(hash_fd, None, 4)  # empty map
    assert info.value.errno == errno.ENOENT


@needs_kernel
def test_hash_map_full_is_e2big() -> None:
    fd = map_create(BPF_MAP_TYPE_HASH, 4, 8, 2)
    try:
        map_update(fd, key(1), value(1))
        map_update(fd, key(2), value(2))
        with pytest.raises(BPFError) as info:
            map_update(fd, key(3), value(3))
        assert info.value.errno == errno.E2BIG
    finally:
        os.close(fd)


@needs_kernel
@pytest.mark.parametrize("map_type", [0, 0xFFFF])
def test_bad_map_type_is_einval(map_type: int) -> None:
    attr = struct.pack("<4I", map_type, 4, 8, 1) + bytes(56)
    with pytest.raises(BPFError) as info:
        native_bpf(BPF_MAP_CREATE, attr)
    assert info.value.errno == errno.EINVAL
    assert isinstance(info.value, OSError)


@needs_kernel
def test_zero_sized_array_is_einval() -> None:
    with pytest.raises(BPFError) as info:
        native_bpf(BPF_MAP_CREATE, _array_attr(entries=0))
    assert info.value.errno == errno.EINVAL


@needs_kernel
def test_closed_fd_is_ebadf() -> None:
    fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    os.close(fd)
    with pytest.raises(BPFError) as info:
        map_lookup(fd, key(0), 8)
    assert info.value.errno == errno.EBADF


@needs_kernel
def test_fd_of_an_ordinary_file_is_einval() -> None:
    with tempfile.TemporaryFile() as file, pytest.raises(BPFError) as info:
        map_lookup(file.fileno(), key(0), 8)
    assert info.value.errno == errno.EINVAL


@needs_kernel
def test_unknown_command_is_einval() -> None:
    with pytest.raises(BPFError) as info:
        native_bpf(9999, bytes(64))
    assert info.value.errno == errno.EINVAL


@needs_kernel
def test_nonzero_tail_beyond_the_kernel_attr_is_e2big() -> None:
    attr = bytearray(_array_attr()) + bytes(1024)
    attr[-1] = 1
    with pytest.raises(BPFError) as info:
        native_bpf(BPF_MAP_CREATE, attr)
    assert info.value.errno == errno.E2BIG


@needs_kernel
def test_size_argument_limits_what_the_kernel_reads() -> None:
    # map_flags (the fifth u32) holds garbage, but size 16 stops before it.
    attr = struct.pack("<5I", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0xFFFFFFFF) + bytes(52)
    with pytest.raises(BPFError):
        native_bpf(BPF_MAP_CREATE, attr)
    fd = native_bpf(BPF_MAP_CREATE, attr, 16)
    os.close(fd)


class _ElemAttr(ctypes.Structure):
    _fields_ = (
        ("map_fd", ctypes.c_uint32),
        ("key", ctypes.c_uint64),
        ("value", ctypes.c_uint64),
        ("flags", ctypes.c_uint64),
    )


@needs_kernel
def test_ctypes_structure_attr_and_kernel_writes_reach_the_caller(array_fd: int) -> None:
    map_update(array_fd, key(1), value(42))
    key_buf = ctypes.c_uint32(1)
    value_buf = ctypes.c_uint64(0)
    attr = _ElemAttr(array_fd, ctypes.addressof(key_buf), ctypes.addressof(value_buf), 0)
    assert native_bpf(BPF_MAP_LOOKUP_ELEM, attr) == 0
    assert value_buf.value == 42


@needs_kernel
@pytest.mark.parametrize("wrap", [bytearray, lambda b: memoryview(bytearray(b))])
def test_test_run_writes_retval_into_a_mutable_attr(wrap: Callable[[bytes], Any]) -> None:
    prog_fd = prog_load([alu("mov", 0, imm=0x1234), EXIT])
    try:
        packet = ctypes.create_string_buffer(bytes(64), 64)
        raw = struct.pack("<IIIIQQII", prog_fd, 0, 64, 0, ctypes.addressof(packet), 0, 1, 0) + bytes(48)
        attr = wrap(raw)
        native_bpf(BPF_PROG_TEST_RUN, attr)
        assert struct.unpack_from("<I", bytes(attr), 4)[0] == 0x1234
        # bytes attrs are copied: the call works but the caller does not see the writes
        native_bpf(BPF_PROG_TEST_RUN, raw)
        assert struct.unpack_from("<I", raw, 4)[0] == 0
    finally:
        os.close(prog_fd)


@needs_kernel
def test_native_backend_is_the_syscall(array_fd: int) -> None:
    backend = NativeBackend()
    assert backend.name == "native"
    assert NativeBackend.available()
    key_buf, value_buf = ctypes.c_uint32(0), ctypes.c_uint64(7)
    attr = struct.pack("<IxxxxQQQ", array_fd, ctypes.addressof(key_buf), ctypes.addressof(value_buf), 0)
    assert backend.bpf(2, attr) == 0  # BPF_MAP_UPDATE_ELEM
    assert map_lookup(array_fd, key(0), 8) == value(7)
    with pytest.raises(BPFError) as info:
        backend.bpf(BPF_MAP_CREATE, bytes(72))
    assert info.value.errno == errno.EINVAL
