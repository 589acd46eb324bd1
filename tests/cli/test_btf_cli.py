"""``pybpf btf dump``: the same text and JSON as ``bpftool btf dump file X [format c]`` for every object
of the C corpus, and the BTF of a loaded map by id; the running kernel's vmlinux as a header that
clang compiles and that equals bpftool's."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pybpf import Object
from pybpf.cli.btf_c import c_header
from pybpf.cli.btf_commands import btf_of_file
from tests.cli.clitools import BPFTOOL, GUARD, bpftool, pybpf
from tests.elf.corpus import DATA
from tests.llvm_tools import CLANG

OBJECTS = sorted(DATA.glob("*.o"))
needs_bpftool = pytest.mark.skipif(BPFTOOL is None, reason="needs bpftool")
VMLINUX = Path("/sys/kernel/btf/vmlinux")
# what libbpf 1.5+ adds to enums and bpftool builds on an older libbpf (7.1: libbpf 1.1) may not
_ENUM_SPELLING = re.compile(r" __attribute__\(\(mode\((?:byte|word)\)\)\)|(?<=\d)U?LL(?=,$)", re.M)


@needs_bpftool
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.stem)
def test_raw_dump_equals_bpftool(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = pybpf(capsys, "btf", "dump", "file", path)
    theirs = bpftool("btf", "dump", "file", path)
    assert ours.code == 0 and theirs.returncode == 0
    assert ours.out == theirs.stdout


@needs_bpftool
@pytest.mark.parametrize("path", OBJECTS, ids=lambda p: p.stem)
def test_c_dump_equals_bpftool(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = pybpf(capsys, "btf", "dump", path, "format", "c")
    theirs = bpftool("btf", "dump", "file", path, "format", "c")
    assert ours.code == 0 and theirs.returncode == 0
    assert ours.out == theirs.stdout


@needs_bpftool
@pytest.mark.parametrize("path", OBJECTS[:8], ids=lambda p: p.stem)
def test_json_dump_equals_bpftool(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ours = pybpf(capsys, "-j", "btf", "dump", "file", path)
    theirs = bpftool("-j", "btf", "dump", "file", path)
    assert ours.json() == json.loads(theirs.stdout)


def test_dump_of_a_loaded_maps_btf(capsys: pytest.CaptureFixture[str], backend: object) -> None:
    with Object.open(GUARD, backend=backend) as obj:  # type: ignore[arg-type]
        obj.load()
        map_id = obj.maps["proto_stats"].id
        done = pybpf(capsys, "btf", "dump", "map", "id", map_id, "format", "c", "--backend", obj.backend.name)
    assert done.code == 0
    assert "struct flow_stats {\n\t__u64 packets;\n\t__u64 bytes;\n};" in done.out


def test_bad_inputs_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junk = tmp_path / "junk.btf"
    junk.write_bytes(b"\x9f\xeb\x01\x00" + b"\xff" * 30)
    for argv in (
        ["btf", "dump", junk],
        ["btf", "dump", GUARD, "format", "html"],
        ["btf", "dump", "id", "999999"],
    ):
        done = pybpf(capsys, *argv)
        assert done.code != 0
        assert done.err.startswith("pybpf: error: ") and "Traceback" not in done.err


@pytest.fixture(scope="module")
def vmlinux_header() -> str:
    if not VMLINUX.exists():
        pytest.skip("no /sys/kernel/btf/vmlinux")
    return c_header(btf_of_file(str(VMLINUX)))


@pytest.mark.slow
@needs_bpftool
def test_vmlinux_header_equals_bpftool(vmlinux_header: str) -> None:
    """Every type in bpftool's order with its unique name (``___2``: the kernel has several structs
    and enumerators of one name), declarators as libbpf spells them; enum attributes and ``ULL``
    suffixes aside, which depend on bpftool's libbpf release."""
    theirs = bpftool("btf", "dump", "file", VMLINUX, "format", "c").stdout
    assert _ENUM_SPELLING.sub("", vmlinux_header) == _ENUM_SPELLING.sub("", theirs)


@pytest.mark.slow
@pytest.mark.skipif(CLANG is None, reason="needs clang")
def test_vmlinux_header_compiles(vmlinux_header: str, tmp_path: Path) -> None:
    """The header pybpf writes is what a CO-RE program includes: clang compiles a real-world tracing
    source against it (duplicate names, ``__builtin_va_list`` or a qualified array would not)."""
    (tmp_path / "vmlinux.h").write_text(vmlinux_header)
    source = DATA / "real_execsnoop.c"
    done = subprocess.run(
        [
            str(CLANG),
            "-target",
            "bpf",
            "-D__TARGET_ARCH_x86",
            "-O2",
            "-g",
            f"-I{tmp_path}",
            f"-I{DATA}",
            "-c",
            str(source),
            "-o",
            str(tmp_path / "out.o"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
