"""Array map lookups as native code: ``bpf_map_lookup_elem`` on ARRAY and PERCPU_ARRAY maps.

Mirrors ``array_map_gen_lookup`` (kernel/bpf/arraymap.c), which the kernel's verifier inlines in
place of the helper call when the map is known (``do_misc_fixups``: ``map_gen_lookup``): the index
is the key's u32, an index at or past ``max_entries`` gives NULL, else the value is at
``base + index * elem_size`` — for a per-CPU array, this CPU's slot of the element
(``this_cpu_ptr``; the run's CPU is the state's ``Field.CPU``: ``RunEnv.cpu``, which the Python
helper uses too, or for a test run the CPU the run starts on, read natively, which ``RunEnv.cpu``
then follows: ``JitSession.follow_host_cpu``; a CPU outside the map's gives NULL as
``value_offset`` does); ``bpf_map_lookup_percpu_elem`` on a PERCPU_ARRAY gives the slot of the CPU
its r3 names (``per_cpu_ptr``).  The layout (base, element stride, CPU stride) is read from the
map's own ``value_offset`` at compile time, not restated here.

The value is the same address the Python helper returns, in the map's shared storage, so other
processes, ``Map`` and the interpreter see what the program writes there.  What the Python helper
checks besides, the native code checks too or leaves to it:

* the map must be one the run may name (``MapAccess``) and no spin lock may be held: decided in
  Python before a run (``NativeMapSession.start`` sets ``Field.MAPS_ARMED``; a verified session
  armed for the same run environment, ``MapAccess`` and program maps stays armed with no work per
  run); an unarmed run, and a key that does not lie in the stack frames in use, take
  the trampoline to the Python helper, which answers (or faults) exactly as before.  Programs
  that call ``bpf_spin_lock`` or ``callx`` never get native lookups (``pybpf.jit.native_helpers``
  decides);
* the value regions, which depend on whether the program went through the verifier
  (``verified``: ``JitProgram``'s ``facts`` is not None).

  A *verified* program's accesses through a value pointer stay inside ``value_size`` (the verifier
  proved it, as the kernel's ``check_map_access`` does), so its lookups hand the value out with no
  bookkeeping at all, as the kernel's inlined lookup does: the session puts each native map's whole
  value storage (every element, every CPU's slot; for a hash map the slot pool) in the native region
  table once, in entries of its own the table's refreshes and misses leave alone
  (``NativeMapSession.table_words``), so the accesses the verifier did not prove are checked there
  natively.  These entries are the session's, never ``Memory``'s: nothing else sees a wider region,
  and a value the Python helpers hand out (an unarmed run, a lookup on the trampoline, another
  program) is still its own region of ``value_size`` bytes.  A pointer a native lookup handed out
  becomes a ``Memory`` region only when Python is given it -- a helper's argument, a misaligned
  atomic, an access the table missed: ``NativeMapSession.reach`` then registers the value containing
  it in the run's ``MapAccess`` (``value_pointer``, the Python helper's own call), so helpers find it
  exactly as after a Python lookup.  A hash element deleted and reused keeps its address, as a
  preallocated kernel element does; the storage stays mapped while the program (which holds the
  ``MapObject``) lives.

  An *unverified* (raw) program keeps the interpreter's region semantics, not widened: a value is
  reachable only once a lookup handed it out, as a region of exactly ``value_size`` bytes
  registered in the run's ``MapAccess`` for its lifetime (``MapAccess.value_pointer``), and
  ``value + value_size`` faults.  So each session keeps one u32
  *stamp* per value: the first native lookup of a value in an epoch asks Python (``Op.VALUE``) to
  register it (the Python helper's own call) and stamps it; later lookups of a stamped value are
  wholly native.  An epoch is the life of one ``MapAccess``: it ends when the run's ``MapAccess``
  changes or was released (the first value region stamped in the epoch is no longer registered,
  ``release`` drops every region at once).  A stamped value stays registered as long as its epoch
  lasts, so the native table may cache it: native map number i owns table entry i (one of the
  first, which ``@bpf_mem_slow``'s scan reaches first; a region Python cached there moves to another
  entry on its next miss), rewritten with the value each lookup hands out, which the program's
  accesses then find without asking Python -- no thrashing of the table in a loop over many values.

A ring buffer whose records a verified program reserves natively (``pybpf.jit.native_ringbuf``) is
one of these maps too: its span is its data and overflow areas, and its session array, in place of
stamps, lists the records a run holds natively; ``reach`` turns a listed record Python is given
into a record of the run's ``MapAccess`` (``MapAccess.reserve_record``), and ``give_back`` does so
for every record a run that did not exit still holds.

The helpers of this module build the lookups of every map type (``begin_lookup``, ``give_null``,
``hand_out``; the hash map's is ``pybpf.jit.native_hash``, the LRU hash's ``pybpf.jit.native_lru``);
``NativeMapSession`` is the session's side: arming, the storage's table entries, ``reach`` and the
records held (verified), epochs and ``Op.VALUE`` (raw).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from llvmlite import ir

from pybpf import uapi
from pybpf.errors import BPFError, HelperError
from pybpf.helpers.context import RunEnv
from pybpf.helpers.map_access import MapAccess, ProgramMaps, value_access
from pybpf.isa.opcodes import STACK_SIZE
from pybpf.jit.lower import I32, I64, Lowering, Site
from pybpf.jit.state import TABLE_ENTRIES, Field, NativeState, Op
from pybpf.maps.base import round_up
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory, Region

MAX_NATIVE_MAPS = 8
"""Maps of one program whose lookups may be native (each owns a table entry, from the first up)."""
assert MAX_NATIVE_MAPS < TABLE_ENTRIES
MAX_STAMPED_VALUES = 1 << 20
"""Values (elements x CPUs) of a map whose lookups may be native: its stamps take 4 bytes each per
session."""
ARRAY_TYPES = frozenset({uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY})
LOOKUP_HELPER = "bpf_map_lookup_elem"
_MAPS_ARMED = int(Field.MAPS_ARMED)
_EPOCH = int(Field.EPOCH)
RESERVE_HELPER = "bpf_ringbuf_reserve"


def _key(index: int) -> bytes:
    return index.to_bytes(4, "little")


@dataclass(frozen=True)
class NativeArray:
    """One array map as its native lookups see it (``value_offset`` of index i on CPU c is
    ``first + i * elem_size + c * cpu_stride``)."""

    obj: MapObject
    index: int
    """Its position among the program's native maps (the stamp array and the table entry)."""
    first: int
    elem_size: int
    cpu_stride: int
    nr_cpus: int
    """1 for a plain array (the CPU is then not consulted)."""

    @property
    def percpu(self) -> bool:
        return self.obj.map_type == uapi.BPF_MAP_TYPE_PERCPU_ARRAY

    @property
    def max_entries(self) -> int:
        return self.obj.params.max_entries

    @property
    def stamped_values(self) -> int:
        return self.max_entries * self.nr_cpus

    @property
    def held_records(self) -> int:
        return 0  # an array holds values, not records

    @property
    def key(self) -> tuple[int, ...]:
        """What the linked code depends on: the map's identity and address, and its ``layout``."""
        return (self.obj.id, self.obj.address, *self.layout)

    @property
    def layout(self) -> tuple[int, ...]:
        """What the object code depends on (for the object cache): the map's shape, not its address."""
        params = self.obj.params
        return (params.map_type, params.value_size, params.flags, self.max_entries, self.first,
                self.elem_size, self.cpu_stride, self.nr_cpus)  # fmt: skip

    @property
    def values_span(self) -> tuple[int, int]:
        """The storage offsets ``[start, end)`` every value (of every CPU) lies in."""
        last = self.first + (self.max_entries - 1) * self.elem_size + (self.nr_cpus - 1) * self.cpu_stride
        return self.first, last + self.obj.params.value_size

    def value_containing(self, offset: int) -> int | None:
        """The storage offset of the value (element and CPU) holding the byte at ``offset``, if any."""
        relative = offset - self.first
        if relative < 0:
            return None
        if self.nr_cpus == 1:
            index, cpu, within = relative // self.elem_size, 0, relative % self.elem_size
        elif self.elem_size >= self.cpu_stride:  # each element's CPU slots together
            index, rest = divmod(relative, self.elem_size)
            cpu, within = divmod(rest, self.cpu_stride)
        else:  # each CPU's elements together
            cpu, rest = divmod(relative, self.cpu_stride)
            index, within = divmod(rest, self.elem_size)
        if index >= self.max_entries or cpu >= self.nr_cpus or within >= self.obj.params.value_size:
            return None
        return offset - within


def native_array(obj: MapObject, index: int) -> NativeArray | None:
    """``obj``'s layout for native lookups, or None when its lookups stay in Python (not an array,
    too many values to stamp, or a layout that is not affine in index and CPU)."""
    params = obj.params
    if params.map_type not in ARRAY_TYPES or params.key_size != 4 or index >= MAX_NATIVE_MAPS:
        return None
    impl = obj.impl
    nr_cpus = int(getattr(impl, "nr_cpus", 1)) if impl.percpu else 1
    if params.max_entries * nr_cpus > MAX_STAMPED_VALUES:
        return None
    first = impl.value_offset(_key(0), 0)
    if first is None:
        return None
    # (a single element's stride is its value: value_containing() divides by it)
    second = impl.value_offset(_key(1), 0) if params.max_entries > 1 else first + params.value_size
    next_cpu = impl.value_offset(_key(0), 1) if nr_cpus > 1 else first
    if second is None or next_cpu is None:
        return None
    cpu_stride = next_cpu - first
    # (one element: its stride is not measured; any stride past its CPUs' values locates them)
    stride = (
        second - first
        if params.max_entries > 1
        else max(nr_cpus * cpu_stride, round_up(params.value_size, 8))
    )
    layout = NativeArray(obj, index, first, stride, cpu_stride, nr_cpus)
    last, last_cpu = params.max_entries - 1, nr_cpus - 1
    expected = first + last * layout.elem_size + last_cpu * layout.cpu_stride
    consistent = (
        impl.value_offset(_key(last), last_cpu) == expected
        and impl.value_offset(_key(params.max_entries), 0) is None
        and (not impl.percpu or impl.value_offset(_key(0), nr_cpus) is None)
        and expected + params.value_size <= obj.storage_size
    )
    return layout if consistent else None


# -- lowering ------------------------------------------------------------------------------------------
def in_stack(lo: Lowering, address: ir.Value, size: int) -> ir.Value:
    """Whether ``size`` bytes at ``address`` lie in the stack frames in use (the stack region)."""
    b = lo.b
    top = lo.load_field(Field.STACK_TOP)
    span = b.mul(lo.load_field(Field.DEPTH), lo.const(STACK_SIZE))
    below_top = b.sub(b.sub(top, lo.const(size)), address)
    return b.icmp_unsigned("<=", below_top, b.sub(span, lo.const(size)))


def map_address(lo: Lowering, nmap: NativeMap, offset: int = 0) -> ir.Value:
    """The address ``offset`` bytes into ``nmap``'s storage: a relocation bound at link time
    (``map<index>``, ``pybpf.jit.lower.ADDRESS_SYMBOL``), so that the object code is the same in
    every process."""
    return lo.address_of(f"map{nmap.index}", offset)


def map_lock_role(nmap: NativeMap) -> str:
    """The ``ADDRESS_SYMBOL`` role of ``nmap``'s mutex (``MapObject.lock``)."""
    return f"map{nmap.index}_lock"


def map_addresses(maps: Sequence[NativeMap]) -> dict[str, int]:
    """Role -> this process's address of each map's storage and mutex (what ``map_storage`` and
    ``map_lock_role`` name)."""
    addresses: dict[str, int] = {}
    for nmap in maps:
        addresses[f"map{nmap.index}"] = nmap.obj.address
        addresses[map_lock_role(nmap)] = nmap.obj.lock.address
    return addresses


class NativeMap(Protocol):
    """A map whose lookups are native, as the session's stamps see it."""

    @property
    def obj(self) -> MapObject: ...

    @property
    def index(self) -> int: ...

    @property
    def stamped_values(self) -> int: ...

    @property
    def held_records(self) -> int:
        """Ring buffer records a verified session may hold natively for this map (0: it hands out
        values; a ring that reserves natively: its session array is their list)."""
        ...

    @property
    def key(self) -> tuple[int, ...]: ...

    @property
    def layout(self) -> tuple[int, ...]: ...

    @property
    def values_span(self) -> tuple[int, int]:
        """The storage offsets ``[start, end)`` every value lies in (a verified session's table entry)."""
        ...

    def value_containing(self, offset: int) -> int | None:
        """The storage offset of the value holding the byte at storage ``offset``, if any."""
        ...


def load_armed(lo: Lowering) -> ir.Value:
    """``Field.MAPS_ARMED`` as a load LLVM may hoist out of loops and share across calls into Python
    (``!invariant.load``): only ``NativeMapSession.start``, before a run, writes it."""
    load = lo.load_field(Field.MAPS_ARMED)
    load.set_metadata("invariant.load", lo.module.add_metadata([]))
    return load


def begin_lookup(
    lo: Lowering,
    site: Site,
    args: Sequence[ir.Value],
    key_size: int,
    value_size: int = 0,
    *,
    verified: bool = False,
) -> tuple[ir.Block, ir.Block]:
    """Send the call to the Python helper unless the run is armed and (unless ``verified``) the key
    (r2) lies in the stack, and (``value_size``: an update's) the value (r3) too; returns the block
    every way of the call ends in and the block calling the Python helper (any later block may still
    go there), with the builder on the native way.  ``verified``: the verifier proved the key
    readable for ``key_size`` bytes (``check_helper_mem_access``: stack, map value, packet or other
    memory the native code reads as the helper does), so it is read where it is."""
    b = lo.b
    native = lo.new_block("lookup_native")
    python = lo.new_block("lookup_python")
    done = lo.new_block("lookup_done")
    usable = b.icmp_unsigned("!=", load_armed(lo), lo.const(0))
    if not verified:
        usable = b.and_(usable, in_stack(lo, args[1], key_size))
    if value_size:
        usable = b.and_(usable, in_stack(lo, args[2], value_size))
    b.cbranch(usable, native, python).set_weights([1000, 1])
    lo.continue_in(python)
    lo.set_reg(0, lo.trampoline(site.insn.imm, list(args), site.slot))
    b.branch(done)
    lo.continue_in(native)
    return done, python


def give_null(lo: Lowering, done: ir.Block) -> None:
    """r0 = NULL (no such element)."""
    lo.set_reg(0, lo.const(0))
    lo.b.branch(done)


def hand_out(
    lo: Lowering,
    site: Site,
    nmap: NativeMap,
    address: ir.Value,
    *,
    stamp_slot: ir.Value,
    done: ir.Block,
    verified: bool,
) -> None:
    """r0 = the value at ``address``.  Verified: nothing more (the map's table entry holds its whole
    storage).  Raw: registered first unless stamped in this epoch (``Op.VALUE``), then put in the
    map's table entry."""
    b = lo.b
    if verified:
        lo.set_reg(0, address)
        b.branch(done)
        return
    hand = lo.new_block("lookup_hand")
    handed = lo.new_block("lookup_handed")
    stamps = b.load(b.gep(b.inttoptr(lo.load_field(Field.STAMPS), I64.as_pointer()), [lo.const(nmap.index)]))
    stamp = b.gep(b.inttoptr(stamps, I32.as_pointer()), [stamp_slot])
    epoch = b.trunc(lo.load_field(Field.EPOCH), I32)
    b.cbranch(b.icmp_unsigned("==", b.load(stamp), epoch), handed, hand).set_weights([1000, 1])

    lo.continue_in(hand)
    lo.trampoline(Op.VALUE, [lo.const(nmap.index), address, stamp_slot], site.slot)
    b.branch(handed)

    lo.continue_in(handed)
    params = nmap.obj.params
    entry = Field.TABLE + 3 * nmap.index  # the map's own table entry (see the module docstring)
    lo.store_field(entry, address)
    lo.store_field(entry + 1, b.add(address, lo.const(params.value_size)))
    lo.store_field(entry + 2, lo.const(value_access(params.flags)))
    lo.set_reg(0, address)
    b.branch(done)


def lower_array_lookup(
    lo: Lowering,
    site: Site,
    array: NativeArray,
    args: Sequence[ir.Value],
    *,
    verified: bool,
    cpu_in_r3: bool = False,
) -> None:
    """r0 = ``bpf_map_lookup_elem(array, r2)`` natively, with the Python helper for what it must
    answer; ``cpu_in_r3``: ``bpf_map_lookup_percpu_elem(array, r2, r3)`` (CPU r3's slot)."""
    b = lo.b
    done, _ = begin_lookup(lo, site, args, 4, verified=verified)
    found = lo.new_block("lookup_found")
    null = lo.new_block("lookup_null")
    key = args[1]
    index = b.zext(b.load(b.inttoptr(key, I32.as_pointer()), align=1), I64)
    inside = b.icmp_unsigned("<", index, lo.const(array.max_entries))
    stamp_slot = index
    cpu_offset: ir.Value = lo.const(0)
    if array.percpu:
        cpu = b.and_(args[2], lo.const(0xFFFF_FFFF)) if cpu_in_r3 else lo.load_field(Field.CPU)
        inside = b.and_(inside, b.icmp_unsigned("<", cpu, lo.const(array.nr_cpus)))
        stamp_slot = b.add(b.mul(index, lo.const(array.nr_cpus)), cpu)
        cpu_offset = b.mul(cpu, lo.const(array.cpu_stride))
    b.cbranch(inside, found, null)

    lo.continue_in(null)
    give_null(lo, done)

    lo.continue_in(found)
    offset = b.add(b.mul(index, lo.const(array.elem_size)), cpu_offset)
    address = b.add(map_address(lo, array, array.first), offset)
    hand_out(lo, site, array, address, stamp_slot=stamp_slot, done=done, verified=verified)
    lo.continue_in(done)


# -- the session's side --------------------------------------------------------------------------------
class NativeMapSession:
    """One run session's side of native lookups: the per-run fields they read and, for a verified
    program, the storage's table entries and ``reach``; for a raw one, the stamps and epochs (see the
    module docstring)."""

    def __init__(
        self, maps: Sequence[NativeMap], state: NativeState, memory: Memory, *, verified: bool
    ) -> None:
        self.maps = tuple(maps)
        self.verified = verified
        self.fields = state.fields
        self.memory = memory
        self.spans = tuple(
            (nmap.obj.address + nmap.values_span[0], nmap.obj.address + nmap.values_span[1], nmap)
            for nmap in self.maps
        )
        """Each map's ``[start, end)`` of value storage, as addresses (verified sessions reach them)."""
        self.table_words: tuple[int, ...] = ()
        """A verified session's first region table entries: map i's whole value storage in entry i."""
        if verified:
            self.table_words = tuple(
                word
                for start, end, nmap in self.spans
                for word in (start, end, value_access(nmap.obj.params.flags))
            )
        self._stamps = [(ctypes.c_uint32 * (0 if verified else nmap.stamped_values))() for nmap in self.maps]
        self._held = {
            nmap.index: (ctypes.c_uint64 * (1 + 2 * nmap.held_records))()
            for nmap in self.maps
            if verified and nmap.held_records
        }
        """A verified session's ring buffer records reserved natively and not yet released, per ring
        that reserves natively: their count, then (data address, size) pairs."""
        self.holds_records = bool(self._held)
        arrays = [
            self._held.get(nmap.index, stamps) for nmap, stamps in zip(self.maps, self._stamps, strict=True)
        ]
        self._pointers = (ctypes.c_uint64 * max(len(arrays), 1))(
            *(ctypes.addressof(array) for array in arrays)
        )
        self.fields[Field.STAMPS] = ctypes.addressof(self._pointers)
        self._epoch = 0
        self._access: object = None
        """The ``MapAccess`` of the epoch (compared by identity only)."""
        self._probe: Region | None = None
        """The first value region stamped in the epoch: unregistered once the MapAccess released."""
        self._program: ProgramMaps | None = None
        self._names_all = False
        """Whether ``_program`` holds every native map."""
        self._armed_env: RunEnv | None = None
        self._armed_access: MapAccess | None = None
        self._armed_program: ProgramMaps | None = None
        """What a verified session's ``MAPS_ARMED`` was last decided for (``start``)."""
        self._new_epoch(None)

    def _new_epoch(self, access: object) -> None:
        self._epoch += 1
        if self._epoch > 0xFFFF_FFFF:
            for stamps in self._stamps:
                ctypes.memset(stamps, 0, ctypes.sizeof(stamps))
            self._epoch = 1
        self.fields[_EPOCH] = self._epoch
        self._access = access
        self._probe = None

    def start(self, env: RunEnv) -> None:
        """Before a run (or the runs of the native repeat loop): arm the native lookups if the run
        may reach every native map, and (raw) start a new epoch when the run's MapAccess is new.
        Where ``still_armed``, there is nothing to do."""
        access = env.maps
        if not self.verified:
            probe = self._probe
            if access is not self._access or (
                probe is not None and access is not None and access.value_region_at(probe.start) is not probe
            ):
                self._new_epoch(access)
        armed = access is not None and access.memory is self.memory and not env.spin_locks
        if armed and access is not None:
            program = access.program
            if program is not self._program:
                by_pointer = program.by_pointer
                self._program = program
                self._names_all = all(by_pointer.get(a.obj.pointer) is a.obj for a in self.maps)
            armed = self._names_all
        self.fields[_MAPS_ARMED] = int(armed)
        if self.verified and not env.spin_locks:
            self._armed_env, self._armed_access = env, access
            self._armed_program = access.program if access is not None else None
        else:
            self._armed_env = None

    def still_armed(self, env: RunEnv) -> bool:
        """Whether ``start`` has nothing to do for a run in ``env``: a verified session armed for the
        same ``env``, ``MapAccess`` and program maps, with no spin lock held (nothing else decides
        it; a raw session never is: each run checks its epoch)."""
        access = env.maps
        return (
            env is self._armed_env
            and access is self._armed_access
            and not env.spin_locks
            and (access is None or access.program is self._armed_program)
        )

    def hand(self, env: RunEnv, index: int, address: int, stamp_slot: int) -> int:
        """``Op.VALUE`` (raw programs): register the value at ``address`` as the Python helper would,
        stamp it."""
        access = env.maps
        assert access is not None  # armed
        obj = self.maps[index].obj
        access.value_pointer(obj, address - obj.address, LOOKUP_HELPER)
        self._stamps[index][stamp_slot] = self._epoch
        if self._probe is None:
            self._probe = access.value_region_at(address)
        return address

    def recover(self, index: int) -> int:
        """``Op.RECOVER``: native map ``index``'s mutex was handed over by a holder that died (the
        native code holds it): repair the map as ``SharedMutex.locked_with`` does, then unlock.  A
        repair that fails leaves the map to the Python helper, which runs next."""
        lock = self.maps[index].obj.lock
        try:
            lock.locked_with(errno.EOWNERDEAD)
        except BPFError:
            return 0  # ``locked_with`` unlocked it
        lock.raw_unlock(lock.address)
        return 0

    def reach(self, env: RunEnv, address: int) -> bool:
        """Verified sessions: Python is given ``address`` (a helper's argument, an access the native
        table missed): if it lies in a value of a native map and no region holds it yet, register
        that value in the run's ``MapAccess`` as a lookup would have; whether one was registered."""
        access = env.maps
        if access is None or access.memory is not self.memory:
            return False
        for start, end, nmap in self.spans:
            if start <= address < end:
                if nmap.held_records:
                    return self._adopt_record(access, nmap, address)
                obj = nmap.obj
                offset = nmap.value_containing(address - obj.address)
                if offset is None or self.memory.region_at(address) is not None:
                    return False
                if access.program.by_pointer.get(obj.pointer) is not obj:
                    return False
                access.value_pointer(obj, offset, LOOKUP_HELPER)
                return True
        return False

    def _adopt_record(self, access: MapAccess, nmap: NativeMap, address: int) -> bool:
        """The record natively reserved that holds ``address`` (or, of no bytes, starts there) becomes
        one of the run's ``MapAccess`` records, as if the Python helper had reserved it (its region
        of exactly its size, released by the Python helpers); whether there was one."""
        held = self._held[nmap.index]
        for entry in range(held[0]):
            start, size = held[1 + 2 * entry], held[2 + 2 * entry]
            if start <= address < start + max(size, 1):
                last = held[0] - 1
                held[1 + 2 * entry], held[2 + 2 * entry] = held[1 + 2 * last], held[2 + 2 * last]
                held[0] = last
                access.reserve_record(nmap.obj, start - nmap.obj.address, size, RESERVE_HELPER)
                return True
        return False

    def give_back(self, env: RunEnv) -> None:
        """After a run that ended otherwise than by exit (a fault): the
        records it still holds natively become the run's ``MapAccess`` records, which the runner
        discards as it discards the interpreter's (``MapAccess.end_run``)."""
        access = env.maps
        for index, held in self._held.items():
            obj = self.maps[index].obj
            while held[0]:
                last = held[0] - 1
                start, size = held[1 + 2 * last], held[2 + 2 * last]
                held[0] = last
                offset = start - obj.address
                if access is None:
                    obj.impl.commit(offset, True)
                    continue
                with contextlib.suppress(HelperError):  # (reserve_record discarded it)
                    access.reserve_record(obj, offset, size, RESERVE_HELPER)


__all__ = [
    "MAX_NATIVE_MAPS",
    "MAX_STAMPED_VALUES",
    "NativeArray",
    "NativeMap",
    "NativeMapSession",
    "begin_lookup",
    "give_null",
    "hand_out",
    "in_stack",
    "load_armed",
    "lower_array_lookup",
    "native_array",
]
