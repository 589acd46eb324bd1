"""Callbacks: helpers that call one of the program's subprograms, verified as the kernel does.

Mirrors kernel/bpf/verifier.c (Linux 6.18): push_callback_call(), setup_func_entry() with the
set_*_callback_state() functions and the callback part of prepare_func_exit() (with its call of
widen_imprecise_scalars(), in ``prune``).

A synchronous callback (bpf_loop, bpf_for_each_map_elem, bpf_find_vma, bpf_user_ringbuf_drain) may
run any number of times, zero included.  At the helper call the verifier pushes a path that enters
the callback in a new frame (its argument registers typed per helper, its return range [0, 1])
and goes on after the call as if the callback never ran.  The callback's exit checks r0 ("R0 not a
scalar value", then marks it precise, "At callback return the register R0 has ... should have been
in [0, 1]") and
returns to the helper call itself (not after it), which is then checked again and pushes the
callback once more: each round trip is one more possible call.  The call instruction is a forced
checkpoint, so a round trip that brings nothing new is pruned against the state of an earlier one
(``prune``: RANGE_WITHIN against an ancestor still being explored, the path kept as a back-edge of
the loop visit to carry that state's precision marks once the visit ends).  To get there, the
scalars of the returning state that differ from that earlier state are widened to unknown
(``prune.widen_imprecise_scalars``), except those a later path relied on exactly: a scalar precise
in either state (its precision mark, ``pybpf.verifier.precision``) keeps its value.  bpf_loop stops
pushing once it has entered the callback as many times as its r1 may
ask for ("frame%d bpf_loop iteration limit reached" at log level 2); its flags, while every visit
passed a known 0 and the same callback, are relied on exactly (update_loop_inline_state(): the
kernel inlines such a call).

An asynchronous callback (bpf_timer_set_callback; the kfuncs bpf_wq_set_callback_impl and
bpf_task_work_schedule_*_impl, ``async_work``) runs later on its own: it is pushed as a path of its
own whose only frame is the callback (r1 the map, r2 its key, r3 its value), ending like a program
with r0 in its range ("At async callback return ...": [0, 0], a task work callback's any s32).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING

from pybpf.isa.opcodes import MAX_CALL_FRAMES
from pybpf.uapi import (
    BPF_MAP_TYPE_ARRAY,
    BPF_MAP_TYPE_HASH,
    BPF_MAP_TYPE_LRU_HASH,
    BPF_MAP_TYPE_LRU_PERCPU_HASH,
    BPF_MAP_TYPE_PERCPU_ARRAY,
    BPF_MAP_TYPE_PERCPU_HASH,
    ENOTSUPP,
)
from pybpf.verifier import bounds, kernel_btf, prune
from pybpf.verifier.dynptr import LOCAL as DYNPTR_LOCAL
from pybpf.verifier.dynptr import dynptr_slot
from pybpf.verifier.helpers import FIND_VMA, FOR_EACH_MAP_ELEM, LOOP, TIMER_SET_CALLBACK
from pybpf.verifier.regstate import RegState, is_null, map_attr
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.state import FuncFrame, PathState, VerifierState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

_FOR_EACH_MAPS = frozenset({
    BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH,
    BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY,
})  # fmt: skip
"""Map types with ``map_set_for_each_callback_args`` (the others: "callback function not allowed for map")."""

SYNC_RET_RANGE: tuple[int, int] = (0, 1)
ASYNC_RET_RANGE: tuple[int, int] = (0, 0)


def _known_zero_pointer(reg: RegState, reg_type: RegType, map_ref: object) -> None:
    reg.mark_pointer(reg_type)
    reg.map = map_ref


def _set_callee_state(w: Walker, helper_id: int, caller: FuncFrame, callee: FuncFrame) -> None:
    """set_{loop,map_elem,find_vma,user_ringbuf}_callback_state(): a synchronous callback's r1-r5."""
    cr, regs = caller.regs, callee.regs
    if helper_id == LOOP:  # callback_fn(u64 index, void *ctx)
        regs[1].mark_unknown()
        regs[2].copy_from(cr[3])
    elif helper_id == FOR_EACH_MAP_ELEM:  # callback_fn(map, key, value, ctx)
        map_ref = cr[1].map
        if map_attr(map_ref, "map_type", None) not in _FOR_EACH_MAPS:
            w.fail(ENOTSUPP, "callback function not allowed for map")
        regs[1].copy_from(cr[1])
        _known_zero_pointer(regs[2], RegType.PTR_TO_MAP_KEY, map_ref)
        _known_zero_pointer(regs[3], RegType.PTR_TO_MAP_VALUE, map_ref)
        regs[3].id = w.new_id()  # as the kernel's log shows (Linux 6.18): a fresh id per entry
        regs[4].copy_from(cr[3])
    elif helper_id == FIND_VMA:  # callback_fn(task, vma, ctx)
        regs[1].copy_from(cr[1])
        _known_zero_pointer(regs[2], RegType.PTR_TO_BTF_ID, kernel_btf.kernel_struct("vm_area_struct"))
        regs[3].copy_from(cr[4])
    else:  # bpf_user_ringbuf_drain: callback_fn(const struct bpf_dynptr *dynptr, void *ctx)
        regs[1].mark_pointer(RegType.CONST_PTR_TO_DYNPTR)  # __mark_dynptr_reg(): a LOCAL dynptr, a new id
        regs[1].map = dynptr_slot(DYNPTR_LOCAL, True)
        regs[1].id = w.new_id()
        regs[2].copy_from(cr[3])
    callee.callback_ret = SYNC_RET_RANGE


def _set_async_state(w: Walker, callee: FuncFrame, map_ref: object, ret_range: tuple[int, int]) -> None:
    """set_timer_callback_state() / set_task_work_schedule_callback_state(): callback_fn(map, key,
    value) of the map holding the timer, workqueue or task work, returning within ``ret_range``."""
    regs = callee.regs
    _known_zero_pointer(regs[1], RegType.CONST_PTR_TO_MAP, map_ref)
    _known_zero_pointer(regs[2], RegType.PTR_TO_MAP_KEY, map_ref)
    _known_zero_pointer(regs[3], RegType.PTR_TO_MAP_VALUE, map_ref)
    regs[3].id = w.new_id()
    callee.callback_ret = ret_range


def push_async_callback(w: Walker, subprog: int, map_ref: object, ret_range: tuple[int, int]) -> None:
    """push_callback_call() of an asynchronous callback (push_async_cb()): a path of its own whose
    only frame is the callback, called with the map, key and value of ``map_ref``."""
    w.env.async_callbacks.add(subprog)
    callee = FuncFrame(0, subprog, w.insn_idx)
    _set_async_state(w, callee, map_ref, ret_range)
    w.push_path(w.env.subprogs[subprog], PathState([callee]))
    w.print_all = True  # init_func_state() marks the whole state scratched


def push_callback_call(
    w: Walker, helper_id: int, subprog: int, set_state: Callable[[FuncFrame], None] | None = None
) -> None:
    """push_callback_call(): explore ``subprog`` as the callback of the helper call being checked
    (``set_state``: a kfunc's set_*_callback_state(), for its synchronous callback; ``helper_id`` -1)."""
    state = w.state
    caller = state.cur
    start = w.env.subprogs[subprog]
    w.env.callbacks.add(subprog)  # subprog_info[].is_cb
    if helper_id == TIMER_SET_CALLBACK:  # push_async_cb(): a path of its own
        push_async_callback(w, subprog, caller.regs[1].map, ASYNC_RET_RANGE)
        return
    if helper_id == LOOP and caller.callback_depth >= caller.regs[1].umax:
        caller.callback_depth = 0
        if w.trace:
            w.env.log.line(f"frame{state.curframe} bpf_loop iteration limit reached")
        return
    if state.curframe + 1 >= MAX_CALL_FRAMES:  # setup_func_entry()
        w.fail(errno.E2BIG, f"the call stack of {state.curframe + 2} frames is too deep")
    pushed = w.push_branch(start)
    callee = FuncFrame(state.curframe + 1, subprog, w.insn_idx)
    if set_state is None:
        _set_callee_state(w, helper_id, pushed.cur, callee)
    else:
        set_state(callee)
        callee.callback_ret = SYNC_RET_RANGE
    pushed.cur.callback_depth += 1
    pushed.frames.append(callee)
    caller.callback_depth = 0
    w.print_all = True  # init_func_state() marks the whole state scratched


def update_loop_inline_state(w: Walker, subprog: int) -> None:
    """update_loop_inline_state(): a bpf_loop call stays fit for inlining while every visit passes
    the same callback and flags known to be 0 (loop_flag_is_zero(), which relies on r4's zero
    exactly: a precision mark)."""
    facts = w.facts()
    state = facts.loop_inline
    if state is not None and not state[0]:
        return
    r4 = w.state.cur.regs[4]
    flags_zero = is_null(r4)
    if flags_zero:
        w.mark_chain_precision(4)
    facts.loop_inline = (flags_zero and (state is None or state[1] == subprog), subprog)


INLINED_LOOP_STACK = 3 * 8
"""inline_bpf_loop(): the stack the inlined loop keeps r6-r8 in, below the subprogram's own."""


def inlined_loop_stack_depths(state: VerifierState, depths: list[int]) -> list[int]:
    """optimize_bpf_loop()'s stack depths (the first rewrite after a successful walk, before the
    log's statistics): a subprogram with a bpf_loop call still fit for inlining grows, once however
    many such calls it has, by the three slots of INLINED_LOOP_STACK below its depth rounded up to 8
    bytes (``depths`` already are)."""
    grown = list(depths)
    view = state.view
    for index, facts in state.facts.items():
        if facts.loop_inline is not None and facts.loop_inline[0]:
            subprog = view.subprog_of(view.starts[index])
            grown[subprog] = depths[subprog] + INLINED_LOOP_STACK
    return grown


def check_callback_exit(w: Walker, callee: FuncFrame, ret_range: tuple[int, int]) -> None:
    """prepare_func_exit() for a callback, its frame still the current one: r0 a scalar (relied on
    exactly: a precision mark) within the callback's return range."""
    r0 = callee.regs[0]
    if r0.type is not RegType.SCALAR_VALUE:
        w.fail(errno.EACCES, "R0 not a scalar value")
    w.mark_chain_precision(0)
    if not ret_range[0] <= r0.smin or not r0.smax <= ret_range[1]:
        w.fail(errno.EINVAL, invalid_scalar(r0, ret_range, "At callback return"))


def invalid_scalar(reg: RegState, ret_range: tuple[int, int], where: str, regname: str = "R0") -> str:
    """verbose_invalid_scalar(): ``At ... the register R0 has smin=.. smax=.. should have been in
    [a, b]``."""
    text = f"{where} the register {regname} has"
    known = False
    if reg.smin > bounds.S64_MIN:
        text += f" smin={reg.smin}"
        known = True
    if reg.smax < bounds.S64_MAX:
        text += f" smax={reg.smax}"
        known = True
    if not known:
        text += " unknown scalar value"
    return text + f" should have been in [{ret_range[0]}, {ret_range[1]}]"


def widen_after_return(w: Walker, callsite: int) -> None:
    """prepare_func_exit() of a callback returning to its helper call at ``callsite``: the scalars
    that differ from the path's previous state there (find_prev_entry()) are widened
    (``prune.widen_imprecise_scalars``), so that the round trips converge."""
    prev = prune.find_prev_entry(w, callsite)
    if prev is not None:
        prune.widen_imprecise_scalars(prev.state, w.state)
