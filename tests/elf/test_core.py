"""CO-RE: relocations resolved against the kernel's BTF and against a BTF the user names, computed values
checked against the target BTF itself, patching and poisoning of instructions, refusals with the C line."""

from __future__ import annotations

import functools
import os
import struct

import pytest

from pybpf import Object, ProgramLoadError, uapi
from pybpf.btf import BTF, Array, Enum, EnumValue, Int, Member, Ptr, Struct, Typedef, read_btf_file
from pybpf.btf.ext import CoreRelo
from pybpf.elf import ELFError
from pybpf.elf.core import POISON_IMM, CoreResult, apply_core_relo, core_result, essential_name
from pybpf.kernel.backend import Backend
from tests.elf.corpus import SIZES, obj_path

K = uapi.bpf_core_relo_kind
VMLINUX = "/sys/kernel/btf/vmlinux"
needs_vmlinux = pytest.mark.skipif(not os.path.exists(VMLINUX), reason="no kernel BTF here")


@functools.cache
def kernel_btf() -> BTF:
    """The running kernel's BTF, read once for the tests of this module (each engine, each backend)."""
    return read_btf_file(VMLINUX)


@pytest.mark.parametrize(
    ("name", "essential"),
    [
        ("task_struct", "task_struct"),
        ("task_struct___v1", "task_struct"),
        ("a___b___c", "a___b"),
        ("x____y", "x____y"),
        ("___x", "___x"),
        ("foo___", "foo___"),
        ("", ""),
    ],
)
def test_essential_names_drop_the_flavor(name: str, essential: str) -> None:
    assert essential_name(name) == essential


@pytest.mark.usefixtures("engine")
@needs_vmlinux
def test_core_access_facts_match_the_kernel_btf(backend: Backend) -> None:
    vmlinux = kernel_btf()
    xdp_md = vmlinux.find("xdp_md", Struct)
    action = vmlinux.get("xdp_action", Enum)
    assert isinstance(action, Enum)
    xdp_pass = next(v.value for v in action.values if v.name == "XDP_PASS")
    with Object.open(obj_path("core_access"), backend=backend) as obj:
        obj.load()
        frame = SIZES[3].data
        result = obj.programs["xdp_core"].run(frame)
        assert result.retval == xdp_pass
        assert obj.bss.facts == [len(frame), 0, 1, 4, 1, 0, vmlinux.size_of(xdp_md), xdp_pass]


@pytest.mark.usefixtures("engine")
def test_a_user_named_target_btf_decides_the_layout(backend: Backend) -> None:
    with Object.open(
        obj_path("core_custom"), backend=backend, btf_custom_path=obj_path("core_target")
    ) as obj:
        obj.load()
        obj.maps["blob"][0] = struct.pack("<QIHBBI4x", 1, 0xB, 0, (3 << 6) | 45, 0, 0xA)
        assert obj.programs["xdp_core_custom"].run(SIZES[0].data).retval == 2
        assert obj.bss.seen == [0xA, 0xB, 45, 8]


@needs_vmlinux
def test_an_unguarded_missing_field_is_refused_with_its_c_line(backend: Backend) -> None:
    with pytest.raises(ProgramLoadError) as caught:
        Object.open(obj_path("refused_core"), backend=backend).load()
    error = caught.value
    assert error.errno == 22
    assert "; if (ctx->rx_flags & 1) @ refused_core.c:16" in error.log
    assert "<invalid CO-RE relocation>" in error.log
    assert "struct xdp_md___old.rx_flags" in error.log
    assert "refused_core.c:16" in str(error)
    assert f"unknown#{POISON_IMM}" in error.raw_log


@pytest.mark.usefixtures("engine")
@needs_vmlinux
def test_a_guarded_missing_field_loads_on_the_kernel(backend: Backend) -> None:
    """The poisoned load sits in a branch both verifiers prove dead."""
    with Object.open(obj_path("core_custom"), backend=backend) as obj:
        obj.load()
        assert obj.programs["xdp_core_custom"].run(SIZES[0].data).retval == 1  # XDP_DROP: a is missing
        assert obj.bss.seen[0] == 0xEE


def test_no_target_btf_is_a_clear_error(tmp_path: os.PathLike[str]) -> None:
    missing = os.path.join(os.fspath(tmp_path), "nothing.btf")
    with pytest.raises(ELFError, match=r"target BTF .*nothing\.btf"):
        Object.open(obj_path("core_access"), btf_custom_path=missing).load()


# -- the rules, on hand-made BTF -------------------------------------------------------------------------
def _local() -> BTF:
    """[1] int, [2] struct s {int a; int b; int c:3, d:5;}, [3] s*, [4] int[4], [5] struct t {int x[4];}."""
    return BTF(
        (
            Int("int", 4, 1, 0, 32),
            Struct(
                "s",
                12,
                (Member("a", 1, 0), Member("b", 1, 32), Member("c", 1, 64, 3), Member("d", 1, 67, 5)),
                kind_flag=True,
            ),
            Ptr(2),
            Array(1, 1, 4),
            Struct("t", 16, (Member("x", 4, 0),)),
            Enum("e", 4, (EnumValue("E_ONE", 1), EnumValue("E_TWO", 2))),
        )
    )


def _target() -> BTF:
    """The same names, another layout: struct s___new {long pad; int b; int a; int d:5, c:3;}."""
    return BTF(
        (
            Int("int", 4, 1, 0, 32),
            Int("long", 8, 1, 0, 64),
            Struct(
                "s",
                24,
                (
                    Member("pad", 2, 0),
                    Member("b", 1, 64),
                    Member("a", 1, 96),
                    Member("d", 1, 128, 5),
                    Member("c", 1, 133, 3),
                ),
                kind_flag=True,
            ),
            Typedef("s_t", 3),
            Array(1, 1, 8),
            Struct("t", 32, (Member("x", 5, 0),)),
            Enum("e", 4, (EnumValue("E_TWO", 20), EnumValue("E_ONE", 10))),
        )
    )


def relo(kind: K, type_id: int, access: str) -> CoreRelo:
    return CoreRelo(0, type_id, 0, access, kind)


@pytest.mark.parametrize(
    ("kind", "type_id", "access", "orig", "new"),
    [
        (K.BPF_CORE_FIELD_BYTE_OFFSET, 2, "0:1", 4, 8),
        (K.BPF_CORE_FIELD_BYTE_OFFSET, 2, "0:0", 0, 12),
        (K.BPF_CORE_FIELD_BYTE_OFFSET, 2, "1:0", 12, 36),
        (K.BPF_CORE_FIELD_BYTE_SIZE, 2, "0:0", 4, 4),
        (K.BPF_CORE_FIELD_EXISTS, 2, "0:1", 1, 1),
        (K.BPF_CORE_FIELD_SIGNED, 2, "0:1", 1, 1),
        (K.BPF_CORE_FIELD_LSHIFT_U64, 2, "0:2", 61, 56),
        (K.BPF_CORE_FIELD_RSHIFT_U64, 2, "0:3", 59, 59),
        (K.BPF_CORE_FIELD_BYTE_OFFSET, 5, "0:0:2", 8, 8),
        (K.BPF_CORE_TYPE_EXISTS, 2, "0", 1, 1),
        (K.BPF_CORE_TYPE_SIZE, 2, "0", 12, 24),
        (K.BPF_CORE_TYPE_ID_TARGET, 2, "0", 2, 3),
        (K.BPF_CORE_TYPE_ID_LOCAL, 2, "0", 2, 2),
        (K.BPF_CORE_ENUMVAL_EXISTS, 6, "1", 1, 1),
        (K.BPF_CORE_ENUMVAL_VALUE, 6, "1", 2, 20),
    ],
)
def test_relocation_values(kind: K, type_id: int, access: str, orig: int, new: int) -> None:
    result = core_result(_local(), _target(), relo(kind, type_id, access), "test")
    assert (result.orig_val, result.new_val, result.poison) == (orig, new, False)


def test_missing_fields_and_types() -> None:
    target = BTF((Int("int", 4, 1, 0, 32), Struct("s", 4, (Member("a", 1, 0),))))
    assert core_result(_local(), target, relo(K.BPF_CORE_FIELD_EXISTS, 2, "0:1"), "t").new_val == 0
    assert core_result(_local(), target, relo(K.BPF_CORE_FIELD_BYTE_OFFSET, 2, "0:1"), "t").poison
    assert core_result(_local(), target, relo(K.BPF_CORE_TYPE_EXISTS, 5, "0"), "t").new_val == 0
    assert core_result(_local(), target, relo(K.BPF_CORE_TYPE_SIZE, 5, "0"), "t").new_val == 0
    assert core_result(_local(), target, relo(K.BPF_CORE_ENUMVAL_VALUE, 6, "0"), "t").poison
    assert core_result(_local(), target, relo(K.BPF_CORE_ENUMVAL_EXISTS, 6, "0"), "t").new_val == 0


def test_ambiguous_candidates_are_refused() -> None:
    two = BTF(
        (
            Int("int", 4, 1, 0, 32),
            Struct("s___a", 8, (Member("b", 1, 0),)),
            Struct("s___b", 8, (Member("b", 1, 32),)),
        )
    )
    with pytest.raises(ELFError, match="ambiguity"):
        core_result(_local(), two, relo(K.BPF_CORE_FIELD_BYTE_OFFSET, 2, "0:1"), "t")


@pytest.mark.parametrize("access", ["", "0:x", "0:9", "-1", "0:" + ":".join(["0"] * 80)])
def test_bad_access_strings_are_clear_errors(access: str) -> None:
    with pytest.raises(ELFError, match="CO-RE relocation"):
        core_result(_local(), _target(), relo(K.BPF_CORE_FIELD_BYTE_OFFSET, 2, access), "t")


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def test_patching_loads_alu_and_lddw() -> None:
    code = bytearray(_insn(0x61, 2, 1, 4) + _insn(0xB7, 0, 0, 0, 4) + _insn(0x18, 1, 0, 0, 4) + _insn(0))
    change = CoreResult(4, 8)
    for slot in (0, 1, 2):
        apply_core_relo(code, slot, change, "t")
    assert struct.unpack_from("<h", code, 2)[0] == 8
    assert struct.unpack_from("<i", code, 12)[0] == 8
    assert struct.unpack_from("<i", code, 20)[0] == 8
    with pytest.raises(ELFError, match="unexpected load/store offset"):
        apply_core_relo(code, 0, CoreResult(4, 12), "t")


def test_a_load_resized_for_an_unsigned_field() -> None:
    code = bytearray(_insn(0x61, 2, 1, 4))  # r2 = *(u32 *)(r1 + 4)
    apply_core_relo(code, 0, CoreResult(4, 16, orig_size=4, new_size=8), "t")
    assert code[0] == 0x79 and struct.unpack_from("<h", code, 2)[0] == 16


def test_poisoning() -> None:
    code = bytearray(_insn(0x18, 1, 0, 0, 4) + _insn(0) + _insn(0x61, 2, 1, 4))
    apply_core_relo(code, 0, CoreResult(4, 0, poison=True), "t")
    apply_core_relo(code, 2, CoreResult(4, 8, fail_memsz_adjust=True), "t")
    for slot in (0, 1, 2):
        assert struct.unpack_from("<BBhi", code, slot * 8) == (0x85, 0, 0, POISON_IMM)
