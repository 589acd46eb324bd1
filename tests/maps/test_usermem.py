"""copy_from_user / copy_to_user: bad addresses are EFAULT, never a crash."""

from __future__ import annotations

import ctypes
import errno
import mmap

import pytest

from pybpf.kernel.usermem import copy_from_user, copy_to_user, strncpy_from_user


def test_round_trip() -> None:
    buffer = ctypes.create_string_buffer(b"hello", 8)
    assert copy_from_user(ctypes.addressof(buffer), 5) == b"hello"
    copy_to_user(ctypes.addressof(buffer), b"HE")
    assert buffer.raw[:5] == b"HEllo"
    assert strncpy_from_user(ctypes.addressof(buffer)) == b"HEllo"
    assert copy_from_user(0, 0) == b""


@pytest.mark.parametrize("address", [0, 1, 4096, 0xFFFF_FFFF_FFFF_F000, 1 << 63])
def test_bad_addresses_are_efault(address: int) -> None:
    with pytest.raises(OSError) as info:
        copy_from_user(address, 4)
    assert info.value.errno == errno.EFAULT
    with pytest.raises(OSError) as info:
        copy_to_user(address, b"abcd")
    assert info.value.errno == errno.EFAULT


def test_read_only_memory_is_not_writable() -> None:
    libc = ctypes.CDLL(None)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                          ctypes.c_long]  # fmt: skip
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
    address = libc.mmap(None, mmap.PAGESIZE, mmap.PROT_READ, flags, -1, 0)
    assert address and address != ctypes.c_void_p(-1).value
    try:
        assert copy_from_user(address, 4) == bytes(4)
        with pytest.raises(OSError) as info:
            copy_to_user(address, b"abcd")
        assert info.value.errno == errno.EFAULT
    finally:
        libc.munmap(address, mmap.PAGESIZE)
