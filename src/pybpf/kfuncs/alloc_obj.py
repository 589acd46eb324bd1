"""Program-allocated objects at run time: bpf_obj_new_impl(), bpf_obj_drop_impl() and
bpf_refcount_acquire_impl().

Mirrors kernel/bpf/helpers.c of Linux 6.18 after fixup_kfunc_call() (kernel/bpf/verifier.c) has
rewritten the calls: bpf_obj_new_impl is called with r1 = the object's size (``insn_aux->
obj_new_size``, in place of the local type id) and r2 = its struct meta, bpf_obj_drop_impl with
r2 = the meta.  An object is bpf_mem_alloc() memory of ``bpf_global_ma``: NULL for a size of 0 or
one whose size with the allocator's list node (8 bytes) exceeds its largest cache (4096 bytes,
bpf_mem_cache_idx()), else the object.  pybpf's objects are zeroed native memory registered in the
calling run's address space (``HelperContext.memory``) until they are dropped, so that later runs
sharing that address space (every program of a process: ``pybpf.kernel.prog_run.EXEC_MEMORY``) reach
an object a map's kptr holds.

The struct meta: where the kernel passes a ``struct btf_struct_meta *`` (NULL for a struct without
special fields), pybpf's fixup passes ``struct_meta(refcount_off)``: 0 for a struct without a
``struct bpf_refcount``, else the refcount's offset plus one.  A refcounted object starts with a count
of 1 (bpf_obj_init_field()); bpf_refcount_acquire_impl() adds one unless the count is already 0
(refcount_inc_not_zero(): NULL then) and answers the same object; a drop takes one away and frees the
object only when it reaches 0 (__bpf_obj_drop_impl()).

bpf_percpu_obj_new_impl() allocates a per-CPU block and answers an 8-byte object holding its address
(bpf_mem_alloc() of ``bpf_global_percpu_ma``, ``pybpf.helpers.percpu_obj``);
bpf_percpu_obj_drop_impl() frees both.

Not modelled: dropping an object does not free the objects its own kptrs hold, and the kptrs of a
map value that is deleted or overwritten are not dropped (bpf_obj_free_fields()): such objects stay
allocated until the process ends.  An object lives in the address space of the process that
allocated it; another process reading a map's kptr to it faults when it dereferences it.
"""

from __future__ import annotations

import threading

from pybpf.helpers import percpu_obj
from pybpf.helpers.context import HelperContext
from pybpf.maps.percpu import possible_cpus
from pybpf.memory.regions import Memory, Region
from pybpf.objects.forking import fork_safe

PERCPU_SIZE_MAX = 512
"""BPF_GLOBAL_PERCPU_MA_MAX_SIZE: the largest per-CPU object."""
LLIST_NODE_SZ = 8
"""sizeof(struct llist_node): what bpf_mem_alloc() puts before every object."""
BPF_MEM_ALLOC_SIZE_MAX = 4096
"""The largest of bpf_mem_alloc()'s size caches (bpf_mem_cache_idx() is -1 above it)."""

REFCOUNT_SIZE = 4
"""sizeof(struct bpf_refcount) (a refcount_t)."""


def struct_meta(refcount_off: int) -> int:
    """What pybpf's fixup passes as the struct meta of a struct whose bpf_refcount is at
    ``refcount_off`` (negative: none)."""
    return refcount_off + 1 if refcount_off >= 0 else 0


def _refcount_at(p: int, meta: int) -> int | None:
    """The address of object ``p``'s refcount (None: not refcounted)."""
    return p + meta - 1 if meta > 0 else None


_live: dict[int, tuple[Memory, Region]] = {}
"""Every object not dropped yet, by address: the address space it is registered in and its region."""
_live_lock = fork_safe(threading.Lock())


def obj_new(ctx: HelperContext, size: int, meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void *bpf_obj_new_impl(size, meta)`` as fixup_kfunc_call() calls it: a new zeroed object of
    ``size`` bytes (its refcount 1), or NULL."""
    if not size or size + LLIST_NODE_SZ > BPF_MEM_ALLOC_SIZE_MAX:
        return 0
    region = ctx.memory.add_buffer(size, name="bpf_obj_new object")
    refcount = _refcount_at(region.base, meta)
    if refcount is not None and refcount + REFCOUNT_SIZE <= region.base + size:
        ctx.memory.store(refcount, REFCOUNT_SIZE, 1)
    with _live_lock:
        _live[region.base] = (ctx.memory, region)
    return region.base


def obj_drop(ctx: HelperContext, p: int, meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void bpf_obj_drop_impl(p, meta)``: one reference to the object ``p`` less; freed at the last."""
    refcount = _refcount_at(p, meta)
    with _live_lock:
        if refcount is not None and p in _live:
            count = ctx.memory.load(refcount, REFCOUNT_SIZE)
            if count > 1:
                ctx.memory.store(refcount, REFCOUNT_SIZE, count - 1)
                return 0
        entry = _live.pop(p, None)
    if entry is not None:
        memory, region = entry
        memory.remove_region(region)
    return 0


def percpu_obj_new(ctx: HelperContext, size: int, _meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void *bpf_percpu_obj_new_impl(size, meta)``: a new object holding the address of a zeroed
    per-CPU block of ``size`` bytes per CPU (``pybpf.helpers.percpu_obj``), or NULL."""
    if not size or size > PERCPU_SIZE_MAX:
        return 0
    stride = (size + 7) // 8 * 8
    cpus = possible_cpus()
    block = ctx.memory.add_buffer(stride * cpus, name="bpf_percpu_obj_new block")
    handle = ctx.memory.add_buffer(8, name="bpf_percpu_obj_new object")
    ctx.memory.store(handle.base, 8, block.base)
    percpu_obj.register_block(block.base, stride, cpus)
    with _live_lock:
        _live[handle.base] = (ctx.memory, handle)
        _live[block.base] = (ctx.memory, block)
    return handle.base


def percpu_obj_drop(ctx: HelperContext, p: int, _meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void bpf_percpu_obj_drop_impl(p, meta)``: the object ``p`` and its per-CPU block are freed."""
    with _live_lock:
        if p not in _live:
            return 0
        block = ctx.memory.load(p, 8)
    percpu_obj.unregister_block(block)
    obj_drop(ctx, block, 0, 0, 0, 0)
    obj_drop(ctx, p, 0, 0, 0, 0)
    return 0


def refcount_acquire(ctx: HelperContext, p: int, meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void *bpf_refcount_acquire_impl(p, meta)``: one more reference to ``p`` (NULL when its count
    already reached 0)."""
    refcount = _refcount_at(p, meta)
    if refcount is None:
        return 0
    with _live_lock:
        count = ctx.memory.load(refcount, REFCOUNT_SIZE)
        if not count:
            return 0
        ctx.memory.store(refcount, REFCOUNT_SIZE, count + 1)
    return p


def live_objects() -> int:
    """How many objects are allocated and not dropped (in every address space of the process)."""
    return len(_live)
