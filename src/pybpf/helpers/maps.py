"""The map helpers: BPF programs reach map memory through real pointers, shared with every process.

Mirrors the helpers of kernel/bpf/helpers.c (``bpf_map_lookup_elem`` .. ``bpf_map_peek_elem``,
``bpf_map_lookup_percpu_elem``, ``bpf_spin_lock`` / ``bpf_spin_unlock``), kernel/bpf/bpf_iter.c
(``bpf_for_each_map_elem`` and the maps' ``map_for_each_callback``), ``bpf_kptr_xchg``,
kernel/bpf/ringbuf.c (130-134, and the dynptr forms 198-200) and the ``bpf_tail_call`` stub of
kernel/bpf/core.c, with the kernel's return values: pointers or 0 (NULL), 0 or ``-errno``.

* A map argument is the address a program's ``lddw map_fd`` holds (``MapObject.pointer``).  It
  must name one of the maps the run may reach (``RunEnv.maps``, a ``MapAccess``: the program's own
  maps and the inner maps its lookups were handed) and be of a type the helper takes (the kernel's
  ``check_map_func_compatibility``), and the helpers that change a map refuse one with
  BPF_F_RDONLY_PROG ("write into map forbidden"); anything else is a ``HelperError`` naming the
  helper and the register ("bpf_map_lookup_elem: R1 = 0x1000 is not a map of this program"), as
  the kernel's verifier refuses such programs at load.  A fault through a pointer argument names
  it too ("bpf_map_update_elem: R3 (value): invalid memory read ...").
* ``bpf_map_lookup_elem`` returns ``MapObject.address + impl.value_offset(key, cpu)``: a pointer
  into the map's shared storage, so the program's loads and stores are the map's contents for
  ``Map``, user-space bpf() and other processes alike.  The pointer is the start of a region of
  exactly ``value_size`` bytes with the map's BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG rules
  (``MapAccess.value_pointer``): no other byte of the storage is reachable from it.  A lookup in
  a map-in-map returns the inner map's pointer, which the run may then use as a map argument.
* The current CPU is ``ctx.env.cpu``: per-CPU maps give programs that CPU's value, and
  updates from a program change only that CPU's value (a new per-CPU hash element gets zeroes for
  the other CPUs, like the kernel's ``pcpu_init_value``).
* Mutations run with the map's shared lock held (``MapObject.lock``), lookups too when the map type
  needs it (``read_locked``).  The lock is released before ``bpf_for_each_map_elem`` calls back into
  the program, so a callback may update or delete elements.
* ``bpf_spin_lock`` / ``bpf_spin_unlock`` take and release the *map's* shared robust mutex, the very
  one user-space element commands (and so BPF_F_LOCK) hold: a program inside its critical section
  and any other process using the map exclude each other.  This is coarser than the kernel's
  per-value lock (every value of a map shares one lock; the lock word itself is not written).  The
  argument must lie in a value region this run was handed (the map is the region's owner) -- at the
  value's ``struct bpf_spin_lock`` when the map's BTF declares one.  As in the kernel only one lock
  may be held at a time and no map helper (nor a tail call) may be called while holding it (the
  verifier refuses both; here they raise ``HelperError``); ``release_spin_locks(ctx)`` releases
  whatever a run left held.
* ``bpf_tail_call`` checks its prog array like any map argument, then delegates to
  ``ctx.env.tail_call(map_address, index)`` (the program runner implements the jump); without it,
  or when that returns, the tail call failed and the program goes on with the next instruction,
  as in the kernel.
* The ring buffer helpers use the producer side of the map interface (``MapOps.ring_buffer``:
  ``reserve``, ``commit``, ``output``, ``query``); a reserved record is a region of exactly its
  size until it is submitted or discarded (``MapAccess.reserve_record``), and only an address
  ``bpf_ringbuf_reserve`` returned in this run can be.  ``bpf_ringbuf_reserve_dynptr`` reserves
  likewise and puts the record in a RINGBUF dynptr (``pybpf.helpers.dynptr``: a null one when it
  fails); its submit and discard release the record the dynptr holds (none: nothing) and null the
  dynptr.  ``bpf_perf_event_output`` lives in
  ``pybpf.helpers.perf_output``.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable, Iterator
from typing import Any, cast

from pybpf import uapi
from pybpf.errors import BPFError, HelperError, MemoryAccessError
from pybpf.helpers import dynptr, timers
from pybpf.helpers.context import ELEMENT_CHARGE, HelperContext
from pybpf.helpers.map_access import MapAccess, access_of, describe_map
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.xsk_lookup import xsk_lookup
from pybpf.maps.base import BatchWalk, FdKind
from pybpf.maps.object import MapObject

MAP_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = MAP_HELPERS.helper


# -- plumbing -----------------------------------------------------------------------------------
def _access(ctx: HelperContext, helper: str) -> MapAccess:
    """The run's ``MapAccess`` (which must register its regions in the run's own address space)."""
    access = access_of(ctx.env.maps, helper)
    if access.memory is not ctx.memory:
        raise HelperError(None, f"{helper}: the run's MapAccess belongs to another address space")
    return access


def _map(ctx: HelperContext, address: int, helper: str, reg: int = 1) -> MapObject:
    """The map a helper's map argument (register ``reg``) names, if the run may reach it (then
    ``ctx.env.maps`` is the run's ``MapAccess``)."""
    env = ctx.env
    if env.spin_locks:
        raise HelperError(None, "function calls are not allowed while holding a lock (bpf_spin_lock)")
    access = env.maps
    if access is None or access.memory is not ctx.memory:
        access = _access(ctx, helper)  # raises
    obj = access.program.by_pointer.get(address)
    return obj if obj is not None else access.map_arg(address, helper, reg)


def _checked_access(ctx: HelperContext) -> MapAccess:
    """``ctx.env.maps`` after ``_map`` accepted a map argument."""
    return cast(MapAccess, ctx.env.maps)


def _wrong_type(helper: str, obj: MapObject, wanted: str, reg: int = 1) -> HelperError:
    return HelperError(None, f"{helper}: R{reg} is {describe_map(obj)}; {helper} takes {wanted}")


def _keyed_map(ctx: HelperContext, address: int, helper: str, *, lookup: bool = False) -> MapObject:
    """A map whose elements have keys (the element helpers' maps); map-in-maps for lookups only."""
    obj = _map(ctx, address, helper)
    impl = obj.impl
    fd_ok = impl.fd_kind is None or (lookup and impl.fd_kind is FdKind.MAP)
    if impl.push_pop_peek or impl.ring_buffer or not fd_ok:
        raise _wrong_type(helper, obj, "maps whose elements have keys")
    return obj


_RDONLY_PROG: int = uapi.BPF_F_RDONLY_PROG


def _may_write(obj: MapObject, helper: str) -> None:
    """The helpers that change a map refuse a BPF_F_RDONLY_PROG map ("write into map forbidden")."""
    if obj.params.flags & _RDONLY_PROG:
        raise HelperError(
            None, f"{helper}: R1 is {describe_map(obj)}: write into map forbidden (BPF_F_RDONLY_PROG)"
        )


@contextlib.contextmanager
def _locked(obj: MapObject, needed: bool = True) -> Iterator[None]:
    if needed:
        with obj.lock:
            yield
    else:
        yield


Argument = tuple[str, int, str]
"""A helper's pointer argument for messages: (helper name, register, what it points to)."""


def argument_fault(exc: MemoryAccessError, argument: Argument) -> MemoryAccessError:
    """``exc`` (a helper's access through its pointer argument) naming the helper and the register."""
    helper, reg, what = argument
    exc.reason = f"{helper}: R{reg} ({what}): {exc.reason}"
    exc.args = (exc.reason,)
    return exc


def _read(ctx: HelperContext, address: int, size: int, argument: Argument) -> bytes:
    """``size`` bytes at the helper's pointer ``argument`` (``address``)."""
    try:
        return ctx.memory.read(address, size)
    except MemoryAccessError as exc:
        raise argument_fault(exc, argument) from None


def _writable(ctx: HelperContext, address: int, size: int, argument: Argument) -> None:
    """Check that the helper may store ``size`` bytes at its pointer ``argument`` (``address``)."""
    try:
        ctx.memory.check(address, size, True)
    except MemoryAccessError as exc:
        raise argument_fault(exc, argument) from None


def _errno(exc: BPFError) -> int:
    return -(exc.errno or errno.EINVAL)


# -- element helpers --------------------------------------------------------------------------------
@_helper("bpf_map_lookup_elem")
def map_lookup_elem(ctx: HelperContext, map_ptr: int, key: int, *_: int) -> int:
    """``void *bpf_map_lookup_elem(map, key)``: a pointer to the value in the map, or NULL.

    A map-in-map gives the inner map (``array_of_map_lookup_elem`` / ``htab_of_map_lookup_elem``).
    """
    helper = "bpf_map_lookup_elem"
    obj = _keyed_map(ctx, map_ptr, helper, lookup=True)
    try:
        key_bytes = ctx.memory.read(key, obj.params.key_size)
    except MemoryAccessError as exc:
        raise argument_fault(exc, ("bpf_map_lookup_elem", 2, "key")) from None
    access = _checked_access(ctx)
    impl = obj.impl
    if impl.fd_kind is FdKind.MAP:
        return _inner_map(access, obj, key_bytes)
    if obj.params.map_type == uapi.BPF_MAP_TYPE_XSKMAP:
        return xsk_lookup(ctx, obj, key_bytes)
    offset = _value_offset(obj, key_bytes, ctx.env.cpu)
    return 0 if offset is None else access.value_pointer(obj, offset, helper)


def _value_offset(obj: MapObject, key: bytes, cpu: int) -> int | None:
    """``impl.value_offset`` under the map's lock when the type needs it (no context manager: this is
    every lookup's path)."""
    impl = obj.impl
    if not impl.read_locked:
        return impl.value_offset(key, cpu)
    with obj.lock:
        return impl.value_offset(key, cpu)


def _inner_map(access: MapAccess, outer: MapObject, key: bytes) -> int:
    try:
        with _locked(outer, outer.impl.read_locked):
            inner_id = int.from_bytes(outer.impl.lookup(key)[:4], "little")
    except BPFError:
        return 0
    return (access.inner_map(outer, inner_id) or 0) if inner_id else 0


@_helper("bpf_map_update_elem")
def map_update_elem(ctx: HelperContext, map_ptr: int, key: int, value: int, flags: int, _r5: int) -> int:
    """``long bpf_map_update_elem(map, key, value, flags)``: 0 or -errno."""
    helper = "bpf_map_update_elem"
    obj = _keyed_map(ctx, map_ptr, helper)
    _may_write(obj, helper)
    key_bytes = _read(ctx, key, obj.params.key_size, (helper, 2, "key"))
    value_bytes = _read(ctx, value, obj.params.value_size, (helper, 3, "value"))
    try:
        with obj.lock:
            replaced = timers.element_timer(obj, key_bytes, flags)
            obj.impl.program_update(key_bytes, value_bytes, flags, ctx.env.cpu)
    except BPFError as exc:
        return _errno(exc)
    if replaced is not None:
        timers.free_element(obj, replaced)
    timers.free_evicted(obj)
    return 0


@_helper("bpf_map_delete_elem")
def map_delete_elem(ctx: HelperContext, map_ptr: int, key: int, *_: int) -> int:
    """``long bpf_map_delete_elem(map, key)``: 0 or -errno (-ENOENT when absent, -EINVAL for arrays)."""
    helper = "bpf_map_delete_elem"
    obj = _keyed_map(ctx, map_ptr, helper)
    _may_write(obj, helper)
    key_bytes = _read(ctx, key, obj.params.key_size, (helper, 2, "key"))
    try:
        with obj.lock:
            deleted = timers.element_timer(obj, key_bytes)
            obj.impl.program_delete(key_bytes)
    except BPFError as exc:
        return _errno(exc)
    if deleted is not None:
        timers.free_element(obj, deleted)
    return 0


@_helper("bpf_map_lookup_percpu_elem")
def map_lookup_percpu_elem(ctx: HelperContext, map_ptr: int, key: int, cpu: int, *_: int) -> int:
    """``void *bpf_map_lookup_percpu_elem(map, key, cpu)``: CPU ``cpu``'s value, NULL past the CPUs."""
    helper = "bpf_map_lookup_percpu_elem"
    obj = _keyed_map(ctx, map_ptr, helper)
    if not obj.impl.percpu:
        raise _wrong_type(helper, obj, "per-CPU maps")
    key_bytes = _read(ctx, key, obj.params.key_size, (helper, 2, "key"))
    offset = _value_offset(obj, key_bytes, cpu & 0xFFFFFFFF)
    return 0 if offset is None else _checked_access(ctx).value_pointer(obj, offset, helper)


# -- queue, stack and bloom filter --------------------------------------------------------------------
def _queue_op(ctx: HelperContext, map_ptr: int, helper: str, op: Callable[[Any], int]) -> int:
    obj = _map(ctx, map_ptr, helper)
    if not obj.impl.push_pop_peek:
        raise _wrong_type(helper, obj, "queues, stacks and bloom filters")
    try:
        return op(obj)
    except BPFError as exc:
        return _errno(exc)


@_helper("bpf_map_push_elem")
def map_push_elem(ctx: HelperContext, map_ptr: int, value: int, flags: int, *_: int) -> int:
    """``long bpf_map_push_elem(map, value, flags)``: queue/stack push (BPF_EXIST overwrites), bloom add."""

    def push(obj: Any) -> int:
        _may_write(obj, "bpf_map_push_elem")
        data = _read(ctx, value, obj.params.value_size, ("bpf_map_push_elem", 2, "value"))
        with obj.lock:
            obj.impl.push(data, flags)
        return 0

    return _queue_op(ctx, map_ptr, "bpf_map_push_elem", push)


@_helper("bpf_map_pop_elem")
def map_pop_elem(ctx: HelperContext, map_ptr: int, value: int, *_: int) -> int:
    """``long bpf_map_pop_elem(map, value)``: -ENOENT when empty; bloom filters -EOPNOTSUPP."""

    def pop(obj: Any) -> int:
        _may_write(obj, "bpf_map_pop_elem")
        if obj.impl.lookup_tests_value:  # a bloom filter has nothing to pop
            return -errno.EOPNOTSUPP
        _writable(ctx, value, obj.params.value_size, ("bpf_map_pop_elem", 2, "value"))
        with obj.lock:
            data = obj.impl.pop()
        ctx.memory.write(value, data)
        return 0

    return _queue_op(ctx, map_ptr, "bpf_map_pop_elem", pop)


@_helper("bpf_map_peek_elem")
def map_peek_elem(ctx: HelperContext, map_ptr: int, value: int, *_: int) -> int:
    """``long bpf_map_peek_elem(map, value)``: the next element, or (bloom) whether ``*value`` may be in."""

    def peek(obj: Any) -> int:
        if obj.impl.lookup_tests_value:  # a bloom filter tests the value
            obj.impl.peek(_read(ctx, value, obj.params.value_size, ("bpf_map_peek_elem", 2, "value")))
            return 0
        _writable(ctx, value, obj.params.value_size, ("bpf_map_peek_elem", 2, "value"))
        with obj.lock:
            data = obj.impl.peek()
        ctx.memory.write(value, data)
        return 0

    return _queue_op(ctx, map_ptr, "bpf_map_peek_elem", peek)


# -- iteration ---------------------------------------------------------------------------------------
WALK_GROUP = 64
"""At most this many buckets (or keys) a ``bpf_for_each_map_elem`` walk reads per hold of the lock."""


def walk_keys(ctx: HelperContext, obj: MapObject) -> Iterator[list[bytes]]:
    """The map's keys for ``bpf_for_each_map_elem``, lazily, a group at a time, charging the walk.

    Hash maps go bucket by bucket as ``bpf_for_each_hash_elem`` walks its table; other types follow
    ``get_next_key`` from the previous key (an array index by index, as ``bpf_for_each_array_elem``).
    Each group is read with the map's lock held once and charged ``ELEMENT_CHARGE`` per bucket
    and per key read; groups double from 1 to ``WALK_GROUP``, so a walk a callback stops early
    reads (and pays for) at most about twice what it visited, and the budget stops a walk too
    long for it.  A key deleted after its group was read is skipped by the caller.
    """
    impl = obj.impl
    group = 1
    if impl.batch_walk is BatchWalk.BUCKETS:
        buckets = impl.bucket_count()
        bucket = 0
        while bucket < buckets:
            end = min(bucket + group, buckets)
            with obj.lock:
                items = [item for index in range(bucket, end) for item in impl.bucket_items(index)]
            ctx.charge(ELEMENT_CHARGE * (end - bucket + len(items)))
            ctx.charge_bytes(sum(len(value) for _, value in items))
            bucket, group = end, min(2 * group, WALK_GROUP)
            if items:
                yield [key for key, _ in items]
        return
    key: bytes | None = None
    while True:
        ctx.charge(ELEMENT_CHARGE * group)
        keys: list[bytes] = []
        with _locked(obj, impl.read_locked):
            try:
                for _ in range(group):
                    key = impl.get_next_key(key)
                    keys.append(key)
            except BPFError:
                group = 0  # the end of the map
        if keys:
            yield keys
        if not group:
            return
        group = min(2 * group, WALK_GROUP)


@_helper("bpf_for_each_map_elem")
def for_each_map_elem(
    ctx: HelperContext, map_ptr: int, callback: int, callback_ctx: int, flags: int, _r5: int
) -> int:
    """``long bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags)``: elements visited.

    ``callback_fn(map, key, value, callback_ctx)`` gets real pointers (the key is a read-only copy,
    the value the running CPU's value in the map, a region of ``value_size`` bytes while the
    callback runs); a non-zero return stops the walk after counting that element, as
    ``bpf_for_each_array_elem`` / ``bpf_for_each_hash_elem`` do.  The walk is lazy and charged to
    the run's budget (``_walk``; each callback also costs ``CALLBACK_CHARGE``).
    """
    if flags:
        return -errno.EINVAL
    helper = "bpf_for_each_map_elem"
    obj = _map(ctx, map_ptr, helper)
    access = _checked_access(ctx)
    impl, cpu = obj.impl, ctx.env.cpu
    locate = getattr(impl, "peek_value_offset", impl.value_offset)
    key_region = ctx.memory.add_buffer(
        max(obj.params.key_size, 1), writable=False, name="for_each_map_elem key"
    )
    visited = 0
    try:
        for keys in walk_keys(ctx, obj):
            for key in keys:
                if impl.read_locked:
                    with obj.lock:
                        offset = locate(key, cpu)
                else:
                    offset = locate(key, cpu)
                if offset is None:  # deleted by an earlier callback
                    continue
                key_region.view[: len(key)] = key
                visited += 1
                with access.lent_value(obj, offset, helper) as value:  # a region for this callback only
                    if ctx.call_function(callback, obj.pointer, key_region.start, value, callback_ctx, 0):
                        return visited
    finally:
        ctx.memory.remove_region(key_region)
    return visited


# -- bpf_spin_lock ------------------------------------------------------------------------------------
def _lock_map(ctx: HelperContext, lock: int, helper: str) -> MapObject:
    """The map whose value holds the lock at ``lock``: a value region this run was handed."""
    region = _access(ctx, helper).value_region_at(lock)
    if region is None or lock + 4 > region.end:
        why = "is not a bpf_spin_lock inside a map value this run looked up"
        raise HelperError(None, f"{helper}: R1 = {lock:#x} {why}")
    obj = region.owner
    assert isinstance(obj, MapObject)
    if obj.spin_lock_off is not None and lock - region.start != obj.spin_lock_off:
        where = f"offset {lock - region.start} of a value of {describe_map(obj)}"
        raise HelperError(
            None, f"{helper}: R1 = {lock:#x} is {where}, whose bpf_spin_lock is at offset {obj.spin_lock_off}"
        )
    return obj


@_helper("bpf_spin_lock")
def spin_lock(ctx: HelperContext, lock: int, *_: int) -> int:
    """``void bpf_spin_lock(struct bpf_spin_lock *lock)``: takes the shared mutex of the lock's map."""
    held = ctx.env.spin_locks
    if held:
        raise HelperError(None, "bpf_spin_lock while already holding a lock")
    obj = _lock_map(ctx, lock, "bpf_spin_lock")
    obj.lock.__enter__()
    held.append((lock, obj))
    return 0


@_helper("bpf_spin_unlock")
def spin_unlock(ctx: HelperContext, lock: int, *_: int) -> int:
    """``void bpf_spin_unlock(struct bpf_spin_lock *lock)``: releases what ``bpf_spin_lock`` took."""
    held = ctx.env.spin_locks
    if not held or held[-1][0] != lock:
        raise HelperError(None, f"bpf_spin_unlock: R1 = {lock:#x} is not the lock this program holds")
    obj = held.pop()[1]
    obj.lock.__exit__(None, None, None)
    return 0


def release_spin_locks(ctx: HelperContext) -> int:
    """Release every lock a run still holds (the kernel's verifier refuses such programs); how many."""
    held = ctx.env.spin_locks
    count = len(held)
    while held:
        held.pop()[1].lock.__exit__(None, None, None)
    return count


# -- tail calls ----------------------------------------------------------------------------------------
@_helper("bpf_tail_call")
def tail_call(ctx: HelperContext, _ctx_ptr: int, map_ptr: int, index: int, *_: int) -> int:
    """``long bpf_tail_call(ctx, prog_array_map, index)``: delegated to ``ctx.env.tail_call``.

    R2 must be a prog array of this program.  The runner's callable jumps (it does not return) when
    the tail call succeeds; when it returns, or when there is none, the tail call failed and the
    program continues (r0 is then unspecified for the verifier; this returns the callable's result,
    or -EINVAL like the kernel's stub).
    """
    helper = "bpf_tail_call"
    array = _map(ctx, map_ptr, helper, reg=2)
    if array.impl.fd_kind is not FdKind.PROG:
        raise _wrong_type(helper, array, "prog arrays", reg=2)
    jump = ctx.env.tail_call
    if jump is not None:
        return int(jump(map_ptr, index & 0xFFFFFFFF))
    return -errno.EINVAL


# -- ring buffer ---------------------------------------------------------------------------------------
def _ringbuf(ctx: HelperContext, map_ptr: int, helper: str) -> MapObject:
    obj = _map(ctx, map_ptr, helper)
    if not obj.impl.ring_buffer:
        raise _wrong_type(helper, obj, "ring buffers")
    return obj


@_helper("bpf_ringbuf_output")
def ringbuf_output(ctx: HelperContext, map_ptr: int, data: int, size: int, flags: int, _r5: int) -> int:
    """``long bpf_ringbuf_output(ringbuf, data, size, flags)``: 0, -EINVAL (flags) or -EAGAIN (full)."""
    helper = "bpf_ringbuf_output"
    obj = _ringbuf(ctx, map_ptr, helper)
    return obj.impl.output(_read(ctx, data, size & 0xFFFFFFFF, (helper, 2, "data")), flags)


@_helper("bpf_ringbuf_reserve")
def ringbuf_reserve(ctx: HelperContext, map_ptr: int, size: int, flags: int, *_: int) -> int:
    """``void *bpf_ringbuf_reserve(ringbuf, size, flags)``: a record's data, NULL when full or flags."""
    helper = "bpf_ringbuf_reserve"
    obj = _ringbuf(ctx, map_ptr, helper)
    if flags:
        return 0
    offset = obj.impl.reserve(size)
    return 0 if offset is None else _checked_access(ctx).reserve_record(obj, offset, size, helper)


def _commit(ctx: HelperContext, data: int, discard: bool, helper: str) -> int:
    obj, offset = _access(ctx, helper).take_record(data, helper)
    obj.impl.commit(offset, discard)
    return 0


@_helper("bpf_ringbuf_submit")
def ringbuf_submit(ctx: HelperContext, data: int, flags: int, *_: int) -> int:
    """``void bpf_ringbuf_submit(data, flags)``: publish the reserved record (pybpf has no wakeups)."""
    return _commit(ctx, data, False, "bpf_ringbuf_submit")


@_helper("bpf_ringbuf_discard")
def ringbuf_discard(ctx: HelperContext, data: int, flags: int, *_: int) -> int:
    """``void bpf_ringbuf_discard(data, flags)``: drop the reserved record."""
    return _commit(ctx, data, True, "bpf_ringbuf_discard")


@_helper("bpf_ringbuf_reserve_dynptr")
def ringbuf_reserve_dynptr(
    ctx: HelperContext, map_ptr: int, size: int, flags: int, ptr: int, _r5: int
) -> int:
    """``long bpf_ringbuf_reserve_dynptr(ringbuf, size, flags, ptr)``: a RINGBUF dynptr over a new
    record and 0; else a null dynptr and -EINVAL (flags, or no room), -E2BIG (past DYNPTR_MAX_SIZE)."""
    helper = "bpf_ringbuf_reserve_dynptr"
    obj = _ringbuf(ctx, map_ptr, helper)
    size &= 0xFFFFFFFF
    offset = None if flags or size > dynptr.DYNPTR_MAX_SIZE else obj.impl.reserve(size)
    if offset is None:
        dynptr.set_null(ctx, ptr)
        return -errno.E2BIG if not flags and size > dynptr.DYNPTR_MAX_SIZE else -errno.EINVAL
    record = _checked_access(ctx).reserve_record(obj, offset, size, helper)
    dynptr.init(ctx, ptr, record, dynptr.BPF_DYNPTR_TYPE_RINGBUF, size)
    return 0


def _commit_dynptr(ctx: HelperContext, ptr: int, discard: bool, helper: str) -> int:
    """Release the record a ring buffer dynptr holds (none: nothing to do), and null the dynptr."""
    data = dynptr.DynptrKern.at(ctx, ptr).data
    if not data:
        return 0
    _commit(ctx, data, discard, helper)
    dynptr.set_null(ctx, ptr)
    return 0


@_helper("bpf_ringbuf_submit_dynptr")
def ringbuf_submit_dynptr(ctx: HelperContext, ptr: int, flags: int, *_: int) -> int:
    """``void bpf_ringbuf_submit_dynptr(ptr, flags)``: publish the dynptr's record."""
    return _commit_dynptr(ctx, ptr, False, "bpf_ringbuf_submit_dynptr")


@_helper("bpf_ringbuf_discard_dynptr")
def ringbuf_discard_dynptr(ctx: HelperContext, ptr: int, flags: int, *_: int) -> int:
    """``void bpf_ringbuf_discard_dynptr(ptr, flags)``: drop the dynptr's record."""
    return _commit_dynptr(ctx, ptr, True, "bpf_ringbuf_discard_dynptr")


@_helper("bpf_ringbuf_query")
def ringbuf_query(ctx: HelperContext, map_ptr: int, flags: int, *_: int) -> int:
    """``u64 bpf_ringbuf_query(ringbuf, flags)``: BPF_RB_AVAIL_DATA, RING_SIZE, CONS_POS or PROD_POS."""
    return _ringbuf(ctx, map_ptr, "bpf_ringbuf_query").impl.query(flags)


@_helper("bpf_kptr_xchg")
def kptr_xchg(ctx: HelperContext, dst: int, ptr: int, *_: int) -> int:
    """``void *bpf_kptr_xchg(dst, ptr)``: the kptr at ``dst`` (8 bytes of a map value the verifier
    found to be one) replaced by ``ptr``; the old pointer comes back.  In user space no kfunc hands
    out a kernel object, so the pointers exchanged are NULL or what a kptr held."""
    old = ctx.memory.load(dst, 8)
    ctx.memory.store(dst, 8, ptr)
    return old


__all__ = ["MAP_HELPERS", "argument_fault", "release_spin_locks", "walk_keys"]
