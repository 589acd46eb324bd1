"""The generated UAPI as other modules use it: ``bpf_attr`` offsets that every kernel since the
commands appeared shares, the flattened anonymous members, ``bpf_insn`` bitfields, and the names
(enums, enumerators, defines) the rest of pybpf imports.  Needs no kernel."""

from __future__ import annotations

import ctypes
import enum
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.uapi import bpf_attr, bpf_insn


def _off(name: str, cls: type = bpf_attr) -> int:
    offset: int = getattr(cls, name).offset
    return offset


@pytest.mark.parametrize(
    ("field", "offset"),
    [
        # BPF_MAP_CREATE
        ("map_type", 0),
        ("key_size", 4),
        ("value_size", 8),
        ("max_entries", 12),
        ("map_flags", 16),
        ("inner_map_fd", 20),
        ("numa_node", 24),
        ("map_name", 28),
        ("map_ifindex", 44),
        ("btf_fd", 48),
        ("btf_key_type_id", 52),
        ("btf_value_type_id", 56),
        ("btf_vmlinux_value_type_id", 60),
        ("map_extra", 64),
        # BPF_MAP_*_ELEM
        ("map_fd", 0),
        ("key", 8),
        ("value", 16),
        ("next_key", 16),
        ("flags", 24),
        # BPF_PROG_LOAD
        ("prog_type", 0),
        ("insn_cnt", 4),
        ("insns", 8),
        ("license", 16),
        ("log_level", 24),
        ("log_size", 28),
        ("log_buf", 32),
        ("kern_version", 40),
        ("prog_flags", 44),
        ("prog_name", 48),
        ("prog_ifindex", 64),
        ("expected_attach_type", 68),
        ("prog_btf_fd", 72),
        ("func_info_rec_size", 76),
        ("func_info", 80),
        ("func_info_cnt", 88),
        ("line_info_rec_size", 92),
        ("line_info", 96),
        ("line_info_cnt", 104),
        ("attach_btf_id", 108),
        ("attach_prog_fd", 112),
        ("fd_array", 120),
        # BPF_OBJ_PIN / BPF_OBJ_GET
        ("pathname", 0),
        ("bpf_fd", 8),
        ("file_flags", 12),
        # BPF_PROG_ATTACH / DETACH
        ("target_fd", 0),
        ("attach_bpf_fd", 4),
        ("attach_type", 8),
        ("attach_flags", 12),
        ("replace_bpf_fd", 16),
        # BPF_*_GET_NEXT_ID / GET_FD_BY_ID
        ("start_id", 0),
        ("prog_id", 0),
        ("map_id", 0),
        ("btf_id", 0),
        ("link_id", 0),
        ("next_id", 4),
        ("open_flags", 8),
        # BPF_BTF_LOAD
        ("btf", 0),
        ("btf_log_buf", 8),
        ("btf_size", 16),
        ("btf_log_size", 20),
        ("btf_log_level", 24),
    ],
)
def test_bpf_attr_flattened_offsets(field: str, offset: int) -> None:
    assert _off(field) == offset


@pytest.mark.parametrize(
    ("member", "field", "offset"),
    [
        ("batch", "in_batch", 0),
        ("batch", "out_batch", 8),
        ("batch", "keys", 16),
        ("batch", "values", 24),
        ("batch", "count", 32),
        ("batch", "map_fd", 36),
        ("batch", "elem_flags", 40),
        ("batch", "flags", 48),
        ("test", "prog_fd", 0),
        ("test", "retval", 4),
        ("test", "data_size_in", 8),
        ("test", "data_size_out", 12),
        ("test", "data_in", 16),
        ("test", "data_out", 24),
        ("test", "repeat", 32),
        ("test", "duration", 36),
        ("test", "ctx_size_in", 40),
        ("test", "ctx_size_out", 44),
        ("test", "ctx_in", 48),
        ("test", "ctx_out", 56),
        ("test", "flags", 64),
        ("test", "cpu", 68),
        ("test", "batch_size", 72),
        ("info", "bpf_fd", 0),
        ("info", "info_len", 4),
        ("info", "info", 8),
        ("query", "target_fd", 0),
        ("query", "attach_type", 4),
        ("query", "query_flags", 8),
        ("query", "attach_flags", 12),
        ("query", "prog_ids", 16),
        ("query", "prog_cnt", 24),
        ("raw_tracepoint", "name", 0),
        ("raw_tracepoint", "prog_fd", 8),
        ("link_create", "prog_fd", 0),
        ("link_create", "target_fd", 4),
        ("link_create", "attach_type", 8),
        ("link_create", "flags", 12),
    ],
)
def test_bpf_attr_named_member_offsets(member: str, field: str, offset: int) -> None:
    assert getattr(bpf_attr, member).offset == 0
    assert _off(field, type(getattr(bpf_attr(), member))) == offset


def test_attr_size_and_round_trip_through_bytes() -> None:
    assert uapi.ATTR_SIZE == ctypes.sizeof(bpf_attr) >= 120
    attr = bpf_attr()
    attr.map_type = uapi.BPF_MAP_TYPE_ARRAY
    attr.key_size, attr.value_size, attr.max_entries = 4, 8, 16
    attr.map_name = b"counts"
    raw = bytes(attr)
    assert raw[:16] == bytes.fromhex("02000000 04000000 08000000 10000000")
    back = bpf_attr.from_buffer_copy(raw)
    assert (back.map_type, back.value_size, back.map_name) == (uapi.BPF_MAP_TYPE_ARRAY, 8, b"counts")
    attr.batch.count = 7
    assert attr.batch.count == 7 and bytes(attr)[32:36] == b"\x07\0\0\0"


def test_bpf_insn_bitfields() -> None:
    assert ctypes.sizeof(bpf_insn) == 8
    insn = bpf_insn(code=0xB7, dst_reg=1, src_reg=10, off=-2, imm=-1)
    assert bytes(insn) == bytes([0xB7, 0xA1, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    back = bpf_insn.from_buffer_copy(bytes([0x85, 0x21, 0, 0, 5, 0, 0, 0]))
    assert (back.code, back.dst_reg, back.src_reg, back.imm) == (0x85, 1, 2, 5)


def test_context_and_info_structs_present() -> None:
    for name in (
        "bpf_map_info",
        "bpf_prog_info",
        "bpf_btf_info",
        "bpf_link_info",
        "sk_buff",
        "xdp_md",
        "bpf_sock",
        "bpf_flow_keys",
        "bpf_spin_lock",
        "bpf_timer",
    ):
        assert issubclass(getattr(uapi, name), ctypes.Structure)
    assert uapi.C_TYPES["struct __sk_buff"] is uapi.sk_buff
    assert uapi.C_TYPES["union bpf_attr"] is bpf_attr
    assert hasattr(uapi, "bpf_lpm_trie_key") or hasattr(uapi, "bpf_lpm_trie_key_hdr")
    assert ctypes.sizeof(uapi.xdp_md) >= 20 and uapi.xdp_md.data.offset == 0
    assert uapi.sk_buff.len.offset == 0 and uapi.sk_buff.data.offset == 76
    assert uapi.bpf_map_info.name.offset == 24 and uapi.bpf_prog_info.tag.offset == 8


def test_enums_and_constants() -> None:
    for name in (
        "bpf_cmd",
        "bpf_map_type",
        "bpf_prog_type",
        "bpf_attach_type",
        "bpf_link_type",
        "bpf_func_id",
        "xdp_action",
    ):
        assert issubclass(getattr(uapi, name), enum.IntEnum)
    assert uapi.bpf_cmd.BPF_MAP_CREATE == uapi.BPF_MAP_CREATE == 0
    assert uapi.bpf_cmd(5) is uapi.bpf_cmd.BPF_PROG_LOAD
    assert (uapi.BPF_MAP_TYPE_HASH, uapi.BPF_PROG_TYPE_SOCKET_FILTER) == (1, 1)
    assert (uapi.BPF_FUNC_map_lookup_elem, uapi.BPF_FUNC_ktime_get_ns) == (1, 5)
    assert (uapi.XDP_ABORTED, uapi.XDP_DROP, uapi.XDP_PASS, uapi.XDP_TX, uapi.XDP_REDIRECT) == (0, 1, 2, 3, 4)
    assert (uapi.BPF_ANY, uapi.BPF_NOEXIST, uapi.BPF_EXIST, uapi.BPF_F_LOCK) == (0, 1, 2, 4)
    flags = [
        "BPF_F_NO_PREALLOC",
        "BPF_F_NO_COMMON_LRU",
        "BPF_F_NUMA_NODE",
        "BPF_F_RDONLY",
        "BPF_F_WRONLY",
        "BPF_F_STACK_BUILD_ID",
        "BPF_F_ZERO_SEED",
        "BPF_F_RDONLY_PROG",
        "BPF_F_WRONLY_PROG",
        "BPF_F_CLONE",
        "BPF_F_MMAPABLE",
        "BPF_F_PRESERVE_ELEMS",
        "BPF_F_INNER_MAP",
    ]
    assert [getattr(uapi, f) for f in flags] == [1 << i for i in range(len(flags))]
    assert (
        uapi.BPF_PSEUDO_MAP_FD,
        uapi.BPF_PSEUDO_MAP_VALUE,
        uapi.BPF_PSEUDO_BTF_ID,
        uapi.BPF_PSEUDO_FUNC,
        uapi.BPF_PSEUDO_MAP_IDX,
        uapi.BPF_PSEUDO_MAP_IDX_VALUE,
    ) == (1, 2, 3, 4, 5, 6)
    assert (uapi.BPF_PSEUDO_CALL, uapi.BPF_PSEUDO_KFUNC_CALL) == (1, 2)
    assert (uapi.BPF_OBJ_NAME_LEN, uapi.BPF_TAG_SIZE, uapi.BPF_BUILD_ID_SIZE) == (16, 8, 20)
    assert (
        uapi.BPF_F_STRICT_ALIGNMENT,
        uapi.BPF_F_ANY_ALIGNMENT,
        uapi.BPF_F_TEST_RND_HI32,
        uapi.BPF_F_SLEEPABLE,
        uapi.BPF_F_XDP_HAS_FRAGS,
    ) == (1, 2, 4, 16, 32)
    assert (uapi.BPF_F_TEST_RUN_ON_CPU, uapi.BPF_F_TEST_XDP_LIVE_FRAMES) == (1, 2)
    assert (uapi.BPF_RB_NO_WAKEUP, uapi.BPF_RB_FORCE_WAKEUP, uapi.BPF_RINGBUF_HDR_SZ) == (1, 2, 8)
    assert (uapi.BPF_LD, uapi.BPF_ALU64, uapi.BPF_JMP32, uapi.BPF_MAXINSNS) == (0, 7, 6, 4096)
    assert uapi.MAX_BPF_REG == 11
    assert uapi.BPF_REG_10 == 10 and uapi.BPF_XCHG == 0xE1


def test_newer_kernel_flags_present() -> None:
    # in the running kernel's map-flag enum although the installed header may predate them
    names = [
        "BPF_F_LINK",
        "BPF_F_PATH_FD",
        "BPF_F_VTYPE_BTF_OBJ_FD",
        "BPF_F_TOKEN_FD",
        "BPF_F_SEGV_ON_FAULT",
        "BPF_F_NO_USER_CONV",
    ]
    assert [getattr(uapi, n) for n in names] == [1 << i for i in range(13, 19)]


def test_all_is_complete_and_sorted_consistently() -> None:
    from pybpf.uapi import _generated

    assert uapi.__all__ == ["Record", "member_names", "offsetof", "offsetofend", *_generated.__all__]
    assert len(set(uapi.__all__)) == len(uapi.__all__)
    for name in uapi.__all__:
        assert hasattr(uapi, name), name
    assert "__MAX_BPF_REG" in uapi.__all__ and "bpf_attr" in uapi.__all__


def test_generated_file_header() -> None:
    path = Path(uapi.__file__).with_name("_generated.py")
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# GENERATED by scripts/gen_uapi.py from ")
    assert first.endswith(" BTF and linux/bpf.h — do not edit.")
    assert uapi.UAPI_KERNEL_RELEASE in first
