"""The context of a program attached by BTF id: its target's arguments, one u64 each, typed.

Mirrors tracing_prog_is_valid_access() (kernel/trace/bpf_trace.c), btf_ctx_access() and
get_ctx_arg_idx() (kernel/bpf/btf.c) and what check_mem_access() in kernel/bpf/verifier.c does with
their answer (Linux 6.18), for BPF_PROG_TYPE_TRACING and BPF_PROG_TYPE_LSM programs:

* the ctx is an array of u64: the target's arguments in order (a struct passed by value takes its
  size rounded up to 8), then, for fexit, fmod_ret and LSM programs, the return value; tracing
  programs read it only (LSM programs' ctx checks are btf_ctx_access() alone), at offsets below
  96 aligned to the access's size, and every access at a multiple of 8
  ("func '%s' offset %d is not multiple of 8"), within the arguments
  ("func '%s' doesn't have %d-th argument");
* an integer, enum or struct argument reads as an unknown scalar, of any width; a pointer is read
  whole ("func '%s' size %d must be 8"); a pointer to void or an integer is a scalar too; a pointer
  to a struct or union is PTR_TO_BTF_ID of it -- trusted for tp_btf, iterator and LSM programs
  (prog_args_trusted(): but the hooks freeing their object), plain for fentry/fexit/fmod_ret --
  logged as "func '%s' arg%d has btf_id %d type %s '%s'"; a pointer to anything else is refused
  ("func '%s' arg%d type %s is not a struct"), another type too ("... Only pointer access is
  allowed"), each then "invalid bpf_context access off=%d size=%d" (EACCES);
* an iterator's objects (its ``ctx_arg_info``) are maybe-NULL pointers, trusted for some targets
  (``attach.ITER_TARGETS``), not logged; a map-element iterator's key and value are maybe-NULL
  buffers (PTR_TO_BUF, the key MEM_RDONLY: ``attach.ITER_BUFFERS``), checked by
  ``checks.mem.check_buffer_access``;
* an LSM program reading the return value of an int hook gets the hook's range
  (get_func_retval_range(): [-4095, 0], [0, 1] for the bool hooks).

For BPF_PROG_TYPE_STRUCT_OPS programs (the member's prototype is the target, ``struct_ops``) the
same rules hold (bpf_tracing_btf_ctx_access()), every pointer argument trusted; the arguments the
member's stub names ``*__nullable`` are maybe-NULL (its ``ctx_arg_info``, not logged); and a
tcp_congestion_ops program's ``struct sock *`` is promoted to ``struct tcp_sock *``
(bpf_tcp_ca_is_valid_access()).

For a tp_btf program (expected attach type BPF_TRACE_RAW_TP) the tracepoints of ``RAW_TP_NULL_ARGS``
(btf.c's raw_tp_null_args) mark some pointer arguments maybe-NULL, and some as possibly an error
pointer: those are logged ("marking pointer arg%d as scalar as it may encode error", no newline, as
the kernel prints it) and read as scalars.  Module tracepoints (every argument maybe-NULL there) are
not modelled: pybpf knows vmlinux's BTF only.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, Int, Ptr, TypeTag
from pybpf.uapi import BPF_TRACE_RAW_TP, MAX_BPF_FUNC_ARGS
from pybpf.verifier import bounds, kernel_btf
from pybpf.verifier.attach import (
    AttachTarget,
    iter_ctx_arg,
    iter_object_arg,
    iter_target,
    lsm_return_range,
    skip_modifiers,
)
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType, TypeFlag

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

_KIND_STR = {
    Kind.UNKN: "UNKN", Kind.INT: "INT", Kind.PTR: "PTR", Kind.ARRAY: "ARRAY", Kind.STRUCT: "STRUCT",
    Kind.UNION: "UNION", Kind.ENUM: "ENUM", Kind.FWD: "FWD", Kind.TYPEDEF: "TYPEDEF",
    Kind.VOLATILE: "VOLATILE", Kind.CONST: "CONST", Kind.RESTRICT: "RESTRICT", Kind.FUNC: "FUNC",
    Kind.FUNC_PROTO: "FUNC_PROTO", Kind.VAR: "VAR", Kind.DATASEC: "DATASEC", Kind.FLOAT: "FLOAT",
    Kind.DECL_TAG: "DECL_TAG", Kind.TYPE_TAG: "TYPE_TAG", Kind.ENUM64: "ENUM64",
}  # fmt: skip
"""btf_type_str(): the kind names the kernel's messages use."""
UNTRUSTED_LSM_HOOKS = frozenset(
    {
        "bpf_lsm_bpf_map_free", "bpf_lsm_bpf_prog_free", "bpf_lsm_file_alloc_security",
        "bpf_lsm_file_free_security", "bpf_lsm_sk_alloc_security", "bpf_lsm_sk_free_security",
        "bpf_lsm_task_free",
    }
)  # fmt: skip
"""untrusted_lsm_hooks (kernel/bpf/bpf_lsm.c): hooks whose arguments are being set up or torn down."""
CTX_MAX = 8 * MAX_BPF_FUNC_ARGS
_TCP_CA = "tcp_congestion_ops"
RAW_TP_NULL_ARGS: dict[str, int] = {
    "break_lease_block": 0x10,
    "break_lease_noblock": 0x10,
    "break_lease_unblock": 0x10,
    "ext4_mballoc_discard": 0x10,
    "ext4_mballoc_free": 0x10,
    "fcntl_setlk": 0x10,
    "fib_table_lookup": 0x100,
    "flock_lock_inode": 0x10,
    "folio_wait_writeback": 0x10,
    "generic_delete_lease": 0x10,
    "hugetlbfs_alloc_inode": 0x10,
    "kfree_skb": 0x1000,
    "locks_remove_posix": 0x10,
    "mm_collapse_huge_page_isolate": 0x1,
    "mm_khugepaged_collapse_file": 0x10,
    "mm_khugepaged_scan_file": 0x10,
    "mm_khugepaged_scan_pmd": 0x10,
    "mm_page_alloc": 0x1,
    "mm_page_alloc_zone_locked": 0x1,
    "mm_page_pcpu_drain": 0x1,
    "posix_lock_inode": 0x10,
    "qdisc_dequeue": 0x1000,
    "sched_pi_setprio": 0x10,
    "sched_process_wait": 0x1,
    "sched_stick_numa": 0x100,
    "sched_swap_numa": 0x100,
    "signal_deliver": 0x20,
    "signal_generate": 0x20,
    "tcp_send_reset": 0x11,
    "tcp_sendmsg_locked": 0x100,
    "time_out_leases": 0x10,
    "tmigr_update_events": 0x1,
    "writeback_dirty_folio": 0x10,
    "xfs_blockgc_flush_all": 0x1,
    "xfs_blockgc_free_space": 0x10,
    "xfs_blockgc_start": 0x1,
    "xfs_blockgc_stop": 0x1,
    "xfs_blockgc_worker": 0x1,
    "xfs_btree_overlapped_query_range": 0x100,
    "xfs_btree_updkeys": 0x100,
    "xfs_defer_add_item": 0x1,
    "xfs_defer_cancel_item": 0x1,
    "xfs_defer_cancel_list": 0x1,
    "xfs_defer_create_intent": 0x1,
    "xfs_defer_finish_item": 0x1,
    "xfs_defer_isolate_paused": 0x1,
    "xfs_defer_item_pause": 0x1,
    "xfs_defer_item_unpause": 0x1,
    "xfs_defer_pending_abort": 0x1,
    "xfs_defer_pending_finish": 0x1,
    "xfs_defer_relog_intent": 0x1,
    "xfs_fs_sync_fs": 0x1,
    "xfs_inodegc_flush": 0x1,
    "xfs_inodegc_push": 0x1,
    "xfs_inodegc_queue": 0x1,
    "xfs_inodegc_start": 0x1,
    "xfs_inodegc_stop": 0x1,
    "xfs_inodegc_throttle": 0x1,
    "xfs_ioc_free_eofblocks": 0x10,
    "xfs_map_blocks_alloc": 0x10000,
    "xfs_map_blocks_found": 0x10000,
}  # fmt: skip
"""kernel/bpf/btf.c's raw_tp_null_args for the tracepoints of Linux 6.18's vmlinux: per tracepoint,
one nibble per argument (after ``void *__data``), bit 0 maybe-NULL, bit 1 maybe an error pointer.
Measured on the kernel (every struct-pointer argument of every ``btf_trace_*`` of its BTF read by a
tp_btf program): the entries of the tracepoints its build has."""

_UNSAFE = TypeFlag.MEM_USER | TypeFlag.MEM_PERCPU | TypeFlag.PTR_UNTRUSTED
"""bpf_type_has_unsafe_modifiers()."""


def _slot_bytes(btf: BTF, type_id: int) -> int:
    t = skip_modifiers(btf, type_id)
    if btf[t].kind == Kind.PTR or not t:
        return 8 if t else 0
    return (btf.size_of(t) + 7) & ~7


def ctx_arg_index(btf: BTF, target: AttachTarget, off: int) -> int:
    """get_ctx_arg_idx(): the argument an offset falls in, counted over the target's prototype (for a
    tracepoint, with its leading ``void *__data`` still in it, as the kernel counts before it skips
    that argument); the count of arguments is the return value, one more is past it."""
    sizes = ([8] if target.trace_data else []) + [_slot_bytes(btf, arg) for arg in target.args]
    end = 0
    for i, size in enumerate(sizes):
        end += size
        if off < end:
            return i
    end += _slot_bytes(btf, target.ret)
    return len(sizes) if off < end else len(sizes) + 1


def _refuse(w: Walker, off: int, size: int, reason: str | None = None) -> None:
    if reason is not None:
        w.env.log.line(reason)
    w.fail(errno.EACCES, f"invalid bpf_context access off={off} size={size}")


def _args_trusted(target: AttachTarget) -> bool:
    """prog_args_trusted()."""
    if target.struct_ops:
        return True
    if target.lsm:
        return target.name not in UNTRUSTED_LSM_HOOKS
    return not target.trampoline


def check_ctx_arg_access(
    w: Walker, target: AttachTarget, off: int, size: int, write: bool
) -> RegState | None:
    """tracing_prog_is_valid_access() (tracing programs) and btf_ctx_access(), then what a read loads
    (None: an unknown scalar of the access's width); a refused access fails the walk."""
    if not target.lsm and (off < 0 or off >= CTX_MAX or write or off % size):
        _refuse(w, off, size)
    btf = kernel_btf.vmlinux_btf()
    assert btf is not None  # (the target was found in it)
    name = target.name
    if off % 8:
        _refuse(w, off, size, f"func '{name}' offset {off} is not multiple of 8")
    arg = ctx_arg_index(btf, target, off)
    nr_args = len(target.args)
    if arg > nr_args or (arg == nr_args and not target.has_retval):
        _refuse(w, off, size, f"func '{name}' doesn't have {arg + 1}-th argument")
    type_id = target.ret if arg == nr_args else target.args[arg]
    t = skip_modifiers(btf, type_id)
    kind = btf[t].kind
    small_int = isinstance(btf[t], Int) and btf[t].size <= 8  # type: ignore[union-attr]
    if small_int or kind in (Kind.ENUM, Kind.ENUM64, Kind.STRUCT, Kind.UNION):
        if arg == nr_args and target.lsm and not write:
            return _retval_register(target)
        return None
    if kind != Kind.PTR:
        _refuse(w, off, size, f"func '{name}' arg{arg} '{btf[t].name}' has type {_KIND_STR[kind]}. "
                "Only pointer access is allowed")  # fmt: skip
    if size != 8:
        _refuse(w, off, size, f"func '{name}' size {size} must be 8")
    buffer = iter_ctx_arg(name, arg) if target.iterator else None
    if buffer is not None:  # a map element's key or value (ctx_arg_info's PTR_TO_BUF), not logged
        result = RegState()
        result.mark_pointer(RegType.PTR_TO_BUF, buffer)
        result.id = w.new_id()
        return result
    pointer = btf[t]
    assert isinstance(pointer, Ptr)
    pointee = skip_modifiers(btf, pointer.type_id)
    if target.iterator and iter_object_arg(name, arg) and btf[pointee].kind in (Kind.STRUCT, Kind.UNION):
        trusted = TypeFlag.PTR_TRUSTED if iter_target(name) else TypeFlag.NONE
        return _btf_pointer(w, pointee, trusted | TypeFlag.PTR_MAYBE_NULL)  # ctx_arg_info
    if arg in target.nullable_args and btf[pointee].kind == Kind.STRUCT:  # a struct_ops stub's
        return _btf_pointer(w, pointee, TypeFlag.PTR_TRUSTED | TypeFlag.PTR_MAYBE_NULL)
    if not pointee or btf[pointee].kind == Kind.INT:  # is_void_or_int_ptr()
        return None
    flags = TypeFlag.PTR_TRUSTED if _args_trusted(target) else TypeFlag.NONE
    null_args = RAW_TP_NULL_ARGS.get(name, 0) >> (4 * arg) if target.attach_type == BPF_TRACE_RAW_TP else 0
    if null_args & 1:
        flags |= TypeFlag.PTR_MAYBE_NULL
    tagged = btf[pointer.type_id]
    if isinstance(tagged, TypeTag) and not tagged.kind_flag:
        flags |= {"user": TypeFlag.MEM_USER, "percpu": TypeFlag.MEM_PERCPU}.get(tagged.name, TypeFlag.NONE)
    pointee_kind = btf[pointee].kind
    if pointee_kind not in (Kind.STRUCT, Kind.UNION):
        _refuse(w, off, size, f"func '{name}' arg{arg} type {_KIND_STR[pointee_kind]} is not a struct")
    w.env.log.line(
        f"func '{name}' arg{arg} has btf_id {pointee} type {_KIND_STR[pointee_kind]} "
        f"'{btf[pointee].name or '(anon)'}'"  # __btf_name_by_offset()
    )
    if null_args & 2:  # the kernel's message has no newline: the next log text follows on its line
        w.env.log.verbose(f"marking pointer arg{arg} as scalar as it may encode error")
        return None
    if target.struct_ops == _TCP_CA and btf[pointee].name == "sock" and not flags & _UNSAFE:
        pointee = btf.find("tcp_sock", Kind.STRUCT)  # bpf_tcp_ca_is_valid_access()
    return _btf_pointer(w, pointee, flags)


def _btf_pointer(w: Walker, type_id: int, flags: TypeFlag) -> RegState:
    """mark_reg_known_zero() and the type: a pointer to the kernel type ``type_id``; maybe-NULL
    ones get an id for their NULL check."""
    result = RegState()
    result.mark_pointer(RegType.PTR_TO_BTF_ID, flags)
    result.map = kernel_btf.kernel_type(type_id)
    if flags & TypeFlag.PTR_MAYBE_NULL:
        result.id = w.new_id()
    return result


def _retval_register(target: AttachTarget) -> RegState | None:
    """An LSM program's read of its hook's return value: __mark_reg_s32_range() on an unknown scalar."""
    found = lsm_return_range(target)
    if found is None:
        return None
    result = RegState()
    result.mark_unknown()
    low, high = found
    result.smin32, result.smax32 = max(result.smin32, low), min(result.smax32, high)
    result.smin, result.smax = max(result.smin, low), min(result.smax, high)
    bounds.sync(result)
    return result
