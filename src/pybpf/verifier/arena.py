"""The arena parts of do_misc_fixups() and convert_ctx_accesses() (kernel/bpf/verifier.c, Linux 6.18).

After do_check, a program that uses an arena (``BPF_MAP_TYPE_ARENA``) is fixed up in place:

* an ``addr_space_cast`` from address space 1 to 0 (``imm`` 1: the cast that makes an arena pointer,
  ``PTR_TO_ARENA``) becomes the 32-bit move ``wX = wY`` -- so does the cast from 0 to 1 of an arena
  created with BPF_F_NO_USER_CONV; the cast from 0 to 1 of any other arena stays for the engines
  (the kernel's JITs: 0 stays 0, anything else gets the upper half of the arena's user address);
* an ALU64 operation on an arena pointer (``InsnFacts.needs_zext``) becomes its ALU32 form, so an
  arena pointer never grows past 32 bits;
* the loads and stores through arena pointers (``InsnFacts.arena``) become ``BPF_PROBE_MEM32``
  accesses; as for the probe loads, pybpf's xlated program keeps their modes (what the kernel's
  dump shows, bpf_insn_prepare_dump() turning them back) and ``arena_accesses`` names their slots.
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_ALU, BPF_ALU64
from pybpf.isa.program import ProgramView
from pybpf.uapi import BPF_ADDR_SPACE_CAST
from pybpf.verifier.regstate import map_attr
from pybpf.verifier.state import VerifierState

_MOV64_X = BPF_ALU64 | 0xB0 | 0x08
_MOV32_X = BPF_ALU | 0xB0 | 0x08
CAST_USER = 1 << 16
"""The ``imm`` of the cast from address space 0 to 1 (an arena pointer back to a user address)."""


def is_cast_user(insn: Instruction) -> bool:
    """insn_is_cast_user(): the cast the engines carry out (``rX = addr_space_cast(rY, 1, 0)``)."""
    return insn.opcode == _MOV64_X and insn.off == BPF_ADDR_SPACE_CAST and insn.imm == CAST_USER


def _moved(state: VerifierState, loaded: ProgramView, index: int) -> int | None:
    """The index in the fixed-up program of the loaded instruction ``index`` (None: rewritten away)."""
    insn = loaded.insns[index]
    slot = loaded.starts[index]
    moved = slot if state.slot_map is None else state.slot_map[slot]
    now = state.view.index_at(moved)
    if now is None or state.view.insns[now] != insn:
        return None
    return now


class ArenaFixupPass:
    name = "arena_fixups"

    def run(self, state: VerifierState) -> None:
        arena = next(
            (m for m in state.maps if map_attr(m, "map_type", None) == uapi.BPF_MAP_TYPE_ARENA), None
        )
        if arena is None:
            return
        no_user_conv = bool(map_attr(arena, "flags", 0) & uapi.BPF_F_NO_USER_CONV)
        loaded = ProgramView(state.request.insns)
        insns = list(state.insns)
        for index, facts in state.facts.items():
            if facts.needs_zext:
                now = _moved(state, loaded, index)
                if now is not None and insns[now].opcode & 0x07 == BPF_ALU64:
                    insn = insns[now]
                    insns[now] = Instruction(
                        BPF_ALU | (insn.opcode & 0xF8), insn.dst, insn.src, insn.off, insn.imm
                    )
        for i, insn in enumerate(insns):
            cast = insn.opcode == _MOV64_X and insn.off == BPF_ADDR_SPACE_CAST and insn.imm
            if cast and (insn.imm == 1 or no_user_conv):
                insns[i] = Instruction(_MOV32_X, insn.dst, insn.src)
        state.set_insns(insns)


def arena_accesses(state: VerifierState, loaded: ProgramView) -> frozenset[int]:
    """The slots, in the fixed-up program, of the accesses through arena pointers (``InsnFacts.arena``)."""
    found: set[int] = set()
    for index, facts in state.facts.items():
        if facts.arena:
            now = _moved(state, loaded, index)
            if now is not None:
                found.add(state.view.starts[now])
    return frozenset(found)


__all__ = ["CAST_USER", "ArenaFixupPass", "arena_accesses", "is_cast_user"]
