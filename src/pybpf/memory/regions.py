"""The address space a BPF program sees: native memory regions, every access bounds-checked.

BPF registers hold real virtual addresses, as in the kernel and uBPF.  Stack frames, the input
buffer and (in later layers) the context, packet and map values are native memory — ctypes
buffers, ``bytearray``s, ``mmap``s — registered here as ``Region``s.  The kernel never checks a
verified program's accesses at run time (the verifier proved them safe); an interpreter running
unverified code must, so every load and store goes through ``Memory``, which raises
``MemoryAccessError`` (pc, address, size, read/write and why) instead of touching memory that no
region covers or writing a read-only one.  A program can never crash the process or silently read
foreign memory.

Fast path: the hot accessors (``load1`` … ``store8``, used by the interpreter's generated code)
keep a one-entry cache of the last region read and of the last region written; a miss bisects the
sorted region list.  The accessors are closures sharing that cache, so a hit costs two comparisons
and one ``struct`` call.

Access: a region may be read, written, or both (``Region.access``, bits ``READ`` and ``WRITE``).
Map values of maps created with BPF_F_RDONLY_PROG are read-only regions, of BPF_F_WRONLY_PROG
write-only ones (a load faults), as the kernel's ``check_map_access_type`` rules; a
read-modify-write (atomics) needs both (``check(..., READ_WRITE)``).

Regions are public API for later layers: the map helpers register the values they hand out
(``pybpf.helpers.map_access``), program types their context and packet, helpers read and write
through ``read``/``write``/``read_cstring``.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import struct
import threading
from collections.abc import Callable
from typing import Any, Literal

from pybpf.errors import MemoryAccessError, UnknownMemoryError
from pybpf.objects.forking import fork_safe

U64_MASK = (1 << 64) - 1
NULL_GUARD = 4096
"""Addresses below this are reported as NULL pointer dereferences (the kernel never maps page 0)."""
NEAR = 4096
"""A fault this close to a region is described relative to it ("8 byte(s) below stack ...")."""

Loader = Callable[[int, int], int]
"""``load(address, pc) -> value``: a sized, bounds-checked load (pc names the instruction for errors)."""
Storer = Callable[[int, int, int], None]
"""``store(address, value, pc)``: a sized, bounds-checked store of an already-truncated value."""
PacketReader = Callable[[int, int], "int | None"]
"""``read(offset, size) -> value`` for LD_ABS/LD_IND: the big-endian value, or None when out of range."""

READ = 1
"""``Region.access`` bit: programs may load from the region."""
WRITE = 2
"""``Region.access`` bit: programs may store to the region."""
OPAQUE = 0
"""``Region.access`` of bytes that stand for kernel memory whose value user space cannot learn (a
socket's sequence numbers, most of a ``struct tcp_sock``): no access at all, and a load touching
them raises ``UnknownMemoryError``, which probe loads do not turn into 0 -- the run stops where the
kernel would have read a value pybpf does not have."""
READ_WRITE = 2
"""The ``write`` argument of ``check`` for a read-modify-write (atomics): needs READ and WRITE.

``write`` is False (a load), True (a store) or READ_WRITE; ``_NEEDS[write]`` is the access it needs."""
_NEEDS = (READ, WRITE, READ | WRITE)


class Region:
    """A contiguous range ``[start, end)`` of native memory that programs may access.

    ``view`` is a byte memoryview whose element 0 lives at address ``base``; ``start``/``end`` lie
    inside it.  A region's bounds may shrink or grow inside its view (``Memory.resize_region``) —
    the interpreter does that for the stack as bpf-to-bpf calls push and pop frames, the XDP
    helpers for the packet as they move data_meta, data and data_end.  ``access`` holds the
    ``READ``/``WRITE`` bits; ``owner`` is whatever the registering layer wants to find again from an
    address (the map of a map value, for ``bpf_spin_lock``), or None.
    """

    __slots__ = ("_keepalive", "access", "base", "capacity_end", "end", "name", "owner", "start", "view")

    def __init__(
        self,
        base: int,
        view: memoryview,
        start: int,
        end: int,
        *,
        access: int,
        name: str,
        keepalive: Any,
        owner: object = None,
    ) -> None:
        self.base = base
        self.view = view
        self.capacity_end = base + len(view)
        """The highest address (exclusive) the region may grow to: the end of its view."""
        self.start = start
        self.end = end
        self.access = access
        self.name = name
        self.owner = owner
        self._keepalive = keepalive

    @property
    def writable(self) -> bool:
        return bool(self.access & WRITE)

    @property
    def readable(self) -> bool:
        return bool(self.access & READ)

    @property
    def length(self) -> int:
        return self.end - self.start

    def __contains__(self, address: object) -> bool:
        return isinstance(address, int) and self.start <= address < self.end

    def __repr__(self) -> str:
        mode = ("r" if self.readable else "") + ("w" if self.writable else "")
        return f"Region({self.name!r}, {self.start:#x}..{self.end:#x}, {self.length} bytes, {mode})"


def _native_view(target: Any, length: int | None, writable: bool) -> tuple[int, memoryview, Any]:
    """Address, byte view and keep-alive object for a buffer or a raw address."""
    if isinstance(target, int):
        if length is None:
            raise TypeError("a region given by address needs a length")
        if target <= 0 or length <= 0:
            raise ValueError(f"invalid region address {target:#x} / length {length}")
        array = (ctypes.c_char * length).from_address(target)
        return target, memoryview(array).cast("B"), array
    source = memoryview(target)
    if not source.contiguous:
        raise ValueError("a region must be contiguous memory")
    source = source.cast("B")
    if length is not None:
        if not 0 <= length <= len(source):
            raise ValueError(f"region length {length} exceeds the buffer ({len(source)} bytes)")
        source = source[:length]
    if not len(source):
        raise ValueError("cannot register an empty buffer as a region")
    if source.readonly:
        if writable:
            raise ValueError("cannot register a read-only buffer (e.g. bytes) as a writable region")
        # Python offers no way to take the address of a read-only exporter without copying it.
        array = (ctypes.c_char * len(source)).from_buffer_copy(source)
        return ctypes.addressof(array), memoryview(array).cast("B"), array
    writable_array = (ctypes.c_char * len(source)).from_buffer(source)
    return ctypes.addressof(writable_array), memoryview(writable_array).cast("B"), (writable_array, source)


class Memory:
    """The registered regions of one address space and the bounds-checked accessors over them.

    ``load1/2/4/8(addr, pc)`` return unsigned values, ``loads1/2/4(addr, pc)`` sign-extend to an
    unsigned 64-bit value, ``store1/2/4/8(addr, value, pc)`` store a value already truncated to
    the size.  ``read``/``write``/``read_cstring``/``load``/``store`` are the convenience forms
    for helpers.  All of them raise ``MemoryAccessError`` on a bad access.
    """

    load1: Loader
    load2: Loader
    load4: Loader
    load8: Loader
    loads1: Loader
    loads2: Loader
    loads4: Loader
    store1: Storer
    store2: Storer
    store4: Storer
    store8: Storer

    def __init__(self) -> None:
        self.lock = fork_safe(threading.RLock())
        """Held by every run using this address space (the accessors' cache is not thread-safe)."""
        self._regions: list[Region] = []
        self._bases: list[int] = []  # region.base of each region, for bisect (views never overlap)
        self._refresh: Callable[[Region, bool], None] = lambda region, removed: None
        self.generation = 0
        """Incremented whenever a region is added, removed or resized (caches compare it)."""
        self._build_accessors()

    # -- region management ----------------------------------------------------------------
    def add_region(
        self, target: Any, length: int | None = None, *, writable: bool, name: str = "memory"
    ) -> Region:
        """Register native memory and return its ``Region``.

        ``target`` is a buffer (``bytearray``, ``mmap``, ctypes array, writable ``memoryview`` —
        used in place, so the program's writes are visible in it; it cannot be resized while
        registered) or a read-only buffer such as ``bytes`` (copied; only with ``writable=False``)
        or an integer address (``length`` required; the caller guarantees the memory stays valid).
        Regions may not overlap.
        """
        base, view, keepalive = _native_view(target, length, writable)
        access = READ | WRITE if writable else READ
        region = Region(base, view, base, base + len(view), access=access, name=name, keepalive=keepalive)
        self._insert(region)
        return region

    def add_buffer(self, size: int, *, writable: bool = True, name: str = "memory") -> Region:
        """Allocate ``size`` zeroed bytes of native memory and register them."""
        array = (ctypes.c_char * size)()
        base, view = ctypes.addressof(array), memoryview(array).cast("B")
        access = READ | WRITE if writable else READ
        region = Region(base, view, base, base + size, access=access, name=name, keepalive=array)
        self._insert(region)
        return region

    def add_view(
        self, view: memoryview, address: int, *, access: int, name: str, owner: object = None
    ) -> Region:
        """Register ``view`` (a non-empty byte memoryview, writable unless ``access`` lacks WRITE)
        whose first byte the caller knows to live at ``address`` — a slice of a mapping whose base
        address it knows, without the cost of asking ctypes.  The view keeps its memory alive."""
        if not len(view) or address <= 0 or (access & WRITE and view.readonly):
            raise ValueError(f"cannot register {len(view)} bytes at {address:#x} as {name!r}")
        region = Region(
            address, view, address, address + len(view), access=access, name=name, keepalive=None, owner=owner
        )
        self._insert(region)
        return region

    def remove_region(self, region: Region) -> None:
        """Unregister a region; its buffer is released (a bytearray may be resized again)."""
        with self.lock:
            index = self._index_of(region)
            del self._regions[index]
            del self._bases[index]
            self.generation += 1
            self._refresh(region, True)
        with contextlib.suppress(BufferError):  # a caller may still hold a view derived from it
            region.view.release()
        region._keepalive = None

    def resize_region(self, region: Region, start: int, end: int) -> None:
        """Move a region's bounds inside its view (the stack grows by a frame per call).

        Views of different regions never overlap (``add_region`` refuses it), so bounds inside the
        view cannot collide with another region nor change the order of the regions.
        """
        if not region.base <= start <= end <= region.capacity_end:
            raise ValueError(f"bounds {start:#x}..{end:#x} outside the memory of {region!r}")
        region.start = start
        region.end = end
        self.generation += 1
        self._refresh(region, False)

    @property
    def regions(self) -> tuple[Region, ...]:
        """The registered regions, by address."""
        return tuple(self._regions)

    def region_at(self, address: int) -> Region | None:
        """The region containing ``address``, or None."""
        index = bisect.bisect_right(self._bases, address) - 1
        if index >= 0:
            region = self._regions[index]
            if region.start <= address < region.end:
                return region
        return None

    def _insert(self, region: Region) -> None:
        with self.lock:
            self._insert_locked(region)

    def _insert_locked(self, region: Region) -> None:
        index = bisect.bisect_right(self._bases, region.base)
        before = self._regions[index - 1] if index > 0 else None
        after = self._regions[index] if index < len(self._regions) else None
        for other in (before, after):
            if other is not None and other.base < region.capacity_end and region.base < other.capacity_end:
                raise ValueError(f"region {region.name!r} overlaps {other!r}")
        self._regions.insert(index, region)
        self._bases.insert(index, region.base)
        self.generation += 1

    def _index_of(self, region: Region) -> int:
        index = bisect.bisect_left(self._bases, region.base)
        while index < len(self._regions) and self._regions[index] is not region:
            index += 1
        if index == len(self._regions):
            raise ValueError(f"{region!r} is not registered")
        return index

    # -- checking ---------------------------------------------------------------------------
    def filler(self) -> Callable[[int, int, bool, int], tuple[int, int, int, memoryview]]:
        """``fill(address, size, write, pc)``: check an access, return its region's (start, end, base, view).

        For generated code that caches these in locals and calls this only when an access misses
        them.  The lookup is ``check`` inlined (one bisect of the sorted bases); a refused access
        goes through ``check`` itself for its error.
        """
        check = self.check
        regions, bases = self._regions, self._bases  # mutated in place, never replaced

        def fill(address: int, size: int, write: bool, pc: int) -> tuple[int, int, int, memoryview]:
            index = bisect.bisect_right(bases, address) - 1
            if index >= 0:
                region = regions[index]
                need = _NEEDS[write]
                if region.start <= address and address + size <= region.end and region.access & need == need:
                    return region.start, region.end, region.base, region.view
            region = check(address, size, write, pc)  # raises (or answers a size-0 access)
            return region.start, region.end, region.base, region.view

        return fill

    def check(self, address: int, size: int, write: bool | int, pc: int | None = None) -> Region:
        """The region an access of ``size`` bytes at ``address`` falls in; raises if there is none.

        ``write``: False for a load, True for a store, ``READ_WRITE`` for a read-modify-write.
        """
        index = bisect.bisect_right(self._bases, address) - 1  # region_at, inlined (the hot path)
        if index >= 0 and address >= 0:
            region = self._regions[index]
            need = _NEEDS[write]
            if (
                region.start <= address < region.end
                and address + size <= region.end
                and region.access & need == need
            ):
                return region
        opaque = self._opaque_in(address, size)
        if opaque is not None:
            detail = f"bytes of {opaque.name} whose value user space cannot learn"
            raise UnknownMemoryError(pc, address & U64_MASK, size, bool(write), detail)
        raise MemoryAccessError(pc, address & U64_MASK, size, bool(write), self.explain(address, size, write))

    def _opaque_in(self, address: int, size: int) -> Region | None:
        """The first ``OPAQUE`` region the access of ``size`` bytes at ``address`` touches, if any."""
        index = max(bisect.bisect_right(self._bases, address) - 1, 0)
        end = address + max(size, 1)
        regions = self._regions
        while index < len(regions) and regions[index].start < end:
            region = regions[index]
            if region.access == OPAQUE and region.end > address:
                return region
            index += 1
        return None

    def explain(self, address: int, size: int, write: bool | int) -> str:
        """Why an access is invalid, in words (for error messages)."""
        address &= U64_MASK
        if address < NULL_GUARD:
            return "NULL pointer dereference"
        region = self.region_at(address)
        if region is not None:
            if address + size > region.end:
                overrun = address + size - region.end
                where = f"at offset {address - region.start}"
                return f"{overrun} byte(s) past the end of {_describe(region)} {where}"
            if write and not region.writable:
                return f"{region.name} is read-only"
            if write is not True and not region.readable:
                return f"{region.name} is write-only"
        index = bisect.bisect_right(self._bases, address)
        below = self._regions[index - 1] if index > 0 else None  # the region whose view starts at or before
        if below is not None and address < below.start:
            return f"{below.start - address} byte(s) below {_describe(below)}"
        above = self._regions[index] if index < len(self._regions) else None
        past = address - below.end if below is not None else NEAR
        under = above.start - address if above is not None else NEAR
        if below is not None and past < min(under, NEAR):
            where = f"{past} byte(s) past" if past else "just past"
            return f"{where} the end of {_describe(below)}"
        if above is not None and under < NEAR:
            return f"{under} byte(s) below {_describe(above)}"
        return "not in any memory region"

    # -- helper-facing accessors --------------------------------------------------------------
    def read(self, address: int, size: int) -> bytes:
        """``size`` bytes at ``address`` (one region must hold them all)."""
        if size == 0:
            return b""
        region = self.check(address, size, False)
        offset = address - region.base
        return bytes(region.view[offset : offset + size])

    def write(self, address: int, data: bytes | bytearray | memoryview) -> None:
        """Store ``data`` at ``address`` (one writable region must hold it all)."""
        size = len(data)
        if size == 0:
            return
        region = self.check(address, size, True)
        offset = address - region.base
        region.view[offset : offset + size] = data

    def read_cstring(self, address: int, max_size: int) -> bytes:
        """The NUL-terminated string at ``address``, without its NUL, reading at most ``max_size`` bytes.

        Returns ``max_size`` bytes when no NUL occurs within them.  Raises if the string runs off
        its region before a NUL or ``max_size`` bytes.
        """
        if max_size <= 0:
            return b""
        region = self.check(address, 1, False)
        offset = address - region.base
        limit = min(max_size, region.end - address)
        chunk = bytes(region.view[offset : offset + limit])
        nul = chunk.find(0)
        if nul >= 0:
            return chunk[:nul]
        if limit < max_size:
            self.check(region.end, 1, False)  # raises: the string continues past its region
        return chunk

    def load(self, address: int, size: int) -> int:
        """The unsigned native-endian integer of ``size`` bytes at ``address``."""
        return int.from_bytes(self.read(address, size), _BYTEORDER)

    def store(self, address: int, size: int, value: int) -> None:
        """Store the low ``size`` bytes of ``value`` at ``address`` in native byte order."""
        self.write(address, (value & ((1 << (8 * size)) - 1)).to_bytes(size, _BYTEORDER))

    # -- the hot accessors ------------------------------------------------------------------------
    def _build_accessors(self) -> None:
        """Create the sized accessors as closures over a shared one-entry read and write cache."""
        r_lo = r_hi = r_base = 0
        r_view = w_view = _EMPTY
        w_lo = w_hi = w_base = 0
        check = self.check

        def refresh(region: Region, removed: bool) -> None:
            """Keep the caches right when ``region`` changed bounds or went away."""
            nonlocal r_lo, r_hi, w_lo, w_hi, r_view, w_view
            if r_base == region.base and r_hi:
                r_lo, r_hi = (0, 0) if removed else (region.start, region.end)
                if removed:
                    r_view = _EMPTY
            if w_base == region.base and w_hi:
                w_lo, w_hi = (0, 0) if removed else (region.start, region.end)
                if removed:
                    w_view = _EMPTY

        def refill_read(address: int, size: int, pc: int) -> None:
            nonlocal r_lo, r_hi, r_base, r_view
            region = check(address, size, False, pc)
            r_lo, r_hi, r_base, r_view = region.start, region.end, region.base, region.view

        def refill_write(address: int, size: int, pc: int) -> None:
            nonlocal w_lo, w_hi, w_base, w_view
            region = check(address, size, True, pc)
            w_lo, w_hi, w_base, w_view = region.start, region.end, region.base, region.view

        def make_load(size: int, fmt: str, signed: bool) -> Loader:
            unpack = struct.Struct(fmt).unpack_from
            mask = U64_MASK if signed else -1

            def load(address: int, pc: int) -> int:
                if not (r_lo <= address and address + size <= r_hi):
                    refill_read(address, size, pc)
                value: int = unpack(r_view, address - r_base)[0]
                return value & mask

            return load

        def load1(address: int, pc: int) -> int:
            if not (r_lo <= address < r_hi):
                refill_read(address, 1, pc)
            return r_view[address - r_base]

        def make_store(size: int, fmt: str) -> Storer:
            pack = struct.Struct(fmt).pack_into

            def store(address: int, value: int, pc: int) -> None:
                if not (w_lo <= address and address + size <= w_hi):
                    refill_write(address, size, pc)
                pack(w_view, address - w_base, value)

            return store

        def store1(address: int, value: int, pc: int) -> None:
            if not (w_lo <= address < w_hi):
                refill_write(address, 1, pc)
            w_view[address - w_base] = value

        self._refresh = refresh
        self.load1 = load1
        self.load2 = make_load(2, "=H", False)
        self.load4 = make_load(4, "=I", False)
        self.load8 = make_load(8, "=Q", False)
        self.loads1 = make_load(1, "=b", True)
        self.loads2 = make_load(2, "=h", True)
        self.loads4 = make_load(4, "=i", True)
        self.store1 = store1
        self.store2 = make_store(2, "=H")
        self.store4 = make_store(4, "=I")
        self.store8 = make_store(8, "=Q")


def _describe(region: Region) -> str:
    return f"{region.name} [{region.start:#x}, {region.end:#x})"


_EMPTY = memoryview(b"")
_BYTEORDER: Literal["little", "big"] = "little" if struct.pack("=H", 1) == b"\x01\x00" else "big"
