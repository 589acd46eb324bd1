"""User memory access for the user-space bpf(2): ``copy_from_user`` / ``copy_to_user``.

Mirrors how the kernel reads and writes the pointers found in ``union bpf_attr``: through the
address, never trusting it.  The copy goes through ``process_vm_readv`` / ``process_vm_writev`` on
our own pid, so the kernel validates every page: a NULL, unmapped or read-only address gives
``EFAULT`` (as ``copy_from_user`` returning non-zero does in the kernel) instead of a segfault.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from typing import Any

from pybpf.errors import BPFError

_PAGE = os.sysconf("SC_PAGESIZE")
_PATH_MAX = 4096


class _IoVec(ctypes.Structure):
    _fields_ = (("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t))


@functools.cache
def _functions() -> tuple[Any, Any]:
    libc = ctypes.CDLL(None, use_errno=True)
    argtypes: list[Any] = [
        ctypes.c_int,
        ctypes.POINTER(_IoVec),
        ctypes.c_ulong,
        ctypes.POINTER(_IoVec),
        ctypes.c_ulong,
        ctypes.c_ulong,
    ]
    readv, writev = libc.process_vm_readv, libc.process_vm_writev
    for function in (readv, writev):
        function.argtypes = argtypes
        function.restype = ctypes.c_ssize_t
    return readv, writev


def _transfer(write: bool, address: int, buffer: Any, size: int) -> None:
    if size == 0:
        return
    if address == 0 or address < 0 or address + size > 1 << 64:
        raise BPFError(errno.EFAULT, f"bad user address {address:#x}")
    local = _IoVec(ctypes.addressof(buffer), size)
    remote = _IoVec(address, size)
    readv, writev = _functions()
    function = writev if write else readv
    done = int(function(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))
    if done != size:
        raise BPFError(errno.EFAULT, f"bad user address {address:#x} ({size} bytes)")


def copy_from_user(address: int, size: int) -> bytes:
    """``size`` bytes read at user ``address``; ``BPFError(EFAULT)`` if any of it is not readable."""
    buffer = ctypes.create_string_buffer(size)
    _transfer(False, address, buffer, size)
    return buffer.raw


def copy_to_user(address: int, data: bytes) -> None:
    """Write ``data`` at user ``address``; ``BPFError(EFAULT)`` if any of it is not writable."""
    buffer = ctypes.create_string_buffer(bytes(data), len(data))
    _transfer(True, address, buffer, len(data))


def strncpy_from_user(address: int, limit: int = _PATH_MAX) -> bytes:
    """A NUL-terminated string at ``address`` (without the NUL), read page by page.

    ``EFAULT`` for a bad address, ``ENAMETOOLONG`` when no NUL comes within ``limit`` bytes
    (as ``getname()`` does for paths).
    """
    out = bytearray()
    while len(out) < limit:
        chunk = min(_PAGE - (address + len(out)) % _PAGE, limit - len(out))
        data = copy_from_user(address + len(out), chunk)
        end = data.find(b"\0")
        if end >= 0:
            out += data[:end]
            return bytes(out)
        out += data
    raise BPFError(errno.ENAMETOOLONG, "path too long")
