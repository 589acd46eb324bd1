"""The ``subprogs`` pass: subprogram discovery and per-subprogram jump ranges.

Mirrors the kernel's add_subprog_and_kfunc() and check_subprogs() (kernel/bpf/verifier.c), which
run first in bpf_check() over the raw 8-byte slots:

* every bpf-to-bpf call (``call pc+N``, src 1) and every ``lddw`` of BPF_PSEUDO_FUNC (src 4) starts
  a subprogram at ``slot + imm + 1``; a target outside the program is "call to invalid destination"
  (EINVAL); more than BPF_MAX_SUBPROGS is "too many subprograms" (E2BIG); with log level 2 each
  subprogram is announced as ``func#N @S``;
* a kfunc call (src 2) names a kernel function by BTF id: add_kfunc_call() (``kfuncs``) refuses
  what the kernel refuses before the walk (a non-GPL program, an id that is no function);
* each jump must land inside its own subprogram ("jump out of range from insn %d to %d"), and the
  last slot of every subprogram must be ``exit`` or ``ja``/``gotol`` ("last insn is not an exit or
  jmp"), so that no subprogram falls through into the next;
* without BTF func_info, subprograms other than the main one may not use LD_ABS/LD_IND or
  bpf_tail_call (check_abnormal_return()).

Call edges, jumps and subprogram boundaries are the program view's (``pybpf.isa.program``); this
pass turns what the kernel refuses about them into its messages, in its order.

After do_check, ``StackDepthPass`` is the kernel's check_max_stack_depth(): the combined stack of
every chain of calls, and the stack below a subprogram that tail calls.
"""

from __future__ import annotations

import errno

from pybpf.isa import opcodes as op
from pybpf.isa.program import CALL_OPCODE, EXIT_OPCODE, GOTOL_OPCODE, JA_OPCODE, Slot
from pybpf.uapi import BPF_MAX_SUBPROGS, MAX_BPF_STACK, BPF_FUNC_tail_call
from pybpf.verifier import exceptions
from pybpf.verifier.bounds import s32
from pybpf.verifier.fastcall import kernel_stack_depths
from pybpf.verifier.kfuncs import add_kfunc_call
from pybpf.verifier.state import VerifierState

_LAST_INSNS = frozenset({EXIT_OPCODE, JA_OPCODE, GOTOL_OPCODE})
"""The codes check_subprogs() accepts as a subprogram's last slot (the code itself, not where it jumps)."""


class SubprogsPass:
    name = "subprogs"

    def run(self, state: VerifierState) -> None:
        add_subprogs(state)
        check_subprogs(state)


_CALLS_NEED_CAP_BPF = (
    "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN"
)


def add_subprogs(state: VerifierState) -> None:
    """add_subprog_and_kfunc(): without CAP_BPF no bpf-to-bpf call, callback or kfunc call (EPERM);
    check kfunc calls (add_kfunc_call()) and refuse call edges leaving the program, in slot order,
    and too many subprograms; then take the view's subprogram starts
    (sorted, 0 first)."""
    view = state.view
    count = view.slot_count
    counted = {0}  # the starts met so far, for the kernel's limit at the moment it is passed
    for slot, insn in zip(view.starts, view.insns, strict=True):
        kfunc = insn.opcode == CALL_OPCODE and insn.src == op.BPF_PSEUDO_KFUNC_CALL
        edge = view.call_edge(slot)
        if not state.bpf_capable and (kfunc or edge is not None):
            state.fail(errno.EPERM, _CALLS_NEED_CAP_BPF)
        if kfunc:
            add_kfunc_call(state, insn)
        if edge is None:
            continue
        if not 0 <= edge.target < count:
            state.einval("call to invalid destination")
        if edge.target in counted:
            continue
        if len(counted) >= BPF_MAX_SUBPROGS:
            state.fail(errno.E2BIG, "too many subprograms")
        counted.add(edge.target)
    exceptions.add_exception_callback(state)
    state.subprogs = list(state.view.subprograms)
    if state.log.level2:
        for n, start in enumerate(state.subprogs):
            state.log.line(f"func#{n} @{start}")


def check_subprogs(state: VerifierState) -> None:
    """check_subprogs(): jumps stay inside their subprogram; no subprogram falls through.

    The kernel walks the slots in order: each jump's target must lie in the jump's subprogram, and
    the last slot of each subprogram must be ``exit``, ``ja`` or ``gotol``.  Then
    check_abnormal_return() (from check_btf_info(), for a load without BTF func_info): a subprogram
    other than the main one may not use LD_ABS/LD_IND or bpf_tail_call.
    """
    view = state.view
    slots = view.slots
    jumps = iter(view.jumps.items())  # in slot order
    jump = next(jumps, None)
    for n in range(len(state.subprogs)):
        within = view.subprog_range(n)
        while jump is not None and jump[0] < within.stop:
            site, target = jump
            if target not in within:
                state.einval(f"jump out of range from insn {site} to {s32(target)}")
            jump = next(jumps, None)
        if slots[within.stop - 1].code not in _LAST_INSNS:
            state.einval("last insn is not an exit or jmp")
    if state.func_info is not None or len(state.subprogs) == 1:
        return  # check_abnormal_return() applies only to loads without BTF func_info
    has_ld_abs, has_tail_call = abnormal_exits(state)
    for n in range(1, len(state.subprogs)):
        if n in has_ld_abs:
            state.einval("LD_ABS is not allowed in subprogs without BTF")
        if n in has_tail_call:
            state.einval("tail_call is not allowed in subprogs without BTF")


def abnormal_exits(state: VerifierState) -> tuple[set[int], set[int]]:
    """check_subprogs()'s ``has_ld_abs`` and ``has_tail_call``: the subprograms that use LD_ABS /
    LD_IND, and those that call bpf_tail_call (each may leave its subprogram without its exit)."""
    view = state.view
    has_ld_abs: set[int] = set()
    has_tail_call: set[int] = set()
    for slot, insn in zip(view.starts, view.insns, strict=True):
        code = insn.opcode
        if code == CALL_OPCODE and insn.src == 0 and insn.imm == BPF_FUNC_tail_call:
            has_tail_call.add(view.subprog_of(slot))
        if code & 0x07 == op.BPF_LD and code & 0xE0 in (op.BPF_ABS, op.BPF_IND):
            has_ld_abs.add(view.subprog_of(slot))
    return has_ld_abs, has_tail_call


TAIL_CALL_STACK_LIMIT = 256
"""A subprogram that tail calls may be entered with at most this much stack below it (32 tail calls
x 256 bytes keep the worst case within 8 KiB)."""


class StackDepthPass:
    name = "check_max_stack_depth"

    def run(self, state: VerifierState) -> None:
        check_max_stack_depth(state)


def round_up_stack_depth(depth: int) -> int:
    """round_up_stack_depth() for a JIT kernel: frames are 16-byte aligned."""
    return (depth + 15) // 16 * 16


def check_max_stack_depth(state: VerifierState) -> None:
    """check_max_stack_depth(): walk the call graph from each asynchronous callback (the
    exception callback among them: the kernel marks it is_async_cb) and from the main program, the
    last subprogram first; a bpf-to-bpf call of the exception callback is refused ("insn %d cannot
    call exception cb directly"); along every chain of bpf-to-bpf calls and callbacks (an ld_imm64 of a
    function counts as a call, except of an asynchronous callback) the frames' stack, each rounded
    up to 16 bytes, must fit in 512 bytes ("combined stack size of %d calls is %d. Too large"), and
    a subprogram that tail calls must not be entered with 256 bytes or more below it ("tail_calls
    are not allowed when call stack of previous frames is %d bytes. Too large"); a subprogram reached
    by a call that tail calls, or calls one that does, may not have a callback among its callers
    ("cannot tail call within callback": the tail call counter is not carried through callbacks;
    measured on Linux 6.18: a tail call made before a callback's chain is walked does not count).

    As in the kernel this looks at every call instruction, reached by the paths or not, with each
    subprogram's deepest stack use found by do_check (less the bpf_fastcall pairs' stack:
    ``fastcall.kernel_stack_depths``).  Private stacks (which the kernel gives some
    tracing programs' subprograms) are not modelled."""
    view = state.view
    slots = view.slots
    count = len(state.subprogs)
    has_tail_call = [False] * count
    for slot, insn in zip(view.starts, view.insns, strict=True):
        if insn.opcode == CALL_OPCODE and insn.src == 0 and insn.imm == BPF_FUNC_tail_call:
            has_tail_call[view.subprog_of(slot)] = True
    depths = kernel_stack_depths(state)
    for entry in reversed(range(count)):  # Linux 6.18 walks the entries last first
        if entry == 0 or entry in state.async_callbacks:
            _walk_stack_depth(state, entry, slots, depths, has_tail_call)


def _walk_stack_depth(
    state: VerifierState,
    entry: int,
    slots: tuple[Slot, ...],
    depths: list[int],
    has_tail_call: list[bool],
) -> None:
    """check_max_stack_depth_subprog(): a depth-first walk of the calls from subprogram ``entry``."""
    view = state.view
    ret_slot: list[int] = []
    ret_prog: list[int] = []
    idx = entry
    slot = state.subprogs[idx]
    depth = 0
    entering = True
    reaches_tail_call: list[bool] = [False]  # per frame of the chain: a tail call below its call
    while True:
        if entering:
            if idx and has_tail_call[idx] and depth >= TAIL_CALL_STACK_LIMIT:
                state.eacces(
                    "tail_calls are not allowed when call stack of previous frames is "
                    f"{depth} bytes. Too large"
                )
            depth += round_up_stack_depth(depths[idx])
            if depth > MAX_BPF_STACK:
                state.eacces(f"combined stack size of {len(ret_slot) + 1} calls is {depth}. Too large")
        entering = False
        end = view.subprog_range(idx).stop
        while slot < end:
            insn = slots[slot]
            if insn.code == CALL_OPCODE and insn.src == op.BPF_PSEUDO_KFUNC_CALL:
                exceptions.check_throw_in_callback(state, slot, idx, ret_prog)
            pseudo_call = insn.code == CALL_OPCODE and insn.src == op.BPF_PSEUDO_CALL
            pseudo_func = insn.code == op.LDDW_OPCODE and insn.src == op.BPF_PSEUDO_FUNC
            if not (pseudo_call or pseudo_func):
                slot += 1
                continue
            target = slot + insn.imm + 1
            callee = view.subprog_of(target)
            if callee in state.async_callbacks and not pseudo_call:
                slot += 1
                continue
            if pseudo_call and callee == state.exception_callback:
                exceptions.refuse_direct_call(state, slot)
            ret_slot.append(slot + 1)
            ret_prog.append(idx)
            reaches_tail_call.append(has_tail_call[callee])
            if len(ret_slot) >= op.MAX_CALL_FRAMES:
                state.fail(errno.E2BIG, f"the call stack of {len(ret_slot)} frames is too deep !")
            idx, slot, entering = callee, target, True
            break
        if entering:
            continue
        if reaches_tail_call[-1] and any(prog in state.callbacks for prog in ret_prog):
            state.einval("cannot tail call within callback")
        if not ret_slot:
            return
        below = reaches_tail_call.pop()
        reaches_tail_call[-1] = reaches_tail_call[-1] or below
        depth -= round_up_stack_depth(depths[idx])
        slot, idx = ret_slot.pop(), ret_prog.pop()
