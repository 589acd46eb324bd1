"""LRU hash lookups as native code: ``bpf_map_lookup_elem`` on BPF_MAP_TYPE_LRU_HASH and
BPF_MAP_TYPE_LRU_PERCPU_HASH (and ``bpf_map_lookup_percpu_elem`` on the latter).

Mirrors ``htab_lru_map_lookup_elem`` (kernel/bpf/hashtab.c): the hash lookup, then
``bpf_lru_node_set_ref`` on a hit -- one byte, the ref bit of the element's LRU node
(``pybpf.maps.lru``), which the kernel's list rotation and shrinking read later.  Updates and deletes
are not native: they take nodes from and give them back to the kernel's LRU lists, a policy with one
implementation, ``pybpf.maps.lru``, which the Python helpers call.

The lookup holds the map's mutex, as the Python helper does for LRU lookups (``read_locked``):

* the map's mutex is taken with ``pthread_mutex_trylock`` (``pybpf.jit.native_hash_write``'s lock):
  a mutex another thread or process holds sends the call to the Python helper, which waits for it; a
  mutex whose holder died is repaired first (``Op.RECOVER``, as ``SharedMutex.locked_with``);
* under it, the inner hash table's chain is walked as ``HashMap._find`` walks it (a link outside the
  slot pool or a loop: unlock and go to the Python helper, which reports the corruption);
* on a hit, the node link in front of the value must name an element's node (else the Python
  helper, from the untouched map), its ref bit is set, the mutex unlocked and the value handed out as
  ``pybpf.jit.native_maps`` hands values out (verified: the inner table's slot pool is the session's
  region; raw: registered per slot and epoch).

A per-CPU map's CPU the map has not gives NULL before the lock is taken, as ``value_offset`` answers
before it looks the key up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llvmlite import ir

from pybpf import uapi
from pybpf.jit.libc import libc_address
from pybpf.jit.lower import I8, I32, I64, Lowering, Site
from pybpf.jit.native_hash import MAX_KEY_SIZE, SLOT_KEY, NativeHash, hash_key
from pybpf.jit.native_hash_write import TRYLOCK, UNLOCK, Writer
from pybpf.jit.native_maps import MAX_NATIVE_MAPS, MAX_STAMPED_VALUES, give_null, hand_out, map_address
from pybpf.jit.state import Field
from pybpf.maps.base import round_up
from pybpf.maps.hash import HashMap
from pybpf.maps.lru import REF_AT, VALUE_PREFIX, LruHashMap, LruPercpuHashMap
from pybpf.maps.object import MapObject

LRU_TYPES = {uapi.BPF_MAP_TYPE_LRU_HASH: LruHashMap, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH: LruPercpuHashMap}


@dataclass(frozen=True)
class NativeLru:
    """One LRU hash as its native lookups see it: its inner hash table (``table``, whose values start
    with the element's node link) and its node pool (node L at ``pool_at + (L - 1) * node_size`` of
    the storage; elements' nodes are links ``first_element`` .. ``n_nodes``)."""

    table: NativeHash
    pool_at: int
    first_element: int
    n_nodes: int
    node_size: int

    @property
    def obj(self) -> MapObject:
        return self.table.obj

    @property
    def index(self) -> int:
        return self.table.index

    @property
    def percpu(self) -> bool:
        return self.table.percpu

    @property
    def stamped_values(self) -> int:
        return self.table.stamped_values

    @property
    def held_records(self) -> int:
        return 0

    @property
    def key(self) -> tuple[int, ...]:
        """What the linked code depends on: the map's identity and address, and its ``layout``."""
        return (self.obj.id, self.obj.address, *self.layout)

    @property
    def layout(self) -> tuple[int, ...]:
        """What the object code depends on (for the object cache): the map's shape, not its address."""
        return (*self.table.layout, self.pool_at, self.first_element, self.n_nodes, self.node_size)

    @property
    def values_span(self) -> tuple[int, int]:
        return self.table.values_span

    def value_containing(self, offset: int) -> int | None:
        return self.table.value_containing(offset)


def native_lru(obj: MapObject, index: int) -> NativeLru | None:
    """``obj``'s layout for native lookups, or None when its lookups stay in Python."""
    params, impl = obj.params, obj.impl
    kind = LRU_TYPES.get(params.map_type)
    if kind is None or type(impl) is not kind or not isinstance(impl, (LruHashMap, LruPercpuHashMap)):
        return None
    inner = impl.inner
    nr_cpus = impl.nr_cpus if impl.percpu else 1
    cpu_stride = round_up(params.value_size, 8) if impl.percpu else 0
    user_value = nr_cpus * cpu_stride if impl.percpu else params.value_size
    if (
        type(inner) is not HashMap
        or params.key_size > MAX_KEY_SIZE
        or index >= MAX_NATIVE_MAPS
        or (inner.n_slots + 1) * nr_cpus > MAX_STAMPED_VALUES
        or inner.value_size != VALUE_PREFIX + user_value
        or impl.pool_at + impl.n_nodes * impl.node_size > impl.inner_at
        or not libc_address(TRYLOCK)
        or not libc_address(UNLOCK)
    ):
        return None
    table = NativeHash(
        obj, index, inner.n_buckets, inner.n_slots, inner.slots_at, inner.slot_size, inner.key_stride,
        impl.inner_at, nr_cpus, cpu_stride, VALUE_PREFIX,
    )  # fmt: skip
    end = table.table_at + table.slots_at + table.n_slots * table.slot_size
    if end > obj.storage_size or table.n_buckets & (table.n_buckets - 1):
        return None
    return NativeLru(table, impl.pool_at, impl.n_heads + 1, impl.n_nodes, impl.node_size)


def _node_link(lo: Lowering, writer: Writer, table: NativeHash, link: ir.Value) -> ir.Value:
    """The node link stored in front of the value of the inner table's slot ``link``."""
    value_at = lo.b.add(writer.slot_of(link), lo.const(SLOT_KEY + table.key_stride))
    return lo.b.load(lo.b.inttoptr(value_at, I32.as_pointer()))


def lower_lru_lookup(
    lo: Lowering,
    site: Site,
    lru: NativeLru,
    args: Sequence[ir.Value],
    *,
    verified: bool,
    cpu_in_r3: bool = False,
) -> None:
    """r0 = ``bpf_map_lookup_elem(lru, r2)`` natively under the map's mutex, the element's ref bit set;
    ``cpu_in_r3``: ``bpf_map_lookup_percpu_elem(lru, r2, r3)`` (CPU r3's slot)."""
    table = lru.table
    writer = Writer(lo, site, table, args)
    b = lo.b
    cpu: ir.Value = lo.const(0)
    if table.percpu:
        cpu = b.and_(args[2], lo.const(0xFFFF_FFFF)) if cpu_in_r3 else lo.load_field(Field.CPU)
        known_cpu, no_cpu = lo.new_block("lru_cpu_known"), lo.new_block("lru_no_cpu")
        b.cbranch(b.icmp_unsigned("<", cpu, lo.const(table.nr_cpus)), known_cpu, no_cpu)
        lo.continue_in(no_cpu)
        give_null(lo, writer.done)
        lo.continue_in(known_cpu)
    key, hashed = hash_key(lo, table, args[1])
    writer.lock()
    found, absent, link, _ = writer.walk(key, hashed)

    lo.continue_in(absent)
    writer.finish(lo.const(0))

    lo.continue_in(found)
    node_link = _node_link(lo, writer, table, link)
    element = b.and_(
        b.icmp_unsigned(">=", node_link, lo.const(lru.first_element, 32)),
        b.icmp_unsigned("<=", node_link, lo.const(lru.n_nodes, 32)),
    )
    referenced = lo.new_block("lru_set_ref")
    b.cbranch(element, referenced, writer.bail)
    lo.continue_in(referenced)
    first = map_address(lo, lru, lru.pool_at - lru.node_size + REF_AT)
    ref_at = b.add(first, b.mul(b.zext(node_link, I64), lo.const(lru.node_size)))
    b.store(ir.Constant(I8, 1), b.inttoptr(ref_at, I8.as_pointer()))
    writer.mutex_call(UNLOCK)
    value = b.add(writer.slot_of(link), lo.const(SLOT_KEY + table.key_stride + VALUE_PREFIX))
    stamp_slot = b.zext(link, I64)
    if table.percpu:
        value = b.add(value, b.mul(cpu, lo.const(table.cpu_stride)))
        stamp_slot = b.add(b.mul(stamp_slot, lo.const(table.nr_cpus)), cpu)
    hand_out(lo, site, lru, value, stamp_slot=stamp_slot, done=writer.done, verified=verified)
    lo.continue_in(writer.done)


__all__ = ["NativeLru", "lower_lru_lookup", "native_lru"]
