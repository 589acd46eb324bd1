"""Hash map updates and deletes as native code: ``bpf_map_update_elem`` and ``bpf_map_delete_elem`` on a
preallocated BPF_MAP_TYPE_HASH.

Mirrors ``htab_map_update_elem`` and ``htab_map_delete_elem`` (kernel/bpf/hashtab.c: take the bucket
lock, find the key, check the flags, take a free preallocated element, publish it in the chain, put
the replaced or deleted element on the free list) on pybpf's layout of the table
(``pybpf.maps.hash``), with the writer side of that map's own protocol, the one ``HashMap.update``
and ``HashMap.delete`` follow under ``MapObject.lock`` -- so other processes, ``Map`` and the
interpreter see the same map, and none of them ever sees a half-made change:

* take the map's mutex (the process-shared robust pthread mutex ``MapObject.lock`` names) with
  ``pthread_mutex_trylock``, as ``SharedMutex.raw_lock`` does;
* make the sequence count odd (``lookup_unlocked`` and the JIT's lock-free lookups then retry), fill
  the new slot while it is unreachable, publish it with one aligned 4-byte store at the bucket's
  head (the kernel's order: newest first; a never used slot raises the high-water mark first, so
  ``recover`` keeps it), unlink the replaced element if any (one more aligned store), then the free
  list and count; make the count even; unlock.

A seq_cst fence after the odd count keeps the slot's stores after it (x86's stores are not
reordered with earlier stores; the fence keeps LLVM from moving them), a release fence before the
publishing store and before the even count keeps everything written before them.

Anything the native code cannot vouch for goes to the Python helper (the trampoline), which answers
exactly as on the interpreter: the run not armed (``pybpf.jit.native_maps``), the key or the value
not on the stack, flags other than BPF_ANY, BPF_NOEXIST and BPF_EXIST, a mutex not free at once (a
holder in another thread or process, which Python waits for), a link outside the slot pool, a
looping chain, a free list naming the slot being replaced.  A mutex whose holder died
(``EOWNERDEAD``: the C library hands it over, inconsistent) is repaired first (``Op.RECOVER``: the
map's ``recover``, as ``SharedMutex.locked_with`` does), then the Python helper runs.  The outcomes
are ``HashMap.update``'s and ``delete``'s: 0, -EEXIST, -ENOENT, -E2BIG.  Maps whose values hold a
``bpf_spin_lock`` (an update never writes the lock word) or a ``bpf_timer`` / ``bpf_wq`` (freed with
the element: ``MapObject.holds_async``), BPF_F_RDONLY_PROG maps (the helper refuses
them), values over ``MAX_VALUE_SIZE`` bytes and per-CPU hashes stay in Python.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence

from llvmlite import ir

from pybpf import uapi
from pybpf.jit.lower import I8, I32, I64, Lowering, Site
from pybpf.jit.native_hash import SLOT_HASH, SLOT_KEY, NativeHash, hash_key
from pybpf.jit.native_maps import begin_lookup, map_address, map_lock_role
from pybpf.jit.state import Op
from pybpf.maps.hash import BUCKETS_OFFSET, COUNT_OFFSET, FREE_OFFSET, HIGH_OFFSET, SEQ_OFFSET

UPDATE_HELPER = 2
DELETE_HELPER = 3
MAX_VALUE_SIZE = 512
"""Longest value an update copies natively (unrolled, eight bytes at a time)."""
MUTEX_CALL = ir.FunctionType(I32, [I64])
"""``int pthread_mutex_trylock(pthread_mutex_t *)`` and ``pthread_mutex_unlock``."""


TRYLOCK = "pthread_mutex_trylock"
UNLOCK = "pthread_mutex_unlock"
"""The C library's mutex functions (``pybpf.jit.lower.LIBC_FUNCTIONS``, bound at link time)."""


def writable(table: NativeHash) -> bool:
    """Whether ``table``'s updates and deletes may be native (see the module docstring)."""
    obj = table.obj
    return (
        obj.params.map_type == uapi.BPF_MAP_TYPE_HASH
        and obj.spin_lock_off is None
        and not obj.holds_async
        and not obj.params.flags & uapi.BPF_F_RDONLY_PROG
        and obj.params.value_size <= MAX_VALUE_SIZE
    )


class Writer:
    """The lowering of one change of a table under its mutex (an update, a delete; an LRU hash's lookup,
    ``pybpf.jit.native_lru``): the lock, the walk under it, the ways out."""

    def __init__(self, lo: Lowering, site: Site, table: NativeHash, args: Sequence[ir.Value]) -> None:
        self.lo, self.b, self.table, self.args = lo, lo.b, table, args
        self.base = table.table_at
        """The storage offset of the table."""
        value_size = table.obj.params.value_size if site.insn.imm == UPDATE_HELPER else 0
        self.done, self.python = begin_lookup(lo, site, args, table.key_size, value_size)
        self.site = site

    def u32_at(self, offset: int | ir.Value) -> ir.Value:
        """A pointer to the u32 at ``offset`` of the table's storage (or at an address, given an IR value)."""
        address = map_address(self.lo, self.table, self.base + offset) if isinstance(offset, int) else offset
        return self.b.inttoptr(address, I32.as_pointer())

    def mutex_call(self, function: str) -> ir.Value:
        b = self.b
        callee = b.inttoptr(self.lo.libc(function), MUTEX_CALL.as_pointer())
        return b.call(callee, [self.lo.address_of(map_lock_role(self.table))])

    def lock(self) -> None:
        """Take the mutex or go to Python (repairing the map first when its holder died)."""
        lo, b = self.lo, self.b
        rc = self.mutex_call(TRYLOCK)
        locked = lo.new_block("hash_locked")
        refused = lo.new_block("hash_lock_refused")
        dead = lo.new_block("hash_owner_dead")
        b.cbranch(b.icmp_unsigned("==", rc, lo.const(0, 32)), locked, refused).set_weights([1000, 1])
        lo.continue_in(refused)
        b.cbranch(b.icmp_unsigned("==", rc, lo.const(errno.EOWNERDEAD, 32)), dead, self.python)
        lo.continue_in(dead)
        lo.trampoline(Op.RECOVER, [lo.const(self.table.index)], self.site.slot)
        b.branch(self.python)
        lo.continue_in(locked)
        self.bail = lo.new_block("hash_bail")
        """Unlock and go to Python."""
        lo.continue_in(self.bail)
        self.mutex_call(UNLOCK)
        b.branch(self.python)
        lo.continue_in(locked)

    def finish(self, result: ir.Value) -> None:
        """Unlock; r0 = ``result``."""
        self.mutex_call(UNLOCK)
        self.lo.set_reg(0, result)
        self.b.branch(self.done)

    def fail(self, code: int) -> None:
        self.finish(self.lo.const(-code))

    def slot_of(self, link: ir.Value) -> ir.Value:
        """The address of the slot a link (index + 1) names."""
        table, lo = self.table, self.lo
        first = self.base + table.slots_at - table.slot_size
        return self.b.add(
            map_address(lo, table, first), self.b.mul(self.b.zext(link, I64), lo.const(table.slot_size))
        )

    def walk(self, key: list[ir.Value], hashed: ir.Value) -> tuple[ir.Block, ir.Block, ir.Value, ir.Value]:
        """Find the key in its bucket's chain (under the lock): the block where it was found, the
        block where it is absent, its link and the address of the link word naming it (a bucket head
        or the predecessor's next); a link outside the pool or a loop bails."""
        lo, b, table = self.lo, self.b, self.table
        bucket = b.zext(b.and_(hashed, lo.const(table.n_buckets - 1, 32)), I64)
        head_at = b.add(map_address(lo, table, self.base + BUCKETS_OFFSET), b.mul(bucket, lo.const(4)))
        self.head_at = head_at
        """The address of the bucket's head link (where an insert publishes)."""
        head = b.load(self.u32_at(head_at))
        entry = b.block
        loop = lo.new_block("hash_write_walk")
        b.branch(loop)

        lo.continue_in(loop)
        link = b.phi(I32, name="link")
        link_at = b.phi(I64, name="link_at")
        tortoise = b.phi(I32, name="tortoise")
        steps = b.phi(I32, name="steps")
        for phi, start in ((link, head), (link_at, head_at), (tortoise, head), (steps, lo.const(0, 32))):
            phi.add_incoming(start, entry)
        absent = lo.new_block("hash_write_absent")
        in_pool = lo.new_block("hash_write_in_pool")
        b.cbranch(b.icmp_unsigned("==", link, lo.const(0, 32)), absent, in_pool)

        lo.continue_in(in_pool)
        at_slot = lo.new_block("hash_write_slot")
        b.cbranch(b.icmp_unsigned(">", link, lo.const(table.n_slots, 32)), self.bail, at_slot)

        lo.continue_in(at_slot)
        slot = self.slot_of(link)
        compare = lo.new_block("hash_write_compare")
        step = lo.new_block("hash_write_step")
        same_hash = b.icmp_unsigned("==", b.load(self.u32_at(b.add(slot, lo.const(SLOT_HASH)))), hashed)
        b.cbranch(same_hash, compare, step)

        lo.continue_in(compare)
        differs: ir.Value = lo.const(0, 8)
        for i, byte in enumerate(key):
            stored = b.load(b.inttoptr(b.add(slot, lo.const(SLOT_KEY + i)), I8.as_pointer()))
            differs = b.or_(differs, b.xor(stored, byte))
        found = lo.new_block("hash_write_found")
        b.cbranch(b.icmp_unsigned("==", differs, lo.const(0, 8)), found, step)

        lo.continue_in(step)
        following = b.load(self.u32_at(slot))
        counted = b.add(steps, lo.const(1, 32))
        jump = b.icmp_unsigned("==", b.and_(counted, b.sub(counted, lo.const(1, 32))), lo.const(0, 32))
        walk_on = lo.new_block("hash_write_walk_on")
        b.cbranch(b.icmp_unsigned("==", following, tortoise), self.bail, walk_on)
        lo.continue_in(walk_on)
        link.add_incoming(following, walk_on)
        link_at.add_incoming(slot, walk_on)
        tortoise.add_incoming(b.select(jump, following, tortoise), walk_on)
        steps.add_incoming(counted, walk_on)
        b.branch(loop)
        return found, absent, link, link_at

    def begin_write(self) -> ir.Value:
        """Make the sequence count odd; the even count to end with."""
        lo, b = self.lo, self.b
        seq_at = self.u32_at(SEQ_OFFSET)
        seq = b.or_(b.load(seq_at), lo.const(1, 32))
        b.store_atomic(seq, seq_at, "monotonic", 4)
        b.fence("seq_cst")
        return b.add(seq, lo.const(1, 32))

    def publish(self, value: ir.Value, at: ir.Value) -> None:
        """The one aligned store that makes a change reachable."""
        self.b.fence("release")
        self.b.store_atomic(value, self.u32_at(at), "monotonic", 4)

    def end_write(self, even: ir.Value) -> None:
        self.b.fence("release")
        self.b.store_atomic(even, self.u32_at(SEQ_OFFSET), "monotonic", 4)

    # Both ways of an update take a slot: the free list's head, else the next never used (the
    # high-water mark).
    def take_slot(
        self, old: ir.Value, no_slot: ir.Block | None = None
    ) -> tuple[ir.Value, ir.Value, ir.Value]:
        """(new link, the free list after it, whether the high-water mark grows); bails, or fails with
        E2BIG when no slot is left (``no_slot``: goes there instead)."""
        lo, b, table = self.lo, self.b, self.table
        free_head = b.load(self.u32_at(FREE_OFFSET))
        from_list = lo.new_block("hash_take_free")
        fresh = lo.new_block("hash_take_fresh")
        b.cbranch(b.icmp_unsigned("!=", free_head, lo.const(0, 32)), from_list, fresh)
        lo.continue_in(from_list)
        listed = lo.new_block("hash_take_listed")
        b.cbranch(b.icmp_unsigned(">", free_head, lo.const(table.n_slots, 32)), self.bail, listed)
        lo.continue_in(listed)
        following = b.load(self.u32_at(self.slot_of(free_head)))
        listed_end = b.block
        lo.continue_in(fresh)
        high = b.zext(b.load(self.u32_at(HIGH_OFFSET)), I64)
        grown = b.add(high, lo.const(1))
        fresh_ok = lo.new_block("hash_take_fresh_ok")
        if no_slot is None:
            no_slot = lo.new_block("hash_take_no_slot")
            lo.continue_in(no_slot)
            self.fail(errno.E2BIG)
            lo.continue_in(fresh)
        b.cbranch(b.icmp_unsigned(">", grown, lo.const(table.n_slots)), no_slot, fresh_ok)
        lo.continue_in(fresh_ok)
        grown_link = b.trunc(grown, I32)
        taken = lo.new_block("hash_take_taken")
        b.branch(taken)
        lo.continue_in(listed_end)
        b.branch(taken)
        lo.continue_in(taken)
        new = b.phi(I32, name="new")
        new.add_incoming(free_head, listed_end)
        new.add_incoming(grown_link, fresh_ok)
        free = b.phi(I32, name="free")
        free.add_incoming(following, listed_end)
        free.add_incoming(lo.const(0, 32), fresh_ok)
        grows = b.phi(ir.IntType(1), name="grows")
        grows.add_incoming(lo.const(0, 1), listed_end)
        grows.add_incoming(lo.const(1, 1), fresh_ok)
        usable = lo.new_block("hash_take_usable")
        b.cbranch(b.icmp_unsigned("==", new, old), self.bail, usable)
        lo.continue_in(usable)
        return new, free, grows

    def fill(
        self, new: ir.Value, key: list[ir.Value], hashed: ir.Value, write_value: Callable[[ir.Value], None]
    ) -> tuple[ir.Value, ir.Value]:
        """Make the count odd and fill the new slot's key, value (``write_value(address)``) and hash;
        the even count and the slot."""
        lo, b = self.lo, self.b
        even = self.begin_write()
        slot = self.slot_of(new)
        for i, byte in enumerate(key):
            b.store(byte, b.inttoptr(b.add(slot, lo.const(SLOT_KEY + i)), I8.as_pointer()))
        write_value(b.add(slot, lo.const(SLOT_KEY + self.table.key_stride)))
        b.store(hashed, self.u32_at(b.add(slot, lo.const(SLOT_HASH))))
        return even, slot

    def grow_high(self, grows: ir.Value, new: ir.Value) -> None:
        lo, b = self.lo, self.b
        mark = lo.new_block("hash_update_mark")
        marked = lo.new_block("hash_update_marked")
        b.cbranch(grows, mark, marked)
        lo.continue_in(mark)
        b.store(new, self.u32_at(HIGH_OFFSET))
        b.branch(marked)
        lo.continue_in(marked)

    def replace(
        self,
        key: list[ir.Value],
        hashed: ir.Value,
        link: ir.Value,
        link_at: ir.Value,
        write_value: Callable[[ir.Value], None],
    ) -> None:
        """``HashMap.update`` of the element ``walk`` found (``replace_at_head``): a new slot filled and
        published at the head of the bucket, then the old slot unlinked (its predecessor is the new
        slot when it headed the bucket) and put on the free list."""
        b = self.b
        new, free, grows = self.take_slot(link)
        even, slot = self.fill(new, key, hashed, write_value)
        self.grow_high(grows, new)
        old_slot = self.slot_of(link)
        b.store(b.load(self.u32_at(self.head_at)), self.u32_at(slot))
        self.publish(new, self.head_at)
        predecessor = b.select(b.icmp_unsigned("==", link_at, self.head_at), slot, link_at)
        self.publish(b.load(self.u32_at(old_slot)), predecessor)
        b.store(free, self.u32_at(old_slot))  # the old slot heads the free list
        b.store(link, self.u32_at(FREE_OFFSET))
        self.end_write(even)

    def insert(
        self,
        key: list[ir.Value],
        hashed: ir.Value,
        write_value: Callable[[ir.Value], None],
        no_slot: ir.Block | None = None,
    ) -> None:
        """``HashMap.update`` of a key ``walk`` found absent (the caller checked the count): a slot
        filled and published at the head of the key's bucket (``no_slot``: see ``take_slot``)."""
        lo, b = self.lo, self.b
        new, free, grows = self.take_slot(lo.const(0, 32), no_slot)
        even, slot = self.fill(new, key, hashed, write_value)
        self.grow_high(grows, new)
        b.store(b.load(self.u32_at(self.head_at)), self.u32_at(slot))
        self.publish(new, self.head_at)
        b.store(free, self.u32_at(FREE_OFFSET))
        count_at = self.u32_at(COUNT_OFFSET)
        b.store(b.add(b.load(count_at), lo.const(1, 32)), count_at)
        self.end_write(even)

    def remove(self, link: ir.Value, link_at: ir.Value) -> None:
        """``HashMap.delete`` of the element ``walk`` found: unpublished with one aligned store, its
        slot put on the free list, the count decremented, all inside one odd sequence count."""
        b, lo = self.b, self.lo
        even = self.begin_write()
        slot = self.slot_of(link)
        self.publish(b.load(self.u32_at(slot)), link_at)  # unpublish: one aligned store
        b.store(b.load(self.u32_at(FREE_OFFSET)), self.u32_at(slot))  # onto the free list
        b.store(link, self.u32_at(FREE_OFFSET))
        count_at = self.u32_at(COUNT_OFFSET)
        count = b.load(count_at)
        decremented = b.select(
            b.icmp_unsigned("==", count, lo.const(0, 32)), count, b.sub(count, lo.const(1, 32))
        )
        b.store(decremented, count_at)
        self.end_write(even)


def copy_bytes(lo: Lowering, source: ir.Value, target: ir.Value, size: int) -> None:
    """Copy ``size`` bytes (unaligned loads and stores of 8, 4, 2 and 1 bytes)."""
    b = lo.b
    offset = 0
    for width in (8, 4, 2, 1):
        kind = ir.IntType(8 * width).as_pointer()
        while size - offset >= width:
            word = b.load(b.inttoptr(b.add(source, lo.const(offset)), kind), align=1)
            b.store(word, b.inttoptr(b.add(target, lo.const(offset)), kind), align=1)
            offset += width


def lower_hash_update(lo: Lowering, site: Site, table: NativeHash, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_map_update_elem(table, r2, r3, r4)`` natively (``HashMap.update`` under the lock)."""
    writer = Writer(lo, site, table, args)
    b = lo.b
    params = table.obj.params
    flags = args[3]
    known_flags = lo.new_block("hash_update_flags")
    b.cbranch(b.icmp_unsigned("<=", flags, lo.const(uapi.BPF_EXIST)), known_flags, writer.python)
    lo.continue_in(known_flags)
    key, hashed = hash_key(lo, table, args[1])
    mode = b.and_(flags, lo.const(3))
    writer.lock()
    found, absent, link, link_at = writer.walk(key, hashed)

    lo.continue_in(found)
    exists = lo.new_block("hash_update_exists")
    replace = lo.new_block("hash_update_replace")
    b.cbranch(b.icmp_unsigned("==", mode, lo.const(uapi.BPF_NOEXIST)), exists, replace)
    lo.continue_in(exists)
    writer.fail(errno.EEXIST)

    lo.continue_in(absent)
    missing = lo.new_block("hash_update_missing")
    room = lo.new_block("hash_update_room")
    b.cbranch(b.icmp_unsigned("==", mode, lo.const(uapi.BPF_EXIST)), missing, room)
    lo.continue_in(missing)
    writer.fail(errno.ENOENT)
    lo.continue_in(room)
    full = lo.new_block("hash_update_full")
    insert = lo.new_block("hash_update_insert")
    count = b.load(writer.u32_at(COUNT_OFFSET))
    b.cbranch(b.icmp_unsigned(">=", count, lo.const(params.max_entries, 32)), full, insert)
    lo.continue_in(full)
    writer.fail(errno.E2BIG)

    def write_value(address: ir.Value) -> None:
        copy_bytes(lo, args[2], address, params.value_size)

    lo.continue_in(replace)
    writer.replace(key, hashed, link, link_at, write_value)
    writer.finish(lo.const(0))

    lo.continue_in(insert)
    writer.insert(key, hashed, write_value)
    writer.finish(lo.const(0))
    lo.continue_in(writer.done)


def lower_hash_delete(lo: Lowering, site: Site, table: NativeHash, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_map_delete_elem(table, r2)`` natively (``HashMap.delete`` under the lock)."""
    writer = Writer(lo, site, table, args)
    key, hashed = hash_key(lo, table, args[1])
    writer.lock()
    found, absent, link, link_at = writer.walk(key, hashed)

    lo.continue_in(absent)
    writer.fail(errno.ENOENT)

    lo.continue_in(found)
    writer.remove(link, link_at)
    writer.finish(lo.const(0))
    lo.continue_in(writer.done)


__all__ = [
    "DELETE_HELPER",
    "MAX_VALUE_SIZE",
    "TRYLOCK",
    "UNLOCK",
    "UPDATE_HELPER",
    "Writer",
    "copy_bytes",
    "lower_hash_delete",
    "lower_hash_update",
    "writable",
]
