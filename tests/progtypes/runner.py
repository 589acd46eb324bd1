"""A tiny ``ProgramRunner`` for the program-type tests, and the verifier's ctx rewrite in miniature.

Until the loader exists, tests rewrite ctx accesses themselves: ``rewrite`` replaces each
LDX/STX/ST whose base register is a ctx register (r1 unless told otherwise; tests never reassign
it) by the program type's ``convert_ctx_access`` and fixes jump offsets, as the verifier's
``convert_ctx_accesses`` does.  ``TinyRunner`` runs the result on the engine ``PYBPF_ENGINE`` names
(the ``engine`` fixture's).
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping, Sequence

from pybpf.errors import BPFError
from pybpf.helpers import default_registry
from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.kernel.prog_run import ENGINES, selected_engine
from pybpf.memory.regions import Memory
from pybpf.progtypes.base import ProgType
from pybpf.vm.runtime import PacketReader

_MEM_CLASSES = {op.BPF_LDX, op.BPF_STX, op.BPF_ST}


def _ctx_access(insn: Instruction, ctx_regs: Iterable[int]) -> bool:
    cls = insn.opcode & 0x07
    if cls not in _MEM_CLASSES or insn.opcode & 0xE0 not in (op.BPF_MEM, op.BPF_MEMSX):
        return False
    base = insn.src if cls == op.BPF_LDX else insn.dst
    return base in set(ctx_regs)


def _is_jump(insn: Instruction) -> bool:
    cls = insn.opcode & 0x07
    if cls not in (op.BPF_JMP, op.BPF_JMP32):
        return False
    code = insn.opcode & 0xF0
    if code == op.JMP_OPS["exit"]:
        return False
    if code == op.JMP_OPS["call"]:
        return insn.src == op.BPF_PSEUDO_CALL
    return True


def rewrite(
    prog_type: ProgType, insns: Sequence[Instruction], ctx_regs: Iterable[int] = (1,)
) -> list[Instruction]:
    """The program with its ctx accesses converted (EACCES for an access the type refuses)."""
    regs = tuple(ctx_regs)
    pieces: list[list[Instruction]] = []
    for insn in insns:
        if _ctx_access(insn, regs):
            size = op.SIZE_BYTES[insn.opcode & 0x18]
            write = insn.opcode & 0x07 != op.BPF_LDX
            if not prog_type.is_valid_access(insn.off, size, write):
                raise BPFError(errno.EACCES, f"invalid bpf_context access off={insn.off} size={size}")
            pieces.append(prog_type.convert_ctx_access(insn))
        else:
            pieces.append([insn])
    old_slots, new_slots = [], []
    old = new = 0
    for insn, piece in zip(insns, pieces, strict=True):
        old_slots.append(old)
        new_slots.append(new)
        old += insn.slots
        new += sum(i.slots for i in piece)
    slot_map = dict(zip(old_slots, new_slots, strict=True))
    slot_map[old] = new
    out: list[Instruction] = []
    for insn, piece, old_slot, new_slot in zip(insns, pieces, old_slots, new_slots, strict=True):
        if _is_jump(insn) and len(piece) == 1:
            is_call = insn.opcode & 0xF0 == op.JMP_OPS["call"]
            target = old_slot + 1 + (insn.imm if is_call else insn.off)
            delta = slot_map[target] - new_slot - 1
            if is_call:
                out.append(Instruction(insn.opcode, insn.dst, insn.src, insn.off, delta))
            else:
                out.append(Instruction(insn.opcode, insn.dst, insn.src, delta, insn.imm))
            continue
        out.extend(piece)
    return out


class TinyRunner:
    """Runs one rewritten program with the basic helpers plus the type's own."""

    def __init__(
        self,
        prog_type: ProgType,
        insns: Sequence[Instruction],
        resolved: Mapping[int, int] | None = None,
        ctx_regs: Iterable[int] = (1,),
    ) -> None:
        self.memory = Memory()
        registry = default_registry()
        for helper_id, function in prog_type.helpers().items():
            registry.register(helper_id, function)
        self.executable = ENGINES[selected_engine()](
            rewrite(prog_type, insns, ctx_regs), helpers=registry, memory=self.memory, resolved=resolved or {}
        )
        self.runs = 0

    def run(self, ctx_address: int, env: dict[str, object], packet: PacketReader | None = None) -> int:
        self.runs += 1
        return self.executable.execute(registers={1: ctx_address}, env=env, packet=packet).retval
