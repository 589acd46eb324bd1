"""Reading the corpus into specs: programs, maps, relocations, BTF and line info, checked against the C
sources, against what the SEC() names mean, and against llvm-objdump / bpftool where they are installed.

The specs are plain data: reading never calls bpf(), so these tests run anywhere.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.btf.types import Datasec
from pybpf.elf import MapKind, ObjectSpec, PinType, RefKind, read_object
from pybpf.elf.globaldata import internal_map_name
from tests.elf.corpus import DATA, OBJECTS, obj_path
from tests.llvm_tools import LLVM_OBJDUMP

M = uapi.bpf_map_type
P = uapi.bpf_prog_type

BPFTOOL = shutil.which("bpftool")


def spec_of(name: str) -> ObjectSpec:
    return read_object(obj_path(name))


# -- maps, as the C sources define them -------------------------------------------------------------------
EXPECTED_MAPS: dict[str, dict[str, tuple[int, int, int, int, int]]] = {
    "xdp_counter": {"proto_counts": (M.BPF_MAP_TYPE_ARRAY, 4, 16, 256, 0)},
    "xdp_firewall": {
        "blocked_sources": (M.BPF_MAP_TYPE_HASH, 4, 8, 1024, 0),
        "verdict_stats": (M.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 3, 0),
    },
    "lru_hash": {"flows": (M.BPF_MAP_TYPE_LRU_HASH, 4, 16, 4096, 0)},
    "ringbuf_events": {"events": (M.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0)},
    "map_in_map": {
        "counters_even": (M.BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0),
        "by_parity": (M.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0),
        "by_id": (M.BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 8, 0),
    },
    "tail_calls": {"dispatch": (M.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 32, 0)},
    "spin_lock": {"stats": (M.BPF_MAP_TYPE_HASH, 4, 24, 4, 0)},
    "legacy_maps": {
        "packet_count": (M.BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0),
        "sizes": (M.BPF_MAP_TYPE_HASH, 4, 4, 64, uapi.BPF_F_NO_PREALLOC),
    },
    "legacy_iproute2": {"tc_counts": (M.BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0)},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_MAPS))
def test_maps_as_the_sources_define_them(name: str) -> None:
    spec = spec_of(name)
    for map_name, (map_type, key, value, entries, flags) in EXPECTED_MAPS[name].items():
        m = spec.maps[map_name]
        assert (m.map_type, m.key_size, m.value_size, m.max_entries, m.flags) == (
            map_type,
            key,
            value,
            entries,
            flags,
        )


def test_btf_map_key_and_value_types() -> None:
    spec = spec_of("xdp_counter")
    assert spec.btf is not None
    m = spec.maps["proto_counts"]
    assert spec.btf.name_of(m.key_type_id) == "__u32"
    assert spec.btf.name_of(m.value_type_id) == "struct counters"
    assert m.kind is MapKind.BTF and m.section == ".maps"


def test_map_in_map_inner_definitions_and_initial_slots() -> None:
    spec = spec_of("map_in_map")
    outer = spec.maps["by_parity"]
    assert outer.inner is not None
    assert (outer.inner.map_type, outer.inner.key_size, outer.inner.value_size, outer.inner.max_entries) == (
        M.BPF_MAP_TYPE_ARRAY,
        4,
        8,
        4,
    )
    assert outer.inner.name == "by_parity.inner"
    assert outer.contents == {0: "counters_even", 1: "counters_odd"}
    assert spec.maps["by_id"].contents == {3: "counters_odd"}


def test_prog_array_initial_slots_name_programs() -> None:
    spec = spec_of("tail_calls")
    assert spec.maps["dispatch"].contents == {6: "handle_tcp", 17: "handle_udp"}


def test_pinning_by_name() -> None:
    spec = spec_of("pinned_maps")
    assert spec.maps["shared_counts"].pinning is PinType.BY_NAME
    assert spec.maps["private_counts"].pinning is PinType.NONE
    assert spec_of("legacy_iproute2").maps["tc_counts"].pinning is PinType.BY_NAME


def test_legacy_maps_come_from_the_maps_section() -> None:
    spec = spec_of("legacy_maps")
    assert {m.kind for m in spec.maps.values() if m.section == "maps"} == {MapKind.LEGACY}
    refs = spec.programs["xdp_legacy"].references
    assert {(r.kind, r.target) for r in refs} == {(RefKind.MAP, "packet_count"), (RefKind.MAP, "sizes")}


# -- global data ---------------------------------------------------------------------------------------------
def test_global_data_sections_become_array_maps() -> None:
    spec = spec_of("global_vars")
    names = {n for n, m in spec.maps.items() if m.kind.is_global_data}
    assert names == {".data", ".bss", ".data.last"}
    data = spec.maps[".data"]
    assert (data.map_type, data.key_size, data.max_entries) == (M.BPF_MAP_TYPE_ARRAY, 4, 1)
    assert data.kernel_name == "global_v.data"
    assert spec.maps[".data.last"].kernel_name == ".data.last"
    assert data.flags & uapi.BPF_F_MMAPABLE
    bss = spec.maps[".bss"]
    assert bss.data is not None and not any(bss.data)
    assert spec.btf is not None and isinstance(spec.btf[data.value_type_id], Datasec)


def test_rodata_is_read_only_for_programs_and_frozen() -> None:
    rodata = spec_of("rodata_config").maps[".rodata"]
    assert rodata.flags & uapi.BPF_F_RDONLY_PROG
    assert rodata.frozen
    assert rodata.data is not None and rodata.data[:2] == (60).to_bytes(2, "little")


@pytest.mark.parametrize(
    ("obj", "section", "expected"),
    [
        ("xdp_counter", ".rodata", "xdp_coun.rodata"),
        ("a", ".bss", "a.bss"),
        ("averyveryverylongname", ".data", "averyver.data"),
        ("x-y", ".data", "x_y.data"),
        ("obj", ".data.counters", ".data.counters"),
        ("obj", ".rodata.str1.1", ".rodata.str1.1"),
        ("obj", ".data.a_very_long_custom_name", ".data.a_very_lo"),
    ],
)
def test_internal_map_names_follow_libbpf(obj: str, section: str, expected: str) -> None:
    assert internal_map_name(obj, section) == expected


def test_datasec_sizes_and_offsets_are_filled_from_the_elf_symbols() -> None:
    spec = spec_of("xdp_firewall")
    assert spec.btf is not None
    maps_sec = spec.btf.get(".maps", Datasec)
    assert isinstance(maps_sec, Datasec)
    assert maps_sec.size == 64
    assert [v.offset for v in maps_sec.vars] == [0, 32]  # clang leaves both at 0


# -- programs ------------------------------------------------------------------------------------------------
EXPECTED_PROGRAMS = {
    ("multi_prog", "xdp_pass"): ("xdp", P.BPF_PROG_TYPE_XDP, uapi.BPF_XDP, 0),
    ("multi_prog", "xdp_drop_short"): ("xdp", P.BPF_PROG_TYPE_XDP, uapi.BPF_XDP, 0),
    ("multi_prog", "xdp_frags_len"): (
        "xdp.frags",
        P.BPF_PROG_TYPE_XDP,
        uapi.BPF_XDP,
        uapi.BPF_F_XDP_HAS_FRAGS,
    ),
    ("multi_prog", "socket_len"): ("socket", P.BPF_PROG_TYPE_SOCKET_FILTER, 0, 0),
    ("multi_prog", "cls_mark"): ("classifier", P.BPF_PROG_TYPE_SCHED_CLS, 0, 0),
    ("syscall_prog", "sys_add"): ("syscall", P.BPF_PROG_TYPE_SYSCALL, 0, uapi.BPF_F_SLEEPABLE),
    ("tc_classifier", "tc_mark"): ("tc", P.BPF_PROG_TYPE_SCHED_CLS, 0, 0),
}


@pytest.mark.parametrize(("obj", "program"), sorted(EXPECTED_PROGRAMS))
def test_programs_by_section(obj: str, program: str) -> None:
    section, prog_type, attach, flags = EXPECTED_PROGRAMS[(obj, program)]
    p = spec_of(obj).programs[program]
    assert (p.section, p.prog_type, p.expected_attach_type, p.prog_flags) == (
        section,
        prog_type,
        attach,
        flags,
    )


def test_license_and_version() -> None:
    spec = spec_of("multi_prog")
    assert spec.license == "Dual BSD/GPL"
    assert spec.kernel_version == 0x061200
    assert {p.license for p in spec.programs.values()} == {"Dual BSD/GPL"}


def test_several_programs_in_one_section_have_their_own_offsets() -> None:
    spec = spec_of("multi_prog")
    a, b = spec.programs["xdp_pass"], spec.programs["xdp_drop_short"]
    assert a.section == b.section == "xdp"
    assert b.offset == a.offset + a.slots


def test_subprograms_are_not_entry_points() -> None:
    spec = spec_of("bpf2bpf_calls")
    assert set(spec.programs) == {"xdp_calls_a", "xdp_calls_b"}
    subprograms = {f.name for f in spec.functions if f.is_subprogram}
    assert subprograms == {"fold", "mix", "frame_len", "weigh"}
    calls = [r for r in spec.programs["xdp_calls_a"].references if r.kind is RefKind.CALL]
    assert calls and all(r.section == ".text" for r in calls)


def test_callbacks_are_function_references() -> None:
    refs = spec_of("bpf_loop").programs["xdp_loop"].references
    funcs = [r for r in refs if r.kind is RefKind.FUNC]
    assert len(funcs) == 2
    spec = spec_of("bpf_loop")
    assert {spec.function_starting_at(r.section, r.offset).name for r in funcs} == {"step", "add_weight"}  # type: ignore[union-attr]


def test_externs() -> None:
    spec = spec_of("kconfig_externs")
    assert set(spec.externs) == {
        "LINUX_KERNEL_VERSION",
        "CONFIG_HZ",
        "CONFIG_BPF_SYSCALL",
        "CONFIG_NET_SCHED",
        "CONFIG_DEFAULT_HOSTNAME",
        "CONFIG_MISSING_OPTION",
    }
    assert spec.externs["CONFIG_NET_SCHED"].weak and not spec.externs["CONFIG_HZ"].weak
    kconfig = spec.maps[".kconfig"]
    assert kconfig.kind is MapKind.KCONFIG and kconfig.frozen
    offsets = sorted((e.offset, e.size) for e in spec.externs.values())
    assert all(a + sa <= b for (a, sa), (b, _) in itertools.pairwise(offsets))
    assert kconfig.value_size == max(o + s for o, s in offsets)


# -- line info against the C sources -------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in OBJECTS if n != "core_target"])
def test_line_info_quotes_the_c_source(name: str) -> None:
    spec = spec_of(name)
    source = (DATA / f"{name}.c").read_text().splitlines()
    lines = [line for f in spec.functions for line in f.line_info]
    assert lines, "the object has no line info (compiled without -g?)"
    for line in lines:
        assert line.file.endswith(".c") or line.file.endswith(".h")
        if line.file.endswith(f"{name}.c"):
            assert source[line.line - 1].strip() == line.source.strip()
    assert all(f.func_info and f.func_info[0].insn == 0 for f in spec.functions)


# -- against llvm-objdump and bpftool ------------------------------------------------------------------------
def _objdump_relocations(path: Path) -> dict[str, list[tuple[int, str, str]]]:
    assert LLVM_OBJDUMP is not None
    text = subprocess.run([LLVM_OBJDUMP, "-r", str(path)], capture_output=True, text=True, check=True).stdout
    out: dict[str, list[tuple[int, str, str]]] = {}
    current = None
    for line in text.splitlines():
        header = re.match(r"RELOCATION RECORDS FOR \[(.*)\]:", line)
        if header:
            current = header.group(1)
            out[current] = []
        elif current and re.match(r"[0-9a-f]{16} ", line):
            offset, rtype, value = line.split()[:3]
            out[current].append((int(offset, 16), rtype, value))
    return out


@pytest.mark.skipif(LLVM_OBJDUMP is None, reason="llvm-objdump is not installed")
@pytest.mark.parametrize("name", OBJECTS)
def test_relocations_match_llvm_objdump(name: str) -> None:
    spec = spec_of(name)
    relocations = _objdump_relocations(obj_path(name))
    sections = {f.section for f in spec.functions}
    for section in sections:
        expected = sorted(offset // 8 for offset, _, _ in relocations.get(section, []))
        found = sorted(
            f.offset + r.insn for f in spec.functions if f.section == section for r in f.references
        )
        assert found == expected, section
    for f in spec.functions:
        for r in f.references:
            if r.kind is RefKind.MAP:
                values = {v for o, _, v in relocations[f.section] if o // 8 == f.offset + r.insn}
                assert values == {r.target}


@pytest.mark.skipif(LLVM_OBJDUMP is None, reason="llvm-objdump is not installed")
@pytest.mark.parametrize("name", OBJECTS)
def test_functions_match_the_llvm_objdump_symbol_table(name: str) -> None:
    assert LLVM_OBJDUMP is not None
    text = subprocess.run(
        [LLVM_OBJDUMP, "-t", str(obj_path(name))], capture_output=True, text=True, check=True
    )
    functions = set()
    for line in text.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[2] == "F":
            functions.add((parts[5], parts[3], int(parts[0], 16) // 8, int(parts[4], 16) // 8))
    found = {(f.name, f.section, f.offset, f.slots) for f in spec_of(name).functions}
    assert found == functions


@pytest.mark.skipif(BPFTOOL is None, reason="bpftool is not installed")
@pytest.mark.parametrize("name", OBJECTS)
def test_btf_matches_bpftool(name: str) -> None:
    assert BPFTOOL is not None
    done = subprocess.run(
        [BPFTOOL, "-j", "btf", "dump", "file", str(obj_path(name))],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        pytest.skip(f"bpftool cannot read it: {done.stderr.strip()}")
    types = json.loads(done.stdout)["types"]
    btf = spec_of(name).btf
    assert btf is not None
    # the .ksyms DATASEC is laid out at open time as libbpf does: its kfuncs stand for a dummy VAR
    # (and an int, if the object had none) appended after the file's types
    added = [t.name for t in btf.types[len(types) :]]
    assert added in ([], ["dummy_ksym_var"], ["int", "dummy_ksym_var"])
    for t in types:
        ours = btf[t["id"]]
        assert ours.kind.name == t["kind"]
        assert (ours.name or "(anon)") == t["name"]
        if t["kind"] == "DATASEC" and t["name"] == ".ksyms":
            assert isinstance(ours, Datasec) and len(ours.vars) == len(t["vars"])
        elif t["kind"] == "DATASEC":
            assert isinstance(ours, Datasec)
            assert [v.type_id for v in ours.vars] == sorted(
                (v["type_id"] for v in t["vars"]),
                key=lambda i: next(x.offset for x in ours.vars if x.type_id == i),
            )
