"""The decoder and encoder against the running kernel's own BTF (``/sys/kernel/btf/vmlinux``; skipped
without it)."""

from __future__ import annotations

from collections import Counter

import pytest

from pybpf import uapi
from pybpf.btf import BTF, KINDS, Enum, Int, Kind, Struct, Union, encode_btf
from pybpf.btf.raw import TYPE_HEAD_SIZE
from tests.btf.vmlinux import VMLINUX, vmlinux_btf


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


def test_encodes_back_to_the_same_bytes(btf: BTF) -> None:
    with open(VMLINUX, "rb") as f:
        assert encode_btf(btf) == f.read()


def test_kind_table_matches_the_kernels_own_btf(btf: BTF) -> None:
    """The kernel describes its BTF format in its BTF: the BTF_KIND_* numbers and the trailing structs."""
    (numbers,) = (
        t for _, t in btf if isinstance(t, Enum) and any(v.name == "BTF_KIND_INT" for v in t.values)
    )
    kinds = {v.name: v.value for v in numbers.values}
    for row in KINDS:
        assert kinds[f"BTF_KIND_{row.kind.name}"] == row.kind
    per_entry = {
        "btf_member": (Kind.STRUCT, Kind.UNION),
        "btf_enum": (Kind.ENUM,),
        "btf_enum64": (Kind.ENUM64,),
        "btf_param": (Kind.FUNC_PROTO,),
        "btf_var_secinfo": (Kind.DATASEC,),
    }
    fixed = {"btf_array": (Kind.ARRAY,), "btf_var": (Kind.VAR,), "btf_decl_tag": (Kind.DECL_TAG,)}
    for table, words in ((per_entry, "entry_words"), (fixed, "fixed_words")):
        for struct_name, users in table.items():
            size = btf.size_of(btf.find(struct_name, Struct))
            assert all(4 * getattr(KINDS[kind], words) == size for kind in users), struct_name
    assert btf.size_of(btf.find("btf_type", Struct)) == TYPE_HEAD_SIZE


def test_member_walk_matches_the_generated_uapi(btf: BTF) -> None:
    attr = btf.find("bpf_attr", Union)
    fields = list(btf.walk_members(attr))  # the members of its anonymous structs, at their offsets
    names = Counter(f.name for f in fields)
    checked = 0
    for field in fields:
        if names[field.name] == 1 and not field.bitfield_size and hasattr(uapi.bpf_attr, field.name):
            assert getattr(uapi.bpf_attr, field.name).offset == field.bit_offset // 8, field.name
            checked += 1
    assert checked > 40
    assert btf.member_at(attr, "btf_log_true_size").bit_offset // 8 == uapi.bpf_attr.btf_log_true_size.offset
