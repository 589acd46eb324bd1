"""The Spectre fixups: speculation barriers and the masking of sanitized pointer arithmetic.

Mirrors the Spectre parts of the kernel's rewrites (kernel/bpf/verifier.c, Linux 6.18), for a loader
without the Spectre bypass (``pybpf.verifier.sanitize``, ``InsnFacts``):

* convert_ctx_accesses(): a ``nospec`` (BPF_ST_NOSPEC) before every instruction a speculative path
  failed at (``insn_aux->nospec``, Linux 6.17+), and after every stack store that needs one against
  Spectre v4 (``nospec_result``: a spill, or overwriting what was no plain data);
* do_misc_fixups(): ``dst += src`` / ``dst -= src`` (ALU64, register) with a recorded ``alu_state``
  becomes the masking sequence on the hidden register AX (r11): the offset limited to ``alu_limit``
  (0 when out of range) without a branch -- for a constant offset ``AX = limit`` alone -- then the
  operation with AX as its source, turned into the opposite operation for a negative offset (made
  positive first, and back afterwards when it is the source register)::

      [off *= -1]  AX = limit  AX -= off  AX |= off  AX = -AX  AX s>>= 63  AX &= off
      [dst = src]  dst += AX (or -=)  [off *= -1]

* do_misc_fixups(): a ``bpf_tail_call`` through a prog array that lacks ``bypass_spec_v1`` (created
  by a caller without CAP_PERFMON: ``map_ptr_state.unpriv``, whoever loads the program) gets its
  index bounded and masked before the call -- ``if r3 >= max_entries goto +2; w3 &= index_mask``
  (index_mask: the next power of two of max_entries, less one) -- so that a 64-bit index the helper
  would truncate to a valid slot skips the call instead; a call site reached with two different
  maps ("poisoned") is refused: "tail_call abusing map_ptr" (EINVAL).

The patches run after every other fixup (on the program as the others left it: each marked
instruction found through ``state.slot_map``); the engines run the result (``nospec`` does nothing
there, AX is a register of their own) and BPF_OBJ_GET_INFO_BY_FD shows it, as the kernel's xlated
program.
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import slot_starts
from pybpf.uapi import BPF_FUNC_tail_call
from pybpf.verifier.patch import patch_program
from pybpf.verifier.regstate import map_attr
from pybpf.verifier.request import InsnFacts
from pybpf.verifier.sanitize import (
    BPF_ALU_IMMEDIATE,
    BPF_ALU_NEG_VALUE,
    BPF_ALU_NON_POINTER,
    BPF_ALU_SANITIZE,
    BPF_ALU_SANITIZE_SRC,
)
from pybpf.verifier.state import VerifierState

NOSPEC = Instruction(op.BPF_ST | op.BPF_NOSPEC, 0, 0, 0, 0)
"""BPF_ST_NOSPEC()."""
AX = op.BPF_REG_AX
_ADD_X = op.BPF_ALU64 | op.BPF_ADD | op.BPF_X
_SUB_X = op.BPF_ALU64 | op.BPF_SUB | op.BPF_X
_CALL = op.BPF_JMP | op.BPF_CALL
_STORES = frozenset({op.Kind.ST, op.Kind.STX})
"""convert_ctx_accesses()'s BPF_WRITE instructions (BPF_MEM stores): a barrier after them."""


def _alu64_imm(code: int, dst: int, imm: int) -> Instruction:
    return Instruction(op.BPF_ALU64 | code | op.BPF_K, dst, 0, 0, imm)


def _alu64_reg(code: int, dst: int, src: int) -> Instruction:
    return Instruction(op.BPF_ALU64 | code | op.BPF_X, dst, src, 0, 0)


def masked_alu(insn: Instruction, alu_state: int, alu_limit: int) -> list[Instruction]:
    """do_misc_fixups()'s rewrite of one sanitized ``dst +=/-= src`` (ALU64, register)."""
    isneg = bool(alu_state & BPF_ALU_NEG_VALUE)
    issrc = alu_state & BPF_ALU_SANITIZE == BPF_ALU_SANITIZE_SRC
    isimm = bool(alu_state & BPF_ALU_IMMEDIATE)
    off_reg = insn.src if issrc else insn.dst
    limit = Instruction(op.BPF_ALU | op.BPF_MOV | op.BPF_K, AX, 0, 0, alu_limit)  # BPF_MOV32_IMM
    out: list[Instruction] = []
    if isimm:
        out.append(limit)
    else:
        if isneg:
            out.append(_alu64_imm(op.BPF_MUL, off_reg, -1))
        out += [
            limit,
            _alu64_reg(op.BPF_SUB, AX, off_reg),
            _alu64_reg(op.BPF_OR, AX, off_reg),
            _alu64_imm(op.BPF_NEG, AX, 0),
            _alu64_imm(op.BPF_ARSH, AX, 63),
            _alu64_reg(op.BPF_AND, AX, off_reg),
        ]
    if not issrc:
        out.append(_alu64_reg(op.BPF_MOV, insn.dst, insn.src))
    code = insn.opcode
    if isneg:
        code = _SUB_X if code == _ADD_X else _ADD_X
    out.append(Instruction(code, insn.dst, AX, insn.off, insn.imm))
    if issrc and isneg and not isimm:
        out.append(_alu64_imm(op.BPF_MUL, off_reg, -1))
    return out


def masked_tail_call(insn: Instruction, max_entries: int) -> list[Instruction]:
    """do_misc_fixups()'s bounds check and index mask before a tail call through an unprivileged
    prog array (``if r3 >= max_entries goto +2; w3 &= index_mask; call``)."""
    index_mask = (1 << (max_entries - 1).bit_length()) - 1  # array_map_alloc(): fls_long(n - 1)
    return [
        Instruction(op.BPF_JMP | op.BPF_JGE | op.BPF_K, 3, 0, 2, max_entries),  # (prog arrays: < 2**31)
        Instruction(op.BPF_ALU | op.BPF_AND | op.BPF_K, 3, 0, 0, index_mask),
        insn,
    ]


def _is_tail_call(insn: Instruction) -> bool:
    return insn.opcode == _CALL and insn.src == 0 and insn.imm == BPF_FUNC_tail_call


def _patch_for(state: VerifierState, insn: Instruction, facts: InsnFacts) -> list[Instruction] | None:
    """The replacement of one instruction (None: left alone)."""
    if facts.map_unpriv and _is_tail_call(insn):
        if facts.map_ambiguous or facts.map is None:
            state.einval("tail_call abusing map_ptr")
        return masked_tail_call(insn, map_attr(facts.map, "max_entries", 0))
    before = [NOSPEC] if facts.nospec else []
    after: list[Instruction] = []
    spec = insn.spec
    if facts.nospec_result and spec is not None and spec.kind in _STORES:
        after = [NOSPEC]
    body = [insn]
    if (
        facts.alu_state
        and facts.alu_state != BPF_ALU_NON_POINTER
        and not facts.nospec
        and insn.opcode in (_ADD_X, _SUB_X)
    ):
        body = masked_alu(insn, facts.alu_state, facts.alu_limit)
    if not before and not after and len(body) == 1:
        return None
    return before + body + after


class SpectreFixupPass:
    """The barriers and the masking, where do_check() recorded them (for a root loader only the tail
    calls through unprivileged prog arrays)."""

    name = "spectre_fixups"

    def run(self, state: VerifierState) -> None:
        credentials = state.request.credentials
        if credentials.bypass_spec_v1 and credentials.bypass_spec_v4:
            marked = {index: facts for index, facts in state.facts.items() if facts.map_unpriv}
        else:
            marked = {
                index: facts
                for index, facts in state.facts.items()
                if facts.nospec or facts.nospec_result or facts.alu_state or facts.map_unpriv
            }
        if not marked:
            return
        loaded = slot_starts(list(state.request.insns))
        view = state.view
        patches: dict[int, list[Instruction]] = {}
        for index, facts in sorted(marked.items()):
            slot = loaded[index]
            moved = slot if state.slot_map is None else state.slot_map[slot]
            now = view.index_at(moved)
            if now is None:
                continue
            replacement = _patch_for(state, view.insns[now], facts)
            if replacement is not None:
                patches[now] = replacement
        patch_program(state, patches)


__all__ = ["NOSPEC", "SpectreFixupPass", "masked_alu", "masked_tail_call"]
