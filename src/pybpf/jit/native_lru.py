"""LRU hash lookups, updates and deletes as native code: ``bpf_map_lookup_elem``,
``bpf_map_update_elem`` and ``bpf_map_delete_elem`` on BPF_MAP_TYPE_LRU_HASH and
BPF_MAP_TYPE_LRU_PERCPU_HASH (and ``bpf_map_lookup_percpu_elem`` on the latter).

Mirrors ``htab_lru_map_lookup_elem`` (kernel/bpf/hashtab.c): the hash lookup, then
``bpf_lru_node_set_ref`` on a hit -- one byte, the ref bit of the element's LRU node
(``pybpf.maps.lru``), which the kernel's list rotation and shrinking read later.

Updates and deletes (``htab_lru_map_update_elem``, ``__htab_lru_percpu_map_update_elem`` with
``onallcpus`` false, ``htab_lru_map_delete_elem``) are native for the common LRU in the policy's
common case, step for step as ``_LruBase._update`` and ``delete`` make it (the kernel's
``bpf_lru_list.c`` as ``pybpf.maps.lru`` models it; ``tests/maps/test_lru_policy.py`` and the JIT's
history tests compare the storage byte for byte): the node is the first of the running CPU's local
free list (``bpf_common_lru_pop_free``'s first step), moved to its pending list; the replaced or
deleted element's node is given back (``bpf_lru_push_free``: a pending node to its CPU's local free
list, an active or inactive one to the free list, its list's count and ``next_inactive_rotation``
kept); a per-CPU update of an existing key takes the node and gives it back (it ends where it
was), sets the old node's ref bit and writes the running CPU's value in place through the inner
table's journal (``HashMap.write_value``).  Everything else -- an empty local free list (the refill
rotates, shrinks, evicts and steals), a flag that refuses the update (the node given back), a
per-CPU BPF_EXIST, BPF_F_NO_COMMON_LRU maps (whose pop rotates its list every time), values with a
spin lock, timer or workqueue -- is the Python helper's, so the policy's hard parts have one
implementation.  Every link the native code follows is range-checked before its first write; a
doubt unlocks and goes to the Python helper from the untouched map.

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

import errno
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llvmlite import ir

from pybpf import uapi
from pybpf.jit.libc import libc_address
from pybpf.jit.lower import I8, I32, I64, Lowering, Site
from pybpf.jit.native_hash import MAX_KEY_SIZE, SLOT_KEY, NativeHash, hash_key
from pybpf.jit.native_hash_write import MAX_VALUE_SIZE, TRYLOCK, UNLOCK, Writer, copy_bytes
from pybpf.jit.native_maps import MAX_NATIVE_MAPS, MAX_STAMPED_VALUES, give_null, hand_out, map_address
from pybpf.jit.native_memory import fill_bytes
from pybpf.jit.state import Field
from pybpf.maps.base import round_up
from pybpf.maps.hash import COUNT_OFFSET, HashMap
from pybpf.maps.journal import HEAD_BYTES, journal_bytes
from pybpf.maps.lru import (
    CPU_AT,
    FREE,
    HEADER_BYTES,
    INACTIVE,
    LOCAL_FREE,
    LOCAL_PENDING,
    NODE_HEAD,
    REF_AT,
    ROTATION_AT,
    TYPE_AT,
    VALUE_PREFIX,
    LruHashMap,
    LruPercpuHashMap,
)
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
    n_locals: int = 0
    """CPUs with local free and pending lists (common LRU); 0 for BPF_F_NO_COMMON_LRU."""
    journal_at: int = 0
    """Storage offset of the inner table's journal (its one-CPU copies in place)."""

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
        return (
            *self.table.layout, self.pool_at, self.first_element, self.n_nodes, self.node_size,
            self.n_locals, self.journal_at,
        )  # fmt: skip

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
    journal_at = impl.inner_at + inner.slots_at - journal_bytes(round_up(inner.value_size, 8))
    n_locals = 0 if impl.percpu_lru or impl.n_lists != 1 else impl.n_locals
    return NativeLru(
        table, impl.pool_at, impl.n_heads + 1, impl.n_nodes, impl.node_size, n_locals, journal_at
    )


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


def writable_lru(lru: NativeLru) -> bool:
    """Whether ``lru``'s updates and deletes may be native: the common LRU (a per-CPU list rotates at
    every pop: Python's), values a native copy takes, no spin lock, timer or workqueue in them (an
    eviction frees those: Python's), writable by programs."""
    obj = lru.obj
    return (
        lru.n_locals > 0
        and obj.spin_lock_off is None
        and not obj.holds_async
        and not obj.params.flags & uapi.BPF_F_RDONLY_PROG
        and obj.params.value_size <= MAX_VALUE_SIZE
    )


class _Nodes:
    """Lowering on one LRU map's node pool and lists (``_LruBase``'s words), for code holding the
    map's mutex: every link read is checked (``in_pool``) before the first write of the call, so a
    doubt unlocks and goes to the Python helper from an untouched map."""

    def __init__(self, lo: Lowering, lru: NativeLru, writer: Writer) -> None:
        self.lo, self.b, self.lru, self.writer = lo, lo.b, lru, writer
        self.checks: list[ir.Value] = []

    def node(self, link: ir.Value) -> ir.Value:
        b, lo, lru = self.b, self.lo, self.lru
        first = map_address(lo, lru, lru.pool_at - lru.node_size)
        return b.add(first, b.mul(b.zext(link, I64), lo.const(lru.node_size)))

    def u32(self, address: ir.Value) -> ir.Value:
        return self.b.inttoptr(address, I32.as_pointer())

    def u8(self, address: ir.Value) -> ir.Value:
        return self.b.inttoptr(address, I8.as_pointer())

    def prev(self, link: ir.Value) -> ir.Value:
        return self.b.load(self.u32(self.node(link)))

    def next(self, link: ir.Value) -> ir.Value:
        return self.b.load(self.u32(self.b.add(self.node(link), self.lo.const(4))))

    def set_prev(self, link: ir.Value, value: ir.Value) -> None:
        self.b.store(value, self.u32(self.node(link)))

    def set_next(self, link: ir.Value, value: ir.Value) -> None:
        self.b.store(value, self.u32(self.b.add(self.node(link), self.lo.const(4))))

    def byte_at(self, link: ir.Value, offset: int) -> ir.Value:
        return self.u8(self.b.add(self.node(link), self.lo.const(offset)))

    def in_pool(self, link: ir.Value) -> ir.Value:
        b, lo = self.b, self.lo
        return b.and_(
            b.icmp_unsigned("!=", link, lo.const(0, 32)),
            b.icmp_unsigned("<=", link, lo.const(self.lru.n_nodes, 32)),
        )

    def element(self, link: ir.Value) -> ir.Value:
        b, lo = self.b, self.lo
        return b.and_(
            b.icmp_unsigned(">=", link, lo.const(self.lru.first_element, 32)),
            b.icmp_unsigned("<=", link, lo.const(self.lru.n_nodes, 32)),
        )

    def require(self, ok: ir.Value, name: str) -> None:
        """Go on when ``ok``, else unlock and go to Python (only before the first write)."""
        passed = self.lo.new_block(name)
        self.b.cbranch(ok, passed, self.writer.bail)
        self.lo.continue_in(passed)

    def list_move(self, link: ir.Value, head: ir.Value) -> None:
        """``list_move``: ``list_del`` then ``list_add`` at ``head`` (links checked before)."""
        prev, following = self.prev(link), self.next(link)
        self.set_next(prev, following)
        self.set_prev(following, prev)
        first = self.next(head)
        self.set_prev(first, link)
        self.set_prev(link, head)
        self.set_next(link, first)
        self.set_next(head, link)

    def local_head(self, cpu: ir.Value, kind: int) -> ir.Value:
        """``_local_head`` of a CPU (u32) of the common LRU (one ``bpf_lru_list``: 3 heads)."""
        b, lo = self.b, self.lo
        return b.add(b.mul(cpu, lo.const(2, 32)), lo.const(1 + 3 + kind - LOCAL_FREE, 32))

    def check_pushable(self, old: ir.Value) -> tuple[ir.Value, ir.Value]:
        """The checks ``bpf_lru_push_free`` of element node ``old`` needs: a pending node of a known
        CPU, or a node of the active or inactive list, its neighbours and its target list's first
        node in the pool; (its type, its target head)."""
        b, lo = self.b, self.lo
        kind = b.load(self.byte_at(old, TYPE_AT))
        pending = b.icmp_unsigned("==", kind, ir.Constant(I8, LOCAL_PENDING))
        listed = b.icmp_unsigned("<=", kind, ir.Constant(I8, INACTIVE))
        cpu = b.load(self.u32(b.add(self.node(old), lo.const(CPU_AT))))
        known_cpu = b.icmp_unsigned("<", cpu, lo.const(self.lru.n_locals, 32))
        target = b.select(pending, self.local_head(cpu, LOCAL_FREE), lo.const(1 + FREE, 32))
        self.require(b.or_(b.and_(pending, known_cpu), listed), "lru_push_kind")
        self.require(b.and_(self.in_pool(self.prev(old)), self.in_pool(self.next(old))), "lru_push_links")
        self.require(self.in_pool(self.next(target)), "lru_push_target")
        return kind, target

    def push_free(self, old: ir.Value, kind: ir.Value, target: ir.Value) -> None:
        """``bpf_lru_push_free`` (checked by ``check_pushable``): a pending node to its CPU's local free
        list; an active or inactive one to the free list (``__bpf_lru_node_move``: its list's count
        decremented, ``next_inactive_rotation`` stepped back off it)."""
        b, lo, lru = self.b, self.lo, self.lru
        pending = b.icmp_unsigned("==", kind, ir.Constant(I8, LOCAL_PENDING))
        to_local, to_free, moved = (
            lo.new_block("lru_push_local"),
            lo.new_block("lru_push_free"),
            lo.new_block("lru_pushed"),
        )
        b.cbranch(pending, to_local, to_free)
        lo.continue_in(to_local)
        b.store(ir.Constant(I8, LOCAL_FREE), self.byte_at(old, TYPE_AT))
        b.branch(moved)
        lo.continue_in(to_free)
        count_at = self.u32(b.add(map_address(lo, lru, HEADER_BYTES), b.mul(b.zext(kind, I64), lo.const(4))))
        count = b.load(count_at)
        b.store(
            b.select(b.icmp_unsigned("==", count, lo.const(0, 32)), count, b.sub(count, lo.const(1, 32))),
            count_at,
        )
        b.store(ir.Constant(I8, FREE), self.byte_at(old, TYPE_AT))
        rotation_at = self.u32(map_address(lo, lru, HEADER_BYTES + ROTATION_AT))
        rotation = b.load(rotation_at)
        b.store(b.select(b.icmp_unsigned("==", rotation, old), self.prev(old), rotation), rotation_at)
        b.branch(moved)
        lo.continue_in(moved)
        b.store(ir.Constant(I8, 0), self.byte_at(old, REF_AT))
        self.list_move(old, target)


def _journaled_copy(
    lo: Lowering, writer: Writer, lru: NativeLru, source: ir.Value, target: ir.Value, *, size: int
) -> None:
    """``HashMap.write_value``: ``size`` bytes from ``source`` to ``target`` (an address in the inner
    table's slots) through the table's journal, inside an odd sequence count: a run killed in the copy
    leaves the journal published, which ``recover`` replays."""
    b = lo.b
    even = writer.begin_write()
    data = map_address(lo, lru, lru.journal_at + HEAD_BYTES)
    copy_bytes(lo, source, data, size)
    head = b.inttoptr(map_address(lo, lru, lru.journal_at), I64.as_pointer())
    length = b.inttoptr(map_address(lo, lru, lru.journal_at + 8), I64.as_pointer())
    b.store(lo.const(size), length)
    offset = b.sub(target, map_address(lo, lru, lru.table.table_at))
    b.fence("release")
    b.store_atomic(b.add(offset, lo.const(1)), head, "monotonic", 8)
    b.fence("seq_cst")
    copy_bytes(lo, source, target, size)
    b.fence("release")
    b.store_atomic(lo.const(0), head, "monotonic", 8)
    writer.end_write(even)


def lower_lru_update(lo: Lowering, site: Site, lru: NativeLru, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_map_update_elem(lru, r2, r3, r4)`` natively under the map's mutex: ``_LruBase._update``
    when the running CPU's local free list has a node (``bpf_common_lru_pop_free``'s first step);
    otherwise -- a refill, which may rotate, shrink and evict --, for a flag that refuses the update
    (the node is given back) and a per-CPU BPF_EXIST, the Python helper runs the policy."""
    table = lru.table
    writer = Writer(lo, site, table, args)
    b = lo.b
    value_size = table.obj.params.value_size
    run_cpu = lo.load_field(Field.CPU)
    if table.percpu:  # program_update: a CPU the map has not is the Python helper's -EINVAL
        known_cpu = lo.new_block("lru_update_cpu")
        b.cbranch(b.icmp_unsigned("<", run_cpu, lo.const(table.nr_cpus)), known_cpu, writer.python)
        lo.continue_in(known_cpu)
    flags = args[3]
    handled = lo.new_block("lru_update_flags")
    limit = uapi.BPF_NOEXIST if table.percpu else uapi.BPF_EXIST
    b.cbranch(b.icmp_unsigned("<=", flags, lo.const(limit)), handled, writer.python)
    lo.continue_in(handled)
    key, hashed = hash_key(lo, table, args[1])
    cpu = b.trunc(b.urem(run_cpu, lo.const(lru.n_locals)), I32)
    mode = b.and_(flags, lo.const(3))
    writer.lock()
    nodes = _Nodes(lo, lru, writer)
    # the node bpf_common_lru_pop_free takes: the first of the CPU's local free list
    free_head = nodes.local_head(cpu, LOCAL_FREE)
    pending_head = nodes.local_head(cpu, LOCAL_PENDING)
    new = nodes.next(free_head)
    nodes.require(nodes.element(new), "lru_update_local_free")  # (empty: the head itself -> Python)
    nodes.require(b.icmp_unsigned("==", nodes.prev(new), free_head), "lru_update_first")
    nodes.require(nodes.in_pool(nodes.next(new)), "lru_update_second")
    nodes.require(nodes.in_pool(nodes.next(pending_head)), "lru_update_pending")
    found, absent, link, link_at = writer.walk(key, hashed)
    head_at = writer.head_at

    def take(new_link: ir.Value, referenced: int) -> None:
        """The pop's writes: onto the pending list, the CPU, type and ref bit, the key."""
        nodes.list_move(new_link, pending_head)
        b.store(cpu, nodes.u32(b.add(nodes.node(new_link), lo.const(CPU_AT))))
        b.store(ir.Constant(I8, LOCAL_PENDING), nodes.byte_at(new_link, TYPE_AT))
        b.store(ir.Constant(I8, referenced), nodes.byte_at(new_link, REF_AT))
        for i, byte in enumerate(key):
            b.store(byte, nodes.byte_at(new_link, NODE_HEAD + i))

    def value_writer(node_link: ir.Value) -> Callable[[ir.Value], None]:
        def write(address: ir.Value) -> None:  # the node link, 8-aligned, then the value
            b.store(b.zext(node_link, I64), b.inttoptr(address, I64.as_pointer()), align=1)
            value_at = b.add(address, lo.const(VALUE_PREFIX))
            if table.percpu:  # a new element: every CPU's slot zeroed, then the running CPU's set
                fill_bytes(lo, value_at, 0, lo.const(table.nr_cpus * table.cpu_stride))
                value_at = b.add(value_at, b.mul(run_cpu, lo.const(table.cpu_stride)))
            copy_bytes(lo, args[2], value_at, value_size)

        return write

    # an existing key
    lo.continue_in(found)
    nodes.require(b.icmp_unsigned("!=", mode, lo.const(uapi.BPF_NOEXIST)), "lru_update_may_replace")
    old = _node_link(lo, writer, table, link)
    nodes.require(b.and_(nodes.element(old), b.icmp_unsigned("!=", old, new)), "lru_update_old")
    if table.percpu:  # the node taken and given back (it ends where it was); the old referenced,
        # the running CPU's value written in place through the journal
        b.store(cpu, nodes.u32(b.add(nodes.node(new), lo.const(CPU_AT))))
        b.store(ir.Constant(I8, 0), nodes.byte_at(new, REF_AT))
        for i, byte in enumerate(key):
            b.store(byte, nodes.byte_at(new, NODE_HEAD + i))
        b.store(ir.Constant(I8, 1), nodes.byte_at(old, REF_AT))
        slot_value = b.add(writer.slot_of(link), lo.const(SLOT_KEY + table.key_stride + VALUE_PREFIX))
        target = b.add(slot_value, b.mul(run_cpu, lo.const(table.cpu_stride)))
        _journaled_copy(lo, writer, lru, args[2], target, size=value_size)
    else:  # a new element first in its bucket, on the new node (referenced); the old node freed
        kind, target = nodes.check_pushable(old)
        writer.replace(key, hashed, link, link_at, value_writer(new))
        take(new, 1)
        nodes.push_free(old, kind, target)
    writer.finish(lo.const(0))

    # a new key: an element on the new node
    lo.continue_in(absent)
    nodes.require(b.icmp_unsigned("!=", mode, lo.const(uapi.BPF_EXIST)), "lru_update_may_insert")
    count = b.load(writer.u32_at(COUNT_OFFSET))
    nodes.require(b.icmp_unsigned("<", count, lo.const(table.obj.params.max_entries, 32)), "lru_update_room")
    writer.head_at = head_at
    writer.insert(key, hashed, value_writer(new), writer.bail)
    take(new, 0)
    writer.finish(lo.const(0))
    lo.continue_in(writer.done)


def lower_lru_delete(lo: Lowering, site: Site, lru: NativeLru, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_map_delete_elem(lru, r2)`` natively under the map's mutex (``_LruBase.delete``: the
    inner table's element removed, its node given back by ``bpf_lru_push_free``)."""
    table = lru.table
    writer = Writer(lo, site, table, args)
    key, hashed = hash_key(lo, table, args[1])
    writer.lock()
    found, absent, link, link_at = writer.walk(key, hashed)

    lo.continue_in(absent)
    writer.fail(errno.ENOENT)

    lo.continue_in(found)
    nodes = _Nodes(lo, lru, writer)
    old = _node_link(lo, writer, table, link)
    nodes.require(nodes.element(old), "lru_delete_node")
    kind, target = nodes.check_pushable(old)
    writer.remove(link, link_at)
    nodes.push_free(old, kind, target)
    writer.finish(lo.const(0))
    lo.continue_in(writer.done)


__all__ = [
    "NativeLru",
    "lower_lru_delete",
    "lower_lru_lookup",
    "lower_lru_update",
    "native_lru",
    "writable_lru",
]
