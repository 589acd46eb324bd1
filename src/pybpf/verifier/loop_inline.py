"""bpf_loop calls inlined: the kernel's optimize_bpf_loop() and inline_bpf_loop().

Mirrors kernel/bpf/verifier.c (Linux 6.18).  The first rewrite after a successful walk (right after
check_max_stack_depth(), before the context rewrite): a ``bpf_loop`` helper call that every visit
made with flags known to be 0 and the same callback (``InsnFacts.loop_inline``, set by
``callbacks.update_loop_inline_state``) becomes an explicit loop of 19 instructions, the inlined
version of kernel/bpf/bpf_iter.c's bpf_loop():

* more than BPF_MAX_LOOPS iterations asked: r0 = -E2BIG (a 32-bit move) and past the loop;
* r6, r7 and r8 spilled to three stack slots below the subprogram's own stack (its depth rounded
  up to 8 bytes, ``stack_base``), then used as the iteration count, the counter and the context;
* while the counter is below the count: the callback called (a bpf-to-bpf call, r1 the counter,
  r2 the context), the counter incremented, the loop left when the callback returns non-zero;
* r0 = the number of iterations made, r6-r8 restored.

Every inlined call of a subprogram shares its three slots; the subprogram's stack grows by them
once (``callbacks.inlined_loop_stack_depths``, the depths the statistics line reports).  The
rewritten program is what pybpf runs and what BPF_OBJ_GET_INFO_BY_FD's xlated instructions show.
"""

from __future__ import annotations

import bisect
import errno

from pybpf import uapi
from pybpf.isa.instruction import Instruction
from pybpf.verifier.callbacks import INLINED_LOOP_STACK, inlined_loop_stack_depths
from pybpf.verifier.fastcall import kernel_stack_depths
from pybpf.verifier.patch import patch_program
from pybpf.verifier.state import VerifierState

_CALL = uapi.BPF_JMP | uapi.BPF_CALL
_CALL_INSN = 12
"""Where in the inlined sequence the callback's call is (its offset is set once the callbacks moved)."""


def is_bpf_loop_call(insn: Instruction) -> bool:
    """is_bpf_loop_call(): a helper call (not a bpf-to-bpf or kfunc call) of bpf_loop."""
    return insn.opcode == _CALL and insn.src == 0 and insn.imm == uapi.BPF_FUNC_loop


def inlined_loop(stack_base: int) -> list[Instruction]:
    """inline_bpf_loop()'s 19 instructions, the callback call's offset still 0."""
    r6_off, r7_off, r8_off = stack_base, stack_base + 8, stack_base + 16
    jmp, alu64, alu32 = uapi.BPF_JMP, uapi.BPF_ALU64, uapi.BPF_ALU
    stx = uapi.BPF_STX | uapi.BPF_MEM | uapi.BPF_DW
    ldx = uapi.BPF_LDX | uapi.BPF_MEM | uapi.BPF_DW
    mov64_reg = alu64 | uapi.BPF_MOV | uapi.BPF_X
    return [
        Instruction(jmp | uapi.BPF_JLE | uapi.BPF_K, 1, 0, 2, uapi.BPF_MAX_LOOPS),
        Instruction(alu32 | uapi.BPF_MOV | uapi.BPF_K, 0, 0, 0, -errno.E2BIG),
        Instruction(jmp | uapi.BPF_JA, 0, 0, 16, 0),
        Instruction(stx, 10, 6, r6_off, 0),
        Instruction(stx, 10, 7, r7_off, 0),
        Instruction(stx, 10, 8, r8_off, 0),
        Instruction(mov64_reg, 6, 1),
        Instruction(alu32 | uapi.BPF_MOV | uapi.BPF_K, 7, 0, 0, 0),
        Instruction(mov64_reg, 8, 3),
        Instruction(jmp | uapi.BPF_JGE | uapi.BPF_X, 7, 6, 5, 0),
        Instruction(mov64_reg, 1, 7),
        Instruction(mov64_reg, 2, 8),
        Instruction(_CALL, 0, uapi.BPF_PSEUDO_CALL, 0, 0),
        Instruction(alu64 | uapi.BPF_ADD | uapi.BPF_K, 7, 0, 0, 1),
        Instruction(jmp | uapi.BPF_JEQ | uapi.BPF_K, 0, 0, -6, 0),
        Instruction(mov64_reg, 0, 7),
        Instruction(ldx, 6, 10, r6_off, 0),
        Instruction(ldx, 7, 10, r7_off, 0),
        Instruction(ldx, 8, 10, r8_off, 0),
    ]


class LoopInlinePass:
    """optimize_bpf_loop() as a pipeline step (after check_max_stack_depth, before the ctx rewrite)."""

    name = "optimize_bpf_loop"

    def run(self, state: VerifierState) -> None:
        depths = kernel_stack_depths(state)
        state.inlined_stack_depths = inlined_loop_stack_depths(state, depths)
        view = state.view
        fit: dict[int, int] = {}  # instruction index of the call -> its callback subprogram
        for index, insn in enumerate(view.insns):
            facts = state.facts.get(index)
            if is_bpf_loop_call(insn) and facts is not None and facts.loop_inline is not None:
                inline, callback = facts.loop_inline
                if inline:
                    fit[index] = callback
        if not fit:
            return
        growth = len(inlined_loop(0)) - 1
        calls = sorted(view.starts[index] for index in fit)

        def moved(slot: int) -> int:  # where ``slot`` lands once every call before it grew
            return slot + growth * bisect.bisect_left(calls, slot)

        patches: dict[int, list[Instruction]] = {}
        for index, callback in fit.items():
            slot = view.starts[index]
            sequence = inlined_loop(-(depths[view.subprog_of(slot)] + INLINED_LOOP_STACK))
            call_slot = moved(slot) + _CALL_INSN
            offset = moved(state.subprogs[callback]) - call_slot - 1
            sequence[_CALL_INSN] = Instruction(_CALL, 0, uapi.BPF_PSEUDO_CALL, 0, offset)
            patches[index] = sequence
        patch_program(state, patches)
