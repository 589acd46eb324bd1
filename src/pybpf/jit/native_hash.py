"""Hash map lookups as native code: ``bpf_map_lookup_elem`` on a preallocated BPF_MAP_TYPE_HASH or
BPF_MAP_TYPE_PERCPU_HASH (and ``bpf_map_lookup_percpu_elem`` on the latter).

Mirrors ``htab_map_lookup_elem`` (kernel/bpf/hashtab.c: hash the key, walk the bucket's chain,
compare hash then key, return the element's value) on pybpf's own layout of the table in the map's
shared storage (``pybpf.maps.hash``: the kernel's ``htab_map_hash`` -- jhash of the key under the
seed in the map's header, ``hash_key`` -- ``n_buckets`` u32 head links, slots of
``[next][hash][key][value]`` linked by slot index + 1), and with the read side of that map's own
concurrency protocol, the one its user-space ``lookup_unlocked`` uses: writers (of every process)
hold the map's mutex and make the sequence count odd while they change anything, so a reader that
sees the same even count before and after its walk read a state the map really had — the state the
Python helper, which takes the mutex, would have read at some moment of the call.  As in the
kernel, whose lookups are lock-free under RCU, the native lookup takes no lock.

Anything the read side cannot vouch for goes to the Python helper (the trampoline), which takes the
mutex and answers exactly as on the interpreter: an odd or moving count (a writer at work, or one
that died mid-update, which the mutex's recovery repairs), a link outside the slot pool, a chain
that loops (Brent's detection, as ``_find``: the Python helper then reports the corruption).  The
loads are LLVM atomics (monotonic, the first count acquire, an acquire fence before the count is
read again) so LLVM keeps them in the order the protocol needs; x86's ordered loads do the rest, as
``lookup_unlocked`` relies on (only x86 hosts get native hash lookups).

The value handed out is, for a verified program, inside the slot pool the session's region table
holds whole; for a raw one, a region of exactly ``value_size`` bytes, registered once per epoch per
slot (``pybpf.jit.native_maps``: the stamps are per slot, as a slot's value address is its
region's).  A slot reused by another key hands out the same address and so the same region, as on
the interpreter.  A BPF_MAP_TYPE_PERCPU_HASH is the same table after the per-CPU header
(``pybpf.maps.percpu``) whose values are blocks of one slot per CPU: its lookups give the run's CPU's slot
(``bpf_map_lookup_percpu_elem``: r3's), NULL for a CPU the map has not (``this_cpu_ptr`` /
``per_cpu_ptr``).  Maps that grow on demand (BPF_F_NO_PREALLOC: which slots this process has
backed is Python's knowledge), and keys over ``MAX_KEY_SIZE`` bytes stay in Python; LRU hashes, whose
lookups also mark elements used, take the map's mutex instead (``pybpf.jit.native_lru``).
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass

from llvmlite import ir

from pybpf import uapi
from pybpf.jit.lower import I8, I32, I64, Lowering, Site
from pybpf.jit.native_maps import (
    MAX_NATIVE_MAPS,
    MAX_STAMPED_VALUES,
    begin_lookup,
    give_null,
    hand_out,
    map_address,
)
from pybpf.jit.state import Field
from pybpf.maps.base import round_up
from pybpf.maps.hash import BUCKETS_OFFSET, SEED_OFFSET, SEQ_OFFSET, HashMap
from pybpf.maps.jhash import emit_jhash
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import HEADER_BYTES as PERCPU_HEADER
from pybpf.maps.percpu import PercpuHashMap

MAX_KEY_SIZE = 64
"""Longest key whose hashing and comparison are unrolled into the lookup."""
ORDERED_LOADS = platform.machine().lower() in ("x86_64", "amd64")
"""Whether this host keeps loads in program order (the seqlock read side relies on it)."""
SLOT_HASH = 4  # the slot's hash word follows its next link
SLOT_KEY = 8
PERCPU_HASH_TYPES = frozenset({uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH})


@dataclass(frozen=True)
class NativeHash:
    """One hash map as its native lookups see it (the slot of link L is at ``table_at + slots_at +
    (L - 1) * slot_size`` of the storage, its value ``SLOT_KEY + key_stride`` further; a per-CPU
    hash's value there is a block of ``nr_cpus`` slots ``cpu_stride`` apart)."""

    obj: MapObject
    index: int
    n_buckets: int
    n_slots: int
    slots_at: int
    slot_size: int
    key_stride: int
    table_at: int = 0
    """Where the table's storage starts (after a per-CPU map's header)."""
    nr_cpus: int = 1
    cpu_stride: int = 0
    value_at: int = 0
    """Bytes of a slot's stored value before the program's value (an LRU hash's node link)."""

    @property
    def percpu(self) -> bool:
        return self.obj.params.map_type in PERCPU_HASH_TYPES

    @property
    def key_size(self) -> int:
        return self.obj.params.key_size

    @property
    def stamped_values(self) -> int:
        return (self.n_slots + 1) * self.nr_cpus  # stamped by link (1 .. n_slots) and CPU

    @property
    def held_records(self) -> int:
        return 0  # a hash holds values, not records

    @property
    def key(self) -> tuple[int, ...]:
        """What the linked code depends on: the map's identity and address, and its ``layout``."""
        return (self.obj.id, self.obj.address, *self.layout)

    @property
    def layout(self) -> tuple[int, ...]:
        """What the object code depends on (for the object cache): the map's shape, not its address."""
        params = self.obj.params
        return (params.map_type, params.key_size, params.value_size, params.flags, params.max_entries,
                self.n_buckets, self.n_slots, self.slots_at, self.slot_size, self.table_at, self.nr_cpus,
                self.cpu_stride, self.value_at)  # fmt: skip

    @property
    def first_value(self) -> int:
        """The storage offset of slot 1's value (CPU 0's)."""
        return self.table_at + self.slots_at + SLOT_KEY + self.key_stride + self.value_at

    @property
    def values_span(self) -> tuple[int, int]:
        """The storage offsets ``[start, end)`` every slot's value lies in (the slot pool, from the first
        value to the end of the last)."""
        last = self.first_value + (self.n_slots - 1) * self.slot_size + (self.nr_cpus - 1) * self.cpu_stride
        return self.first_value, last + self.obj.params.value_size

    def value_containing(self, offset: int) -> int | None:
        """The storage offset of the value of the slot (and CPU) holding the byte at ``offset``, if it
        is in a value."""
        index, within = divmod(offset - self.first_value, self.slot_size)
        cpu = 0
        if self.nr_cpus > 1:
            cpu, within = divmod(within, self.cpu_stride)
        if not 0 <= index < self.n_slots or cpu >= self.nr_cpus or within >= self.obj.params.value_size:
            return None
        return offset - within


def native_hash(obj: MapObject, index: int) -> NativeHash | None:
    """``obj``'s layout for native lookups, or None when its lookups stay in Python."""
    params, impl = obj.params, obj.impl
    table_at, nr_cpus, cpu_stride = 0, 1, 0
    if isinstance(impl, PercpuHashMap) and params.map_type == uapi.BPF_MAP_TYPE_PERCPU_HASH:
        table_at, nr_cpus, cpu_stride = PERCPU_HEADER, impl.nr_cpus, round_up(params.value_size, 8)
        impl = impl.inner
    elif params.map_type != uapi.BPF_MAP_TYPE_HASH:
        return None
    if (
        not ORDERED_LOADS
        or type(impl) is not HashMap
        or params.flags & uapi.BPF_F_NO_PREALLOC
        or params.key_size > MAX_KEY_SIZE
        or index >= MAX_NATIVE_MAPS
        or (impl.n_slots + 1) * nr_cpus > MAX_STAMPED_VALUES
        or impl.value_size != nr_cpus * max(cpu_stride, params.value_size)
    ):
        return None
    table = NativeHash(
        obj, index, impl.n_buckets, impl.n_slots, impl.slots_at, impl.slot_size, impl.key_stride,
        table_at, nr_cpus, cpu_stride,
    )  # fmt: skip
    last_value = table.table_at + table.slots_at + table.n_slots * table.slot_size
    return table if last_value <= obj.storage_size and table.n_buckets & (table.n_buckets - 1) == 0 else None


def hash_key(lo: Lowering, table: NativeHash, address: ir.Value) -> tuple[list[ir.Value], ir.Value]:
    """The key's bytes at ``address`` (loaded once) and the map's hash of them (``htab_map_hash``:
    jhash under the seed the map's header holds, read here: the code does not depend on it)."""
    b = lo.b
    key = [b.load(b.inttoptr(b.add(address, lo.const(i)), I8.as_pointer())) for i in range(table.key_size)]
    seed_at = map_address(lo, table, table.table_at + SEED_OFFSET)
    seed = b.load(b.inttoptr(seed_at, I32.as_pointer()), align=4)
    return key, emit_jhash(lo.b, key, seed)


def _shared_u32(lo: Lowering, address: ir.Value, ordering: str = "monotonic") -> ir.Value:
    return lo.b.load_atomic(lo.b.inttoptr(address, I32.as_pointer()), ordering, 4)


def lower_hash_lookup(
    lo: Lowering,
    site: Site,
    table: NativeHash,
    args: Sequence[ir.Value],
    *,
    verified: bool,
    cpu_in_r3: bool = False,
) -> None:
    """r0 = ``bpf_map_lookup_elem(table, r2)`` natively when the seqlock vouches for the walk;
    ``cpu_in_r3``: ``bpf_map_lookup_percpu_elem(table, r2, r3)`` (CPU r3's slot)."""
    b = lo.b
    done, python = begin_lookup(lo, site, args, table.key_size)
    base = table.table_at
    cpu: ir.Value = lo.const(0)
    if table.percpu:  # a CPU the map has not: NULL, before the key is looked for (value_offset)
        cpu = b.and_(args[2], lo.const(0xFFFF_FFFF)) if cpu_in_r3 else lo.load_field(Field.CPU)
        known_cpu = lo.new_block("hash_cpu_known")
        no_cpu = lo.new_block("hash_no_cpu")
        b.cbranch(b.icmp_unsigned("<", cpu, lo.const(table.nr_cpus)), known_cpu, no_cpu)
        lo.continue_in(no_cpu)
        give_null(lo, done)
        lo.continue_in(known_cpu)
    seq_at = map_address(lo, table, base + SEQ_OFFSET)
    seq = _shared_u32(lo, seq_at, "acquire")
    hashing = lo.new_block("hash_key")
    b.cbranch(b.trunc(seq, ir.IntType(1)), python, hashing)

    lo.continue_in(hashing)
    key, hashed = hash_key(lo, table, args[1])
    bucket = b.zext(b.and_(hashed, lo.const(table.n_buckets - 1, 32)), I64)
    head = _shared_u32(lo, b.add(map_address(lo, table, base + BUCKETS_OFFSET), b.mul(bucket, lo.const(4))))
    entry_block = b.block
    walk = lo.new_block("hash_walk")
    b.branch(walk)

    lo.continue_in(walk)
    link = b.phi(I32, name="link")
    tortoise = b.phi(I32, name="tortoise")
    steps = b.phi(I32, name="steps")
    for phi, start in ((link, head), (tortoise, head), (steps, lo.const(0, 32))):
        phi.add_incoming(start, entry_block)
    absent = lo.new_block("hash_absent")
    in_pool = lo.new_block("hash_in_pool")
    b.cbranch(b.icmp_unsigned("==", link, lo.const(0, 32)), absent, in_pool)

    lo.continue_in(in_pool)
    at_slot = lo.new_block("hash_slot")
    b.cbranch(b.icmp_unsigned(">", link, lo.const(table.n_slots, 32)), python, at_slot)

    lo.continue_in(at_slot)
    slot = b.add(
        map_address(lo, table, base + table.slots_at - table.slot_size),
        b.mul(b.zext(link, I64), lo.const(table.slot_size)),
    )
    compare = lo.new_block("hash_compare")
    step = lo.new_block("hash_step")
    same_hash = b.icmp_unsigned("==", _shared_u32(lo, b.add(slot, lo.const(SLOT_HASH))), hashed)
    b.cbranch(same_hash, compare, step)

    lo.continue_in(compare)
    differs: ir.Value = lo.const(0, 8)
    for i, byte in enumerate(key):
        stored = b.load_atomic(
            b.inttoptr(b.add(slot, lo.const(SLOT_KEY + i)), I8.as_pointer()), "monotonic", 1
        )
        differs = b.or_(differs, b.xor(stored, byte))
    found = lo.new_block("hash_found")
    b.cbranch(b.icmp_unsigned("==", differs, lo.const(0, 8)), found, step)

    lo.continue_in(step)
    following = _shared_u32(lo, slot)
    counted = b.add(steps, lo.const(1, 32))
    jump = b.icmp_unsigned("==", b.and_(counted, b.sub(counted, lo.const(1, 32))), lo.const(0, 32))
    walk_on = lo.new_block("hash_walk_on")
    b.cbranch(b.icmp_unsigned("==", following, tortoise), python, walk_on)
    lo.continue_in(walk_on)
    link.add_incoming(following, walk_on)
    tortoise.add_incoming(b.select(jump, following, tortoise), walk_on)
    steps.add_incoming(counted, walk_on)
    b.branch(walk)

    def unchanged(then: ir.Block) -> None:
        """Go to ``then`` if the count did not move during the walk, else to the Python helper."""
        b.fence("acquire")
        b.cbranch(b.icmp_unsigned("==", _shared_u32(lo, seq_at), seq), then, python)

    lo.continue_in(absent)
    null = lo.new_block("hash_null")
    unchanged(null)
    lo.continue_in(null)
    give_null(lo, done)

    lo.continue_in(found)
    handing = lo.new_block("hash_hand_out")
    unchanged(handing)
    lo.continue_in(handing)
    value = b.add(slot, lo.const(SLOT_KEY + table.key_stride + table.value_at))
    stamp_slot = b.zext(link, I64)
    if table.percpu:
        value = b.add(value, b.mul(cpu, lo.const(table.cpu_stride)))
        stamp_slot = b.add(b.mul(stamp_slot, lo.const(table.nr_cpus)), cpu)
    hand_out(lo, site, table, value, stamp_slot=stamp_slot, done=done, verified=verified)
    lo.continue_in(done)


__all__ = [
    "MAX_KEY_SIZE",
    "ORDERED_LOADS",
    "SLOT_HASH",
    "SLOT_KEY",
    "NativeHash",
    "hash_key",
    "lower_hash_lookup",
    "native_hash",
]
