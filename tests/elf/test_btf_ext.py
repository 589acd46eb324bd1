"""The pieces under the ELF reader: .BTF.ext decoding, BTF types as ctypes types, the SEC() table."""

from __future__ import annotations

import ctypes
import struct

import pytest

from pybpf import uapi
from pybpf.btf import BTF, Array, BTFError, Datasec, Int, Member, Ptr, Struct, Union, Var, VarSecinfo
from pybpf.btf.ctypes_types import ctype_of, field_names
from pybpf.btf.ext import FuncInfo, LineInfo, encode_func_info, encode_line_info, parse_btf_ext, shifted
from pybpf.elf import find_section_def, program_kind, read_object
from tests.elf.corpus import obj_path

STRINGS = b"\0xdp\0prog.c\0return 0;\0" + b"0:1\0"


def _btf() -> BTF:
    return BTF((Int("int", 4, 1, 0, 32),), strings=STRINGS)


def _ext(func: bytes = b"", line: bytes = b"", core: bytes = b"", hdr_len: int = 32) -> bytes:
    body = func + line + core
    header = struct.pack("<HBBI", 0xEB9F, 1, 0, hdr_len) + struct.pack(
        "<6I", 0, len(func), len(func), len(line), len(func) + len(line), len(core)
    )
    return header[:hdr_len] + body


def _block(name_off: int, records: list[bytes]) -> bytes:
    return struct.pack("<II", name_off, len(records)) + b"".join(records)


def test_decoding_all_three_subsections() -> None:
    func = struct.pack("<I", 8) + _block(1, [struct.pack("<II", 0, 1), struct.pack("<II", 16, 1)])
    line = struct.pack("<I", 16) + _block(1, [struct.pack("<IIII", 8, 5, 12, (7 << 10) | 3)])
    core = struct.pack("<I", 16) + _block(1, [struct.pack("<IIII", 24, 1, 22, 0)])
    ext = parse_btf_ext(_ext(func, line, core), _btf())
    assert ext.func_info == {"xdp": (FuncInfo(0, 1), FuncInfo(2, 1))}
    (only,) = ext.line_info["xdp"]
    assert (only.insn, only.file, only.source, only.line, only.column) == (1, "prog.c", "return 0;", 7, 3)
    (relo,) = ext.core_relos["xdp"]
    assert (relo.insn, relo.type_id, relo.access, relo.kind) == (3, 1, "0:1", uapi.BPF_CORE_FIELD_BYTE_OFFSET)


def test_a_short_header_has_no_core_relocations() -> None:
    func = struct.pack("<I", 8) + _block(1, [struct.pack("<II", 0, 1)])
    assert parse_btf_ext(_ext(func, hdr_len=24), _btf()).core_relos == {}


def test_longer_records_keep_their_tail_for_the_kernel() -> None:
    func = struct.pack("<I", 12) + _block(1, [struct.pack("<III", 0, 1, 0xABCD)])
    ext = parse_btf_ext(_ext(func), _btf())
    assert ext.func_info_rec_size == 12
    assert encode_func_info(ext.func_info["xdp"], 12) == struct.pack("<III", 0, 1, 0xABCD)


def test_encoding_for_the_kernel_counts_instructions() -> None:
    lines = [LineInfo(3, 5, 12, 7, 3)]
    assert encode_line_info(shifted(lines, 10)) == struct.pack("<IIII", 13, 5, 12, (7 << 10) | 3)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x9f\xeb", "too short"),
        (struct.pack("<HBBI", 0x1234, 1, 0, 32) + bytes(24), "bad magic"),
        (struct.pack("<HBBI", 0xEB9F, 2, 0, 32) + bytes(24), "version"),
        (struct.pack("<HBBI", 0xEB9F, 1, 0, 4) + bytes(24), "header length"),
        (_ext(struct.pack("<I", 4) + _block(1, [b"xxxx"])), "record size 4"),
        (_ext(struct.pack("<I", 8) + struct.pack("<II", 1, 0)), "no records"),
        (_ext(struct.pack("<I", 8) + struct.pack("<II", 1, 0xFFFFFFF)), "run past"),
        (_ext(struct.pack("<I", 8) + _block(999, [struct.pack("<II", 0, 1)])), "string offset 999"),
        (_ext(struct.pack("<I", 8) + _block(1, [struct.pack("<II", 3, 1)])), "insn_off 3"),
        (_ext(core=struct.pack("<I", 16) + _block(1, [struct.pack("<IIII", 0, 1, 22, 99)])), "kind 99"),
        (_ext(struct.pack("<I", 8) + struct.pack("<I", 1)), "truncated block header"),
    ],
)
def test_malformed_btf_ext(data: bytes, words: str) -> None:
    with pytest.raises(BTFError, match=words):
        parse_btf_ext(data, _btf())


def test_func_info_names_the_functions_of_the_corpus() -> None:
    spec = read_object(obj_path("bpf2bpf_calls"))
    assert spec.btf is not None
    for f in spec.functions:
        (first, *_) = f.func_info
        assert spec.btf[first.type_id].name == f.name


# -- ctypes --------------------------------------------------------------------------------------------------
def test_structs_with_padding_bitfields_and_unions() -> None:
    btf = BTF(
        (
            Int("char", 1, 1, 0, 8),
            Int("unsigned int", 4, 0, 0, 32),
            Int("long", 8, 1, 0, 64),
            Struct(
                "s",
                24,
                (
                    Member("c", 1, 0),
                    Member("lo", 2, 32, 3),
                    Member("hi", 2, 35, 29),
                    Member("l", 3, 64),
                    Member("u", 6, 128),
                ),
                kind_flag=True,
            ),
            Ptr(4),
            Union("u", 8, (Member("p", 5, 0), Member("i", 2, 0))),
            Array(1, 2, 5),
            Struct("named", 5, (Member("name", 7, 0),)),
        )
    )
    s = ctype_of(btf, 4)
    assert ctypes.sizeof(s) == 24
    assert field_names(s) == ["c", "lo", "hi", "l", "u"]
    value = s.from_buffer_copy(struct.pack("<bxxxIqQ", -3, (5 << 3) | 6, -9, 77))
    assert (value.c, value.lo, value.hi, value.l, value.u.p) == (b"\xfd", 6, 5, -9, 77)
    named = ctype_of(btf, 8).from_buffer_copy(b"ab\0\0\0")
    assert named.name == b"ab"


def test_datasec_as_a_struct_of_variables() -> None:
    btf = BTF(
        (
            Int("unsigned int", 4, 0, 0, 32),
            Var("a", 1, 1),
            Var("b", 1, 1),
            Datasec(".data", 12, (VarSecinfo(2, 0, 4), VarSecinfo(3, 8, 4))),
        )
    )
    ctype = ctype_of(btf, 4)
    assert ctypes.sizeof(ctype) == 12 and field_names(ctype) == ["a", "b"]
    assert ctype.b.offset == 8


def test_a_layout_ctypes_cannot_say_becomes_bytes() -> None:
    btf = BTF((Int("unsigned int", 4, 0, 0, 32), Struct("odd", 8, (Member("x", 1, 4, 30),), kind_flag=True)))
    ctype = ctype_of(btf, 2)
    assert ctypes.sizeof(ctype) == 8
    assert issubclass(ctype, ctypes.Array)


def test_loops_are_errors() -> None:
    from pybpf.btf import Typedef

    btf = BTF((Typedef("a", 2), Typedef("b", 1)))
    with pytest.raises(BTFError):
        ctype_of(btf, 1)


# -- the SEC() table ------------------------------------------------------------------------------------
P, A = uapi.bpf_prog_type, uapi.bpf_attach_type


@pytest.mark.parametrize(
    ("section", "prog_type", "attach", "flags", "target"),
    [
        ("xdp", P.BPF_PROG_TYPE_XDP, A.BPF_XDP, 0, ""),
        ("xdp.frags", P.BPF_PROG_TYPE_XDP, A.BPF_XDP, uapi.BPF_F_XDP_HAS_FRAGS, ""),
        ("xdp/devmap", P.BPF_PROG_TYPE_XDP, A.BPF_XDP_DEVMAP, 0, ""),
        ("socket", P.BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, ""),
        ("tc", P.BPF_PROG_TYPE_SCHED_CLS, 0, 0, ""),
        ("classifier", P.BPF_PROG_TYPE_SCHED_CLS, 0, 0, ""),
        ("tc/ingress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_INGRESS, 0, ""),
        ("tcx/egress", P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_EGRESS, 0, ""),
        (
            "tracepoint/syscalls/sys_enter_openat",
            P.BPF_PROG_TYPE_TRACEPOINT,
            0,
            0,
            "syscalls/sys_enter_openat",
        ),
        ("tp/sched/sched_switch", P.BPF_PROG_TYPE_TRACEPOINT, 0, 0, "sched/sched_switch"),
        ("raw_tp/sys_enter", P.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, "sys_enter"),
        ("raw_tracepoint.w/x", P.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0, "x"),
        ("kprobe/do_unlinkat", P.BPF_PROG_TYPE_KPROBE, 0, 0, "do_unlinkat"),
        ("kretprobe/do_unlinkat", P.BPF_PROG_TYPE_KPROBE, 0, 0, "do_unlinkat"),
        ("uprobe.s//bin/sh:main", P.BPF_PROG_TYPE_KPROBE, 0, uapi.BPF_F_SLEEPABLE, "/bin/sh:main"),
        ("fentry/tcp_v4_connect", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY, 0, "tcp_v4_connect"),
        ("fexit.s/x", P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FEXIT, uapi.BPF_F_SLEEPABLE, "x"),
        ("lsm/file_open", P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC, 0, "file_open"),
        ("syscall", P.BPF_PROG_TYPE_SYSCALL, 0, uapi.BPF_F_SLEEPABLE, ""),
        ("cgroup/connect4", P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_CONNECT, 0, ""),
        ("cgroup_skb/egress", P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_EGRESS, 0, ""),
        ("sk_lookup", P.BPF_PROG_TYPE_SK_LOOKUP, A.BPF_SK_LOOKUP, 0, ""),
        ("netfilter", P.BPF_PROG_TYPE_NETFILTER, A.BPF_NETFILTER, 0, ""),
    ],
)
def test_section_names_as_libbpf_reads_them(
    section: str, prog_type: int, attach: int, flags: int, target: str
) -> None:
    kind = program_kind(section)
    assert (kind.prog_type, kind.expected_attach_type, kind.prog_flags, kind.attach_target) == (
        prog_type,
        attach,
        flags,
        target,
    )


@pytest.mark.parametrize("section", ["xdpx", "kprobes/x", "sockets", "tracepointx/y", "", "cgroup/unknown"])
def test_names_libbpf_does_not_know(section: str) -> None:
    assert find_section_def(section) is None
    assert program_kind(section).prog_type == 0
