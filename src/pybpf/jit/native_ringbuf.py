"""Ring buffer helpers as native code: ``bpf_ringbuf_output`` and ``bpf_ringbuf_query``, and for a
verified program ``bpf_ringbuf_reserve``, ``bpf_ringbuf_submit`` and ``bpf_ringbuf_discard``.

Mirrors ``bpf_ringbuf_output``, ``bpf_ringbuf_reserve``, ``bpf_ringbuf_submit``,
``bpf_ringbuf_discard`` and ``bpf_ringbuf_query`` (kernel/bpf/ringbuf.c: ``__bpf_ringbuf_reserve``
under ``rb->spinlock``, ``bpf_ringbuf_commit``'s clearing of BUSY) on pybpf's ring buffer map
(``pybpf.maps.ringbuf``), working on the map's shared storage with that map's own protocol, so the
interpreter, ``RingBuffer`` readers and other processes see exactly the records the Python helpers
(``RingBufMap.reserve``, ``commit``, ``output``) would have written:

* the producer lock is the robust process-shared mutex in the producer page: taken with
  ``pthread_mutex_trylock`` through the C library (``EOWNERDEAD``: made consistent, as the map's
  own repair has nothing to do); a lock another thread or process holds, or a lock word the C
  library refuses, sends the call to the Python helper, which waits or fails as it always does;
* under the lock (``reserve``): the pending position advanced over committed records (at most one
  ring of them), the record refused (output: -EAGAIN, reserve: NULL) when the producer would get a
  ring ahead of the consumer or of the oldest BUSY record, else the header (``len | BUSY``,
  ``pg_off``) and the new producer position stored; positions the map would call corrupted
  (EUCLEAN) unlock and go to the Python helper;
* a commit (output's, submit's, discard's) after the lock: a submitted record's tail in the
  overflow area (a record that wraps is contiguous there) copied to the start of the data area, then
  BUSY cleared in the header (discard: DISCARD set) with one release store, the kernel's ``xchg``.
  pybpf has no wake-ups, so output's BPF_RB_NO_WAKEUP / BPF_RB_FORCE_WAKEUP are accepted and change
  nothing (other flags are -EINVAL), and submit and discard ignore their flags as the Python helpers
  do.

The shared words are read and written as LLVM atomics (monotonic, the publishing stores release),
so LLVM keeps the order the map's protocol needs; x86's ordered loads and stores do the rest, as
the Python side relies on (only x86 hosts get native ring buffer helpers).

What the Python helper checks before the ring is touched the native code checks too or leaves to
it: the run must be armed for the program's native maps (``pybpf.jit.native_maps``: the run may
name the map, no spin lock is held); output's data must lie in the stack or the region table
(``pybpf.jit.native_memory``) with ``0 < size <= max_entries - 8`` (and at most
RINGBUF_MAX_RECORD_SZ), reserve's flags must be 0 and its size at most that (else NULL); anything
else is the Python helper's (a fault, -EAGAIN for a record larger than the ring, an empty record).

Records.  The Python helper makes each reserved record a region of exactly its size that it
registers and takes back (``MapAccess.reserve_record``, ``take_record``), which a raw program keeps:
its reserve, submit and discard stay in Python, so its store at the record's end faults.  A
*verified* program is proven to touch a record only within its size and to release it exactly once
(the kernel's verifier's reference tracking), so, as in the kernel, its records are plain pointers
into the ring: the session's region table holds the ring's whole data and overflow areas as one
entry of its own (``NativeRing.values_span``, as ``native_maps`` holds a map's values), and the
records a run holds natively are listed in the ring's session array (``NativeMapSession``: a count,
then (data address, size) pairs, at most ``HELD_RECORDS``; a reservation past them is the Python
helper's).  Submit and discard look their r1 up in the lists of the rings that reserve natively;
a record not there (the Python helper's), or whose header another holder of the map overwrote, is
the Python helper's.  A record Python is given -- a helper's argument, the release of a record with
a bad header -- becomes a ``MapAccess`` record first (``NativeMapSession.reach``), which the Python
helpers then find exactly as after a Python reservation; a run that ends otherwise than by exit (a
fault) hands its records to its ``MapAccess`` likewise (``NativeMapSession.give_back``), which the
runner discards as it discards the interpreter's.  ``bpf_ringbuf_reserve_dynptr`` and its submit and
discard are built from the same pieces (``reserve``, ``held_list``, ``release_held``) in
``pybpf.jit.native_dynptr``.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llvmlite import ir

from pybpf import uapi
from pybpf.jit.libc import libc_address
from pybpf.jit.lower import I8, I32, I64, Lowering, Site
from pybpf.jit.native_hash import ORDERED_LOADS
from pybpf.jit.native_maps import MAX_NATIVE_MAPS, map_address
from pybpf.jit.native_memory import accessible, move_bytes
from pybpf.jit.state import NEED_READ, Field
from pybpf.maps.object import MapObject
from pybpf.maps.ringbuf import (
    BUSY_BIT,
    CONSUMER_POS_AT,
    DATA_AT,
    DISCARD_BIT,
    HDR_SZ,
    PAGE,
    PENDING_POS_AT,
    PRODUCER_LOCK_AT,
    PRODUCER_POS_AT,
    RESERVATION_SLOTS,
    RESERVATIONS_AT,
    RINGBUF_MAX_RECORD_SZ,
    RINGBUF_PGOFF,
    WAKEUP_FLAGS,
    RingBufMap,
)

TRYLOCK, UNLOCK, CONSISTENT = ("pthread_mutex_trylock", "pthread_mutex_unlock", "pthread_mutex_consistent")
"""The C library's mutex functions (``pybpf.jit.lower.LIBC_FUNCTIONS``, bound at link time)."""
PID_CELL_ROLE = "ringbuf_pid_cell"
"""The relocation role (``Lowering.address_of``) of the cell holding ``getpid() << 32``
(``pybpf.maps.ringbuf.pid_cell_address``), which reservations note in the ring's table."""
MUTEX_CALL = ir.FunctionType(I32, [I8.as_pointer()])
"""``int f(pthread_mutex_t *)``."""
PAGE_SHIFT = PAGE.bit_length() - 1
assert 1 << PAGE_SHIFT == PAGE
LENGTH_BITS = ~(BUSY_BIT | DISCARD_BIT) & 0xFFFF_FFFF
HELD_RECORDS = 8
"""Records a run may hold natively per ring (reserved, not yet submitted or discarded); a reservation
past them is the Python helper's (a region, as for a raw program)."""


@dataclass(frozen=True)
class NativeRing:
    """One ring buffer map as its native helpers see it."""

    obj: MapObject
    index: int
    """Its position among the program's native maps (``native_maps``: its session array)."""
    reserves: bool = False
    """Whether the (verified) program reserves records in it natively."""

    @property
    def max_entries(self) -> int:
        return self.obj.params.max_entries

    @property
    def stamped_values(self) -> int:
        return 0  # the ring hands out no values

    @property
    def held_records(self) -> int:
        return HELD_RECORDS if self.reserves else 0

    @property
    def values_span(self) -> tuple[int, int]:
        """A ring that reserves natively: its data and overflow areas (every record's bytes); else
        nothing (a verified session's table entry for the ring is empty)."""
        return (DATA_AT, DATA_AT + 2 * self.max_entries) if self.reserves else (0, 0)

    def value_containing(self, offset: int) -> int | None:
        return None

    @property
    def key(self) -> tuple[int, ...]:
        """What the linked code depends on: the map's identity and address, and its ``layout``."""
        return (self.obj.id, self.obj.address, *self.layout)

    @property
    def layout(self) -> tuple[int, ...]:
        """What the object code depends on (for the object cache): the map's shape, not its address."""
        return (self.obj.params.map_type, self.max_entries, int(self.reserves))


def native_ring(obj: MapObject, index: int) -> NativeRing | None:
    """``obj`` as a ring whose output and query may be native, or None (see the module docstring)."""
    if (
        not ORDERED_LOADS
        or obj.params.map_type != uapi.BPF_MAP_TYPE_RINGBUF
        or type(obj.impl) is not RingBufMap
        or index >= MAX_NATIVE_MAPS
        or obj.storage_size < DATA_AT + 2 * obj.params.max_entries
        or not all(map(libc_address, (TRYLOCK, UNLOCK, CONSISTENT)))
    ):
        return None
    return NativeRing(obj, index)


# -- lowering ------------------------------------------------------------------------------------------
def _word(lo: Lowering, address: ir.Value, bits: int) -> ir.Value:
    return lo.b.inttoptr(address, ir.IntType(bits).as_pointer())


def load_word(lo: Lowering, address: ir.Value, bits: int = 64) -> ir.Value:
    return lo.b.load_atomic(_word(lo, address, bits), "monotonic", bits // 8)


def _store(lo: Lowering, value: ir.Value, address: ir.Value, ordering: str = "monotonic") -> None:
    bits = value.type.width
    lo.b.store_atomic(value, _word(lo, address, bits), ordering, bits // 8)


def _mutex_call(lo: Lowering, function: str, mutex: ir.Value) -> ir.Value:
    b = lo.b
    return b.call(b.inttoptr(lo.libc(function), MUTEX_CALL.as_pointer()), [mutex])


def armed(lo: Lowering) -> ir.Value:
    return lo.b.icmp_unsigned("!=", lo.load_field(Field.MAPS_ARMED), lo.const(0))


def python_call(lo: Lowering, site: Site, args: Sequence[ir.Value], done: ir.Block) -> ir.Block:
    """A block calling the Python helper (r0 = its answer), then going to ``done``."""
    block = lo.new_block("ringbuf_python")
    here = lo.b.block
    lo.continue_in(block)
    lo.set_reg(0, lo.trampoline(site.insn.imm, list(args), site.slot))
    lo.b.branch(done)
    lo.continue_in(here)  # (r0's value there is not known here)
    return block


def answer(lo: Lowering, value: int, done: ir.Block) -> None:
    lo.set_reg(0, lo.const(value))
    lo.b.branch(done)


def reserve(
    lo: Lowering, ring: NativeRing, size: ir.Value, python: ir.Block, refuse: Callable[[], None]
) -> ir.Value:
    """``RingBufMap.reserve`` of ``size`` bytes (checked by the caller) under the producer lock: a lock
    held elsewhere, or positions the map would call corrupted, go to ``python``; a ring without room
    unlocks and ``refuse()``s.  Leaves the builder after the unlock with the record reserved (its
    header BUSY, the producer position past it); returns the header's address."""
    b = lo.b
    mutex = b.inttoptr(map_address(lo, ring, PRODUCER_LOCK_AT), I8.as_pointer())
    locked, repair = lo.new_block("ringbuf_locked"), lo.new_block("ringbuf_repair")
    switch = b.switch(_mutex_call(lo, TRYLOCK, mutex), python)
    switch.add_case(lo.const(0, 32), locked)
    switch.add_case(lo.const(errno.EOWNERDEAD, 32), repair)
    lo.continue_in(repair)
    _mutex_call(lo, CONSISTENT, mutex)
    b.branch(locked)

    lo.continue_in(locked)
    corrupt = lo.new_block("ringbuf_corrupt")
    cons = load_word(lo, map_address(lo, ring, CONSUMER_POS_AT))
    prod = load_word(lo, map_address(lo, ring, PRODUCER_POS_AT))
    pend_start = load_word(lo, map_address(lo, ring, PENDING_POS_AT))
    behind = b.sub(prod, pend_start)
    sane = b.and_(
        b.icmp_unsigned(">=", prod, pend_start), b.icmp_unsigned("<=", behind, lo.const(ring.max_entries))
    )
    walk, step, walked = (
        lo.new_block("ringbuf_walk"),
        lo.new_block("ringbuf_step"),
        lo.new_block("ringbuf_walked"),
    )
    before_walk = b.block
    b.cbranch(sane, walk, corrupt)

    lo.continue_in(walk)  # over committed records, from the pending position up to the producer
    pend = b.phi(I64, name="pend")
    pend.add_incoming(pend_start, before_walk)
    header = load_word(
        lo, b.add(map_address(lo, ring, DATA_AT), b.and_(pend, lo.const(ring.max_entries - 1))), 32
    )
    busy = b.icmp_unsigned("!=", b.and_(header, lo.const(BUSY_BIT, 32)), lo.const(0, 32))
    b.cbranch(b.or_(b.icmp_unsigned(">=", pend, prod), busy), walked, step)
    lo.continue_in(step)
    length = b.and_(
        b.add(b.zext(b.and_(header, lo.const(LENGTH_BITS, 32)), I64), lo.const(HDR_SZ + 7)), lo.const(~7)
    )
    following = b.add(pend, length)
    stepped = b.block
    b.cbranch(b.icmp_unsigned("<", following, pend), corrupt, walk)  # past 2^64: not a ring
    pend.add_incoming(following, stepped)

    lo.continue_in(walked)
    reserving, full = lo.new_block("ringbuf_reserve"), lo.new_block("ringbuf_full")
    b.cbranch(b.icmp_unsigned(">", pend, prod), corrupt, reserving)
    lo.continue_in(reserving)
    _store(lo, pend, map_address(lo, ring, PENDING_POS_AT))
    record = b.and_(b.add(size, lo.const(HDR_SZ + 7)), lo.const(~7))
    new_prod = b.add(prod, record)
    mask = lo.const(ring.max_entries - 1)
    refused = b.or_(
        b.icmp_unsigned(">", b.sub(new_prod, cons), mask), b.icmp_unsigned(">", b.sub(new_prod, pend), mask)
    )
    writing = lo.new_block("ringbuf_write")
    b.cbranch(refused, full, writing)
    lo.continue_in(full)
    _mutex_call(lo, UNLOCK, mutex)
    refuse()

    lo.continue_in(corrupt)
    _mutex_call(lo, UNLOCK, mutex)
    b.branch(python)

    lo.continue_in(writing)
    at = b.add(lo.const(DATA_AT), b.and_(prod, mask))  # the header's offset in the storage
    header_address = b.add(map_address(lo, ring), at)
    page_offset = b.add(b.lshr(at, lo.const(PAGE_SHIFT)), lo.const(RINGBUF_PGOFF))
    _store(lo, b.trunc(page_offset, I32), b.add(header_address, lo.const(4)))
    _store(lo, b.or_(b.trunc(size, I32), lo.const(BUSY_BIT, 32)), header_address)
    tag = _tag(lo, at)  # noted in the reservation table when its entry is free (``RingBufMap.reserve``)
    pid = b.load(b.inttoptr(lo.address_of(PID_CELL_ROLE), I64.as_pointer()))
    b.cmpxchg(_word(lo, _entry(lo, ring, tag), 64), lo.const(0), b.or_(pid, tag), "monotonic", "monotonic")
    _store(lo, new_prod, map_address(lo, ring, PRODUCER_POS_AT), "release")
    _mutex_call(lo, UNLOCK, mutex)
    return header_address


def _tag(lo: Lowering, at: ir.Value) -> ir.Value:
    """The reservation tag (``reservation_tag``) of the record whose header is at storage offset ``at``."""
    b = lo.b
    return b.and_(b.lshr(b.sub(at, lo.const(DATA_AT)), lo.const(3)), lo.const(0xFFFF_FFFF))


def _entry(lo: Lowering, ring: NativeRing, tag: ir.Value) -> ir.Value:
    b = lo.b
    slot = b.urem(tag, lo.const(RESERVATION_SLOTS))
    return b.add(map_address(lo, ring, RESERVATIONS_AT), b.mul(slot, lo.const(8)))


def forget_reservation(lo: Lowering, ring: NativeRing, header_address: ir.Value) -> None:
    """The record at ``header_address`` is committed: its reservation-table entry, if it has one,
    cleared (``RingBufMap.commit``)."""
    b = lo.b
    tag = _tag(lo, b.sub(header_address, map_address(lo, ring)))
    entry_address = _word(lo, _entry(lo, ring, tag), 64)
    entry = load_word(lo, _entry(lo, ring, tag))
    ours = b.icmp_unsigned("==", b.and_(entry, lo.const(0xFFFF_FFFF)), tag)
    b.cmpxchg(entry_address, entry, b.select(ours, lo.const(0), entry), "monotonic", "monotonic")


def _copy_wrapped_tail(lo: Lowering, ring: NativeRing, end: ir.Value) -> None:
    """A record's bytes past the data area (``end``: the storage offset after them) copied from the
    overflow area to the start of the data area (``commit``)."""
    b = lo.b
    data_end = lo.const(DATA_AT + ring.max_entries)
    wrapped, committing = lo.new_block("ringbuf_wrapped"), lo.new_block("ringbuf_commit")
    b.cbranch(b.icmp_unsigned(">", end, data_end), wrapped, committing)
    lo.continue_in(wrapped)
    move_bytes(
        lo, map_address(lo, ring, DATA_AT), b.add(map_address(lo, ring), data_end), b.sub(end, data_end)
    )
    b.branch(committing)
    lo.continue_in(committing)


def lower_ringbuf_output(lo: Lowering, site: Site, ring: NativeRing, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_ringbuf_output(ring, r2, r3, r4)`` natively (see the module docstring)."""
    b = lo.b
    done = lo.new_block("ringbuf_done")
    python = python_call(lo, site, args, done)
    data, size = args[1], b.and_(args[2], lo.const(0xFFFF_FFFF))
    largest = min(ring.max_entries - HDR_SZ, RINGBUF_MAX_RECORD_SZ)  # larger: the Python helper's -EAGAIN
    fits = b.icmp_unsigned("<", b.sub(size, lo.const(1)), lo.const(largest))
    checked = lo.new_block("ringbuf_checked")
    usable = b.and_(b.and_(armed(lo), fits), accessible(lo, data, size, NEED_READ))
    b.cbranch(usable, checked, python).set_weights([1000, 1])

    lo.continue_in(checked)
    locking, einval = lo.new_block("ringbuf_lock"), lo.new_block("ringbuf_einval")
    b.cbranch(b.icmp_unsigned("==", b.and_(args[3], lo.const(~WAKEUP_FLAGS)), lo.const(0)), locking, einval)
    lo.continue_in(einval)
    answer(lo, -errno.EINVAL, done)

    lo.continue_in(locking)
    header_address = reserve(lo, ring, size, python, lambda: answer(lo, -errno.EAGAIN, done))
    data_address = b.add(header_address, lo.const(HDR_SZ))
    move_bytes(lo, data_address, data, size)
    _copy_wrapped_tail(lo, ring, b.add(b.sub(data_address, map_address(lo, ring)), size))
    current = load_word(lo, header_address, 32)
    forget_reservation(lo, ring, header_address)
    _store(lo, b.and_(current, lo.const(~BUSY_BIT & 0xFFFF_FFFF, 32)), header_address, "release")
    answer(lo, 0, done)
    lo.continue_in(done)


def held_list(lo: Lowering, ring: NativeRing) -> ir.Value:
    """A pointer to the ring's list of records held natively (``NativeMapSession``: count, then
    (data address, size) pairs), the ring's session array."""
    b = lo.b
    arrays = b.inttoptr(lo.load_field(Field.STAMPS), I64.as_pointer())
    return b.inttoptr(b.load(b.gep(arrays, [lo.const(ring.index)])), I64.as_pointer())


def lower_ringbuf_reserve(lo: Lowering, site: Site, ring: NativeRing, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_ringbuf_reserve(ring, r2, r3)`` natively for a verified program: the record's data,
    held in the ring's list (see the module docstring), or NULL."""
    b = lo.b
    done = lo.new_block("ringbuf_done")
    python = python_call(lo, site, args, done)
    size, flags = args[1], args[2]
    held = held_list(lo, ring)
    count = b.load(held)
    room = b.icmp_unsigned("<", count, lo.const(HELD_RECORDS))
    checked, null = lo.new_block("ringbuf_checked"), lo.new_block("ringbuf_null")
    b.cbranch(b.and_(armed(lo), room), checked, python).set_weights([1000, 1])
    lo.continue_in(null)
    answer(lo, 0, done)

    lo.continue_in(checked)
    largest = min(ring.max_entries - HDR_SZ, RINGBUF_MAX_RECORD_SZ)
    usable = b.and_(b.icmp_unsigned("==", flags, lo.const(0)), b.icmp_unsigned("<=", size, lo.const(largest)))
    locking = lo.new_block("ringbuf_lock")
    b.cbranch(usable, locking, null)

    lo.continue_in(locking)
    header_address = reserve(lo, ring, size, python, lambda: b.branch(null))
    data_address = b.add(header_address, lo.const(HDR_SZ))
    entry = b.add(lo.const(1), b.mul(count, lo.const(2)))
    b.store(data_address, b.gep(held, [entry]))
    b.store(size, b.gep(held, [b.add(entry, lo.const(1))]))
    b.store(b.add(count, lo.const(1)), held)
    lo.set_reg(0, data_address)
    b.branch(done)
    lo.continue_in(done)


def release_held(
    lo: Lowering,
    rings: Sequence[NativeRing],
    data: ir.Value,
    python: ir.Block,
    done: ir.Block,
    *,
    discard: bool,
    released: Callable[[], None] = lambda: None,
) -> None:
    """Submit (``discard``: discard) the record at ``data`` when this run holds it natively in one of
    ``rings`` and its header is sane, then ``released()`` and r0 = 0, on to ``done``; any other record
    goes to ``python``."""
    b = lo.b
    for ring in rings:
        held = held_list(lo, ring)
        count = b.load(held)
        entry_block = b.block
        search, compare = lo.new_block("ringbuf_search"), lo.new_block("ringbuf_compare")
        found, next_ring = lo.new_block("ringbuf_found"), lo.new_block("ringbuf_next_ring")
        b.branch(search)
        lo.continue_in(search)  # from the most recent record down
        left = b.phi(I64, name="left")
        left.add_incoming(count, entry_block)
        b.cbranch(b.icmp_unsigned("==", left, lo.const(0)), next_ring, compare)
        lo.continue_in(compare)
        index = b.sub(left, lo.const(1))
        entry = b.add(lo.const(1), b.mul(index, lo.const(2)))
        left.add_incoming(index, compare)
        b.cbranch(b.icmp_unsigned("==", b.load(b.gep(held, [entry])), data), found, search)

        lo.continue_in(found)
        header_address = b.sub(data, lo.const(HDR_SZ))
        header = load_word(lo, header_address, 32)
        length = b.and_(header, lo.const(LENGTH_BITS, 32))
        sane, releasing = lo.new_block("ringbuf_sane"), lo.new_block("ringbuf_release")
        b.cbranch(b.icmp_unsigned("<=", length, lo.const(ring.max_entries - HDR_SZ, 32)), sane, python)
        lo.continue_in(sane)  # off the list: the last entry takes its place
        last = b.add(lo.const(1), b.mul(b.sub(count, lo.const(1)), lo.const(2)))
        for word in (0, 1):
            moved = b.load(b.gep(held, [b.add(last, lo.const(word))]))
            b.store(moved, b.gep(held, [b.add(entry, lo.const(word))]))
        b.store(b.sub(count, lo.const(1)), held)
        b.branch(releasing)
        lo.continue_in(releasing)
        if not discard:
            end = b.add(b.sub(data, map_address(lo, ring)), b.zext(length, I64))
            _copy_wrapped_tail(lo, ring, end)
        cleared = b.and_(header, lo.const(~BUSY_BIT & 0xFFFF_FFFF, 32))
        if discard:
            cleared = b.or_(cleared, lo.const(DISCARD_BIT, 32))
        forget_reservation(lo, ring, header_address)
        _store(lo, cleared, header_address, "release")
        released()
        answer(lo, 0, done)
        lo.continue_in(next_ring)
    b.branch(python)


def lower_ringbuf_commit(
    lo: Lowering, site: Site, rings: Sequence[NativeRing], args: Sequence[ir.Value], *, discard: bool
) -> None:
    """``bpf_ringbuf_submit(r1, r2)`` (``discard``: ``bpf_ringbuf_discard``) natively when r1 is a record
    this run holds natively in one of ``rings`` and its header is sane; r0 = 0.  Any other record is
    the Python helper's (one adopted first: ``NativeMapSession.reach``)."""
    done = lo.new_block("ringbuf_done")
    python = python_call(lo, site, args, done)
    release_held(lo, rings, args[0], python, done, discard=discard)
    lo.continue_in(done)


def lower_ringbuf_query(lo: Lowering, site: Site, ring: NativeRing, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_ringbuf_query(ring, r2)`` natively in an armed run."""
    b = lo.b
    done = lo.new_block("ringbuf_done")
    python = python_call(lo, site, args, done)
    native = lo.new_block("ringbuf_query")
    b.cbranch(armed(lo), native, python).set_weights([1000, 1])
    lo.continue_in(native)
    cons = load_word(lo, map_address(lo, ring, CONSUMER_POS_AT))
    prod = load_word(lo, map_address(lo, ring, PRODUCER_POS_AT))
    flags = args[1]
    answer = lo.const(0)
    for flag, value in (
        (uapi.BPF_RB_AVAIL_DATA, b.sub(prod, cons)),
        (uapi.BPF_RB_RING_SIZE, lo.const(ring.max_entries)),
        (uapi.BPF_RB_CONS_POS, cons),
        (uapi.BPF_RB_PROD_POS, prod),
    ):
        answer = b.select(b.icmp_unsigned("==", flags, lo.const(flag)), value, answer)
    lo.set_reg(0, answer)
    b.branch(done)
    lo.continue_in(done)


__all__ = [
    "HELD_RECORDS",
    "NativeRing",
    "answer",
    "armed",
    "held_list",
    "load_word",
    "lower_ringbuf_commit",
    "lower_ringbuf_output",
    "lower_ringbuf_query",
    "lower_ringbuf_reserve",
    "native_ring",
    "python_call",
    "release_held",
    "reserve",
]
