"""The verifier's field checks come from the opcode table: every entry's ``kernel_reserved`` fields.

For each instruction of the table the kernel knows (bpf-to-bpf, kfunc and indirect calls aside,
which need more than one instruction or are refused earlier), a legal instance passes the
structural checks, and the same instance with any one of its kernel-reserved fields in use is
refused with the kernel's message for its family (exact texts are compared with the kernel in
``test_differential``).  Fields the kernel leaves unchecked (``exit``'s off) are accepted.
"""

from __future__ import annotations

import errno
import re
from dataclasses import replace

import pytest

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import OPCODES, Kind, OpSpec
from pybpf.verifier import VerifierError, verify
from pybpf.verifier.pseudo import KERNEL_OPCODES
from tests.verifier.stubs import SOCKET_FILTER, make_request

EXIT = Instruction(0x95)
MOV0 = Instruction(0xB7)
FIELD_MESSAGE = re.compile(r"^(BPF_\S+ uses reserved fields|invalid may_goto imm -?\d+)$")
SKIPPED = {Kind.CALL_LOCAL, Kind.CALL_KFUNC, Kind.CALLX}
MEMORY = {Kind.LDX, Kind.LDXSX, Kind.ST, Kind.STX, Kind.ATOMIC, Kind.LOAD_ACQ, Kind.STORE_REL}
SPECS = [spec for spec in OPCODES if spec.opcode in KERNEL_OPCODES and spec.kind not in SKIPPED]


def legal(spec: OpSpec) -> Instruction:
    """An instance of ``spec`` the structural checks accept: stack accesses, small operands."""
    fields = {"dst": 1, "src": 2 if spec.use_src_reg else 0, "off": 0, "imm": 1}
    if spec.kind in MEMORY:  # through the frame pointer, never the context
        base = "src" if spec.kind in (Kind.LDX, Kind.LDXSX, Kind.LOAD_ACQ) else "dst"
        fields.update({base: 10, "off": -8})
    if spec.kind is Kind.CALL:
        fields["imm"] = 5  # bpf_ktime_get_ns
    if spec.kind is Kind.GOTOL:
        fields["imm"] = 0  # to the next instruction
    if spec.discriminator is not None:
        fields[spec.discriminator[0]] = spec.discriminator[1]
    for name in spec.reserved:
        fields[name] = 0
    return Instruction(spec.opcode, **fields)


def program_with(insn: Instruction) -> list[Instruction]:
    return [MOV0, insn] if insn.opcode == EXIT.opcode else [MOV0, insn, EXIT]


def reason(program: list[Instruction]) -> tuple[int, str]:
    try:
        verify(make_request(program, SOCKET_FILTER))
    except VerifierError as err:
        return err.errno or 0, err.reason
    return 0, ""


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: f"{spec.opcode:#04x}-{spec.mnemonic}")
def test_legal_instances_pass_the_field_checks(spec: OpSpec) -> None:
    _, why = reason(program_with(legal(spec)))
    assert not FIELD_MESSAGE.match(why), why


@pytest.mark.parametrize(
    ("spec", "field"),
    [(spec, field) for spec in SPECS for field in sorted(spec.kernel_reserved)],
    ids=lambda value: f"{value.opcode:#04x}-{value.mnemonic}" if isinstance(value, OpSpec) else value,
)
def test_a_kernel_reserved_field_in_use_is_refused(spec: OpSpec, field: str) -> None:
    insn = replace(legal(spec), **{field: 1})
    err, why = reason(program_with(insn))
    assert err == errno.EINVAL
    assert FIELD_MESSAGE.match(why), why


def test_fields_the_kernel_ignores_are_accepted() -> None:
    assert reason([MOV0, Instruction(0x95, off=7)]) == (0, "")
