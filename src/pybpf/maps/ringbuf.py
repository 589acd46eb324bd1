"""BPF_MAP_TYPE_RINGBUF: the multi-producer, single-consumer ring buffer of variable-size records.

Mirrors ``kernel/bpf/ringbuf.c``.  Creation takes only BPF_F_NUMA_NODE; key_size and value_size must
be 0 and max_entries (the data size in bytes) a power of 2 and a multiple of the page size, else
EINVAL (E2BIG past the kernel's RINGBUF_MAX_DATA_SZ, unreachable with a u32 max_entries on 4 KiB
pages).  The element commands all answer ENOTSUPP (524), as the kernel's ringbuf ops do; a non-NULL
key pointer is EINVAL first (the syscall layer's ``__bpf_copy_key`` for key_size 0).

Storage, laid out like the kernel's mmap-able part of ``struct bpf_ringbuf``::

    offset 0           consumer page: consumer_pos (u64) at offset 0, written by the consumer
    offset PAGE        producer page: producer_pos (u64) at 0; pybpf's pending_pos (u64) at 8, its
                       producer lock (a robust process-shared mutex) at 64 and its table of
                       reservations (u64s) from 128 to the end of the page
    offset 2*PAGE      data area: max_entries bytes of records
    offset 2*PAGE+max  overflow area: max_entries bytes (see below)

so ``mmap(fd, PAGE, offset=0)`` shows the consumer page and ``mmap(fd, PAGE + 2 * max_entries,
PROT_READ, offset=PAGE)`` the producer page and the data, exactly the two mappings libbpf makes of a
kernel ringbuf.  Records are the kernel's: an 8-byte header (u32 ``len`` carrying
BPF_RINGBUF_BUSY_BIT while reserved and BPF_RINGBUF_DISCARD_BIT once discarded, u32 ``pg_off``)
followed by the data, each record 8-byte aligned; positions are free-running u64 byte counters
masked by ``max_entries - 1``.

Deliberate difference: the kernel maps the data pages twice in a row, so a record that wraps past
the end of the data area is still contiguous in memory.  pybpf's object is a plain file mapped once,
so the bytes after the data area are an *overflow area*, not a second view of the ring: a reserved
record that crosses the end is written contiguously there (programs get one contiguous pointer, as
in the kernel) and ``commit`` copies the overflowing tail to the start of the data area before it
clears the BUSY bit.  Consumers must therefore read a wrapping record in two pieces from the data
area (``pybpf.ringbuf.RingBuffer`` does, for both backends).

``pg_off`` holds what the kernel stores (the record header's page offset from the start of
``struct bpf_ringbuf``, whose non-mmap-able first page precedes the consumer page): the header's page
within the storage plus RINGBUF_PGOFF (1).

Concurrency: ``reserve`` (and ``output``) take the ringbuf's own producer lock in the producer page,
like the kernel's ``rb->spinlock``, so callers need not hold ``MapObject.lock`` (holding it is
harmless).  ``commit`` takes no lock (the kernel's ``xchg`` of ``len``): the overflow copy and the
data writes precede the single aligned u32 store that clears BUSY, and positions are published with
single aligned u64 stores after the header is written (release order on x86-64's TSO).

A producer killed between reserve and commit (``kill -9`` of a process in the middle of a program
run; in the kernel a program always runs to its end) would leave a BUSY record that stalls the
consumer, and with it every record submitted after it, for ever.  So ``reserve`` notes the process
that reserved each record in the producer page's *reservation table* (one aligned u64 per entry: the
reserving process's id and the record's position, at the entry the position hashes to; a
reservation whose entry is taken goes unnoted) and ``commit`` clears the entry; a BUSY record whose
entry names a process that no longer exists is discarded (``reclaim``: BUSY cleared, DISCARD set, as
if its program had called bpf_ringbuf_discard) by the next ``reserve`` that walks up to it and by
the consumer (``pybpf.ringbuf.RingBuffer``) that stops at it.  What the dead process had written in
the record is lost -- it was never submitted -- and no submitted record is.

The positions and record headers are shared data any holder of the map may overwrite (in the kernel
the producer page is read-only to user space; here it is a file).  ``reserve`` never trusts them:
the pending position must lie at most one ring behind the producer, so the walk over committed
records takes at most ``max_entries / 8`` steps, and a record length that runs past the producer
is detected; both are EUCLEAN (``pybpf.maps.base``), raised with the producer lock released.
Positions are kept modulo 2^64 as the kernel's u64 counters are, and a consumer position ahead of
the producer makes reservations fail, as in the kernel.  ``commit`` checks that it is handed a
record's data inside the ring with a sane length, and clears BUSY instead of toggling it, so a
record committed twice is not made BUSY again.  Mapping: ``mmap_check`` has the kernel's
``ringbuf_map_mmap_kern`` rules (only the consumer page may be mapped writable: EPERM; nothing past
the data area's two copies: EINVAL).
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.maps.base import MapParams, NoBtfMapOps, corrupted, round_up
from pybpf.maps.registry import register
from pybpf.objects.locking import MUTEX_BYTES, SharedMutex, init_mutex, process_exists
from pybpf.uapi import ENOTSUPP

PAGE = mmap.PAGESIZE
"""The kernel-internal errno the ringbuf's element ops return; it reaches user space unchanged."""

RINGBUF_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE
RINGBUF_PGOFF = 1
"""Pages of ``struct bpf_ringbuf`` before the consumer page (not mmap-able) on the kernel side."""
RINGBUF_POS_PAGES = 2
RINGBUF_MAX_RECORD_SZ = 0xFFFFFFFF // 4
RINGBUF_MAX_DATA_SZ = ((1 << 24) - RINGBUF_POS_PAGES - RINGBUF_PGOFF) * PAGE
HDR_SZ: int = uapi.BPF_RINGBUF_HDR_SZ
BUSY_BIT: int = uapi.BPF_RINGBUF_BUSY_BIT
DISCARD_BIT: int = uapi.BPF_RINGBUF_DISCARD_BIT
WAKEUP_FLAGS = uapi.BPF_RB_NO_WAKEUP | uapi.BPF_RB_FORCE_WAKEUP

U64_MASK = (1 << 64) - 1
CONSUMER_POS_AT = 0
PRODUCER_POS_AT = PAGE
PENDING_POS_AT = PAGE + 8
PRODUCER_LOCK_AT = PAGE + 64
RESERVATIONS_AT = PAGE + 128
RESERVATION_SLOTS = (PAGE - 128) // 8
"""Entries of the reservation table: ``pid << 32 | tag`` with tag = the record's position in the
ring over 8 (``_tag``), at entry ``tag % RESERVATION_SLOTS``; 0 when free."""
DATA_AT = RINGBUF_POS_PAGES * PAGE


_PID_CELL = ctypes.c_uint64(os.getpid() << 32)
"""This process's id shifted left 32 bits, as the reservation table's entries hold it: kept in a
cell of its own, which a forked child updates in place, so that native code reads it by address
(``pid_cell_address``) in the process it runs in."""


def _forked() -> None:
    _PID_CELL.value = os.getpid() << 32


os.register_at_fork(after_in_child=_forked)


def _pid() -> int:
    return int(_PID_CELL.value) >> 32


def pid_cell_address() -> int:
    """The address of the cell holding ``getpid() << 32`` (see ``_PID_CELL``)."""
    return ctypes.addressof(_PID_CELL)


def reservation_tag(position: int, mask: int) -> int:
    """The reservation table's tag of the record at ring ``position`` (``mask``: max_entries - 1)."""
    return ((position & mask) >> 3) & 0xFFFFFFFF


def record_length(size: int) -> int:
    """Bytes a record of ``size`` data bytes occupies in the ring (header included, 8-aligned)."""
    return round_up((size & ~(BUSY_BIT | DISCARD_BIT)) + HDR_SZ, 8)


@register(uapi.BPF_MAP_TYPE_RINGBUF)
class RingBufMap(NoBtfMapOps):
    """The ring: consumer page, producer page, data area and overflow area in the map's storage."""

    checked_by_alloc = True  # no map_alloc_check: map_alloc checks, after the capabilities

    read_locked = False
    ring_buffer = True
    can_mmap = True

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.mask = params.max_entries - 1
        self.data_end = DATA_AT + params.max_entries
        self._u64 = mem.cast("B").cast("Q")
        self._u32 = mem.cast("B").cast("I")
        self._lock: SharedMutex | None = None

    # --- creation ---------------------------------------------------------------------------------
    @classmethod
    def check(cls, params: MapParams) -> None:
        if params.flags & ~RINGBUF_CREATE_FLAG_MASK:
            raise BPFError(errno.EINVAL, "ringbuf maps take only BPF_F_NUMA_NODE")
        entries = params.max_entries
        if params.key_size or params.value_size or entries <= 0 or entries & (entries - 1) or entries % PAGE:
            raise BPFError(
                errno.EINVAL,
                "ringbuf needs key_size = value_size = 0 and a power-of-2, page-aligned max_entries",
            )
        if entries > RINGBUF_MAX_DATA_SZ:
            raise BPFError(errno.E2BIG, "ringbuf data area too large")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return DATA_AT + 2 * params.max_entries

    def initialize(self) -> None:
        init_mutex(self._address() + PRODUCER_LOCK_AT)

    def _address(self) -> int:
        return ctypes.addressof(ctypes.c_char.from_buffer(self.mem))

    def _producer_lock(self) -> SharedMutex:
        if self._lock is None:
            self._lock = SharedMutex(self._address() + PRODUCER_LOCK_AT, lambda: None)
        return self._lock

    # --- element commands: not supported by ringbufs ----------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "ringbuf maps have no elements")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(ENOTSUPP, "ringbuf maps have no elements")

    def delete(self, key: bytes) -> None:
        raise BPFError(ENOTSUPP, "ringbuf maps have no elements")

    def get_next_key(self, key: bytes | None) -> bytes:
        raise BPFError(ENOTSUPP, "ringbuf maps have no elements")

    # --- positions ------------------------------------------------------------------------------
    @property
    def consumer_pos(self) -> int:
        return int(self._u64[CONSUMER_POS_AT // 8])

    @property
    def producer_pos(self) -> int:
        return int(self._u64[PRODUCER_POS_AT // 8])

    @property
    def pending_pos(self) -> int:
        """Position of the oldest record that may still be BUSY (the kernel's ``rb->pending_pos``)."""
        return int(self._u64[PENDING_POS_AT // 8])

    def _tag(self, position: int) -> int:
        return reservation_tag(position, self.mask)

    def _reservation_index(self, tag: int) -> int:
        return RESERVATIONS_AT // 8 + tag % RESERVATION_SLOTS

    def _reclaimable(self, position: int) -> bool:
        """Whether the BUSY record at ``position`` was reserved by a process that no longer exists
        (its reservation-table entry names it); that entry is cleared then."""
        tag = self._tag(position)
        index = self._reservation_index(tag)
        entry = int(self._u64[index])
        pid = entry >> 32
        if not pid or entry & 0xFFFFFFFF != tag or pid == _pid() or process_exists(pid):
            return False
        self._u64[index] = 0
        return True

    def reclaim(self, position: int) -> bool:
        """Discard the BUSY record at ring position ``position`` if the process that reserved it is
        gone (see the module docstring); whether it did.  Taken under the producer lock."""
        with self._producer_lock():
            index = (DATA_AT + (position & self.mask)) // 4
            hdr_len = int(self._u32[index])
            if not hdr_len & BUSY_BIT or not self._reclaimable(position):
                return False
            self._u32[index] = (hdr_len & ~BUSY_BIT) | DISCARD_BIT
        return True

    def header(self, position: int) -> tuple[int, int]:
        """(len, pg_off) of the record header at ring position ``position``."""
        index = (DATA_AT + (position & self.mask)) // 4
        return int(self._u32[index]), int(self._u32[index + 1])

    # --- producer side ----------------------------------------------------------------------------
    def reserve(self, size: int) -> int | None:
        """Reserve a record of ``size`` bytes: the storage offset of its data, or None when no room.

        As ``__bpf_ringbuf_reserve``: sizes above RINGBUF_MAX_RECORD_SZ or whose record exceeds the
        data area fail; the record is refused when the producer would get ``max_entries`` or more
        bytes ahead of the consumer, or of the oldest still-BUSY record (``pending_pos``).  The data
        bytes are contiguous (possibly running into the overflow area) and uninitialised.
        """
        if size < 0 or size > RINGBUF_MAX_RECORD_SZ:
            return None
        length = record_length(size)
        if length > self.max_entries:
            return None
        q = self._u64
        with self._producer_lock():
            cons_pos = int(q[CONSUMER_POS_AT // 8])
            prod_pos = int(q[PRODUCER_POS_AT // 8])
            pend_pos = int(q[PENDING_POS_AT // 8])
            if not 0 <= prod_pos - pend_pos <= self.max_entries:
                raise corrupted(f"ring positions: pending {pend_pos:#x}, producer {prod_pos:#x}")
            while pend_pos < prod_pos:  # at most max_entries / 8 records
                hdr_len = self.header(pend_pos)[0]
                if hdr_len & BUSY_BIT:
                    if not self._reclaimable(pend_pos):
                        break
                    hdr_len = (hdr_len & ~BUSY_BIT) | DISCARD_BIT  # its producer died: discarded
                    self._u32[(DATA_AT + (pend_pos & self.mask)) // 4] = hdr_len
                pend_pos += record_length(hdr_len)
            if pend_pos > prod_pos:
                raise corrupted("a committed record's length runs past the producer position")
            q[PENDING_POS_AT // 8] = pend_pos
            new_prod_pos = (prod_pos + length) & U64_MASK
            if (new_prod_pos - cons_pos) & U64_MASK > self.mask or (
                new_prod_pos - pend_pos
            ) & U64_MASK > self.mask:
                return None
            hdr = DATA_AT + (prod_pos & self.mask)
            self._u32[hdr // 4 + 1] = hdr // PAGE + RINGBUF_PGOFF
            self._u32[hdr // 4] = size | BUSY_BIT
            tag = self._tag(prod_pos)
            noted = self._reservation_index(tag)
            if not q[noted]:  # (taken: this reservation goes unnoted)
                q[noted] = int(_PID_CELL.value) | tag
            q[PRODUCER_POS_AT // 8] = new_prod_pos
        return hdr + HDR_SZ

    def _record_header(self, data_offset: int) -> int:
        """The index (in u32s) of the header of the record whose data starts at ``data_offset``;
        EUCLEAN unless that is a record's place in the data area with a length that fits."""
        if not DATA_AT + HDR_SZ <= data_offset < self.data_end + HDR_SZ or (data_offset - DATA_AT) % 8:
            raise corrupted(f"{data_offset:#x} is not the data of a record in the ring")
        index = (data_offset - HDR_SZ) // 4
        if int(self._u32[index]) & ~(BUSY_BIT | DISCARD_BIT) > self.max_entries - HDR_SZ:
            raise corrupted("a record longer than the ring")
        return index

    def record_size(self, data_offset: int) -> int:
        """The data size of the record whose data starts at storage offset ``data_offset``."""
        return int(self._u32[self._record_header(data_offset)]) & ~(BUSY_BIT | DISCARD_BIT)

    def commit(self, data_offset: int, discard: bool) -> None:
        """Submit (or discard) the reserved record at ``data_offset``: ``bpf_ringbuf_commit``.

        Copies a wrapping record's tail from the overflow area to the start of the data area, then
        clears BUSY (setting DISCARD when ``discard``) with one aligned store.  No wakeup exists in
        pybpf, so the kernel's wakeup flags have nothing to do here.
        """
        index = self._record_header(data_offset)
        hdr_len = int(self._u32[index])
        end = data_offset + (hdr_len & ~(BUSY_BIT | DISCARD_BIT))
        if not discard and end > self.data_end:
            self.mem[DATA_AT : DATA_AT + end - self.data_end] = self.mem[self.data_end : end]
        new_len = hdr_len & ~BUSY_BIT
        if discard:
            new_len |= DISCARD_BIT
        tag = self._tag(index * 4 - DATA_AT)
        noted = self._reservation_index(tag)
        if int(self._u64[noted]) & 0xFFFFFFFF == tag:
            self._u64[noted] = 0
        self._u32[index] = new_len

    def output(self, data: bytes, flags: int = 0) -> int:
        """``bpf_ringbuf_output``: copy ``data`` into a new record; 0, -EINVAL (flags) or -EAGAIN."""
        if flags & ~WAKEUP_FLAGS:
            return -errno.EINVAL
        try:
            offset = self.reserve(len(data))
        except BPFError as exc:
            return -(exc.errno or errno.EUCLEAN)
        if offset is None:
            return -errno.EAGAIN
        self.mem[offset : offset + len(data)] = data
        self.commit(offset, False)
        return 0

    def query(self, flags: int) -> int:
        """``bpf_ringbuf_query``: available bytes, ring size, consumer or producer position; else 0."""
        if flags == uapi.BPF_RB_AVAIL_DATA:
            return (self.producer_pos - self.consumer_pos) & U64_MASK
        if flags == uapi.BPF_RB_RING_SIZE:
            return self.max_entries
        if flags == uapi.BPF_RB_CONS_POS:
            return self.consumer_pos
        if flags == uapi.BPF_RB_PROD_POS:
            return self.producer_pos
        return 0

    # --- mapping --------------------------------------------------------------------------------
    def mmap_check(self, offset: int, length: int, writable: bool) -> None:
        """``ringbuf_map_mmap_kern``: only the consumer page, alone, may be mapped writable (EPERM);
        no mapping may reach past the producer page and the data area's two copies (EINVAL)."""
        if writable and (offset != 0 or length != PAGE):
            raise BPFError(errno.EPERM, "only the consumer page of a ring buffer can be mapped writable")
        if offset + length > DATA_AT + 2 * self.max_entries:
            raise BPFError(errno.EINVAL, "mapping past the end of the ring buffer")


assert PRODUCER_LOCK_AT + MUTEX_BYTES <= RESERVATIONS_AT
