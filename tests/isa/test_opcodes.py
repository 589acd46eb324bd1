"""The opcode table is consistent: every entry is found again from its own encoding and mnemonic."""

from __future__ import annotations

from collections import Counter

import pytest

from pybpf.isa import opcodes
from pybpf.isa.helper_names import HELPER_IDS, HELPER_NAMES, helper_id, helper_name
from pybpf.isa.opcodes import BY_MNEMONIC, BY_OPCODE, OPCODES, Kind, OpSpec, lookup


def _key(spec: OpSpec) -> tuple[int, tuple[str, int] | None]:
    return spec.opcode, spec.discriminator


def test_entries_are_distinct() -> None:
    duplicates = [key for key, count in Counter(map(_key, OPCODES)).items() if count > 1]
    assert duplicates == []


def test_every_mnemonic_names_one_entry() -> None:
    assert len(BY_MNEMONIC) == len(OPCODES)


@pytest.mark.parametrize("spec", OPCODES, ids=lambda spec: f"{spec.opcode:#04x}-{spec.mnemonic}")
def test_lookup_finds_each_entry(spec: OpSpec) -> None:
    fields = {"src": 0, "off": 0, "imm": 0}
    if spec.discriminator is not None:
        fields[spec.discriminator[0]] = spec.discriminator[1]
    assert lookup(spec.opcode, **fields) is spec
    assert spec in BY_OPCODE[spec.opcode]
    assert BY_MNEMONIC[spec.mnemonic, spec.use_src_reg] is spec
    assert spec.cls == spec.opcode & 7


def test_an_entry_with_no_discriminator_is_alone_or_first() -> None:
    for specs in BY_OPCODE.values():
        assert all(spec.discriminator is not None for spec in specs[1:])


def test_instruction_counts() -> None:
    kinds = Counter(spec.kind for spec in OPCODES)
    assert kinds[Kind.ALU] == 2 * 2 * (12 + 2)  # 32/64 bits, K/X, 12 ops + sdiv/smod
    assert kinds[Kind.JCOND] == 2 * 2 * 11
    assert kinds[Kind.MOVSX] == 5
    assert kinds[Kind.END] == 9
    assert kinds[Kind.ATOMIC] == 2 * 10
    assert kinds[Kind.LOAD_ACQ] == kinds[Kind.STORE_REL] == 4
    assert kinds[Kind.LDXSX] == 3


def test_kernel_reserved_fields() -> None:
    """The verifier's rule is the table's, except the fields the kernel leaves unchecked: exit's off."""
    for spec in OPCODES:
        assert spec.kernel_ignores <= spec.reserved
        assert spec.kernel_reserved == spec.reserved - spec.kernel_ignores
    assert {spec.mnemonic: spec.kernel_ignores for spec in OPCODES if spec.kernel_ignores} == {
        "exit": frozenset({"off"})
    }


def test_unknown_opcodes() -> None:
    assert lookup(0xFF, 0, 0, 0) is None
    assert lookup(0xB7, 0, 8, 0) is None  # movsx has no immediate form


def test_helper_names() -> None:
    assert helper_name(1) == "bpf_map_lookup_elem"
    assert helper_name(12) == "bpf_tail_call"
    assert helper_name(211) == "bpf_cgrp_storage_delete"
    assert helper_name(100000) is None
    assert helper_id("bpf_ringbuf_output") == 130
    assert helper_id("ringbuf_output") is None
    assert len(HELPER_IDS) == len(HELPER_NAMES)
    assert opcodes.BPF_PSEUDO_CALL == 1
