"""Reserved-field legality of one instruction, with the kernel's messages.

Mirrors the field checks at the top of each branch of do_check_insn() and its helpers in
kernel/bpf/verifier.c (check_alu_op, check_load_mem/check_store_reg, check_atomic, check_ld_abs,
check_ld_imm and the BPF_CALL/BPF_JA/BPF_EXIT/conditional-jump branches): an instruction is legal
when the opcode table (``pybpf.isa.opcodes``) has an entry for it and none of the entry's
``kernel_reserved`` fields is in use; otherwise the message is the kernel's for the opcode's family
("BPF_ALU uses reserved fields", "BPF_MOV ...", ..., "invalid may_goto imm %d").
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind, OpSpec
from pybpf.verifier.pseudo import KERNEL_OPCODES

RMW_ATOMICS = frozenset(
    spec.discriminator[1] for spec in op.OPCODES if spec.kind is Kind.ATOMIC and spec.discriminator
)
"""The imm of every read-modify-write atomic operation of the table (at any size)."""
ATOMIC_KINDS = frozenset({Kind.ATOMIC, Kind.LOAD_ACQ, Kind.STORE_REL})

_RESERVED_MESSAGE = {
    Kind.ALU: "BPF_ALU uses reserved fields",
    Kind.NEG: "BPF_NEG uses reserved fields",
    Kind.END: "BPF_END uses reserved fields",
    Kind.MOVSX: "BPF_MOV uses reserved fields",
    Kind.LDX: "BPF_LDX uses reserved fields",
    Kind.LDXSX: "BPF_LDX uses reserved fields",
    Kind.ST: "BPF_ST uses reserved fields",
    Kind.STX: "BPF_STX uses reserved fields",
    Kind.LDDW: "BPF_LD_IMM64 uses reserved fields",
    Kind.LD_ABS: "BPF_LD_[ABS|IND] uses reserved fields",
    Kind.LD_IND: "BPF_LD_[ABS|IND] uses reserved fields",
    Kind.CALL: "BPF_CALL uses reserved fields",
    Kind.CALL_LOCAL: "BPF_CALL uses reserved fields",
    Kind.CALL_KFUNC: "BPF_CALL uses reserved fields",
    Kind.JA: "BPF_JA uses reserved fields",
    Kind.GOTOL: "BPF_JA uses reserved fields",
    Kind.EXIT: "BPF_EXIT uses reserved fields",
    Kind.JCOND: "BPF_JMP/JMP32 uses reserved fields",
}
"""The kernel's message for illegal fields, by the kind of the opcode's first table entry (its
family: ``mov`` shares the ALU kind and has its own message, ``may_goto`` names its imm)."""


def kernel_spec(insn: Instruction) -> OpSpec | None:
    """The table entry of ``insn`` when the kernel's verifier accepts its fields, else None."""
    spec = insn.spec
    if spec is None or insn.opcode not in KERNEL_OPCODES:
        return None
    for name in spec.kernel_reserved:
        if getattr(insn, name):
            return None
    return spec


def reserved_message(insn: Instruction) -> str:
    family = op.BY_OPCODE[insn.opcode][0]
    if family.kind is Kind.MAY_GOTO:
        return f"invalid may_goto imm {insn.imm}"
    if family.op == "mov":
        return "BPF_MOV uses reserved fields"
    return _RESERVED_MESSAGE[family.kind]


def family(insn: Instruction) -> Kind:
    """The kind of the opcode's first table entry (the branch of do_check_insn it takes)."""
    return op.BY_OPCODE[insn.opcode][0].kind
