"""The arena kfuncs at run time: bpf_arena_alloc_pages(), bpf_arena_free_pages(), bpf_arena_reserve_pages().

Mirrors kernel/bpf/arena.c of Linux 6.18 (registered for BPF_PROG_TYPE_UNSPEC: every program type,
with KF_TRUSTED_ARGS | KF_SLEEPABLE): the map argument must be an arena, or the call does nothing
(NULL, nothing freed, -EINVAL); allocating needs flags 0 and a page count; freeing needs a count and
an address; reserving zero pages is 0.  The bodies are ``pybpf.maps.arena.ArenaMap``'s, called with
the map's lock held (the kernel's ``arena->lock``), after the pages user space touched since are
recorded (``sync_user_faults``, the kernel's fault handler having taken them as they were touched).
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.maps.arena import ArenaMap
from pybpf.maps.object import MapObject, map_object_at

U32 = 0xFFFFFFFF
U64 = (1 << 64) - 1


def _arena(p_map: int) -> tuple[MapObject, ArenaMap] | None:
    obj = map_object_at(p_map)
    if obj is None or obj.pointer != p_map or not isinstance(obj.impl, ArenaMap):
        return None
    return obj, obj.impl


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def arena_alloc_pages(
    _ctx: HelperContext, p_map: int, addr: int, page_cnt: int, _node: int, flags: int
) -> int:
    """``void __arena *bpf_arena_alloc_pages(map, addr__ign, page_cnt, node_id, flags)``."""
    found = _arena(p_map)
    page_cnt &= U32
    if found is None or flags or not page_cnt:
        return 0
    obj, arena = found
    with obj.lock:
        arena.sync_user_faults()
        return arena.alloc_pages(_signed(addr), page_cnt) & U64


def arena_free_pages(_ctx: HelperContext, p_map: int, ptr: int, page_cnt: int, _r4: int, _r5: int) -> int:
    """``void bpf_arena_free_pages(map, ptr__ign, page_cnt)``."""
    found = _arena(p_map)
    page_cnt &= U32
    if found is None or not page_cnt or not ptr:
        return 0
    obj, arena = found
    with obj.lock:
        arena.sync_user_faults()
        arena.free_pages(ptr, page_cnt)
    return 0


def arena_reserve_pages(_ctx: HelperContext, p_map: int, ptr: int, page_cnt: int, _r4: int, _r5: int) -> int:
    """``int bpf_arena_reserve_pages(map, ptr__ign, page_cnt)``."""
    found = _arena(p_map)
    if found is None:
        return -errno.EINVAL & U64
    page_cnt &= U32
    if not page_cnt:
        return 0
    obj, arena = found
    with obj.lock:
        arena.sync_user_faults()
        return arena.reserve_pages(_signed(ptr), page_cnt) & U64


__all__ = ["arena_alloc_pages", "arena_free_pages", "arena_reserve_pages"]
