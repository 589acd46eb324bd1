"""The calling process's memory as the kernel reaches user memory: ``process_vm_readv`` /
``process_vm_writev`` on our own pid, so the kernel checks every page (an unmapped or protected
address fails instead of crashing the process).

pybpf runs in the process that calls bpf(2), so that process's memory is the "user memory" of
both the syscall layer (``pybpf.kernel.usermem``: copy_from_user / copy_to_user of the pointers in
``union bpf_attr``) and of a program's user-memory kfuncs (``pybpf.kfuncs.user_copy``:
copy_from_user(), strncpy_from_user() of lib/usercopy.c and mm/maccess.c).
"""

from __future__ import annotations

import ctypes
import functools
import os
from typing import Any

U64_LIMIT = 1 << 64


class IoVec(ctypes.Structure):
    """``struct iovec``."""

    _fields_ = (("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t))


@functools.cache
def _functions() -> tuple[Any, Any]:
    libc = ctypes.CDLL(None, use_errno=True)
    argtypes: list[Any] = [
        ctypes.c_int,
        ctypes.POINTER(IoVec),
        ctypes.c_ulong,
        ctypes.POINTER(IoVec),
        ctypes.c_ulong,
        ctypes.c_ulong,
    ]
    readv, writev = libc.process_vm_readv, libc.process_vm_writev
    for function in (readv, writev):
        function.argtypes = argtypes
        function.restype = ctypes.c_ssize_t
    return readv, writev


def transfer(write: bool, address: int, buffer: Any, size: int) -> int:
    """Copy ``size`` bytes between the ctypes ``buffer`` and our memory at ``address`` (into it when
    ``write``): the bytes moved, fewer than ``size`` where the address range stops being mapped
    (none for NULL or a range past the address space)."""
    if size <= 0 or address <= 0 or address + size > U64_LIMIT:
        return 0
    local = IoVec(ctypes.addressof(buffer), size)
    remote = IoVec(address, size)
    readv, writev = _functions()
    done = int((writev if write else readv)(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))
    return max(done, 0)


def read_prefix(address: int, size: int) -> bytes:
    """What can be read of the ``size`` bytes at ``address``: all of them, a prefix, or none."""
    if size <= 0:
        return b""
    buffer = ctypes.create_string_buffer(size)
    done = transfer(False, address, buffer, size)
    return buffer.raw[:done]


__all__ = ["IoVec", "read_prefix", "transfer"]
