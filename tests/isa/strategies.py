"""Hypothesis strategies for eBPF instructions and programs, generated from the opcode table.

``valid_instructions()`` draws any instruction ``validate`` accepts: a table entry, then each of its
fields within the range the kernel allows (registers r0..r10, reserved fields zero, discriminating
fields fixed, lddw sources among the BPF_PSEUDO_* values).  Branch offsets are arbitrary s16/s32.

``valid_programs()`` draws a program ``validate_program`` accepts: every jump, local call and
``func`` lddw lands on the start of an instruction of the program.

``raw_instructions()`` draws any *decodable* instruction, valid or not (every opcode byte, registers
up to 15): what the disassembler must still print in a form the assembler reads back.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from hypothesis import strategies as st

from pybpf.isa import opcodes
from pybpf.isa.instruction import LDDW_OPCODE, Instruction, slot_starts
from pybpf.isa.opcodes import OPCODES, Kind, OpSpec
from pybpf.isa.program import transfer

REGISTERS = st.integers(0, opcodes.MAX_BPF_REG - 1)
S16 = st.integers(-(1 << 15), (1 << 15) - 1)
S32 = st.integers(-(1 << 31), (1 << 31) - 1)
PSEUDO_SOURCES = st.sampled_from(sorted(opcodes.LDDW_PSEUDO_NAMES))


def _field(spec: OpSpec, name: str) -> st.SearchStrategy[int]:
    if spec.discriminator is not None and spec.discriminator[0] == name:
        return st.just(spec.discriminator[1])
    if name in spec.reserved:
        return st.just(0)
    if name == "dst":
        return REGISTERS
    if name == "src":
        if spec.kind is Kind.LDDW:
            return PSEUDO_SOURCES
        return REGISTERS if spec.use_src_reg else st.just(0)
    return S16 if name == "off" else S32


@functools.cache
def instructions_of(spec: OpSpec) -> st.SearchStrategy[Instruction]:
    """Valid instructions of one table entry."""
    return st.builds(
        Instruction,
        opcode=st.just(spec.opcode),
        dst=_field(spec, "dst"),
        src=_field(spec, "src"),
        off=_field(spec, "off"),
        imm=_field(spec, "imm"),
        imm_hi=S32 if spec.kind is Kind.LDDW else st.just(0),
    )


def valid_instructions() -> st.SearchStrategy[Instruction]:
    """Any instruction the kernel's structural checks accept (``validate`` passes)."""
    return st.one_of([instructions_of(spec) for spec in OPCODES])


@st.composite
def valid_programs(draw: st.DrawFn, min_size: int = 1, max_size: int = 24) -> list[Instruction]:
    """A program whose every branch target is the start of one of its instructions."""
    insns = draw(st.lists(valid_instructions(), min_size=min_size, max_size=max_size))
    starts = slot_starts(insns)
    program = []
    for insn, slot in zip(insns, starts, strict=True):
        field = transfer(insn, slot).field  # where the program view reads a jump or call target
        if field is not None:
            target = draw(st.sampled_from(starts))
            branch = replace(insn, **{field: target - (slot + 1)})
            assert transfer(branch, slot).target == target
            program.append(branch)
        else:
            program.append(insn)
    return program


def _any_fields(code: int) -> st.SearchStrategy[Instruction]:
    return st.builds(
        Instruction,
        opcode=st.just(code),
        dst=st.integers(0, 15),
        src=st.integers(0, 15),
        off=S16,
        imm=S32,
        imm_hi=S32 if code == LDDW_OPCODE else st.just(0),
    )


def _with_one_field_changed(insn: Instruction) -> st.SearchStrategy[Instruction]:
    fields = {"dst": st.integers(0, 15), "src": st.integers(0, 15), "off": S16, "imm": S32}
    return st.sampled_from(sorted(fields)).flatmap(
        lambda name: fields[name].map(lambda value: replace(insn, **{name: value}))
    )


def raw_instructions() -> st.SearchStrategy[Instruction]:
    """Any instruction ``decode`` can produce, valid or not: every opcode byte, 4-bit registers,
    and valid instructions with one field changed (reserved fields in use, r11..r15)."""
    return st.one_of(
        st.integers(0, 255).flatmap(_any_fields),
        valid_instructions().flatmap(_with_one_field_changed),
    )
