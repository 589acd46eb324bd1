"""Dead code after verification: removed for a loader with CAP_BPF, made traps for one without.

Mirrors the passes bpf_check() runs right after optimize_bpf_loop() (kernel/bpf/verifier.c, Linux
6.18), on ``VerifierState.seen`` -- the instructions a non-speculative path reached
(``insn_aux_data.seen``, sanitize_mark_insn_seen(); an inlined bpf_loop's instructions inherit the
call's):

* for a loader with CAP_BPF (``env->bpf_capable``):

  - opt_hard_wire_dead_code_branches(): a conditional jump (may_goto included: insn_is_cond_jump())
    whose fall-through was never reached becomes ``goto`` its target, one whose target was never
    reached ``goto +0``;
  - opt_remove_dead_code(): every run of instructions never reached is removed
    (verifier_remove_insns(): the jumps, bpf-to-bpf calls and ``BPF_PSEUDO_FUNC`` lddws across it
    moved as bpf_adj_branches() moves them, a subprogram wholly inside it dropped with its
    func_info record and the starts after it pulled in (adjust_subprog_starts_after_remove()), the
    line_info records on it dropped -- but the last one, which the first instruction after the
    run inherits when it has none of its own: bpf_adj_linfo_after_remove(), here through
    ``VerifierState.slot_map``, see ``pybpf.kernel.prog_load``);
  - opt_remove_nops(): every ``goto +0`` (``BPF_JMP | BPF_JA``, all fields zero) and ``may_goto
    +0`` removed, one at a time in the kernel's order (after a removed may_goto the one before is
    looked at again: ``may_goto +1; may_goto +0`` goes entirely; a ``goto +1`` before a removed
    ``goto +0`` becomes one and stays);

* for a loader without CAP_BPF, sanitize_dead_code(): every slot never reached becomes ``goto -1``
  (a trap, in case a bug ever jumps there); nothing moves.

The per-instruction data moves along, as the kernel's aux data does: the subprogram table and the
per-subprogram facts (stack depths, packet-changing and sleeping flags, unreliable prototypes, the
exception callback), the lddw values by slot, the context accesses to rewrite, ``seen`` itself and
``slot_map`` (a removed slot maps to the slot of the next instruction kept, the end of the program
after the last one).
"""

from __future__ import annotations

import errno

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.verifier.patch import _retarget, patch_program
from pybpf.verifier.state import VerifierState

NOP = Instruction(op.BPF_JMP | op.BPF_JA, 0, 0, 0, 0)
"""``goto +0`` (the kernel's NOP)."""
MAY_GOTO_0 = Instruction(op.BPF_JMP | op.BPF_JCOND, 0, 0, 0, 0)
"""``may_goto +0``."""
TRAP = Instruction(op.BPF_JMP | op.BPF_JA, 0, 0, -1, 0)
"""sanitize_dead_code()'s ``goto -1``."""
_COND_KINDS = frozenset({op.Kind.JCOND, op.Kind.MAY_GOTO})
_JMP_CLASSES = (op.BPF_JMP, op.BPF_JMP32)


def names_subprog(insn: Instruction) -> bool:
    """A bpf-to-bpf call or a ``BPF_PSEUDO_FUNC`` lddw (bpf_pseudo_call(), bpf_pseudo_func())."""
    if insn.opcode == op.BPF_JMP | op.BPF_CALL:
        return insn.src == op.BPF_PSEUDO_CALL
    return insn.is_lddw and insn.src == op.BPF_PSEUDO_FUNC


def is_cond_jump(insn: Instruction) -> bool:
    """insn_is_cond_jump(): a JMP32 instruction but ``gotol``, a JMP one but ``goto``, exit and call."""
    if insn.opcode & 0x07 not in _JMP_CLASSES:  # (the class first: no table look-up for the others)
        return False
    spec = insn.spec
    return spec is not None and spec.kind in _COND_KINDS


def hard_wire_dead_code_branches(state: VerifierState) -> None:
    """opt_hard_wire_dead_code_branches()."""
    view, seen = state.view, state.seen
    insns = list(view.insns)
    changed = False
    for i, insn in enumerate(insns):
        if not is_cond_jump(insn):
            continue
        after = view.starts[i] + 1
        if after not in seen:
            insns[i] = Instruction(op.BPF_JMP | op.BPF_JA, 0, 0, insn.off, 0)
        elif after + insn.off not in seen:
            insns[i] = NOP
        else:
            continue
        changed = True
    if changed:
        state.set_insns(insns)


def remove_insns(state: VerifierState, removed: set[int]) -> None:
    """Remove the instructions of ``removed`` (indexes) at once: verifier_remove_insns() for each
    run of them, the jumps of the instructions kept retargeted where their targets moved."""
    if not removed:
        return
    view = state.view
    starts = view.starts
    moved = [0] * (view.slot_count + 1)  # old slot -> new slot (a removed one: the next kept)
    kept: list[int] = []
    slot = 0
    pending: list[int] = []  # slots of removed instructions waiting for the next kept one
    for i, insn in enumerate(view.insns):
        if i in removed:
            pending.extend(range(starts[i], starts[i] + insn.slots))
            continue
        for s in pending:
            moved[s] = slot
        pending.clear()
        for part in range(insn.slots):
            moved[starts[i] + part] = slot + part
        kept.append(i)
        slot += insn.slots
    for s in pending:
        moved[s] = slot
    moved[view.slot_count] = slot
    new_starts = [moved[starts[i]] for i in kept]
    by_slot = dict(enumerate(moved))
    new_insns = [
        _retarget(state, view, view.insns[i], starts[i], new_starts[n], slot_map=by_slot)
        for n, i in enumerate(kept)
    ]
    _drop_subprogs(state, removed)
    state.subprogs = [moved[s] for s in state.subprogs]
    state.slot_map = moved if state.slot_map is None else [moved[s] for s in state.slot_map]
    state.resolved = {moved[s]: v for s, v in state.resolved.items() if view.index_at(s) not in removed}
    index_map = {i: n for n, i in enumerate(kept)}
    state.ctx_accesses = {index_map[i] for i in state.ctx_accesses if i in index_map}
    state.seen = {moved[s] for s in state.seen if view.index_at(s) not in removed}
    state.set_insns(new_insns)


def _drop_subprogs(state: VerifierState, removed: set[int]) -> None:
    """adjust_subprog_starts_after_remove(): a subprogram none of whose instructions stays goes,
    with what is known of it per subprogram."""
    view = state.view
    bounds = [*state.subprogs, view.slot_count]
    gone = []
    for k in range(len(state.subprogs)):
        first, end = view.index_at(bounds[k]), view.index_at(bounds[k + 1])
        last = end if end is not None else len(view.insns)
        if first is not None and all(i in removed for i in range(first, last)):
            gone.append(k)
    if not gone:
        return
    keep = [k for k in range(len(state.subprogs)) if k not in gone]
    renumber = {k: n for n, k in enumerate(keep)}

    def kept(values: list[int] | tuple[bool, ...] | None) -> list[int] | None:
        return None if values is None else [values[k] for k in keep if k < len(values)]

    state.removed_subprogs = sorted([*state.removed_subprogs, *(_original(state, k) for k in gone)])
    state.subprogs = [state.subprogs[k] for k in keep]
    state.stack_depths = kept(state.stack_depths) or []
    state.inlined_stack_depths = kept(state.inlined_stack_depths)
    state.changes_pkt_data = tuple(bool(v) for v in kept(state.changes_pkt_data) or [])
    state.might_sleep = tuple(bool(v) for v in kept(state.might_sleep) or [])
    state.unreliable = {renumber[k] for k in state.unreliable if k in renumber}
    state.exception_callback = renumber.get(state.exception_callback, 0)


def _original(state: VerifierState, k: int) -> int:
    """The loaded program's number of subprogram ``k`` (some before it may be gone already)."""
    original = k
    for gone in state.removed_subprogs:
        if gone <= original:
            original += 1
    return original


def remove_dead_code(state: VerifierState) -> None:
    """opt_remove_dead_code(): every instruction never reached -- but a subprogram that a kept
    instruction still names (a bpf_loop callback never called: 0 iterations) when it is all the
    program would have beside the main one: the kernel leaves that reference past the end of its
    one-function program, which it never follows; pybpf's engines need every target inside."""
    view, seen = state.view, state.seen
    removed = {i for i, slot in enumerate(view.starts) if slot not in seen}
    bounds = [*state.subprogs, view.slot_count]
    spans = [
        range(view.index_at(bounds[k]) or 0, view.index_at(bounds[k + 1]) or len(view.insns))
        for k in range(len(state.subprogs))
    ]
    dead = {k for k, span in enumerate(spans) if all(i in removed for i in span)}
    if dead and len(state.subprogs) - len(dead) == 1:
        named = {
            view.subprog_of(target)
            for i, insn in enumerate(view.insns)
            if i not in removed
            and names_subprog(insn)
            and (target := view.target(view.starts[i])) is not None
        }
        for k in named & dead:
            removed -= set(spans[k])
    remove_insns(state, removed)


def remove_nops(state: VerifierState) -> None:
    """opt_remove_nops(), in its order."""
    i = 0
    candidates = (NOP.opcode, MAY_GOTO_0.opcode)
    while i < len(state.view.insns):
        insn = state.view.insns[i]
        if insn.opcode not in candidates:  # (the opcode first: no comparison of whole instructions)
            i += 1
            continue
        may_goto_0 = insn == MAY_GOTO_0
        if not may_goto_0 and insn != NOP:
            i += 1
            continue
        remove_insns(state, {i})
        if may_goto_0 and i > 0:
            i -= 1  # ``may_goto +1; may_goto +0``: the first is now a nop too


def sanitize_dead_code(state: VerifierState) -> None:
    """sanitize_dead_code(): every slot never reached becomes ``goto -1``."""
    view, seen = state.view, state.seen
    patches = {i: [TRAP] * insn.slots for i, insn in enumerate(view.insns) if view.starts[i] not in seen}
    if patches:
        slot_map = state.slot_map
        patch_program(state, patches)
        state.slot_map = slot_map  # nothing moved: every slot is where it was


def check_call_targets(state: VerifierState) -> None:
    """jit_subprogs()'s first check (fixup_call_args(), the last rewrite): with more than one
    subprogram, every bpf-to-bpf call and ``BPF_PSEUDO_FUNC`` lddw must name a subprogram's start --
    a callback removed as dead code leaves its reference at the next subprogram, or past the last
    one: EFAULT."""
    view = state.view
    if len(state.subprogs) <= 1:
        return
    starts = set(state.subprogs)
    for i, insn in enumerate(view.insns):
        if names_subprog(insn):
            target = view.target(view.starts[i])
            if target is not None and target not in starts:
                state.fail(errno.EFAULT, f"verifier bug: No program to jit at insn {target} (subprog < 0)")


class CallTargetsPass:
    """fixup_call_args()'s check of the calls' targets, after every other rewrite."""

    name = "fixup_call_args"

    def run(self, state: VerifierState) -> None:
        check_call_targets(state)


class DeadCodePass:
    """The dead-code passes of bpf_check(), after optimize_bpf_loop()."""

    name = "dead_code"

    def run(self, state: VerifierState) -> None:
        if state.bpf_capable:
            hard_wire_dead_code_branches(state)
            remove_dead_code(state)
            remove_nops(state)
        else:
            sanitize_dead_code(state)
