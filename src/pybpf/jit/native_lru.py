"""LRU hash lookups as native code: ``bpf_map_lookup_elem`` on BPF_MAP_TYPE_LRU_HASH and
BPF_MAP_TYPE_LRU_PERCPU_HASH (and ``bpf_map_lookup_percpu_elem`` on the latter).

Mirrors ``htab_lru_map_lookup_elem`` (kernel/bpf/hashtab.c: the hash lookup, then
``bpf_lru_node_set_ref`` on a hit) on pybpf's LRU model (``pybpf.maps.lru``), which keeps one exact
recency order where the kernel sets a "ref" bit its list rotation reads later: a program's lookup that
finds its key moves the key's LRU node to the front of the list (``value_offset``'s ``_unlink`` and
``_push_front``), so which element an update evicts next is the same after a native lookup as after
the Python helper's, for both engines and for every process sharing the map.

Moving a node writes the shared list, so the lookup is the map's writer protocol, not the lock-free
read side of ``pybpf.jit.native_hash``: the Python helper holds ``MapObject.lock`` for LRU lookups
(``read_locked``), and so does the native lookup:

* the map's mutex is taken with ``pthread_mutex_trylock`` (``pybpf.jit.native_hash_write``'s lock):
  a mutex another thread or process holds sends the call to the Python helper, which waits for it; a
  mutex whose holder died is repaired first (``Op.RECOVER``, as ``SharedMutex.locked_with``);
* under it, the inner hash table's chain is walked as ``HashMap._find`` walks it (a link outside the
  slot pool or a loop: unlock and go to the Python helper, which reports the corruption);
* on a hit, every link the move reads (the element's node, its neighbours, the list's front) is
  range-checked before anything is written -- any doubt unlocks and goes to the Python helper, which
  starts again from the same untouched state -- then the links are written in ``_unlink`` and
  ``_push_front``'s order, the mutex is unlocked and the value handed out as ``pybpf.jit.native_maps``
  hands values out (verified: the inner table's slot pool is the session's region; raw: registered
  per slot and epoch).

A per-CPU map's CPU the map has not gives NULL before the lock is taken, as ``value_offset`` answers
before it looks the key up.

``bpf_map_delete_elem`` is native too (``_LruBase.delete``): under the mutex, the key's element found,
its node link and neighbours checked, then the inner table's element removed with that table's
writer protocol (``Writer.remove``: inside an odd sequence count), the node unlinked and put on the
free node list; an absent key is -ENOENT.  So is ``bpf_map_update_elem`` on an LRU_HASH
(``_LruBase.update``): an existing key's element replaced in the inner table (``Writer.replace``) and
its node moved to the front; a new key, in a full map, first evicts the list's tail (its key looked
up in the inner table by the key its node holds, the element removed, the node unlinked and freed),
then takes a node (the free node list's head, else the next never used), inserts the element
(``Writer.insert``) and puts the node at the front.  Every check the Python side would fail on
(links outside the pools, a tail naming no element, a node list that reaches the free list, no node
or slot left) is made before the first write, from the state the lock guarantees, so a doubt sends
the call to the Python helper from an untouched map; what the map's writes look like in between is
seen by nobody (every reader of an LRU map takes the mutex).  BPF_NOEXIST / BPF_EXIST give
-EEXIST / -ENOENT, other flags go to the Python helper (-EINVAL).  On an LRU_PERCPU_HASH the update is
``__htab_lru_percpu_map_update_elem(onallcpus=false)`` as ``LruPercpuHashMap.program_update`` models it:
the running CPU's slot (``Field.CPU``; a CPU the map has not goes to the Python helper, -EINVAL) of an
existing element written in place and the element made the most recently used; a new element
inserted as above with that CPU's slot set and every other CPU's zeroed.
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
from pybpf.maps.lru import (
    COUNT_AT,
    FREE_AT,
    HEADER_BYTES,
    HIGH_AT,
    LRU_AT,
    MRU_AT,
    VALUE_PREFIX,
    LruHashMap,
    LruPercpuHashMap,
)
from pybpf.maps.object import MapObject

LRU_TYPES = {uapi.BPF_MAP_TYPE_LRU_HASH: LruHashMap, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH: LruPercpuHashMap}
NODE_NEXT = 4  # a node's next link follows its previous link
NODE_KEY = 8  # then its key


@dataclass(frozen=True)
class NativeLru:
    """One LRU hash as its native lookups see it: its inner hash table (``table``, whose values start
    with the element's node link) and its node pool (node L at ``HEADER_BYTES + (L - 1) * node_size``
    of the storage)."""

    table: NativeHash
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
        return (*self.table.layout, self.n_nodes, self.node_size)

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
        or HEADER_BYTES + impl.n_nodes * impl.node_size > impl.inner_at
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
    return NativeLru(table, impl.n_nodes, impl.node_size)


class _List:
    """Lowering on one LRU map's node list (``_LruBase``'s ``_node``, ``_unlink``, ``_push_front``,
    ``_free_node``), for code holding the map's mutex."""

    def __init__(self, lo: Lowering, lru: NativeLru) -> None:
        self.lo, self.b, self.lru = lo, lo.b, lru
        self.mru_at, self.lru_at = map_address(lo, lru, MRU_AT), map_address(lo, lru, LRU_AT)
        self.free_at, self.count_at = map_address(lo, lru, FREE_AT), map_address(lo, lru, COUNT_AT)
        self.high_at = map_address(lo, lru, HIGH_AT)
        self.first_node = HEADER_BYTES - lru.node_size
        """The storage offset of the node a link of 0 would name."""

    def u32(self, address: ir.Value) -> ir.Value:
        return self.b.inttoptr(address, I32.as_pointer())

    def load(self, address: ir.Value) -> ir.Value:
        return self.b.load(self.u32(address))

    def store(self, value: ir.Value, address: ir.Value) -> None:
        self.b.store(value, self.u32(address))

    def node(self, link: ir.Value) -> ir.Value:
        """The address of the node a (checked) link names."""
        b, lo = self.b, self.lo
        return b.add(
            map_address(lo, self.lru, self.first_node), b.mul(b.zext(link, I64), lo.const(self.lru.node_size))
        )

    def next_at(self, link: ir.Value) -> ir.Value:
        return self.b.add(self.node(link), self.lo.const(NODE_NEXT))

    def in_pool(self, link: ir.Value, *, zero: bool) -> ir.Value:
        """Whether ``link`` names a node (``zero``: or is 0, no node)."""
        b, lo = self.b, self.lo
        inside = b.icmp_unsigned("<=", link, lo.const(self.lru.n_nodes, 32))
        return inside if zero else b.and_(inside, b.icmp_unsigned("!=", link, lo.const(0, 32)))

    def is_none(self, link: ir.Value) -> ir.Value:
        return self.b.icmp_unsigned("==", link, self.lo.const(0, 32))

    def neighbours(self, link: ir.Value) -> tuple[ir.Value, ir.Value, ir.Value]:
        """The (checked) node's previous and next links, and whether both are 0 or in the pool."""
        prev, following = self.load(self.node(link)), self.load(self.next_at(link))
        return prev, following, self.b.and_(self.in_pool(prev, zero=True), self.in_pool(following, zero=True))

    def front_after_unlink(self, prev: ir.Value, following: ir.Value) -> ir.Value:
        """The list's front once a node with these neighbours is unlinked (what ``_push_front`` reads)."""
        return self.b.select(self.is_none(prev), following, self.load(self.mru_at))

    def unlink(self, prev: ir.Value, following: ir.Value) -> None:
        """``_unlink`` of a node whose (checked) neighbours are ``prev`` and ``following``."""
        b = self.b
        self.store(following, b.select(self.is_none(prev), self.mru_at, self.next_at(prev)))
        self.store(prev, b.select(self.is_none(following), self.lru_at, self.node(following)))

    def push_front(self, link: ir.Value, front: ir.Value) -> None:
        """``_push_front`` of node ``link``, ``front`` (checked) being the list's front."""
        b, lo = self.b, self.lo
        self.store(lo.const(0, 32), self.node(link))
        self.store(front, self.next_at(link))
        self.store(link, b.select(self.is_none(front), self.lru_at, self.node(front)))
        self.store(link, self.mru_at)

    def free(self, link: ir.Value) -> None:
        """``_free_node``: onto the free node list (no predecessor), the count decremented."""
        b, lo = self.b, self.lo
        self.store(lo.const(0, 32), self.node(link))
        self.store(self.load(self.free_at), self.next_at(link))
        self.store(link, self.free_at)
        count = self.load(self.count_at)
        self.store(b.select(self.is_none(count), count, b.sub(count, lo.const(1, 32))), self.count_at)


def _node_link(lo: Lowering, writer: Writer, table: NativeHash, link: ir.Value) -> ir.Value:
    """The node link stored in front of the value of the inner table's slot ``link``."""
    value_at = lo.b.add(writer.slot_of(link), lo.const(SLOT_KEY + table.key_stride))
    return lo.b.load(lo.b.inttoptr(value_at, I32.as_pointer()))


def deletable(lru: NativeLru) -> bool:
    """Whether ``lru``'s deletes may be native: as a hash map's (``native_hash_write.writable``), and
    either LRU type (a delete touches no value)."""
    obj = lru.table.obj
    return obj.spin_lock_off is None and not obj.holds_async and not obj.params.flags & uapi.BPF_F_RDONLY_PROG


def lower_lru_lookup(
    lo: Lowering,
    site: Site,
    lru: NativeLru,
    args: Sequence[ir.Value],
    *,
    verified: bool,
    cpu_in_r3: bool = False,
) -> None:
    """r0 = ``bpf_map_lookup_elem(lru, r2)`` natively under the map's mutex, the element made the most
    recently used; ``cpu_in_r3``: ``bpf_map_lookup_percpu_elem(lru, r2, r3)`` (CPU r3's slot)."""
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
    nodes = _List(lo, lru)
    node_link = _node_link(lo, writer, table, link)
    node_known = lo.new_block("lru_node_known")
    b.cbranch(nodes.in_pool(node_link, zero=False), node_known, writer.bail)
    lo.continue_in(node_known)
    prev, following, sane = nodes.neighbours(node_link)
    front = nodes.front_after_unlink(prev, following)
    moving = lo.new_block("lru_move")
    b.cbranch(b.and_(sane, nodes.in_pool(front, zero=True)), moving, writer.bail)

    lo.continue_in(moving)
    nodes.unlink(prev, following)
    nodes.push_front(node_link, front)
    writer.mutex_call(UNLOCK)
    value = b.add(writer.slot_of(link), lo.const(SLOT_KEY + table.key_stride + VALUE_PREFIX))
    stamp_slot = b.zext(link, I64)
    if table.percpu:
        value = b.add(value, b.mul(cpu, lo.const(table.cpu_stride)))
        stamp_slot = b.add(b.mul(stamp_slot, lo.const(table.nr_cpus)), cpu)
    hand_out(lo, site, lru, value, stamp_slot=stamp_slot, done=writer.done, verified=verified)
    lo.continue_in(writer.done)


def lower_lru_delete(lo: Lowering, site: Site, lru: NativeLru, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_map_delete_elem(lru, r2)`` natively under the map's mutex (``_LruBase.delete``: the
    inner table's element removed, its node unlinked and freed); every link checked first."""
    table = lru.table
    writer = Writer(lo, site, table, args)
    b = lo.b
    key, hashed = hash_key(lo, table, args[1])
    writer.lock()
    found, absent, link, link_at = writer.walk(key, hashed)

    lo.continue_in(absent)
    writer.fail(errno.ENOENT)

    lo.continue_in(found)
    nodes = _List(lo, lru)
    node_link = _node_link(lo, writer, table, link)
    node_known = lo.new_block("lru_node_known")
    b.cbranch(nodes.in_pool(node_link, zero=False), node_known, writer.bail)
    lo.continue_in(node_known)
    prev, following, sane = nodes.neighbours(node_link)
    deleting = lo.new_block("lru_delete")
    b.cbranch(sane, deleting, writer.bail)

    lo.continue_in(deleting)
    writer.remove(link, link_at)
    nodes.unlink(prev, following)
    nodes.free(node_link)
    writer.finish(lo.const(0))
    lo.continue_in(writer.done)


def updatable(lru: NativeLru) -> bool:
    """Whether ``lru``'s updates may be native: either LRU type, whose values a native hash update could
    copy (``native_hash_write.writable``)."""
    return deletable(lru) and lru.table.obj.params.value_size <= MAX_VALUE_SIZE


def lower_lru_update(lo: Lowering, site: Site, lru: NativeLru, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_map_update_elem(lru, r2, r3, r4)`` natively under the map's mutex (``_LruBase.update``):
    an existing key's element replaced (per-CPU: the running CPU's slot written in place) and made the
    most recently used; a new key's inserted with a node of its own, after the least recently used
    element is evicted from a full map.  Everything a step could find wrong is checked before the
    first write; a doubt goes to the Python helper."""
    table = lru.table
    writer = Writer(lo, site, table, args)
    b = lo.b
    value_size = table.obj.params.value_size
    cpu_offset: ir.Value = lo.const(0)
    if table.percpu:  # program_update: a CPU the map has not is the Python helper's -EINVAL
        cpu = lo.load_field(Field.CPU)
        known_cpu = lo.new_block("lru_update_cpu")
        b.cbranch(b.icmp_unsigned("<", cpu, lo.const(table.nr_cpus)), known_cpu, writer.python)
        lo.continue_in(known_cpu)
        cpu_offset = b.mul(cpu, lo.const(table.cpu_stride))
    flags = args[3]
    known_flags = lo.new_block("lru_update_flags")
    b.cbranch(b.icmp_unsigned("<=", flags, lo.const(uapi.BPF_EXIST)), known_flags, writer.python)
    lo.continue_in(known_flags)
    key, hashed = hash_key(lo, table, args[1])
    mode = b.and_(flags, lo.const(3))
    writer.lock()
    found, absent, link, link_at = writer.walk(key, hashed)
    head_at = writer.head_at  # (a walk for the victim sets another)
    nodes = _List(lo, lru)

    def value_writer(node_link: ir.Value) -> Callable[[ir.Value], None]:
        def write(address: ir.Value) -> None:  # the node link, 8-aligned, then the value
            b.store(b.zext(node_link, I64), b.inttoptr(address, I64.as_pointer()), align=1)
            value_at = b.add(address, lo.const(VALUE_PREFIX))
            if table.percpu:  # every CPU's slot zeroed, then the running CPU's set
                fill_bytes(lo, value_at, 0, lo.const(table.nr_cpus * table.cpu_stride))
                value_at = b.add(value_at, cpu_offset)
            copy_bytes(lo, args[2], value_at, value_size)

        return write

    def check(ok: ir.Value, name: str) -> None:
        passed = lo.new_block(name)
        b.cbranch(ok, passed, writer.bail)
        lo.continue_in(passed)

    # an existing key: replaced in the inner table, its node moved to the front
    lo.continue_in(found)
    node_link = _node_link(lo, writer, table, link)
    check(nodes.in_pool(node_link, zero=False), "lru_update_node")
    exists, replacing = lo.new_block("lru_update_exists"), lo.new_block("lru_update_replace")
    b.cbranch(b.icmp_unsigned("==", mode, lo.const(uapi.BPF_NOEXIST)), exists, replacing)
    lo.continue_in(exists)
    writer.fail(errno.EEXIST)
    lo.continue_in(replacing)
    prev, following, sane = nodes.neighbours(node_link)
    front = nodes.front_after_unlink(prev, following)
    check(b.and_(sane, nodes.in_pool(front, zero=True)), "lru_update_links")
    if table.percpu:  # value_offset (the move to the front), then the slot written in place
        slot_value = b.add(writer.slot_of(link), lo.const(SLOT_KEY + table.key_stride + VALUE_PREFIX))
        copy_bytes(lo, args[2], b.add(slot_value, cpu_offset), value_size)
    else:
        writer.replace(key, hashed, link, link_at, value_writer(node_link))
    nodes.unlink(prev, following)
    nodes.push_front(node_link, front)
    writer.finish(lo.const(0))

    # a new key: the least recently used evicted from a full map, a node taken, the element inserted
    lo.continue_in(absent)
    missing, room = lo.new_block("lru_update_missing"), lo.new_block("lru_update_new")
    b.cbranch(b.icmp_unsigned("==", mode, lo.const(uapi.BPF_EXIST)), missing, room)
    lo.continue_in(missing)
    writer.fail(errno.ENOENT)
    lo.continue_in(room)
    max_entries = lo.const(table.obj.params.max_entries, 32)
    inner_count = b.load(writer.u32_at(COUNT_OFFSET))
    evicting, keeping = lo.new_block("lru_update_evict"), lo.new_block("lru_update_keep")
    b.cbranch(b.icmp_unsigned(">=", nodes.load(nodes.count_at), max_entries), evicting, keeping)
    allocating = lo.new_block("lru_update_allocate")

    lo.continue_in(evicting)  # _evict: the list's tail, its key's element and node
    victim = nodes.load(nodes.lru_at)
    check(nodes.in_pool(victim, zero=False), "lru_update_victim")
    victim_key, victim_hash = hash_key(lo, table, b.add(nodes.node(victim), lo.const(NODE_KEY)))
    victim_found, victim_absent, victim_link, victim_link_at = writer.walk(victim_key, victim_hash)
    lo.continue_in(victim_absent)
    b.branch(writer.bail)  # the least recently used node names no element: Python reports it
    lo.continue_in(victim_found)
    victim_prev, victim_next, victim_sane = nodes.neighbours(victim)
    front_then = nodes.front_after_unlink(victim_prev, victim_next)
    fits = b.icmp_unsigned(
        "<",
        b.select(nodes.is_none(inner_count), inner_count, b.sub(inner_count, lo.const(1, 32))),
        max_entries,
    )
    check(
        b.and_(
            b.and_(victim_sane, fits),
            b.and_(nodes.in_pool(front_then, zero=True), b.icmp_unsigned("!=", front_then, victim)),
        ),
        "lru_update_evictable",
    )
    writer.remove(victim_link, victim_link_at)
    nodes.unlink(victim_prev, victim_next)
    nodes.free(victim)  # (so the victim's node is the free list's head: _alloc_node takes it)
    b.branch(allocating)

    lo.continue_in(keeping)  # _alloc_node's checks: the free list's head, else a never used node
    free = nodes.load(nodes.free_at)
    listed, fresh = lo.new_block("lru_update_listed"), lo.new_block("lru_update_fresh")
    b.cbranch(nodes.is_none(free), fresh, listed)
    lo.continue_in(listed)
    check(nodes.in_pool(free, zero=False), "lru_update_free_known")
    unlisted = b.and_(
        nodes.is_none(nodes.load(nodes.node(free))), b.icmp_unsigned("!=", nodes.load(nodes.mru_at), free)
    )
    listed_ok = lo.new_block("lru_update_listed_ok")
    b.cbranch(unlisted, listed_ok, writer.bail)
    lo.continue_in(fresh)
    fresh_ok = lo.new_block("lru_update_fresh_ok")
    high = nodes.load(nodes.high_at)
    b.cbranch(b.icmp_unsigned("<", high, lo.const(lru.n_nodes, 32)), fresh_ok, writer.bail)
    for block in (listed_ok, fresh_ok):
        lo.continue_in(block)
        room_left = b.icmp_unsigned("<", inner_count, max_entries)
        front_known = nodes.in_pool(nodes.load(nodes.mru_at), zero=True)
        b.cbranch(b.and_(room_left, front_known), allocating, writer.bail)

    lo.continue_in(allocating)  # the inner element first (its slot's checks precede every write
    free = nodes.load(nodes.free_at)  # on this way), then _alloc_node's writes, then _push_front
    from_list = b.icmp_unsigned("!=", free, lo.const(0, 32))
    new_link = b.select(from_list, free, b.add(nodes.load(nodes.high_at), lo.const(1, 32)))
    writer.head_at = head_at
    writer.insert(key, hashed, value_writer(new_link), writer.bail)
    node = nodes.node(new_link)
    nodes.store(b.select(from_list, nodes.load(nodes.next_at(new_link)), free), nodes.free_at)
    nodes.store(b.select(from_list, nodes.load(nodes.high_at), new_link), nodes.high_at)
    for i, byte in enumerate(key):
        b.store(byte, b.inttoptr(b.add(node, lo.const(NODE_KEY + i)), I8.as_pointer()))
    nodes.store(b.add(nodes.load(nodes.count_at), lo.const(1, 32)), nodes.count_at)
    nodes.push_front(new_link, nodes.load(nodes.mru_at))
    writer.finish(lo.const(0))
    lo.continue_in(writer.done)


__all__ = [
    "NativeLru",
    "deletable",
    "lower_lru_delete",
    "lower_lru_lookup",
    "lower_lru_update",
    "native_lru",
    "updatable",
]
