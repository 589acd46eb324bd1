"""Program-allocated objects at run time: bpf_obj_new_impl() and bpf_obj_drop_impl().

Mirrors kernel/bpf/helpers.c of Linux 6.18 after fixup_kfunc_call() (kernel/bpf/verifier.c) has
rewritten the calls: bpf_obj_new_impl is called with r1 = the object's size (``insn_aux->
obj_new_size``, in place of the local type id) and r2 = its struct meta, bpf_obj_drop_impl with
r2 = the meta.  An object is bpf_mem_alloc() memory of ``bpf_global_ma``: NULL for a size of 0 or
one whose size with the allocator's list node (8 bytes) exceeds its largest cache (4096 bytes,
bpf_mem_cache_idx()), else the object.  pybpf's objects are zeroed native memory registered in the
calling run's address space (``HelperContext.memory``) until they are dropped, so that later runs
sharing that address space (every program of a process: ``pybpf.kernel.prog_run.EXEC_MEMORY``) reach
an object a map's kptr holds.

Not modelled: the struct meta (pybpf's fixup passes 0): dropping an object does not free the
objects its own kptrs hold, and the kptrs of a map value that is deleted or overwritten are not
dropped (bpf_obj_free_fields()): such objects stay allocated until the process ends.  An object lives
in the address space of the process that allocated it; another process reading a map's kptr to it
faults when it dereferences it.
"""

from __future__ import annotations

import threading

from pybpf.helpers.context import HelperContext
from pybpf.memory.regions import Memory, Region

LLIST_NODE_SZ = 8
"""sizeof(struct llist_node): what bpf_mem_alloc() puts before every object."""
BPF_MEM_ALLOC_SIZE_MAX = 4096
"""The largest of bpf_mem_alloc()'s size caches (bpf_mem_cache_idx() is -1 above it)."""

_live: dict[int, tuple[Memory, Region]] = {}
"""Every object not dropped yet, by address: the address space it is registered in and its region."""
_live_lock = threading.Lock()


def obj_new(ctx: HelperContext, size: int, _meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void *bpf_obj_new_impl(size, meta)`` as fixup_kfunc_call() calls it: a new zeroed object of
    ``size`` bytes, or NULL."""
    if not size or size + LLIST_NODE_SZ > BPF_MEM_ALLOC_SIZE_MAX:
        return 0
    region = ctx.memory.add_buffer(size, name="bpf_obj_new object")
    with _live_lock:
        _live[region.base] = (ctx.memory, region)
    return region.base


def obj_drop(_ctx: HelperContext, p: int, _meta: int, _r3: int, _r4: int, _r5: int) -> int:
    """``void bpf_obj_drop_impl(p, meta)``: the object ``p`` is freed."""
    with _live_lock:
        entry = _live.pop(p, None)
    if entry is not None:
        memory, region = entry
        memory.remove_region(region)
    return 0


def live_objects() -> int:
    """How many objects are allocated and not dropped (in every address space of the process)."""
    return len(_live)
