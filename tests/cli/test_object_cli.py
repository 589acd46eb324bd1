"""``pybpf object show``: an object's programs, maps, global data and BTF -- against the sources,
and against llvm-objdump's section headers and symbol table where both tell the same facts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.cli.clitools import GUARD, pybpf
from tests.elf.corpus import DATA
from tests.llvm_tools import LLVM_OBJDUMP

OBJECTS = sorted(DATA.glob("*.o"))


def test_guard_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    done = pybpf(capsys, "object", "show", GUARD)
    assert done.code == 0
    assert "xdp_guard  section xdp  type xdp" in done.out
    assert "proto_stats  array  key 4B __u32  value 16B struct flow_stats  max_entries 256" in done.out
    assert "const volatile __u16 blocked_port = 23" in done.out
    doc = pybpf(capsys, "-p", "object", "show", GUARD).json()
    (program,) = doc["programs"]
    assert (
        program["name"] == "xdp_guard" and program["type"] == "xdp" and program["source"] == "xdp_guard.c:77"
    )
    maps = {m["name"]: m for m in doc["maps"]}
    assert maps["drops_by_source"]["type"] == "hash" and maps["drops_by_source"]["value_type"] == "__u64"
    rodata = next(d for d in doc["global_data"] if d["section"] == ".rodata")
    assert rodata["frozen"] and rodata["variables"][0] == {
        "name": "blocked_port", "type": "const volatile __u16", "offset": 0, "size": 2, "value": 23,
    }  # fmt: skip
    assert doc["btf"]["line_info"] > 0


def _objdump(path: Path, flag: str) -> str:
    assert LLVM_OBJDUMP is not None
    return subprocess.run([LLVM_OBJDUMP, flag, str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(LLVM_OBJDUMP is None, reason="needs llvm-objdump")
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.stem)
def test_programs_match_llvm_objdump(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every program is a global FUNC symbol of its section, with the symbol's size in instructions."""
    done = pybpf(capsys, "-j", "object", "show", path)
    assert done.code == 0
    doc = done.json()
    functions = {}
    for line in _objdump(path, "-t").splitlines():
        m = re.match(r"^[0-9a-f]+ (.)\s+F (\S+)\s+([0-9a-f]+) (\S+)$", line)
        if m:
            functions[m.group(4)] = (m.group(2), int(m.group(3), 16) // 8, m.group(1))
    for program in doc["programs"]:
        section, insns, binding = functions[program["name"]]
        assert (program["section"], program["insns"], binding) == (section, insns, "g")
    assert len(doc["programs"]) == sum(
        1 for name, (section, _, binding) in functions.items() if binding == "g" and section != ".text"
    )
    sections = set(re.findall(r"^\s*\d+ (\S+)", _objdump(path, "-h"), re.M))
    for data in doc["global_data"]:
        assert data["section"] in sections or data["section"] == ".kconfig"


def test_not_an_object_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.o"
    bad.write_bytes(b"\x7fELF" + b"\x00" * 40)
    for path in (bad, tmp_path / "missing.o"):
        done = pybpf(capsys, "object", "show", path)
        assert done.code == 1 and done.err.startswith("pybpf: error: ") and "Traceback" not in done.err
