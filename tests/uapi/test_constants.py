"""Constants come from the generated uapi only: the generator's tables (UAPI enums and #defines newer
than the installed header, kernel-internal constants such as ENOTSUPP), the scan of the package for
constants typed by hand, the public names of ``union bpf_attr``'s members with ``offsetof`` and
friends, and helper names as a lookup over ``enum bpf_func_id``."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import Any

import pytest

from pybpf import uapi
from pybpf.btf import BTF, Enum, EnumValue, Int, Member, Struct, Union
from pybpf.isa import opcodes
from pybpf.isa.helper_names import HELPER_IDS, HELPER_NAMES, helper_id, helper_name
from tests.uapi.test_generator import gen_uapi

HEADER = Path(gen_uapi.DEFAULT_HEADER)


def _generate(btf: BTF, header_text: str, **tables: Any) -> str:
    h = gen_uapi.Header()
    gen_uapi.scan_header(header_text, h, "linux/t.h")
    tables = {"newer_enums": (), "newer_defines": (), "internal": (), **tables}
    text: str = gen_uapi.generate(btf, h, "9.9.9-test", required=(), **tables)
    return text


def _exec(text: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "synthetic"}
    exec(compile(text, "synthetic", "exec"), ns)
    return ns


def _btf() -> BTF:
    return BTF(
        (
            Int("unsigned int", 4, 0, 0, 32),  # 1
            Enum("t_kind", 4, (EnumValue("T_A", 0), EnumValue("T_B", 5))),  # 2: in the header
            Enum("t_new", 4, (EnumValue("T_NEW", 7),)),  # 3: newer than the header
            Enum("", 4, (EnumValue("K_LOOPS", 64), EnumValue("K_OTHER", 1))),  # 4: kernel-internal
            Struct("", 8, (Member("map_type", 1, 0), Member("key_size", 1, 32))),  # 5
            Struct("", 4, (Member("odd_first", 1, 0),)),  # 6
            Union("bpf_attr", 8, (Member("", 5, 0), Member("", 6, 0))),  # 7
        )
    )


_HEADER = """
enum t_kind { T_A, T_B = 5 };
#define T_OLD 3
union bpf_attr { int x; };
"""


def test_tables_fill_in_what_the_header_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    text = _generate(
        _btf(),
        _HEADER,
        newer_enums=(("t_new", "9.1"), ("t_absent", "9.2")),
        newer_defines=(("T_OLD", "3", "linux/t.h", "1.0"), ("T_FRESH", "(1U << 4)", "linux/t.h", "9.3")),
        internal=(("include/linux/k.h", (("K_LOOPS", "(8 * 8)"), ("K_DERIVED", "(T_FRESH | T_B)"))),),
    )
    ns = _exec(text)
    assert ns["t_new"].T_NEW == 7 and ns["T_NEW"] == 7  # a newer enum, from the BTF
    assert "t_absent" not in ns and "t_absent is in neither" in capsys.readouterr().err
    assert (ns["T_OLD"], ns["T_FRESH"], ns["K_LOOPS"], ns["K_DERIVED"]) == (3, 16, 64, 21)
    assert "T_FRESH = 0x10  # (1U << 4); since Linux 9.3" in text
    assert "#defines of include/linux/k.h, kernel-internal (not UAPI)" in text
    assert text.count("T_OLD = ") == 1  # the header has it: not repeated from the table
    assert {"T_NEW", "T_FRESH", "K_LOOPS", "K_DERIVED"} <= set(ns["__all__"])


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"newer_defines": (("T_OLD", "4", "linux/t.h", "1.0"),)}, "the installed linux/t.h says 3"),
        ({"internal": (("k.h", (("K_LOOPS", "65"),)),)}, "BTF's enumerator is \\[64\\]"),
        ({"internal": (("k.h", (("T_B", "5"),)),)}, "is also a UAPI name"),
        ({"internal": (("k.h", (("K_X", "UNKNOWN + 1"),)),)}, "not an integer constant expression"),
    ],
)
def test_tables_that_disagree_are_refused(tables: dict[str, Any], message: str) -> None:
    with pytest.raises(gen_uapi.GenError, match=message):
        _generate(_btf(), _HEADER, **tables)


def test_anonymous_attr_members_are_named_after_their_commands(capsys: pytest.CaptureFixture[str]) -> None:
    ns = _exec(_generate(_btf(), _HEADER))
    assert ns["bpf_attr_map_create"].key_size.offset == 4
    assert "bpf_attr_anon_odd_first" in ns  # not in ATTR_COMMAND_MEMBERS: named after its first member
    assert "odd_first is not in ATTR_COMMAND_MEMBERS" in capsys.readouterr().err


def test_the_live_attr_member_names() -> None:
    assert uapi.member_names(uapi.bpf_attr_map_create)[:2] == ("map_type", "key_size")
    assert uapi.member_names(uapi.bpf_attr_map_elem) == ("map_fd", "key", "value", "next_key", "flags")
    assert uapi.member_names(uapi.bpf_attr_get_id)[:5] == (
        "start_id",
        "prog_id",
        "map_id",
        "btf_id",
        "link_id",
    )
    for cls in (
        uapi.bpf_attr_prog_load,
        uapi.bpf_attr_obj,
        uapi.bpf_attr_prog_attach,
        uapi.bpf_attr_btf_load,
    ):
        assert issubclass(cls, ctypes.Structure)
    assert uapi.member_names(uapi.bpf_attr_prog_load)[0] == "prog_type"
    assert uapi.member_names(uapi.bpf_attr_btf_load)[0] == "btf"


def test_offsetof_reads_layouts_as_c_does() -> None:
    attr = uapi.bpf_attr
    assert uapi.offsetof(attr, "test.retval") == 4 and uapi.offsetof(attr, "test.duration") == 36
    assert uapi.offsetofend(attr, "info.info_len") == 8
    assert uapi.offsetof(attr, "map_name") == 28 == uapi.offsetof(uapi.bpf_attr_map_create, "map_name")
    assert uapi.offsetofend(uapi.bpf_attr_map_elem, "next_key") == 24  # in the anonymous union
    assert uapi.offsetofend(attr, "batch.count") == 36
    assert uapi.offsetofend(uapi.sk_buff, "flow_keys") == uapi.offsetof(uapi.sk_buff, "flow_keys") + 8
    with pytest.raises(AttributeError, match="no member 'nope'"):
        uapi.offsetof(attr, "test.nope")
    with pytest.raises(AttributeError, match="not inside a struct"):
        uapi.offsetof(attr, "test.retval.x")
    with pytest.raises(ValueError, match="bitfield"):
        uapi.offsetof(uapi.bpf_insn, "dst_reg")


def test_kernel_internal_constants() -> None:
    assert (uapi.ENOTSUPP, uapi.EBADCOOKIE, uapi.ERESTARTSYS) == (524, 523, 512)
    assert (uapi.BPF_REG_FP, uapi.MAX_BPF_STACK, uapi.MAX_CALL_FRAMES) == (10, 512, 8)
    assert (uapi.BPF_MAX_LOOPS, uapi.MAX_TAIL_CALL_CNT, uapi.BPF_COMPLEXITY_LIMIT_INSNS) == (
        1 << 23,
        33,
        10**6,
    )
    assert uapi.BPF_LOG_MASK == uapi.BPF_LOG_LEVEL | uapi.BPF_LOG_STATS | uapi.BPF_LOG_FIXED == 15
    assert (uapi.BPF_LOAD_ACQ, uapi.BPF_STORE_REL, uapi.BPF_JCOND, uapi.BPF_MEMSX) == (
        0x100,
        0x110,
        0xE0,
        0x80,
    )
    assert (uapi.BPF_MAY_GOTO, uapi.BPF_ADDR_SPACE_CAST) == (0, 1)


def test_isa_reexports_the_uapi_constants() -> None:
    for name in ("BPF_K", "BPF_X", "BPF_FETCH", "BPF_XCHG", "BPF_PSEUDO_CALL", "BPF_REG_FP", "MAX_BPF_REG"):
        assert getattr(opcodes, name) is getattr(uapi, name), name
    assert opcodes.ALU_OPS["arsh"] == uapi.BPF_ARSH and opcodes.JMP_OPS["jcond"] == uapi.BPF_JCOND
    assert opcodes.STACK_SIZE == uapi.MAX_BPF_STACK


def test_nothing_outside_uapi_types_its_constants() -> None:
    """ENOTSUPP and every other generated name is bound in one module only: the generated one."""
    exported = gen_uapi.exported_names(Path(uapi.__file__).with_name("_generated.py").read_text("utf-8"))
    assert "ENOTSUPP" in exported and "bpf_attr_map_create" in exported
    assert gen_uapi.hand_typed_constants(gen_uapi.PACKAGE, exported) == []


def test_the_scan_finds_constants_typed_by_hand(tmp_path: Path) -> None:
    package = tmp_path / "pybpf"
    (package / "uapi").mkdir(parents=True)
    (package / "uapi" / "_generated.py").write_text("ENOTSUPP = 524\n")
    (package / "maps.py").write_text(
        "import pybpf.uapi._generated\n"
        "from pybpf import uapi\n"
        "ENOTSUPP = 524\n"
        "if True:\n"
        "    A, (B, OTHER) = 1, (2, 3)\n"
        "X = uapi._generated.bpf_attr\n"
        "def f():\n"
        "    ENOTSUPP = 1\n"
        "    return ENOTSUPP\n"
    )
    found = gen_uapi.hand_typed_constants(package, {"ENOTSUPP", "B"})
    assert found == [
        "pybpf/maps.py:3: ENOTSUPP is defined by pybpf.uapi: import it from there",
        "pybpf/maps.py:5: B is defined by pybpf.uapi: import it from there",
        "pybpf/maps.py:1: uses the private pybpf.uapi._generated",
        "pybpf/maps.py:6: uses the private pybpf.uapi._generated",
    ]


def test_kernel_release_drops_the_local_version() -> None:
    assert gen_uapi.kernel_release("6.18.44-fc-v1272") == "6.18.44"
    assert gen_uapi.kernel_release("6.1.0-27-amd64") == "6.1.0"
    assert gen_uapi.kernel_release("6.9") == "6.9"
    assert gen_uapi.kernel_release("weird") == "weird"


def test_helper_names_round_trip() -> None:
    assert len(HELPER_NAMES) == uapi.__BPF_FUNC_MAX_ID == len(HELPER_IDS)
    assert sorted(HELPER_NAMES) == list(range(uapi.__BPF_FUNC_MAX_ID))
    for helper, name in HELPER_NAMES.items():
        assert helper_id(name) == helper and helper_name(helper) == name
        assert getattr(uapi, "BPF_FUNC_" + name.removeprefix("bpf_")) == helper
    assert helper_name(uapi.BPF_FUNC_tail_call) == "bpf_tail_call" and helper_id("tail_call") is None


@pytest.mark.skipif(not HEADER.exists(), reason="linux/bpf.h is not installed")
def test_helper_names_agree_with_the_installed_header() -> None:
    """Every helper of the header's ``__BPF_FUNC_MAPPER`` has its id and name (the kernel may have
    more).  Headers before 6.1 list the helpers in id order, later ones give each id."""
    mapper = re.findall(r"\bFN\((\w+)(?:,\s*(\d+),\s*##ctx)?\)", HEADER.read_text(encoding="utf-8"))
    assert len(mapper) > 200
    for position, (name, number) in enumerate(mapper):
        assert HELPER_NAMES[int(number or position)] == "bpf_" + name
