"""BPF_ATOMIC instructions on native memory: truly atomic, also against other processes.

The kernel's atomics (``lock *(u64 *)(r1 + 0) += r2``, fetch variants, xchg, cmpxchg) compile to
the CPU's locked instructions, so they are atomic against every other CPU — including another
process writing the same shared map memory.  Registers here hold real addresses of native memory
(``pybpf.memory.regions``), so this module does the same: after the usual region and bounds check (a
read-modify-write needs a region both readable and writable; load-acquire and store-release are
checked as a load and a store), the operation runs through libatomic's generic
entry points (``__atomic_fetch_add_8``, ``__atomic_compare_exchange_4``, ...; sequentially
consistent, which is what the kernel's ``BPF_FETCH`` operations give) called with ctypes.
``load_acquire``/``store_release`` use ``__atomic_load_N``/``__atomic_store_N`` with acquire and
release order, so they never tear either.

Fallbacks (documented, not silent): when ``libatomic.so.1`` cannot be loaded, a ``RuntimeWarning``
is issued once at import and every atomic becomes a read-modify-write under the address space's
lock — atomic against other runs of this process only.  A misaligned address (which the kernel's
verifier refuses for atomics) takes the same locked path, since the CPU's atomics need natural
alignment.

The table of operations depends only on the address space, so each ``Memory`` gets one, built the
first time a program over it asks (``atomic_functions``) and shared by every program after it.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping

from pybpf.memory.regions import READ_WRITE, Memory
from pybpf.objects.forking import fork_safe

SEQ_CST = 5
ACQUIRE = 2
RELEASE = 3

_ORDER = sys.byteorder

AtomicRmw = Callable[[int, int, int], int]
"""``op(address, operand, pc) -> old value`` (operand already truncated to the size)."""
AtomicCmpxchg = Callable[[int, int, int, int], int]
"""``cmpxchg(address, expected, desired, pc) -> old value``."""
AtomicLoad = Callable[[int, int], int]
AtomicStore = Callable[[int, int, int], None]

_UPDATE: dict[str, Callable[[int, int], int]] = {
    "add": lambda old, value: old + value,
    "or": lambda old, value: old | value,
    "and": lambda old, value: old & value,
    "xor": lambda old, value: old ^ value,
    "xchg": lambda old, value: value,
}
_LIBATOMIC_NAME = {
    "add": "fetch_add",
    "or": "fetch_or",
    "and": "fetch_and",
    "xor": "fetch_xor",
    "xchg": "exchange",
}
_CTYPE = {1: ctypes.c_uint8, 2: ctypes.c_uint16, 4: ctypes.c_uint32, 8: ctypes.c_uint64}


def _load_libatomic() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libatomic.so.1")
    except OSError:
        warnings.warn(
            "libatomic.so.1 is missing: BPF atomics fall back to a read-modify-write under the "
            "address space's lock, which is not atomic against other processes sharing the memory",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


_LIB = _load_libatomic()


def _function(name: str, size: int, argtypes: list[type], restype: type | None) -> Callable[..., int] | None:
    if _LIB is None:
        return None
    try:
        function = getattr(_LIB, f"__atomic_{name}_{size}")
    except AttributeError:
        return None
    function.argtypes = argtypes
    function.restype = restype
    return function  # type: ignore[no-any-return]


def native() -> bool:
    """True when atomics are cross-process atomic (libatomic is available)."""
    return _LIB is not None


class Atomics:
    """The atomic operations over one ``Memory`` by name: ``add8``, ``xchg4``, ``cmpxchg8``, ``load_acq2``...

    Each checks the access (``MemoryAccessError`` on a bad one: a read-modify-write needs a region
    both readable and writable) and returns the old value zero-extended; the interpreter binds them
    into its generated code.
    """

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.functions: dict[str, Callable[..., int | None]] = {}
        for size in (4, 8):
            for op in _UPDATE:
                self.functions[f"{op}{size}"] = self._rmw(op, size)
            self.functions[f"cmpxchg{size}"] = self._cmpxchg(size)
        for size in (1, 2, 4, 8):
            self.functions[f"load_acq{size}"] = self._load(size)
            self.functions[f"store_rel{size}"] = self._store(size)

    def _locked_rmw(self, address: int, size: int, update: Callable[[int], int | None], pc: int) -> int:
        """The fallback: read, compute, write under the address space's lock."""
        memory = self.memory
        with memory.lock:
            region = memory.check(address, size, READ_WRITE, pc)
            offset = address - region.base
            old = int.from_bytes(region.view[offset : offset + size], _ORDER)
            new = update(old)
            if new is not None:
                mask = (1 << (8 * size)) - 1
                region.view[offset : offset + size] = (new & mask).to_bytes(size, _ORDER)
        return old

    def _rmw(self, op: str, size: int) -> AtomicRmw:
        check, combine = self.memory.check, _UPDATE[op]
        ctype = _CTYPE[size]
        function = _function(_LIBATOMIC_NAME[op], size, [ctypes.c_void_p, ctype, ctypes.c_int], ctype)
        locked = self._locked_rmw
        misaligned = size - 1

        if function is None:

            def fallback(address: int, value: int, pc: int) -> int:
                return locked(address, size, lambda old: combine(old, value), pc)

            return fallback

        def rmw(address: int, value: int, pc: int) -> int:
            if address & misaligned:
                return locked(address, size, lambda old: combine(old, value), pc)
            check(address, size, READ_WRITE, pc)
            return function(address, value, SEQ_CST)

        return rmw

    def _cmpxchg(self, size: int) -> AtomicCmpxchg:
        check, locked = self.memory.check, self._locked_rmw
        ctype = _CTYPE[size]
        function = _function(
            "compare_exchange",
            size,
            [ctypes.c_void_p, ctypes.c_void_p, ctype, ctypes.c_int, ctypes.c_int],
            ctypes.c_bool,
        )
        misaligned = size - 1

        def fallback(address: int, expected: int, desired: int, pc: int) -> int:
            return locked(address, size, lambda old: desired if old == expected else None, pc)

        if function is None:
            return fallback

        def cmpxchg(address: int, expected: int, desired: int, pc: int) -> int:
            if address & misaligned:
                return fallback(address, expected, desired, pc)
            check(address, size, READ_WRITE, pc)
            slot = ctype(expected)  # receives the current value when the exchange fails
            function(address, ctypes.byref(slot), desired, SEQ_CST, SEQ_CST)
            return slot.value

        return cmpxchg

    def _load(self, size: int) -> AtomicLoad:
        check, memory = self.memory.check, self.memory
        ctype = _CTYPE[size]
        function = _function("load", size, [ctypes.c_void_p, ctypes.c_int], ctype)

        def load(address: int, pc: int) -> int:
            if function is None or address & (size - 1):
                with memory.lock:
                    region = check(address, size, False, pc)
                    offset = address - region.base
                    return int.from_bytes(region.view[offset : offset + size], _ORDER)
            check(address, size, False, pc)
            return function(address, ACQUIRE)

        return load

    def _store(self, size: int) -> AtomicStore:
        check, memory = self.memory.check, self.memory
        ctype = _CTYPE[size]
        function = _function("store", size, [ctypes.c_void_p, ctype, ctypes.c_int], None)

        def store(address: int, value: int, pc: int) -> None:
            if function is None or address & (size - 1):
                with memory.lock:
                    region = check(address, size, True, pc)
                    offset = address - region.base
                    region.view[offset : offset + size] = value.to_bytes(size, _ORDER)
                return
            check(address, size, True, pc)
            function(address, value, RELEASE)

        return store


AtomicTable = Mapping[str, Callable[..., int | None]]
_TABLES: weakref.WeakKeyDictionary[Memory, AtomicTable] = weakref.WeakKeyDictionary()
_TABLES_LOCK = fork_safe(threading.Lock())


def atomic_functions(memory: Memory) -> AtomicTable:
    """``Atomics(memory).functions``, built once per address space and shared (read-only) by the
    programs running in it: building it costs a tenth of a small program's load."""
    with _TABLES_LOCK:
        table = _TABLES.get(memory)
        if table is None:
            table = _TABLES[memory] = Atomics(memory).functions
        return table


__all__ = ["ACQUIRE", "RELEASE", "SEQ_CST", "Atomics", "atomic_functions", "native"]
