"""Which maps a program may use at all: check_map_prog_compatibility() of kernel/bpf/verifier.c.

Mirrors Linux 6.18 for the rules that depend on the program, not on the instruction: a map whose
value holds a ``struct bpf_list_head`` or ``struct bpf_rb_root`` is refused to tracing programs
(kprobes, tracepoints, perf events, raw tracepoints: "tracing progs cannot use
bpf_{list_head,rb_root} yet"), one holding a ``struct bpf_spin_lock`` or a ``struct
bpf_res_spin_lock`` to socket filters ("socket filter progs cannot use bpf_spin_lock yet") and to
tracing programs ("tracing progs cannot use bpf_spin_lock yet"), one holding a ``struct bpf_timer``
or a ``struct bpf_wq`` to tracing programs ("tracing progs cannot use bpf_timer yet", "... bpf_wq
yet"), in that order, and a
sleepable program (BPF_F_SLEEPABLE) may use only arrays, hashes, ring buffers, queues and stacks,
local storage and maps of maps ("Sleepable programs can only use array, hash, ringbuf and local
storage maps, also as inner maps").  All EINVAL,
checked when a map is first referenced (add_used_map()).  There too, ``bpf_cgroup_storage_assign``:
a program uses at most one cgroup storage map of each flavour (shared, per-CPU), EBUSY ("only one
cgroup storage of each type is allowed").  Last, the arena rules: a program uses at most one arena
(EBUSY, "Only one arena per program"), whose user address must already be fixed, by ``map_extra`` or
a first mmap() (EINVAL, "arena's user address must be set via map_extra or mmap()").
"""

from __future__ import annotations

import errno

from pybpf import uapi
from pybpf.verifier import graph, references, timer
from pybpf.verifier.regstate import map_attr
from pybpf.verifier.request import MapRef
from pybpf.verifier.state import VerifierState

TRACING_PROG_TYPES = frozenset(
    {
        uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_TRACEPOINT, uapi.BPF_PROG_TYPE_PERF_EVENT,
        uapi.BPF_PROG_TYPE_RAW_TRACEPOINT, uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
    }
)  # fmt: skip
"""is_tracing_prog_type()."""
SLEEPABLE_MAP_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_ARRAY,
        uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS, uapi.BPF_MAP_TYPE_RINGBUF,
        uapi.BPF_MAP_TYPE_USER_RINGBUF, uapi.BPF_MAP_TYPE_INODE_STORAGE, uapi.BPF_MAP_TYPE_SK_STORAGE,
        uapi.BPF_MAP_TYPE_TASK_STORAGE, uapi.BPF_MAP_TYPE_CGRP_STORAGE, uapi.BPF_MAP_TYPE_QUEUE,
        uapi.BPF_MAP_TYPE_STACK, uapi.BPF_MAP_TYPE_ARENA,
    }
)  # fmt: skip
"""The map types a sleepable program may use (the switch of check_map_prog_compatibility())."""
CGROUP_STORAGE_MAP_TYPES = frozenset(
    {uapi.BPF_MAP_TYPE_CGROUP_STORAGE, uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE}
)
"""bpf_map_is_cgroup_storage(): each is a flavour of which a program may use one map."""


def arena_user_vm_start(map_: MapRef) -> int:
    """``bpf_arena_get_user_vm_start()`` of an arena reference (its map object's), 0 when unset or
    unknown."""
    impl = getattr(getattr(map_, "obj", None), "impl", None)
    start = getattr(impl, "user_vm_start", 0)
    return start if isinstance(start, int) else 0


def check_map_prog_compatibility(state: VerifierState, map_: MapRef) -> None:
    """check_map_prog_compatibility(): raises VerifierError (EINVAL, logged) for a map the program
    may not use."""
    request = state.request
    prog_type = request.prog_type.prog_type
    if prog_type in TRACING_PROG_TYPES and graph.map_graph_roots(map_):
        state.einval("tracing progs cannot use bpf_{list_head,rb_root} yet")
    if references.holds_lock(map_):
        if prog_type == uapi.BPF_PROG_TYPE_SOCKET_FILTER:
            state.einval("socket filter progs cannot use bpf_spin_lock yet")
        if prog_type in TRACING_PROG_TYPES:
            state.einval("tracing progs cannot use bpf_spin_lock yet")
    if prog_type in TRACING_PROG_TYPES and timer.field_off(map_, "bpf_timer") is not None:
        state.einval("tracing progs cannot use bpf_timer yet")
    if prog_type in TRACING_PROG_TYPES and timer.field_off(map_, "bpf_wq") is not None:
        state.einval("tracing progs cannot use bpf_wq yet")
    sleepable = request.prog_flags & uapi.BPF_F_SLEEPABLE
    if sleepable and map_attr(map_, "map_type", None) not in SLEEPABLE_MAP_TYPES:
        state.einval(
            "Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps"
        )
    map_type = map_attr(map_, "map_type", None)
    if map_type in CGROUP_STORAGE_MAP_TYPES and any(
        map_attr(used, "map_type", None) == map_type for used in state.maps
    ):  # another map of the flavour: add_used_map() sees each map once
        state.fail(errno.EBUSY, "only one cgroup storage of each type is allowed")
    if map_type == uapi.BPF_MAP_TYPE_ARENA:
        if any(map_attr(used, "map_type", None) == map_type for used in state.maps):
            state.fail(errno.EBUSY, "Only one arena per program")
        if not (state.allow_ptr_leaks and state.bpf_capable):
            state.fail(errno.EPERM, "CAP_BPF and CAP_PERFMON are required to use arena")
        if not arena_user_vm_start(map_):
            state.einval("arena's user address must be set via map_extra or mmap()")
