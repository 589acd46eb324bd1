"""check_helper_call(): helper calls checked against the shared prototypes (pybpf.helpers.protos).

Mirrors kernel/bpf/verifier.c: the opening checks (helper id known — "invalid func %s#%d", offered
to the program type, GPL), then check_func_arg() for r1..r5 in order — the register must be
initialised, ARG_ANYTHING takes anything, other arguments must have one of the register types the
kernel's compatible_reg_types table lists ("R%d type=%s expected=%s", EACCES), a map pointer is
remembered for the key and value arguments after it, keys and values are checked as
``key_size`` / ``value_size`` bytes of stack, map value or packet (check_helper_mem_access), a
memory argument is checked with the size in the next register (check_mem_size_reg) — then r0-r5
are clobbered and r0 takes the return type: an unknown scalar, a map value (``_or_null`` with a
fresh id for the null check), a ring-buffer record of the requested size, or another pointer type.

Calls and references (``references``): a program holding a spin lock may call no helper but
bpf_spin_unlock ("function calls are not allowed while holding a lock"), one inside an RCU
read-side, non-preemptible or IRQ-disabled region no helper that might sleep (``irq``); bpf_spin_lock/unlock
check the lock (process_spin_lock()); a release argument (bpf_ringbuf_submit/discard,
bpf_sk_release) must hold a reference ("R%d must be referenced when passed to release function")
at offset zero, which is released with every register holding it; bpf_tail_call checks for held
resources, relies on a constant index inside the prog array exactly (record_func_key(): a
precision mark) and, in a subprogram, may return from it (Linux 6.18: the fall-through is pushed,
the walk goes on in the caller with an unknown r0); a NULL passed for a nullable pointer argument
is relied on exactly too; an acquiring helper (ring-buffer reserve, socket lookups) gives r0 a new
reference, a socket cast keeps its argument's.  A callback-calling helper pushes its callback (``callbacks``).
The size of a ring-buffer record must be a known constant ("R%d is not a known constant'", the
kernel's stray quote included); a map without keys cannot be given a key ("invalid zero-sized
read"); the map passed must suit the helper (``map_funcs``: "cannot pass map_type %d into func
%s#%d", and bpf_tail_call's "expected prog array map for tail call", which Linux 6.18 writes
without a newline).

Dynptr arguments are the stack objects of ``dynptr`` (created, checked, released with their
ring-buffer reference), bpf_dynptr_data returns a slice carrying that reference, bpf_dynptr_write
to an skb dynptr changes packet data (its slices and the packet pointers become unknown), and a
timer argument must point at the value's ``struct bpf_timer`` (``timer``).

Every argument kind has its compatible_reg_types entry.  A pointer to a
kernel struct passed for ARG_PTR_TO_BTF_ID (or _SOCK_COMMON) must point to the struct the
prototype names (arg_btf_id, ``kernel_btf.struct_ids_match()``: "R%d is of type %s but %s is
expected"), may be NULL only where the argument allows it ("Possibly NULL pointer passed to helper
arg%d"), and as memory is only read ("%s() may write into memory pointed by R%d type=%s", then
check_ptr_to_btf_access()); a constant string (ARG_PTR_TO_CONST_STR) and bpf_snprintf's format are
``const_str``'s.  Memory arguments are written by the helper only with MEM_WRITE (a map key, read-only
memory or a BPF_F_RDONLY_PROG value refuses that; on the stack the bytes become data), in raw mode
(MEM_UNINIT) byte by byte after the checks.  RET_PTR_TO_BTF_ID results point to the struct the
prototype names (ret_btf_id: bpf_get_current_task_btf, bpf_task_pt_regs, bpf_skc_to_* ...).
bpf_kptr_xchg takes a referenced kptr of a map value and a pointer of its type, releases the
pointer and acquires the old one (``kptrs``).

A sockmap's or sockhash's value argument is a socket (resolve_map_arg_type()) and a lookup there
gives the socket it finds, referenced, or NULL (``references.acquires_socket``).

Not modelled yet (permissive, documented): a PTR_TO_BTF_ID whose kernel type pybpf does not know is
not matched against the expected struct; per-cpu BTF pointers (ld_imm64 of a per-cpu ksym,
BPF_PSEUDO_BTF_ID, is refused by the ``pseudo`` pass), so bpf_per_cpu_ptr/bpf_this_cpu_ptr take only
per-CPU objects (``alloc_obj``: their result is the CPU's copy, PTR_TO_BTF_ID | MEM_ALLOC | MEM_RCU,
never NULL) and RET_PTR_TO_MEM_OR_BTF_ID's memory case is not reached; packet pointers invalidated by helpers
that change packet data are made unknown scalars (as the kernel does for a privileged loader); a map
whose sizes are unknown (an inner map without a template) has its key, value and value accesses unchecked.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.helpers.protos import ArgBase, ArgFlag, ArgType, RetType
from pybpf.isa.helper_names import HELPER_IDS
from pybpf.maps.percpu import possible_cpus
from pybpf.uapi import (
    BPF_F_INNER_MAP,
    BPF_F_RDONLY_PROG,
    BPF_MAP_TYPE_ARRAY,
    BPF_MAP_TYPE_ARRAY_OF_MAPS,
    BPF_MAP_TYPE_HASH_OF_MAPS,
    BPF_MAP_TYPE_PERCPU_ARRAY,
    BPF_MAP_TYPE_PROG_ARRAY,
    BPF_MAP_TYPE_XSKMAP,
    BPF_MAX_VAR_OFF,
    BPF_PROG_TYPE_KPROBE,
    BPF_PROG_TYPE_TRACING,
    ENOTSUPP,
)
from pybpf.verifier import (
    bounds,
    callbacks,
    const_str,
    dynptr,
    graph,
    helpers,
    irq,
    kernel_btf,
    kptrs,
    map_funcs,
    references,
    timer,
    tnum,
)
from pybpf.verifier.checks import mem
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.helpers import func_id_name
from pybpf.verifier.regstate import (
    FuncTarget,
    RegState,
    inner_map_meta,
    is_null,
    map_attr,
    map_key_size,
    map_value_size,
)
from pybpf.verifier.regtypes import PACKET_TYPES, RegType, TypeFlag, type_str
from pybpf.verifier.state import in_sleepable

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.state import PathState

_MEM_TYPES = (
    (RegType.PTR_TO_STACK, TypeFlag.NONE),
    (RegType.PTR_TO_PACKET, TypeFlag.NONE),
    (RegType.PTR_TO_PACKET_META, TypeFlag.NONE),
    (RegType.PTR_TO_MAP_KEY, TypeFlag.NONE),
    (RegType.PTR_TO_MAP_VALUE, TypeFlag.NONE),
    (RegType.PTR_TO_MEM, TypeFlag.NONE),
    (RegType.PTR_TO_MEM, TypeFlag.MEM_RINGBUF),
    (RegType.PTR_TO_BUF, TypeFlag.NONE),
    (RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED),
)
_COMPATIBLE: dict[ArgBase, tuple[tuple[RegType, TypeFlag], ...]] = {
    ArgBase.CONST_MAP_PTR: ((RegType.CONST_PTR_TO_MAP, TypeFlag.NONE),),
    ArgBase.PTR_TO_MAP_KEY: _MEM_TYPES,
    ArgBase.PTR_TO_MAP_VALUE: _MEM_TYPES,
    ArgBase.PTR_TO_MEM: _MEM_TYPES,
    ArgBase.PTR_TO_FIXED_SIZE_MEM: _MEM_TYPES,
    ArgBase.CONST_SIZE: ((RegType.SCALAR_VALUE, TypeFlag.NONE),),
    ArgBase.CONST_SIZE_OR_ZERO: ((RegType.SCALAR_VALUE, TypeFlag.NONE),),
    ArgBase.CONST_ALLOC_SIZE_OR_ZERO: ((RegType.SCALAR_VALUE, TypeFlag.NONE),),
    ArgBase.PTR_TO_CTX: ((RegType.PTR_TO_CTX, TypeFlag.NONE),),
    ArgBase.PTR_TO_STACK: ((RegType.PTR_TO_STACK, TypeFlag.NONE),),
    ArgBase.PTR_TO_FUNC: ((RegType.PTR_TO_FUNC, TypeFlag.NONE),),
    ArgBase.PTR_TO_RINGBUF_MEM: ((RegType.PTR_TO_MEM, TypeFlag.MEM_RINGBUF),),
    ArgBase.PTR_TO_SOCK_COMMON: (
        (RegType.PTR_TO_SOCK_COMMON, TypeFlag.NONE),
        (RegType.PTR_TO_SOCKET, TypeFlag.NONE),
        (RegType.PTR_TO_TCP_SOCK, TypeFlag.NONE),
        (RegType.PTR_TO_XDP_SOCK, TypeFlag.NONE),
    ),
    ArgBase.PTR_TO_BTF_ID_SOCK_COMMON: (
        (RegType.PTR_TO_SOCK_COMMON, TypeFlag.NONE),
        (RegType.PTR_TO_SOCKET, TypeFlag.NONE),
        (RegType.PTR_TO_TCP_SOCK, TypeFlag.NONE),
        (RegType.PTR_TO_XDP_SOCK, TypeFlag.NONE),
        (RegType.PTR_TO_BTF_ID, TypeFlag.NONE),
        (RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED),
    ),
    ArgBase.PTR_TO_SPIN_LOCK: (
        (RegType.PTR_TO_MAP_VALUE, TypeFlag.NONE),
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_ALLOC),  # an allocated object's lock (not modelled)
    ),
    ArgBase.PTR_TO_TIMER: ((RegType.PTR_TO_MAP_VALUE, TypeFlag.NONE),),
    ArgBase.PTR_TO_DYNPTR: (
        (RegType.PTR_TO_STACK, TypeFlag.NONE),
        (RegType.CONST_PTR_TO_DYNPTR, TypeFlag.NONE),
    ),
    ArgBase.PTR_TO_SOCKET: ((RegType.PTR_TO_SOCKET, TypeFlag.NONE),),
    ArgBase.PTR_TO_BTF_ID: (
        (RegType.PTR_TO_BTF_ID, TypeFlag.NONE),
        (RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED),
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_RCU),
    ),
    ArgBase.PTR_TO_PERCPU_BTF_ID: (
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_PERCPU),
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_PERCPU | TypeFlag.MEM_RCU),
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_PERCPU | TypeFlag.PTR_TRUSTED),
    ),
    ArgBase.PTR_TO_CONST_STR: ((RegType.PTR_TO_MAP_VALUE, TypeFlag.NONE),),
    ArgBase.KPTR_XCHG_DEST: (
        (RegType.PTR_TO_MAP_VALUE, TypeFlag.NONE),
        (RegType.PTR_TO_BTF_ID, TypeFlag.MEM_ALLOC),
    ),
}
"""compatible_reg_types (the argument kinds without an entry here have their own checks)."""
_SOCK_COMMON_STRUCT = "sock_common"
"""The struct a PTR_TO_BTF_ID passed as ARG_PTR_TO_BTF_ID_SOCK_COMMON must be (its compatible btf_id)."""

_SPIN_LOCK = HELPER_IDS["bpf_spin_lock"]
_DYNPTR_FROM_MEM = HELPER_IDS["bpf_dynptr_from_mem"]
_DYNPTR_DATA = HELPER_IDS["bpf_dynptr_data"]
_SK_RELEASE = HELPER_IDS["bpf_sk_release"]
_SNPRINTF = HELPER_IDS["bpf_snprintf"]
_DYNPTR_WRITE = HELPER_IDS["bpf_dynptr_write"]
_MAP_WRITERS = frozenset(
    HELPER_IDS[n]
    for n in ("bpf_map_delete_elem", "bpf_map_update_elem", "bpf_map_push_elem", "bpf_map_pop_elem")
)
"""record_func_map(): the helpers a BPF_F_RDONLY_PROG map refuses ("write into map forbidden")."""
_SIZE_BOUNDED_RESULT = frozenset(
    HELPER_IDS[n]
    for n in (
        "bpf_get_stack", "bpf_get_task_stack", "bpf_probe_read_str", "bpf_probe_read_kernel_str",
        "bpf_probe_read_user_str",
    )
)  # fmt: skip
"""do_refine_retval_range(): their result is at most the size argument (or a negative errno)."""
_SMP_PROCESSOR_ID = HELPER_IDS["bpf_get_smp_processor_id"]
_GET_FUNC_IP = HELPER_IDS["bpf_get_func_ip"]
MAX_ERRNO = 4095
_TAIL_CALL = HELPER_IDS["bpf_tail_call"]
_GET_LOCAL_STORAGE = HELPER_IDS["bpf_get_local_storage"]
_KPTR_XCHG = HELPER_IDS["bpf_kptr_xchg"]
_LOCK_ALLOWED = frozenset({HELPER_IDS["bpf_spin_unlock"]})
"""The helpers a program may call while it holds a spin lock."""
_ACQUIRE = frozenset(
    HELPER_IDS[n]
    for n in (
        "bpf_sk_lookup_tcp",
        "bpf_sk_lookup_udp",
        "bpf_skc_lookup_tcp",
        "bpf_ringbuf_reserve",
        "bpf_kptr_xchg",
    )
)
"""is_acquire_function(): helpers whose pointer result is a reference to release."""
_PTR_CAST = frozenset(
    HELPER_IDS[n]
    for n in (
        "bpf_tcp_sock", "bpf_sk_fullsock", "bpf_skc_to_tcp_sock", "bpf_skc_to_tcp6_sock",
        "bpf_skc_to_udp6_sock", "bpf_skc_to_mptcp_sock", "bpf_skc_to_tcp_timewait_sock",
        "bpf_skc_to_tcp_request_sock",
    )
)  # fmt: skip
"""is_ptr_cast_function(): their result carries the reference of their argument."""

CHANGES_PKT_DATA = frozenset(
    HELPER_IDS[n]
    for n in (
        "bpf_skb_store_bytes", "bpf_skb_change_head", "bpf_skb_change_tail", "bpf_skb_pull_data",
        "bpf_skb_change_proto", "bpf_skb_vlan_push", "bpf_skb_vlan_pop", "bpf_l3_csum_replace",
        "bpf_l4_csum_replace", "bpf_xdp_adjust_head", "bpf_xdp_adjust_meta", "bpf_xdp_adjust_tail",
        "bpf_msg_pull_data", "bpf_msg_push_data", "bpf_msg_pop_data", "bpf_skb_adjust_room",
        "bpf_lwt_push_encap", "bpf_lwt_seg6_store_bytes", "bpf_lwt_seg6_adjust_srh",
        "bpf_lwt_seg6_action", "bpf_clone_redirect", "bpf_store_hdr_opt",
    )
    if n in HELPER_IDS
)  # fmt: skip
"""bpf_helper_changes_pkt_data(): after these, every packet pointer is invalid."""
_PKT_SLICE = TypeFlag.DYNPTR_TYPE_SKB | TypeFlag.DYNPTR_TYPE_XDP | TypeFlag.DYNPTR_TYPE_SKB_META
"""The type flags of a packet dynptr's slice (DYNPTR_TYPE_SKB, DYNPTR_TYPE_XDP, DYNPTR_TYPE_SKB_META)."""


_ELIDES_NULL = (BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY)
"""can_elide_value_nullness(): the map types whose constant keys get_constant_map_key() reads."""


def check_helper_call(w: Walker, helper_id: int) -> None:
    state = w.state
    if references.active_lock(state) is not None and helper_id not in _LOCK_ALLOWED:
        w.fail(errno.EINVAL, "function calls are not allowed while holding a lock")
    helpers.check_helper_call(w.env, helper_id, in_sleepable(w.env, state))
    fn = helpers.load_helper_proto(w.env, helper_id)  # a type's own flavour
    if fn is not None and fn.might_sleep:
        irq.check_sleepable_helper(w, helper_id, fn)
    regs = state.cur.regs
    map_ref = None
    timer_map = None  # the map of a timer argument (meta->map_ptr)
    const_key: int | None = None
    alloc_size = 0
    release_regno = ref_obj_id = slice_dynptr_id = 0
    callback = -1
    msize_max = 0
    kptr: kptrs.KptrField | None = None  # bpf_kptr_xchg's destination (meta->kptr_field)
    skb_dynptr_write = False
    if fn is not None:
        for i, proto_arg in enumerate(fn.args):
            regno = i + 1
            arg = proto_arg
            w.check_reg_read(regno)
            reg = regs[regno]
            if arg is ArgType.ANYTHING:
                if not (w.env.allow_ptr_leaks or reg.is_scalar):
                    w.fail(errno.EACCES, f"R{regno} leaks addr into helper function")
                continue
            if (
                map_ref is not None
                and proto_arg.base is ArgBase.PTR_TO_MAP_VALUE
                and references.is_socket_map(map_ref)
            ):
                arg = _socket_map_value_arg(w, proto_arg)
            if reg.type in PACKET_TYPES and not helpers.helper_may_read_packet(
                w.env.request.prog_type.prog_type, helper_id
            ):
                w.fail(errno.EACCES, "helper access to the packet is not allowed")
            if not (arg.maybe_null and is_null(reg)):
                if helper_id == _KPTR_XCHG and regno == 2:
                    kptrs.check_xchg_value(w, regno, reg, kptr)
                btf_name = fn.arg_btf_name(i) if fn.arg_btf else ""
                _check_reg_type(w, regno, reg, arg, helper_id=helper_id, btf_name=btf_name)
                mem.check_func_arg_reg_off(
                    w, reg, regno, release=arg.release, dynptr_arg=arg.base is ArgBase.PTR_TO_DYNPTR
                )
            else:  # NULL passed for a pointer: the zero is relied on exactly
                w.mark_chain_precision(regno)
            if arg.release and arg.base is ArgBase.PTR_TO_DYNPTR:
                dynptr.check_release_arg(w, regno, reg)
                release_regno = regno
            elif arg.release:
                if not reg.ref_obj_id and not is_null(reg):
                    w.fail(errno.EINVAL, f"R{regno} must be referenced when passed to release function")
                release_regno = regno
            if reg.ref_obj_id:
                if ref_obj_id:
                    w.fail(
                        errno.EACCES,
                        f"more than one arg with ref_obj_id R{regno} {reg.ref_obj_id} {ref_obj_id}",
                    )
                ref_obj_id = reg.ref_obj_id
            base = arg.base
            if base is ArgBase.CONST_MAP_PTR:
                if timer_map is not None:
                    timer.check_timer_map(w, timer_map, reg.map)
                map_ref = reg.map
                w.note_call_map(map_ref)
                if helper_id == _TAIL_CALL and map_attr(map_ref, "map_type", None) not in (
                    None,
                    BPF_MAP_TYPE_PROG_ARRAY,
                ):
                    message = "expected prog array map for tail call"
                    w.env.log.verbose(message)  # sic: Linux 6.18 ends this message without a newline
                    raise VerifierError(errno.EINVAL, message, w.env.log.text)
            elif base is ArgBase.PTR_TO_MAP_KEY:
                size = map_key_size(map_ref)
                if size or map_attr(map_ref, "key_size", None) is not None:
                    mem.helper_mem_access(w, regno, size, mem.BPF_READ, zero_ok=False, clobber=False)
                    const_key = mem.stack_constant(w, reg, size)
                    if const_key is not None and map_attr(map_ref, "map_type", None) in _ELIDES_NULL:
                        w.note_constant_key(reg)
            elif base is ArgBase.PTR_TO_MAP_VALUE:
                size = map_value_size(map_ref)
                known = size or map_attr(map_ref, "value_size", None) is not None
                if known and not (arg.maybe_null and is_null(reg)):  # a map without values: zero-sized
                    mem.helper_mem_access(
                        w,
                        regno,
                        size,
                        mem.BPF_WRITE if arg.uninit else mem.BPF_READ,
                        zero_ok=False,
                        clobber=arg.uninit,
                    )
            elif base is ArgBase.PTR_TO_FIXED_SIZE_MEM:
                size = fn.arg_size(i) or 0
                if size:
                    access = _mem_access(arg)
                    mem.helper_mem_access(
                        w, regno, size, access, zero_ok=False, clobber=access == mem.BPF_WRITE, raw=arg.uninit
                    )
                    if ArgFlag.MEM_ALIGNED in arg.flags:
                        mem.check_ptr_alignment(w, reg, 0, size, strict=True)
            elif base is ArgBase.CONST_ALLOC_SIZE_OR_ZERO:  # the size of the memory r0 will point to
                if not tnum.is_const(reg.var_off):
                    w.fail(errno.EACCES, f"R{regno} is not a known constant'")  # sic: the kernel's quote
                alloc_size = reg.var_off.value
                w.mark_chain_precision(regno)
            elif arg.is_size and i > 0:
                _check_mem_size(w, regno, fn.args[i - 1], arg)
                msize_max = reg.umax
            elif base is ArgBase.PTR_TO_SPIN_LOCK:
                if graph.in_rbtree_callback(w):  # in_rbtree_lock_required_cb(): its caller holds the lock
                    w.fail(errno.EACCES, "can't spin_{lock,unlock} in rbtree cb")
                references.process_spin_lock(w, regno, helper_id == _SPIN_LOCK)
            elif base is ArgBase.PTR_TO_DYNPTR:
                dynptr.process_dynptr_func(w, regno, reg, arg)
                if helper_id == _DYNPTR_DATA:
                    ref_obj_id = dynptr.slice_reference(w, reg)
                    slice_dynptr_id = dynptr.dynptr_id(w, reg)
                elif helper_id == _DYNPTR_WRITE:  # the skb's data may move: its slices go too
                    skb_dynptr_write = dynptr.dynptr_type(w, reg) == dynptr.SKB
            elif base is ArgBase.PTR_TO_TIMER:
                _check_timer(w, regno, reg)
                timer_map = reg.map
            elif base is ArgBase.PTR_TO_CONST_STR:
                const_str.check_reg_const_str(w, regno, reg)
            elif base is ArgBase.KPTR_XCHG_DEST:
                kptr = kptrs.process_kptr_func(w, regno, reg)
            elif base is ArgBase.PTR_TO_FUNC and isinstance(reg.map, FuncTarget):
                callback = reg.map.subprog
    if helper_id in _MAP_WRITERS and int(map_attr(map_ref, "map_flags", 0)) & BPF_F_RDONLY_PROG:
        w.fail(errno.EACCES, "write into map forbidden")  # record_func_map()
    if helper_id == _TAIL_CALL:
        _record_func_key(w, map_ref)
    if release_regno:
        if fn is not None and fn.args[release_regno - 1].base is ArgBase.PTR_TO_DYNPTR:
            released = dynptr.release(w, regs[release_regno])
        elif ref_obj_id:
            released = references.release_reference(state, ref_obj_id, w.env.allow_ptr_leaks)
        else:
            released = is_null(regs[release_regno])
        if not released:
            name = func_id_name(helper_id)
            w.fail(errno.EINVAL, f"func {name}#{helper_id} reference has not been acquired before")
    if helper_id == _GET_LOCAL_STORAGE:  # it cannot return an error: flags must be 0, and stay so
        if not is_null(regs[2]):
            w.fail(errno.EINVAL, "get_local_storage() doesn't support non-zero flags")
        w.mark_chain_precision(2)
    if helper_id == _SNPRINTF:
        const_str.check_snprintf_call(w)
    if helper_id == _DYNPTR_FROM_MEM and regs[1].type is not RegType.PTR_TO_MAP_VALUE:
        w.fail(errno.EACCES, f"Unsupported reg type {regs[1].type_name()} for bpf_dynptr_from_mem data")
    if helper_id == _TAIL_CALL:
        references.check_resource_leak(w, True, "tail_call")
    elif helper_id in helpers.CALLBACK_HELPERS and callback >= 0:
        if helper_id == helpers.LOOP:
            callbacks.update_loop_inline_state(w, callback)
            w.mark_chain_precision(1)  # r1 decides when the iterations end
        callbacks.push_callback_call(w, helper_id, callback)
    if helper_id == _GET_FUNC_IP:
        _check_get_func_ip(w)
    percpu_alloc = _percpu_alloc_arg(w, helper_id)
    for regno in range(6):
        regs[regno].mark_not_init()
        w.scratch_reg(regno)
    r0 = regs[0]
    if fn is None:
        r0.mark_unknown()
        return
    if helper_id in CHANGES_PKT_DATA or skb_dynptr_write:
        clear_all_pkt_pointers(state, w.env.allow_ptr_leaks)
    ret = fn.ret
    if ret is RetType.INTEGER:
        r0.mark_unknown()
        _refine_retval_range(r0, helper_id, msize_max)
    elif ret is RetType.VOID:
        r0.mark_not_init()
    elif ret in (RetType.PTR_TO_MAP_VALUE, RetType.PTR_TO_MAP_VALUE_OR_NULL) and map_attr(
        map_ref, "map_type", None
    ) in (BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS):
        r0.mark_pointer(RegType.CONST_PTR_TO_MAP, TypeFlag.PTR_MAYBE_NULL)  # the inner map, or NULL
        r0.map = inner_map_meta(map_ref)
    elif references.acquires_socket(helper_id, map_ref):  # the socket found, referenced, or NULL
        r0.mark_pointer(RegType.PTR_TO_SOCKET, TypeFlag.PTR_MAYBE_NULL)
    elif (
        ret is RetType.PTR_TO_MAP_VALUE_OR_NULL and map_attr(map_ref, "map_type", None) == BPF_MAP_TYPE_XSKMAP
    ):
        r0.mark_pointer(RegType.PTR_TO_XDP_SOCK, TypeFlag.PTR_MAYBE_NULL)  # the AF_XDP socket, or NULL
    elif ret in (RetType.PTR_TO_MAP_VALUE, RetType.PTR_TO_MAP_VALUE_OR_NULL):
        maybe_null = ret.maybe_null and not _lookup_cannot_fail(helper_id, map_ref, const_key)
        r0.mark_pointer(RegType.PTR_TO_MAP_VALUE, TypeFlag.PTR_MAYBE_NULL if maybe_null else TypeFlag.NONE)
        r0.map = map_ref
        if not maybe_null and references.holds_lock(map_ref):
            r0.id = w.new_id()  # the id names the value's lock
    elif ret is RetType.PTR_TO_MEM_OR_NULL:
        r0.mark_pointer(RegType.PTR_TO_MEM, TypeFlag.MEM_RINGBUF | TypeFlag.PTR_MAYBE_NULL)
        r0.mem_size = alloc_size
    elif ret is RetType.PTR_TO_DYNPTR_MEM_OR_NULL:  # a slice of the dynptr's memory
        r0.mark_pointer(RegType.PTR_TO_MEM, TypeFlag.PTR_MAYBE_NULL)
        r0.mem_size = alloc_size
        r0.map = dynptr.slice_of(slice_dynptr_id, None)  # (its dynptr's destruction invalidates it)
    elif percpu_alloc is not None:  # returns_cpu_specific_alloc_ptr: a CPU's copy, never NULL
        r0.mark_pointer(RegType.PTR_TO_BTF_ID, TypeFlag.MEM_ALLOC | TypeFlag.MEM_RCU)
        r0.map = percpu_alloc
    else:
        ret_base = {
            RetType.PTR_TO_SOCKET_OR_NULL: RegType.PTR_TO_SOCKET,
            RetType.PTR_TO_TCP_SOCK_OR_NULL: RegType.PTR_TO_TCP_SOCK,
            RetType.PTR_TO_SOCK_COMMON_OR_NULL: RegType.PTR_TO_SOCK_COMMON,
        }.get(ret, RegType.PTR_TO_BTF_ID)
        flags = TypeFlag.PTR_MAYBE_NULL if ret.maybe_null else TypeFlag.NONE
        if ret is RetType.PTR_TO_BTF_ID_TRUSTED:
            flags |= TypeFlag.PTR_TRUSTED
        r0.mark_pointer(ret_base, flags)
        if fn.ret_btf:
            r0.map = kernel_btf.kernel_struct(fn.ret_btf)
        elif helper_id == _KPTR_XCHG:
            kptrs.mark_xchg_result(r0, kptr)
    if r0.maybe_null:
        r0.id = w.new_id()
    map_type = map_attr(map_ref, "map_type", None) if map_ref is not None else None
    if map_type is not None and (map_type, helper_id) not in w.env.map_helpers_ok:  # (the load's question)
        map_funcs.check_map_func_compatibility(w, map_ref, helper_id, func_id_name(helper_id))
        w.env.map_helpers_ok.add((map_type, helper_id))
    if helper_id in _PTR_CAST or helper_id == _DYNPTR_DATA:
        r0.ref_obj_id = ref_obj_id  # released with the reference it came from (a cast, a slice)
    elif helper_id in _ACQUIRE or references.acquires_socket(helper_id, map_ref):
        r0.id = r0.ref_obj_id = references.acquire_reference(w)
    if helper_id == _TAIL_CALL and state.curframe:
        _tail_call_exit(w)


_PER_CPU_PTRS = frozenset({HELPER_IDS["bpf_per_cpu_ptr"], HELPER_IDS["bpf_this_cpu_ptr"]})


def _percpu_alloc_arg(w: Walker, helper_id: int) -> object | None:
    """check_helper_call() of bpf_per_cpu_ptr / bpf_this_cpu_ptr: an RCU-protected per-CPU object
    (a __percpu_kptr loaded under RCU) makes the call ``call_with_percpu_alloc_ptr`` (the fixups
    load the object's per-CPU pointer into r1); the object's type, or None."""
    if helper_id not in _PER_CPU_PTRS:
        return None
    reg = w.state.cur.regs[1]
    if not reg.flags & TypeFlag.MEM_RCU:
        return None
    w.facts().percpu_alloc_call = True
    target: object = reg.map
    return target


def _socket_map_value_arg(w: Walker, arg: ArgType) -> ArgType:
    """resolve_map_arg_type(): the value a helper gives a sockmap or sockhash is a socket."""
    if arg.uninit:
        w.fail(errno.EINVAL, "invalid arg_type for sockmap/sockhash")
    return ArgType.PTR_TO_BTF_ID_SOCK_COMMON


def _check_get_func_ip(w: Walker) -> None:
    """check_get_func_ip(): a tracing program run from a trampoline, or a kprobe (ENOTSUPP)."""
    prog_type = w.env.request.prog_type.prog_type
    if prog_type == BPF_PROG_TYPE_TRACING:
        target = getattr(w.env.request.prog_type, "attach_target", None)
        if target is None or not target.trampoline:
            w.fail(
                ENOTSUPP,
                f"func bpf_get_func_ip#{_GET_FUNC_IP} supported only for fentry/fexit/fmod_ret programs",
            )
    elif prog_type != BPF_PROG_TYPE_KPROBE:
        w.fail(ENOTSUPP, f"func bpf_get_func_ip#{_GET_FUNC_IP} not supported for program type {prog_type}")


def _record_func_key(w: Walker, map_ref: object) -> None:
    """record_func_key(): a tail call's index known to be inside the prog array is relied on
    exactly (the kernel turns such a call into a direct jump), so r3 is marked precise."""
    r3 = w.state.cur.regs[3]
    max_entries = int(map_attr(map_ref, "max_entries", 0))
    if r3.type is RegType.SCALAR_VALUE and tnum.is_const(r3.var_off) and r3.var_off.value < max_entries:
        w.mark_chain_precision(3)


def _tail_call_exit(w: Walker) -> None:
    """check_helper_call() of bpf_tail_call in a subprogram (Linux 6.18, "bpf: properly verify tail
    call behavior"): a tail call that fails goes on after the call (a pushed path with the state as
    it is), one that succeeds returns from the subprogram with an unknown r0 (the tail-called
    program's) and every packet pointer invalid; the walk goes on in the caller."""
    w.scratch_reg(0)
    w.push_branch(w.insn_idx + 1)
    clear_all_pkt_pointers(w.state, w.env.allow_ptr_leaks)
    w.state.cur.regs[0].mark_unknown()
    w.insn_idx = w.prepare_func_exit() - 1  # the walk goes on after this "call"'s slot


def clear_all_pkt_pointers(state: PathState, allow_ptr_leaks: bool) -> None:
    """clear_all_pkt_pointers(): after a call that may move the packet, no packet pointer is valid,
    nor any slice of an skb or xdp dynptr (reg_is_dynptr_slice_pkt()): mark_reg_invalid() makes
    them unknown scalars, or for a loader without allow_ptr_leaks registers never written."""
    for reg in state.all_regs():
        if (
            reg.type in PACKET_TYPES
            or reg.type is RegType.PTR_TO_PACKET_END
            or (reg.type is RegType.PTR_TO_MEM and reg.flags & _PKT_SLICE)
        ):
            references.mark_reg_invalid(reg, allow_ptr_leaks)


def _refine_retval_range(r0: RegState, helper_id: int, msize_max: int) -> None:
    """do_refine_retval_range(): what a few helpers' integer results are known to lie in."""
    if helper_id in _SIZE_BOUNDED_RESULT:
        r0.smax = r0.smax32 = msize_max  # below BPF_MAX_VAR_OFF (check_mem_size_reg)
        r0.smin = r0.smin32 = -MAX_ERRNO
    elif helper_id == _SMP_PROCESSOR_ID:
        top = possible_cpus() - 1
        r0.umin = r0.umin32 = r0.smin = r0.smin32 = 0
        r0.umax = r0.umax32 = r0.smax = r0.smax32 = top
    else:
        return
    bounds.sync(r0)


def _check_reg_type(
    w: Walker, regno: int, reg: RegState, arg: ArgType, *, helper_id: int, btf_name: str
) -> None:
    """check_reg_type(): the register's type is one the argument kind accepts; a pointer to a
    kernel struct must be one to the struct the argument names (``btf_name``, the prototype's
    arg_btf_id) and, as memory, may only be read."""
    allowed = _COMPATIBLE.get(arg.base)
    if allowed is None:
        return
    flags = reg.flags & ~TypeFlag.MEM_RDONLY if arg.readonly else reg.flags
    if arg.maybe_null:
        flags &= ~TypeFlag.PTR_MAYBE_NULL
    if helper_id == _KPTR_XCHG and regno == 2:  # a local kptr may be handed to bpf_kptr_xchg
        flags &= ~(TypeFlag.MEM_ALLOC | TypeFlag.MEM_PERCPU)
    if arg.base in (ArgBase.PTR_TO_MEM, ArgBase.PTR_TO_FIXED_SIZE_MEM):
        flags &= ~_PKT_SLICE  # a packet dynptr's slice is memory like any other
    if (reg.type, flags) not in allowed:
        expected = ", ".join(type_str(t, f) for t, f in allowed)
        w.fail(errno.EACCES, f"R{regno} type={reg.type_name()} expected={expected}")
    if reg.type is not RegType.PTR_TO_BTF_ID:
        return
    if allowed == _MEM_TYPES:  # (by value: mypyc boxes a fixed-length tuple anew at each use)
        if not arg.readonly:
            name = func_id_name(helper_id)
            w.fail(errno.EACCES, f"{name}() may write into memory pointed by R{regno} type={reg.type_name()}")
        return
    if reg.flags & (TypeFlag.MEM_ALLOC | TypeFlag.MEM_PERCPU):
        return  # checked by the helper's own rules (kptrs, per-cpu pointers)
    if reg.maybe_null and (not arg.maybe_null or arg.release):
        w.fail(errno.EACCES, f"Possibly NULL pointer passed to helper arg{regno}")
    if helper_id == _KPTR_XCHG:
        return  # map_kptr_match_type(): the kptr field's type, not a fixed one
    _check_btf_struct(
        w, regno, reg, btf_name or _SOCK_COMMON_STRUCT, strict=arg.release and helper_id != _SK_RELEASE
    )


def _check_btf_struct(w: Walker, regno: int, reg: RegState, want_name: str, *, strict: bool) -> None:
    """btf_struct_ids_match() in check_reg_type(): the pointer is one to ``want_name``, or to a
    struct that holds it at the pointer's offset (``strict``: exactly that struct, at offset 0).
    A pointer whose kernel type pybpf does not know is not checked."""
    have, want = reg.map, kernel_btf.kernel_struct(want_name)
    if not isinstance(have, kernel_btf.KernelType) or want is None:
        return
    if not kernel_btf.struct_ids_match(have, reg.off, want, strict=strict, log=w.env.log.line):
        w.fail(errno.EACCES, f"R{regno} is of type {have.name} but {want.name} is expected")


def _mem_access(arg: ArgType) -> int:
    """The access a memory argument makes: the helper writes it only with MEM_WRITE."""
    return mem.BPF_WRITE if ArgFlag.MEM_WRITE in arg.flags else mem.BPF_READ


def _check_timer(w: Walker, regno: int, reg: RegState) -> None:
    """process_timer_func() (``timer``)."""
    timer.process_timer_func(w, regno, reg, has_btf=references.has_btf(reg.map))


def _lookup_cannot_fail(helper_id: int, map_ref: object, key: int | None) -> bool:
    """can_elide_value_nullness() (Linux 6.13+): an array lookup with a constant key in range.  Not
    for an array created with BPF_F_INNER_MAP (its siblings in a map of maps may be shorter)."""
    if helper_id != HELPER_IDS["bpf_map_lookup_elem"] or key is None or map_ref is None:
        return False
    if map_attr(map_ref, "map_type", None) not in (BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY):
        return False
    if int(map_attr(map_ref, "map_flags", 0)) & BPF_F_INNER_MAP:
        return False
    return key < int(map_attr(map_ref, "max_entries", 0))


def _check_mem_size(w: Walker, regno: int, mem_arg: ArgType, size_arg: ArgType) -> None:
    """check_mem_size_reg(): the size register bounds the memory argument before it."""
    reg = w.state.cur.regs[regno]
    zero_ok = size_arg.base is not ArgBase.CONST_SIZE
    if reg.smin < 0:
        w.fail(errno.EACCES, f"R{regno} min value is negative, either use unsigned or 'var &= const'")
    if reg.umin == 0 and not zero_ok:
        w.fail(errno.EACCES, f"R{regno} invalid zero-sized read: u64=[{reg.smin},{reg.umax}]")
    if reg.umax >= BPF_MAX_VAR_OFF:
        w.fail(errno.EACCES, f"R{regno} unbounded memory access, use 'var &= const' or 'if (var < const)'")
    access = _mem_access(mem_arg)
    # a NULL memory argument passes only with a size that is 0 (helper_mem_access() decides)
    mem.helper_mem_access(
        w,
        regno - 1,
        reg.umax,
        access,
        zero_ok=zero_ok,
        clobber=access == mem.BPF_WRITE,
        const_size=tnum.is_const(reg.var_off),
        raw=mem_arg.uninit,
    )
    w.mark_chain_precision(regno)  # the size's value was relied on
