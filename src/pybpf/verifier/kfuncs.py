"""Kernel function (kfunc) calls: ``call`` with src BPF_PSEUDO_KFUNC_CALL, imm = a FUNC's BTF id.

Mirrors kernel/bpf/verifier.c of Linux 6.18:

* add_kfunc_call() (from add_subprog_and_kfunc(), before anything else is checked): a non-GPL
  program may call no kfunc ("cannot call kernel function from non-GPL compatible program"); a call
  with imm 0 and off 0 is left for later; a module BTF (off != 0) is not modelled ("kfunc offset >
  0 without fd_array is invalid" (EPROTO), "negative offset disallowed for kernel module function
  call", then "failed to find BTF for kernel function"); imm must name a FUNC of the kernel's BTF
  (``pybpf.kfuncs.kernel_btf``: "kernel btf_id %u is not a function");
* check_kfunc_call() in do_check: a call with imm 0 changes nothing (fixup_kfunc_call() refuses it
  later when it was reached: "invalid kernel function call not eliminated in verifier pass"); a
  function outside the program type's kfunc sets is "calling kernel function %s is not allowed"
  (EACCES) — pybpf's sets are the kfuncs it implements (``pybpf.kfuncs.table``), so a kernel kfunc
  it lacks is refused this way too; no call while a spin lock is held but of the graph and numeric
  iterator kfuncs (kfunc_spin_allowed(): "function calls are not allowed while holding a lock"); a
  sleepable kfunc needs a sleepable program ("program must be sleepable to call sleepable kfunc
  %s"); then check_kfunc_args(): a scalar parameter takes a scalar ("R%d is not a scalar"), a
  pointer parameter no NULL ("Possibly NULL pointer passed to trusted arg%d": Linux 6.18 treats
  every kfunc's arguments as trusted, but an ``__opt`` memory may be NULL), an iterator parameter
  goes to process_iter_arg() (``iterators``), a ``struct`` pointer to ``kfunc_objects`` (trusted,
  RCU and referenced kernel objects: acquire and release kfuncs), a program-allocated object and a
  ``__k`` constant to ``alloc_obj`` (bpf_obj_new_impl, bpf_obj_drop_impl), a list head or node to
  ``graph`` (the list kfuncs); a context one must be the unmodified context
  (check_func_arg_reg_off(): "dereference of modified ctx ptr R%d off=%d disallowed", then "arg#%d
  expected pointer to ctx, but got %s") -- unless the program type's context is another struct
  (btf_is_prog_ctx_type(), ``globals.CTX_TYPE_NAMES``: NETFILTER's bpf_nf_ctx), where the parameter
  takes a trusted pointer to the kernel struct it projects (``__sk_buff``: ``sk_buff``,
  ``kfunc_objects.check_projection_arg``); a
  dynptr one goes to process_dynptr_func() (``dynptr``); an ``__opt`` memory with its ``__szk``
  size is check_kfunc_mem_size_reg()'s (unless NULL: the size's bytes readable and writable, else
  "arg#%d arg#%d memory, len pair leads to invalid memory access") and the size must be a constant
  ("R%d must be a known constant"), a memory with a ``__sz`` size (bpf_cpumask_populate) is checked
  the same way, never NULL, its size any scalar; r0-r5 are clobbered, r0 becomes the return value (an unknown
  scalar, or for a pointer to a scalar PTR_TO_MEM | MEM_RDONLY of its size carrying the iterator's
  reference, for bpf_dynptr_slice a read-only PTR_TO_MEM of the constant size with the dynptr's
  type flag, ``_or_null`` with a new id under KF_RET_NULL); the kernel this corpus was recorded on
  (6.18.44) refuses bpf_dynptr_slice_rdwr once its arguments pass ("%s() is not allowed", EPERM:
  a slice may be the stack buffer, see ``dynptr``); an iter_next call then forks
  (process_iter_next_call()); bpf_rcu_read_lock/unlock open and close the RCU read-side region
  ("nested rcu read lock (kernel function %s)", "unmatched rcu read unlock (kernel function %s)"),
  bpf_preempt_disable/enable count non-preemptible regions ("unmatched attempt to enable
  preemption (kernel function %s)"); ``references.check_resource_leak`` refuses an exit inside
  either, and bpf_rcu_read_unlock makes the RCU pointers untrusted (``btf_ptrs``); a ``__k``
  argument must be a known constant ("R%d must be a known constant", its value relied on exactly),
  an ``__ign`` one is not checked; bpf_cast_to_kern_ctx and bpf_rdonly_cast type r0 as
  ``btf_ptrs`` says; an ``__irq_flag`` argument saves or restores an IRQ flag (``irq``: the
  IRQ-disabled regions of bpf_local_irq_save/restore, in which no sleepable kfunc may be called; a
  helper that might sleep inside any of the three regions is check_helper_call()'s refusal, a global
  function that might sleep check_func_call()'s: ``irq``, ``globals``);
* check_kfunc_args() also: a ``__nullable`` pointer may be NULL (KF_ARG_PTR_TO_NULL, the NULL
  relied on exactly), a referenced maybe-NULL one it lets by is then "arg#%d is %s expected %s or
  socket"; a workqueue or task work argument, the map after it and the asynchronous callback of
  bpf_wq_set_callback_impl / bpf_task_work_schedule_*_impl are ``async_work``'s; a KF_RCU_PROTECTED
  kfunc (bpf_iter_task_new, bpf_iter_css_new) outside an RCU section is "kernel func %s requires
  RCU critical section protection" (EACCES, once its arguments passed);
* check_cfg(): every iter_next call is a forced checkpoint (``iter_next_slots``), every call of a
  kfunc with an asynchronous callback a prune point (``async_callback_kfunc_slots``);
* specialize_kfunc() (fixup_kfunc_call()): where the program type may not write the packet,
  bpf_dynptr_from_skb calls become calls of bpf_dynptr_from_skb_rdonly (read-only dynptrs).

The log prints a kfunc call as ``call <name>#<BTF id>`` (disasm_kfunc_name()).
"""

from __future__ import annotations

import dataclasses
import errno
from collections.abc import Callable
from typing import TYPE_CHECKING

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import CALL_OPCODE
from pybpf.kfuncs import trap
from pybpf.kfuncs.async_work import ASYNC_CALLBACK_KFUNCS
from pybpf.kfuncs.exceptions import THROW
from pybpf.kfuncs.iter_kernel import CSS_TASK_NEW
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.kfuncs.proto import ArgKind, KfFlag, KFunc, RetKind
from pybpf.kfuncs.table import (
    DYNPTR_CLONE,
    DYNPTR_FROM_SKB,
    DYNPTR_FROM_SKB_RDONLY,
    DYNPTR_SLICE_RDWR,
    ITER_STATE_SIZES,
    PREEMPT_DISABLE,
    PREEMPT_ENABLE,
    RBTREE_ADD,
    RCU_READ_LOCK,
    RCU_READ_UNLOCK,
    SPIN_ALLOWED,
)
from pybpf.kfuncs.xdp_meta import PULL_DATA
from pybpf.uapi import BPF_DW, BPF_LDX, BPF_MEM
from pybpf.verifier import (
    alloc_obj,
    async_work,
    btf_ptrs,
    callbacks,
    dynptr,
    exceptions,
    graph,
    irq,
    iterators,
    kfunc_mem,
    kfunc_objects,
    patch,
    references,
    res_lock,
    tnum,
    xdp_kfuncs,
)
from pybpf.verifier.checks import call, mem
from pybpf.verifier.const_str import kfunc_const_str
from pybpf.verifier.globals import CTX_TYPE_NAMES
from pybpf.verifier.kptrs import LocalType
from pybpf.verifier.regstate import RegState, StackBuffer, is_null
from pybpf.verifier.regtypes import RegType, TypeFlag, type_str
from pybpf.verifier.state import VerifierState, in_sleepable

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


_MAP_POINTERS = frozenset({RegType.CONST_PTR_TO_MAP, RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MAP_KEY})
"""The register types that carry a map (``reg->map_ptr``), which a ``__map`` argument needs."""


def is_kfunc_call(insn: Instruction) -> bool:
    return insn.opcode == CALL_OPCODE and insn.src == op.BPF_PSEUDO_KFUNC_CALL


def add_kfunc_call(state: VerifierState, insn: Instruction) -> None:
    """add_kfunc_call(): what the kernel refuses about a kfunc call before walking the program."""
    if not state.request.gpl_compatible:
        state.einval("cannot call kernel function from non-GPL compatible program")
    if insn.imm == 0 and insn.off == 0:
        return  # refused later if reached (fixup_kfunc_call())
    if insn.off:
        err = errno.EINVAL
        if insn.off < 0:
            state.log.line("negative offset disallowed for kernel module function call")
        elif state.request.fd_array is None:
            state.log.line("kfunc offset > 0 without fd_array is invalid")
            err = errno.EPROTO
        state.fail(err, "failed to find BTF for kernel function")
    name = kernel_btf().func_name(insn.imm & 0xFFFFFFFF)
    if name is None:
        state.einval(f"kernel btf_id {insn.imm & 0xFFFFFFFF} is not a function")
    xdp_kfuncs.check_dev_bound(state, name)


def kfunc_name(imm: int) -> str | None:
    """disasm_kfunc_name(): the name the log prints for kfunc ``imm`` ("" for id 0, void's; None:
    no function)."""
    return kernel_btf().func_name(imm & 0xFFFFFFFF) if imm else ""


def _kfunc_slots(state: VerifierState, wanted: Callable[[KFunc], bool]) -> frozenset[int]:
    """The slots of the calls of vmlinux kfuncs that are ``wanted``."""
    slots = set()
    kbtf = None
    for slot, insn in zip(state.view.starts, state.view.insns, strict=True):
        if is_kfunc_call(insn) and insn.imm and not insn.off:
            kbtf = kbtf or kernel_btf()
            kfunc = kbtf.kfunc(insn.imm)
            if kfunc is not None and wanted(kfunc):
                slots.add(slot)
    return frozenset(slots)


def iter_next_slots(state: VerifierState) -> frozenset[int]:
    """The slots of iter_next kfunc calls (check_cfg() forces a checkpoint at each)."""
    return _kfunc_slots(state, lambda kfunc: bool(kfunc.flags & KfFlag.ITER_NEXT))


def async_callback_kfunc_slots(state: VerifierState) -> frozenset[int]:
    """The slots of the calls of kfuncs with an asynchronous callback (is_async_callback_calling_insn():
    check_cfg() makes each a prune point)."""
    return _kfunc_slots(state, lambda kfunc: kfunc.name in ASYNC_CALLBACK_KFUNCS)


def callback_kfunc_slots(state: VerifierState) -> frozenset[int]:
    """The slots of the calls of callback-calling kfuncs (is_sync_callback_calling_kfunc():
    bpf_rbtree_add_impl): check_cfg() makes each a forced checkpoint, a prune and a jump point."""
    return _kfunc_slots(state, lambda kfunc: kfunc.name == RBTREE_ADD)


def check_kfunc_call(w: Walker, insn: Instruction) -> None:
    """check_kfunc_call() of the kfunc call at the current instruction."""
    env = w.env
    state = w.state
    if references.active_lock(state) is not None and not _spin_allowed(insn):
        w.fail(errno.EINVAL, "function calls are not allowed while holding a lock")
    if not insn.imm:
        w.facts()  # reached: fixup_kfunc_call() refuses it (``refuse_reached_zero_calls``)
        w.scratch_reg(0)  # (do_check_insn() marks r0 scratched after every call)
        return
    kbtf = kernel_btf()
    btf_id = insn.imm & 0xFFFFFFFF
    kfunc = kbtf.kfunc(btf_id)
    prog_type = env.request.prog_type.prog_type
    if kfunc is None or not kfunc.allowed(prog_type, env.request.expected_attach_type):
        w.fail(errno.EACCES, f"calling kernel function {kbtf.func_name(btf_id)} is not allowed")
    if kfunc.name == trap.BPF_TRAP:  # a trap the program reaches (a call in dead code loads)
        w.fail(errno.EFAULT, trap.TRAP_MESSAGE)
    if kfunc.flags & KfFlag.SLEEPABLE and not in_sleepable(env, state):
        w.fail(errno.EACCES, f"program must be sleepable to call sleepable kfunc {kfunc.name}")
    res_lock.fork_failure(w, kfunc.name)
    regs = state.cur.regs
    iter_at: iterators.IterArg | None = None
    ref_obj_id = released = 0
    dynptr_arg: dynptr.InitializedDynptr | None = None
    slice_buffer: StackBuffer | None = None
    const_size: int | None = None
    constant = 0  # the value of a ``__k`` argument
    graph_root: graph.GraphRoot | None = None
    list_node_ref = 0
    callback = -1  # a callback argument's subprogram (meta->subprogno)
    field_map: object = None  # the map of a workqueue or task work argument (meta->map.ptr)
    refcounted: tuple[LocalType, bool] | None = None
    for i, arg in enumerate(kfunc.args):  # check_kfunc_args()
        regno = i + 1
        reg = regs[regno]
        if arg.kind in (ArgKind.CONST_SIZE, ArgKind.SIZE, ArgKind.IGNORED, ArgKind.PROG):
            continue  # checked with the memory before it / not checked
        if arg.kind in (ArgKind.SCALAR, ArgKind.CONSTANT):
            if reg.type is not RegType.SCALAR_VALUE:
                w.fail(errno.EINVAL, f"R{regno} is not a scalar")
            if arg.kind is ArgKind.CONSTANT:
                if not tnum.is_const(reg.var_off):
                    w.fail(errno.EINVAL, f"R{regno} must be a known constant")
                w.mark_chain_precision(regno)
                constant = reg.var_off.value
            continue
        nullable = arg.name.endswith("__nullable")
        if nullable and is_null(reg):  # KF_ARG_PTR_TO_NULL: a ``__nullable`` argument may be NULL
            w.mark_chain_precision(regno)  # (relied on exactly, as the kernel's log shows)
            continue
        if arg.kind is not ArgKind.MEM_OPT and not nullable and (is_null(reg) or reg.maybe_null):
            w.fail(errno.EACCES, f"Possibly NULL pointer passed to trusted arg{i}")
        if reg.ref_obj_id:
            ref_obj_id = reg.ref_obj_id
        if arg.kind is ArgKind.BTF_ID:
            if not kfunc_mem.check_memory_arg(w, kfunc, i, arg):  # a struct of scalars may be memory
                _check_unsafe_modifiers(w, i, reg)
                released = kfunc_objects.check_btf_arg(w, kfunc, i, arg) or released
            continue
        if arg.kind is ArgKind.CTX and arg.struct not in ("", CTX_TYPE_NAMES.get(prog_type, arg.struct)):
            kfunc_objects.check_projection_arg(w, kfunc, i, arg)  # not this type's ctx: a kernel object
            continue
        if arg.kind is ArgKind.ALLOC_OBJ:
            released = alloc_obj.check_alloc_arg(w, kfunc, i, regno) or released
            continue
        if arg.kind is ArgKind.MAP:  # KF_ARG_PTR_TO_MAP: a map (reg->map_ptr), trusted: CONST_PTR_TO_MAP
            if reg.type not in _MAP_POINTERS:
                w.fail(errno.EINVAL, f"pointer in R{regno} isn't map pointer")
            async_work.check_map_arg(w, field_map, regno)
            if reg.type is not RegType.CONST_PTR_TO_MAP:
                w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
            mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=False)
            continue
        if arg.kind is ArgKind.CONST_STR:
            kfunc_const_str(w, i, regno, reg)
            continue
        if arg.kind is not ArgKind.ITER:
            mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=False)
        if arg.kind in (ArgKind.LIST_HEAD, ArgKind.RB_ROOT):
            kind = graph.LIST_HEAD if arg.kind is ArgKind.LIST_HEAD else graph.RB_ROOT
            graph_root = graph.check_root_arg(w, i, regno, kind)
            continue
        if arg.kind in (ArgKind.LIST_NODE, ArgKind.RB_NODE):
            graph.check_node_arg(w, kfunc, i, regno, graph_root)
            if arg.kind is ArgKind.LIST_NODE or kfunc.name == RBTREE_ADD:
                list_node_ref = reg.ref_obj_id  # inserted: the node's reference becomes non-owning
            continue
        if arg.kind in (ArgKind.WORKQUEUE, ArgKind.TASK_WORK):
            field_map = async_work.check_field_arg(w, i, arg)
            continue
        if arg.kind is ArgKind.CALLBACK:
            callback = graph.check_callback_arg(w, i, regno)
            continue
        if arg.kind is ArgKind.IRQ_FLAG:
            irq.process_irq_flag_arg(w, kfunc.name, i, regno)
            continue
        if arg.kind is ArgKind.RES_SPIN_LOCK:
            res_lock.process_arg(w, kfunc.name, i, regno)
            continue
        if arg.kind is ArgKind.REFCOUNTED:
            refcounted = graph.check_refcounted_arg(w, i, regno)
            continue
        if arg.kind is ArgKind.CTX:
            if reg.type is not RegType.PTR_TO_CTX:
                w.fail(errno.EINVAL, f"arg#{i} expected pointer to ctx, but got {reg.type_name()}")
            continue
        if arg.kind in (ArgKind.DYNPTR, ArgKind.DYNPTR_UNINIT):
            uninit = arg.kind is ArgKind.DYNPTR_UNINIT
            source = dynptr_arg if uninit and kfunc.name == DYNPTR_CLONE else None
            found = dynptr.process_kfunc_dynptr(
                w, regno, reg, uninit=uninit, name=kfunc.dynptr_type, source=source
            )
            dynptr_arg = found or dynptr_arg
            continue
        if arg.kind is ArgKind.MEM:
            kfunc_mem.check_mem_arg(w, regno, arg.size)
            continue
        if arg.kind is ArgKind.MEM_SIZED:
            kfunc_mem.check_mem_sized_arg(w, kfunc, i, arg)
            continue
        if arg.kind is ArgKind.MEM_OPT:
            const_size = _mem_size_arg(w, i, regno)
            slice_buffer = dynptr.stack_buffer(reg, const_size)
            continue
        name = kfunc.iter_type
        struct_id = kbtf.iter_struct_id(name)
        if kfunc.name == CSS_TASK_NEW:
            iterators.check_css_task_allowed(w)
        iter_at = iterators.process_iter_arg(
            w,
            regno,
            name,
            struct_id,
            ITER_STATE_SIZES[name],
            new=bool(kfunc.flags & KfFlag.ITER_NEW),
            destroy=bool(kfunc.flags & KfFlag.ITER_DESTROY),
            func_name=kfunc.name,
            rcu_protected=bool(kfunc.flags & KfFlag.RCU_PROTECTED),
        )
        if iter_at is not None:
            ref_obj_id = iter_at.ref_obj_id
    if kfunc.name in ASYNC_CALLBACK_KFUNCS:  # its callback verified as an asynchronous one
        async_work.push_callback(w, kfunc, btf_id, callback, field_map)
    if kfunc.name == RBTREE_ADD:  # its less() verified as a synchronous callback
        root = graph_root
        assert root is not None
        callbacks.push_callback_call(
            w, -1, callback, lambda callee: graph.set_rbtree_add_callback_state(w, root, callee)
        )
    if kfunc.flags & KfFlag.RCU_PROTECTED and not references.in_rcu_cs(w):
        w.fail(errno.EACCES, f"kernel func {kfunc.name} requires RCU critical section protection")
    if kfunc.flags & KfFlag.RELEASE:
        kfunc_objects.release(w, kfunc, btf_id, released)
    if list_node_ref:  # a push or add: the node now belongs to the list or tree
        graph.convert_owning_non_owning(w, kfunc, list_node_ref, btf_id)
    if kfunc.name == DYNPTR_SLICE_RDWR:
        # Linux 6.18 as the kernel this corpus was recorded on builds it refuses every writable
        # slice once its arguments are checked (a slice may be the stack buffer it was given)
        w.fail(errno.EPERM, f"{kfunc.name}() is not allowed")
    _regions(w, kfunc)
    if kfunc.name == PULL_DATA:  # is_kfunc_pkt_changing()
        call.clear_all_pkt_pointers(state, w.env.allow_ptr_leaks)
    if kfunc.name == THROW:
        exceptions.check_throw_cookie(w)
    for regno in range(6):
        regs[regno].mark_not_init()
        w.scratch_reg(regno)
    r0 = regs[0]
    if kfunc.ret is RetKind.SCALAR:
        r0.mark_unknown()
        res_lock.mark_result(w, kfunc.name)
    elif kfunc.ret is RetKind.RDONLY_MEM:
        r0.mark_pointer(RegType.PTR_TO_MEM, TypeFlag.MEM_RDONLY)
        r0.mem_size = kfunc.ret_size
        r0.ref_obj_id = ref_obj_id
    elif kfunc.ret is RetKind.MEM:
        r0.mark_pointer(RegType.PTR_TO_MEM, TypeFlag.NONE)
        r0.mem_size = kfunc.ret_size
    elif kfunc.ret is RetKind.BTF_ID:
        kfunc_objects.mark_result(w, kfunc, r0)
        if kfunc.flags & KfFlag.ITER_NEXT and iter_at is not None:  # a kernel object's iterator
            r0.flags |= iterators.next_result_flag(state, iter_at)
    elif kfunc.ret is RetKind.KERN_CTX:
        btf_ptrs.mark_kern_ctx(w, r0)
    elif kfunc.ret is RetKind.RDONLY_CAST:
        btf_ptrs.mark_rdonly_cast(w, r0, constant)
    elif kfunc.ret is RetKind.NEW_OBJ:
        alloc_obj.mark_new_object(w, kfunc, r0, constant)
    elif kfunc.ret in (RetKind.LIST_NODE, RetKind.RB_NODE):
        assert graph_root is not None
        graph.mark_node_result(w, r0, graph_root, owning=bool(kfunc.flags & KfFlag.ACQUIRE))
    elif kfunc.ret is RetKind.REFCOUNTED:
        assert refcounted is not None
        graph.mark_refcount_result(w, r0, refcounted[0], owning_arg=refcounted[1])
    elif kfunc.ret is RetKind.SLICE:  # PTR_TO_MEM of the dynptr's type, read-only (bpf_dynptr_slice)
        assert dynptr_arg is not None and const_size is not None
        flags = TypeFlag.MEM_RDONLY | dynptr.SLICE_TYPE_FLAGS.get(dynptr_arg.name, TypeFlag.NONE)
        r0.mark_pointer(RegType.PTR_TO_MEM, flags)
        r0.mem_size = const_size
        r0.ref_obj_id = dynptr_arg.ref_obj_id  # a ring buffer record's slice goes with the record
        r0.map = dynptr.slice_of(dynptr_arg.id, slice_buffer)
        if slice_buffer is not None:
            env.stack_buffer_slices = True
    if kfunc.ret in (RetKind.SCALAR, RetKind.RDONLY_MEM, RetKind.SLICE) and kfunc.flags & KfFlag.RET_NULL:
        r0.flags |= TypeFlag.PTR_MAYBE_NULL
        r0.id = w.new_id()
    if kfunc.flags & KfFlag.ITER_NEXT and iter_at is not None:
        iterators.process_iter_next_call(w, iter_at)


def _check_unsafe_modifiers(w: Walker, i: int, reg: RegState) -> None:
    """check_kfunc_args() of KF_ARG_PTR_TO_BTF_ID after the trust check: a trusted PTR_TO_BTF_ID
    (a referenced one) with another flag (PTR_MAYBE_NULL: a ``__nullable`` argument let it by)
    that is not an RCU pointer is "arg#%d is %s expected %s or socket"."""
    if (
        reg.type is RegType.PTR_TO_BTF_ID
        and reg.flags & ~kfunc_objects.TRUSTED_MODIFIERS
        and not reg.flags & TypeFlag.MEM_RCU
        and kfunc_objects.is_trusted(reg)
    ):
        expected = type_str(reg.type, reg.flags & kfunc_objects.TRUSTED_MODIFIERS)
        w.fail(errno.EINVAL, f"arg#{i} is {reg.type_name()} expected {expected} or socket")


def _spin_allowed(insn: Instruction) -> bool:
    """kfunc_spin_allowed(): a kfunc of vmlinux that may be called holding a spin lock."""
    if insn.off or not insn.imm:
        return False
    kfunc = kernel_btf().kfunc(insn.imm)
    return kfunc is not None and kfunc.name in SPIN_ALLOWED


def _mem_size_arg(w: Walker, i: int, regno: int) -> int:
    """check_kfunc_args() of a KF_ARG_PTR_TO_MEM_SIZE pair whose size is ``__szk``: the pair's
    check (``kfunc_mem.check_mem_size_pair``), then the size must be a known constant; its value
    returned (relied on exactly: a precision mark)."""
    kfunc_mem.check_mem_size_pair(w, i, regno)
    size = w.state.cur.regs[regno + 1]
    if not tnum.is_const(size.var_off):
        w.fail(errno.EINVAL, f"R{regno + 1} must be a known constant")
    w.mark_chain_precision(regno + 1)
    return size.var_off.value


def _regions(w: Walker, kfunc: KFunc) -> None:
    """check_kfunc_call(): the RCU read-side region (one at a time) and the non-preemptible
    regions (nested, counted) the call opens or closes; no sleepable kfunc inside either, nor
    inside an IRQ-disabled region (``irq``)."""
    state = w.state
    name = kfunc.name
    sleepable = bool(kfunc.flags & KfFlag.SLEEPABLE)
    if state.active_rcu_lock:
        if name == RCU_READ_LOCK:
            w.fail(errno.EINVAL, f"nested rcu read lock (kernel function {name})")
        elif name == RCU_READ_UNLOCK:
            btf_ptrs.end_rcu_section(state)
            state.active_rcu_lock = False
        elif sleepable:
            w.fail(errno.EACCES, f"kernel func {name} is sleepable within rcu_read_lock region")
    elif name == RCU_READ_LOCK:
        state.active_rcu_lock = True
    elif name == RCU_READ_UNLOCK:
        w.fail(errno.EINVAL, f"unmatched rcu read unlock (kernel function {name})")
    if state.active_preempt_locks:
        if name == PREEMPT_DISABLE:
            state.active_preempt_locks += 1
        elif name == PREEMPT_ENABLE:
            state.active_preempt_locks -= 1
        elif sleepable:
            w.fail(errno.EACCES, f"kernel func {name} is sleepable within non-preemptible region")
    elif name == PREEMPT_DISABLE:
        state.active_preempt_locks = 1
    elif name == PREEMPT_ENABLE:
        w.fail(errno.EINVAL, f"unmatched attempt to enable preemption (kernel function {name})")
    irq.check_sleepable_kfunc(w, name, sleepable)


def refuse_reached_zero_calls(state: VerifierState) -> None:
    """fixup_kfunc_call(): a kfunc call with imm 0 that do_check reached is refused."""
    insns = state.request.insns
    for index in sorted(state.facts):
        if index < len(insns) and is_kfunc_call(insns[index]) and not insns[index].imm:
            state.einval("invalid kernel function call not eliminated in verifier pass")


def fixup_alloc_calls(state: VerifierState) -> None:
    """fixup_kfunc_call() of the program-allocated object kfuncs (``alloc_obj``: their size and
    struct meta put in r1 / r2 before the call) and of the list and tree insertions (``graph``: the
    meta and the node offset in r3 / r4, r4 / r5), and do_misc_fixups() of the bpf_per_cpu_ptr /
    bpf_this_cpu_ptr calls of a per-CPU object (``call_with_percpu_alloc_ptr``: r1 loaded first)."""
    kbtf = None
    patches: dict[int, list[Instruction]] = {}
    for index, insn in enumerate(state.view.insns):
        facts = state.facts.get(index)
        if facts is not None and facts.percpu_alloc_call:  # r1 = *(u64 *)(r1 + 0): the per-CPU pointer
            patches[index] = [Instruction(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, 0, 0), insn]
            continue
        if not is_kfunc_call(insn) or not insn.imm or insn.off:
            continue
        kbtf = kbtf or kernel_btf()
        kfunc = kbtf.kfunc(insn.imm)
        if kfunc is None:
            continue
        replacement = alloc_obj.fixup_call(insn, kfunc, facts)
        if replacement is None:
            replacement = graph.fixup_call(insn, kfunc, facts)
        if replacement is not None:
            patches[index] = replacement
    patch.patch_program(state, patches)


def specialize_kfuncs(state: VerifierState) -> None:
    """specialize_kfunc(): in a program type that may not write the packet
    (may_access_direct_pkt_data(BPF_WRITE) is false), a call of bpf_dynptr_from_skb calls
    bpf_dynptr_from_skb_rdonly, whose dynptr is read-only."""
    if state.request.prog_type.prog_type in mem.PACKET_WRITERS:
        return
    kbtf = kernel_btf()
    from_skb, rdonly = kbtf.func_id(DYNPTR_FROM_SKB), kbtf.func_id(DYNPTR_FROM_SKB_RDONLY)
    if from_skb is None or rdonly is None:
        return
    insns = list(state.view.insns)
    changed = False
    for index, insn in enumerate(insns):
        if is_kfunc_call(insn) and not insn.off and insn.imm & 0xFFFFFFFF == from_skb:
            insns[index] = dataclasses.replace(insn, imm=rdonly)
            changed = True
    if changed:
        state.set_insns(insns)


class KfuncFixupPass:
    name = "fixup_kfunc_call"

    def run(self, state: VerifierState) -> None:
        refuse_reached_zero_calls(state)
        specialize_kfuncs(state)
        fixup_alloc_calls(state)
