"""The C library functions the JIT's native code calls, and their addresses in this process.

Native helpers (``pybpf.jit.native_helpers`` and the modules it gathers) call a few C library
functions directly -- the clock, the CPU and ids, the robust process-shared mutexes of the maps -- and
the run entries (``pybpf.jit.repeat``) read the CPU with ``sched_getcpu``.  Their addresses are this
process's (the object code reaches them through relocations, ``pybpf.jit.lower.ADDRESS_SYMBOL``).
This module loads no LLVM: the interpreter's path imports it through ``pybpf.jit.repeat``.
"""

from __future__ import annotations

import ctypes

LIBC_FUNCTIONS = (
    "clock_gettime",
    "sched_getcpu",
    "getpid",
    "gettid",
    "getuid",
    "getgid",
    "pthread_mutex_trylock",
    "pthread_mutex_unlock",
    "pthread_mutex_consistent",
)
"""The C library functions native helpers call (their addresses: ``libc_addresses``)."""


def libc_address(name: str) -> int:
    """The address of the C library's function ``name`` in this process (0 when it has none)."""
    function = getattr(ctypes.CDLL(None), name, None)
    return (ctypes.cast(function, ctypes.c_void_p).value or 0) if function is not None else 0


_LIBC_ADDRESSES: dict[str, int] = {}


def libc_addresses() -> dict[str, int]:
    """Role -> address of every ``LIBC_FUNCTIONS`` entry (``libc_<name>``: the role of
    ``pybpf.jit.lower.ADDRESS_SYMBOL``)."""
    if not _LIBC_ADDRESSES:
        _LIBC_ADDRESSES.update({f"libc_{name}": libc_address(name) for name in LIBC_FUNCTIONS})
    return dict(_LIBC_ADDRESSES)


__all__ = ["LIBC_FUNCTIONS", "libc_address", "libc_addresses"]
