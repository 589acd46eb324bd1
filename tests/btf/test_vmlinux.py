"""The parser against the running kernel's own BTF (``/sys/kernel/btf/vmlinux``; skipped without it)."""

from __future__ import annotations

import pytest

from pybpf.btf import BTF, Enum, Int, Kind, Struct, Union
from tests.btf.vmlinux import vmlinux_btf


@pytest.fixture(scope="module")
def btf() -> BTF:
    return vmlinux_btf()


def test_well_known_kernel_types(btf: BTF) -> None:
    insn = btf.get("bpf_insn", Struct)
    assert isinstance(insn, Struct) and insn.size == 8 and insn.kind_flag
    assert [(m.name, m.bit_offset, m.bitfield_size) for m in insn.members] == [
        ("code", 0, 0),
        ("dst_reg", 8, 4),
        ("src_reg", 12, 4),
        ("off", 16, 0),
        ("imm", 32, 0),
    ]
    attr_id = btf.find("bpf_attr", Union)
    assert btf.size_of(attr_id) >= 120 and btf.align_of(attr_id) == 8
    u32 = btf[btf.resolve(btf.find("__u32"))]
    assert isinstance(u32, Int) and u32.size == 4 and not u32.signed
    cmd = btf.get("bpf_cmd", Enum)
    assert isinstance(cmd, Enum) and cmd.values[0].name == "BPF_MAP_CREATE" and cmd.values[0].value == 0


def test_every_member_lies_inside_its_record(btf: BTF) -> None:
    kinds = set()
    for type_id, t in btf:
        kinds.add(t.kind)
        if isinstance(t, (Struct, Union)):
            assert btf.size_of(type_id) == t.size
            for m in t.members:
                if m.bitfield_size:
                    assert m.bit_offset + m.bitfield_size <= 8 * t.size
                else:
                    assert m.bit_offset % 8 == 0
                    assert m.bit_offset // 8 + btf.size_of(m.type_id) <= t.size
    assert {Kind.INT, Kind.PTR, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.FUNC, Kind.FUNC_PROTO} <= kinds


def test_alignments(btf: BTF) -> None:
    assert btf.align_of(btf.find("bpf_insn", Struct)) == 4
    assert btf.align_of(btf.find("bpf_attr", Union)) == 8
    assert btf.align_of(btf.find("bpf_spin_lock", Struct)) == 4
    for type_id, t in btf:
        if isinstance(t, Struct) and t.name:
            assert btf.align_of(type_id) in (1, 2, 4, 8, 16)
