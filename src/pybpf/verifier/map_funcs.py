"""Which helpers may take which maps: the kernel's check_map_func_compatibility() as data.

Mirrors kernel/bpf/verifier.c (Linux 6.18).  The check goes both ways: a special map type may only
be passed to its own helpers (``MAP_HELPERS``: a prog array only to bpf_tail_call, a ring buffer
only to the ringbuf helpers ...), and a map-specific helper only takes its map types
(``HELPER_MAPS``: bpf_ringbuf_reserve only a ring buffer, bpf_map_pop_elem only a queue or stack
...).  A mismatch is "cannot pass map_type %d into func %s#%d" (EINVAL).  Sockmap and sockhash
may also be updated and deleted from (may_update_sockmap()) by the program types that cannot hold
a locked socket; others get "cannot update sockmap in this context" first.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from pybpf.isa.helper_names import HELPER_IDS
from pybpf.uapi import (
    BPF_MAP_TYPE_ARRAY_OF_MAPS,
    BPF_MAP_TYPE_BLOOM_FILTER,
    BPF_MAP_TYPE_CGROUP_ARRAY,
    BPF_MAP_TYPE_CGROUP_STORAGE,
    BPF_MAP_TYPE_CGRP_STORAGE,
    BPF_MAP_TYPE_CPUMAP,
    BPF_MAP_TYPE_DEVMAP,
    BPF_MAP_TYPE_DEVMAP_HASH,
    BPF_MAP_TYPE_HASH_OF_MAPS,
    BPF_MAP_TYPE_INODE_STORAGE,
    BPF_MAP_TYPE_LRU_PERCPU_HASH,
    BPF_MAP_TYPE_PERCPU_ARRAY,
    BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
    BPF_MAP_TYPE_PERCPU_HASH,
    BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    BPF_MAP_TYPE_PROG_ARRAY,
    BPF_MAP_TYPE_QUEUE,
    BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
    BPF_MAP_TYPE_RINGBUF,
    BPF_MAP_TYPE_SK_STORAGE,
    BPF_MAP_TYPE_SOCKHASH,
    BPF_MAP_TYPE_SOCKMAP,
    BPF_MAP_TYPE_STACK,
    BPF_MAP_TYPE_STACK_TRACE,
    BPF_MAP_TYPE_TASK_STORAGE,
    BPF_MAP_TYPE_USER_RINGBUF,
    BPF_MAP_TYPE_XSKMAP,
    BPF_PROG_TYPE_FLOW_DISSECTOR,
    BPF_PROG_TYPE_SCHED_ACT,
    BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_SK_LOOKUP,
    BPF_PROG_TYPE_SK_REUSEPORT,
    BPF_PROG_TYPE_SOCK_OPS,
    BPF_PROG_TYPE_SOCKET_FILTER,
    BPF_PROG_TYPE_TRACING,
    BPF_PROG_TYPE_XDP,
    BPF_TRACE_ITER,
)
from pybpf.verifier.regstate import map_attr

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def _ids(*names: str) -> frozenset[int]:
    return frozenset(HELPER_IDS[f"bpf_{name}"] for name in names)


_RINGBUF_HELPERS = ("ringbuf_output", "ringbuf_reserve", "ringbuf_query", "ringbuf_reserve_dynptr",
                    "ringbuf_submit_dynptr", "ringbuf_discard_dynptr")  # fmt: skip
_PERF_HELPERS = ("perf_event_read", "perf_event_output", "skb_output", "perf_event_read_value", "xdp_output")
_SOCKMAP_HELPERS = ("sk_select_reuseport", "map_lookup_elem")

MAP_HELPERS: dict[int, frozenset[int]] = {
    BPF_MAP_TYPE_PROG_ARRAY: _ids("tail_call"),
    BPF_MAP_TYPE_PERF_EVENT_ARRAY: _ids(*_PERF_HELPERS),
    BPF_MAP_TYPE_RINGBUF: _ids(*_RINGBUF_HELPERS),
    BPF_MAP_TYPE_USER_RINGBUF: _ids("user_ringbuf_drain"),
    BPF_MAP_TYPE_STACK_TRACE: _ids("get_stackid"),
    BPF_MAP_TYPE_CGROUP_ARRAY: _ids("skb_under_cgroup", "current_task_under_cgroup"),
    BPF_MAP_TYPE_CGROUP_STORAGE: _ids("get_local_storage"),
    BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: _ids("get_local_storage"),
    BPF_MAP_TYPE_DEVMAP: _ids("redirect_map", "map_lookup_elem"),
    BPF_MAP_TYPE_DEVMAP_HASH: _ids("redirect_map", "map_lookup_elem"),
    BPF_MAP_TYPE_CPUMAP: _ids("redirect_map"),
    BPF_MAP_TYPE_XSKMAP: _ids("redirect_map", "map_lookup_elem"),
    BPF_MAP_TYPE_ARRAY_OF_MAPS: _ids("map_lookup_elem"),
    BPF_MAP_TYPE_HASH_OF_MAPS: _ids("map_lookup_elem"),
    BPF_MAP_TYPE_SOCKMAP: _ids("sk_redirect_map", "sock_map_update", "msg_redirect_map", *_SOCKMAP_HELPERS),
    BPF_MAP_TYPE_SOCKHASH: _ids(
        "sk_redirect_hash", "sock_hash_update", "msg_redirect_hash", *_SOCKMAP_HELPERS
    ),
    BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: _ids("sk_select_reuseport"),
    BPF_MAP_TYPE_QUEUE: _ids("map_peek_elem", "map_pop_elem", "map_push_elem"),
    BPF_MAP_TYPE_STACK: _ids("map_peek_elem", "map_pop_elem", "map_push_elem"),
    BPF_MAP_TYPE_SK_STORAGE: _ids("sk_storage_get", "sk_storage_delete", "kptr_xchg"),
    BPF_MAP_TYPE_INODE_STORAGE: _ids("inode_storage_get", "inode_storage_delete", "kptr_xchg"),
    BPF_MAP_TYPE_TASK_STORAGE: _ids("task_storage_get", "task_storage_delete", "kptr_xchg"),
    BPF_MAP_TYPE_CGRP_STORAGE: _ids("cgrp_storage_get", "cgrp_storage_delete", "kptr_xchg"),
    BPF_MAP_TYPE_BLOOM_FILTER: _ids("map_peek_elem", "map_push_elem"),
}
"""The first switch: the helpers a special map type may be passed to."""


def _helpers_taking(map_types: tuple[int, ...], *names: str) -> dict[int, frozenset[int]]:
    return dict.fromkeys(_ids(*names), frozenset(map_types))


HELPER_MAPS: dict[int, frozenset[int]] = {
    **_helpers_taking((BPF_MAP_TYPE_PROG_ARRAY,), "tail_call"),
    **_helpers_taking((BPF_MAP_TYPE_PERF_EVENT_ARRAY,), *_PERF_HELPERS),
    **_helpers_taking((BPF_MAP_TYPE_RINGBUF,), *_RINGBUF_HELPERS),
    **_helpers_taking((BPF_MAP_TYPE_USER_RINGBUF,), "user_ringbuf_drain"),
    **_helpers_taking((BPF_MAP_TYPE_STACK_TRACE,), "get_stackid"),
    **_helpers_taking((BPF_MAP_TYPE_CGROUP_ARRAY,), "current_task_under_cgroup", "skb_under_cgroup"),
    **_helpers_taking(
        (BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP),
        "redirect_map",
    ),
    **_helpers_taking((BPF_MAP_TYPE_SOCKMAP,), "sk_redirect_map", "msg_redirect_map", "sock_map_update"),
    **_helpers_taking((BPF_MAP_TYPE_SOCKHASH,), "sk_redirect_hash", "msg_redirect_hash", "sock_hash_update"),
    **_helpers_taking((BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE), "get_local_storage"),
    **_helpers_taking(
        (BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH), "sk_select_reuseport"
    ),
    **_helpers_taking((BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK), "map_pop_elem"),
    **_helpers_taking(
        (BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_BLOOM_FILTER), "map_peek_elem", "map_push_elem"
    ),
    **_helpers_taking(
        (BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH),
        "map_lookup_percpu_elem",
    ),
    **_helpers_taking((BPF_MAP_TYPE_SK_STORAGE,), "sk_storage_get", "sk_storage_delete"),
    **_helpers_taking((BPF_MAP_TYPE_INODE_STORAGE,), "inode_storage_get", "inode_storage_delete"),
    **_helpers_taking((BPF_MAP_TYPE_TASK_STORAGE,), "task_storage_get", "task_storage_delete"),
    **_helpers_taking((BPF_MAP_TYPE_CGRP_STORAGE,), "cgrp_storage_get", "cgrp_storage_delete"),
}
"""The second switch: the map types a map-specific helper takes."""

_SOCKMAP_UPDATES = _ids("map_update_elem", "map_delete_elem")
_SOCKMAP_UPDATERS = frozenset({
    BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_XDP,
    BPF_PROG_TYPE_SK_REUSEPORT, BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_PROG_TYPE_SK_LOOKUP,
})  # fmt: skip


def _may_update_sockmap(w: Walker, helper_id: int) -> bool:
    """may_update_sockmap()."""
    if helper_id not in _SOCKMAP_UPDATES:
        return False
    request = w.env.request
    prog_type = request.prog_type.prog_type
    if prog_type in _SOCKMAP_UPDATERS:
        return True
    if prog_type == BPF_PROG_TYPE_TRACING and request.expected_attach_type == BPF_TRACE_ITER:
        return True
    if prog_type == BPF_PROG_TYPE_SOCK_OPS and helper_id == HELPER_IDS["bpf_map_delete_elem"]:
        return True
    w.env.log.line("cannot update sockmap in this context")
    return False


def check_map_func_compatibility(w: Walker, map_ref: Any, helper_id: int, name: str) -> None:
    """check_map_func_compatibility(): refuse ``map_ref`` as the map argument of ``helper_id``."""
    if map_ref is None:
        return
    map_type = map_attr(map_ref, "map_type", None)
    if map_type is None:
        return
    allowed = MAP_HELPERS.get(map_type)
    ok = allowed is None or helper_id in allowed
    if not ok and map_type in (BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH):
        ok = _may_update_sockmap(w, helper_id)
    if ok:
        takes = HELPER_MAPS.get(helper_id)
        ok = takes is None or map_type in takes
    if not ok:
        w.fail(errno.EINVAL, f"cannot pass map_type {map_type} into func {name}#{helper_id}")
