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

The patches run after every other fixup (on the program as the others left it: each marked
instruction found through ``state.slot_map``); the engines run the result (``nospec`` does nothing
there, AX is a register of their own) and BPF_OBJ_GET_INFO_BY_FD shows it, as the kernel's xlated
program.
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.program import slot_starts
from pybpf.verifier.patch import patch_program
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


def _patch_for(insn: Instruction, facts: InsnFacts) -> list[Instruction] | None:
    """The replacement of one instruction (None: left alone)."""
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
    """The barriers and the masking, where do_check() recorded them (nothing for a root loader)."""

    name = "spectre_fixups"

    def run(self, state: VerifierState) -> None:
        credentials = state.request.credentials
        if credentials.bypass_spec_v1 and credentials.bypass_spec_v4:
            return
        marked = {
            index: facts
            for index, facts in state.facts.items()
            if facts.nospec or facts.nospec_result or facts.alu_state
        }
        if not marked:
            return
        loaded = slot_starts(list(state.request.insns))
        view = state.view
        patches: dict[int, list[Instruction]] = {}
        for index, facts in marked.items():
            slot = loaded[index]
            moved = slot if state.slot_map is None else state.slot_map[slot]
            now = view.index_at(moved)
            if now is None:
                continue
            replacement = _patch_for(view.insns[now], facts)
            if replacement is not None:
                patches[now] = replacement
        patch_program(state, patches)


__all__ = ["NOSPEC", "SpectreFixupPass", "masked_alu"]
